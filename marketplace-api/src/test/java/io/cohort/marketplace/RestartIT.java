package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * The packaged marketplace restarted over its index folder: it replays its event log instead of
 * reading the chain from the start, picks up what happened while it was down, and stores no log
 * twice. Real Anvil, real Kubo, the application as its own process.
 */
class RestartIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static PackagedApp start(Path index, String market, Path log) throws Exception {
        return PackagedApp.start(
                Path.of("target/quarkus-app/quarkus-run.jar"),
                log,
                "-Xmx512m",
                List.of(
                        "cohort.rpc-url=" + ChainAndIpfs.chain.rpcUrl(),
                        "cohort.market=" + market,
                        "cohort.ipfs-url=" + ChainAndIpfs.kubo.apiUrl(),
                        "cohort.index.dir=" + index,
                        "cohort.index.poll=PT0.2S",
                        "cohort.index.max-range=3"));
    }

    private static JsonNode await(String url, Predicate<JsonNode> ok) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofString());
                last = r.statusCode() + " " + r.body();
                if (r.statusCode() == 200 && ok.test(Play.JSON.readTree(r.body()))) {
                    return Play.JSON.readTree(r.body());
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new AssertionError(url + " never got there; last: " + last);
    }

    @Test
    void aRestartReplaysTheLogAndCatchesUpWithoutDuplicates() throws Exception {
        ChainAndIpfs.chain = DevChain.start();
        ChainAndIpfs.kubo = KuboNode.start();
        PackagedApp app = null;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            var chain = ChainAndIpfs.chain;
            Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("20"));
            String market =
                    io.cohort.contracts.generated.Market.deploy(
                                    chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas())
                            .send()
                            .getContractAddress();
            ChainAndIpfs.market = market;
            Credentials evaluator = DevKit.fundedAccount(chain, DevKit.ether("5"));
            long start = chain.latestTimestamp() + 1000;
            BigInteger one = Play.create(owner, start, 2, evaluator, ipfs);
            Play.as(DevKit.fundedAccount(chain, DevKit.ether("1")))
                    .register(one, Play.STAKE)
                    .send();

            Path index = Files.createTempDirectory("restart-index");
            Path logs = Files.createDirectories(Path.of("target", "restart-it"));
            app = start(index, market, logs.resolve("marketplace.log"));
            await(app.base + "/projects/1", n -> n.path("trainers").asInt() == 1);
            app.process.destroy(); // SIGTERM
            assertThat(app.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long storedBefore = Files.readAllLines(index.resolve("events.jsonl")).size();
            assertThat(storedBefore).isPositive();

            // while it is down: a second trainer, a second project
            Play.as(DevKit.fundedAccount(chain, DevKit.ether("1")))
                    .register(one, Play.STAKE)
                    .send();
            Play.create(owner, start + 50_000, 3, evaluator, ipfs);

            Path log = logs.resolve("marketplace-restarted.log");
            app = start(index, market, log);
            await(app.base + "/projects/2", n -> n.path("rounds").asInt() == 3);
            await(app.base + "/projects/1", n -> n.path("trainers").asInt() == 2);

            String text = Files.readString(log);
            assertThat(text).contains("(" + storedBefore + " events replayed from " + index + ")");
            List<String> lines = Files.readAllLines(index.resolve("events.jsonl"));
            Set<String> positions = new HashSet<>();
            for (String l : lines) {
                JsonNode n = Play.JSON.readTree(l);
                assertThat(positions.add(n.path("block").asLong() + ":" + n.path("index").asLong()))
                        .as(l)
                        .isTrue();
            }
            assertThat(lines.size()).isGreaterThan((int) storedBefore);
        } finally {
            if (app != null) {
                app.process.destroy();
                app.process.waitFor(30, TimeUnit.SECONDS);
                app.process.destroyForcibly();
            }
            ChainAndIpfs.kubo.close();
            ChainAndIpfs.chain.close();
        }
    }
}
