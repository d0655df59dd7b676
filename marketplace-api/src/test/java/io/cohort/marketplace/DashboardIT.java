package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.CreditTree;
import io.cohort.ipfs.kubo.KuboClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * The dashboard in a real browser: headless Chromium (Debian's) driven by playwright-core opens a
 * live project played on a real Anvil with records on a real Kubo, and checks that the charts have
 * one point per settled round and one bar per trainer, that the flags table names the flagged
 * update, that the audit view says clean, and that nothing was fetched from another origin. The
 * screenshot stays in target/dashboard/ as the test's artifact.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainAndIpfs.class, restrictToAnnotatedClass = true)
class DashboardIT {

    @TestHTTPResource("/")
    URI base;

    @Test
    void theProjectPageDrawsOnePointPerSettledRoundAndOneBarPerTrainer() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            Play.Cast cast = Play.Cast.funded();
            Credentials owner = cast.owner();
            Credentials evaluator = cast.evaluator();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            long start = chain.latestTimestamp() + 100;
            // an older project, so the list has two pages of one
            BigInteger older = Play.create(owner, start + 100_000, 1, evaluator, ipfs);
            BigInteger project = Play.create(owner, start, 3, evaluator, ipfs);
            cast.join(project);
            BigInteger quarter = Play.STAKE.divide(BigInteger.valueOf(4));
            Play.round(
                    project,
                    0,
                    start,
                    List.of(new Play.Judged(alice, 6_000, null), new Play.Judged(bob, 4_000, null)),
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(6_000), BigInteger.ZERO),
                            new CreditTree.Leaf(
                                    bob.getAddress(), Play.pay(4_000), BigInteger.ZERO)),
                    evaluator,
                    ipfs);
            Play.round(
                    project,
                    1,
                    start + 1200,
                    List.of(
                            new Play.Judged(alice, 10_000, null),
                            new Play.Judged(bob, 0, "outlier")),
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(16_000), BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), Play.pay(4_000), quarter)),
                    evaluator,
                    ipfs);
            awaitSettled(project, 2);

            Path out = Path.of("target", "dashboard");
            Files.createDirectories(out);
            Path shot = out.resolve("project.png").toAbsolutePath();
            Files.deleteIfExists(shot);
            Path tools = Path.of(System.getProperty("test.tools.dir", "../tools"));
            ProcessBuilder pb =
                    new ProcessBuilder(
                            "node",
                            Path.of("src/test/browser/dashboard.cjs").toAbsolutePath().toString(),
                            base.toString().replaceAll("/$", ""),
                            project.toString(),
                            shot.toString());
            pb.environment()
                    .put("NODE_PATH", tools.resolve("node_modules").toAbsolutePath().toString());
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(printed).isZero();
            JsonNode seen = Play.JSON.readTree(printed.lines().reduce((a, b) -> b).orElse("{}"));

            assertThat(seen.path("errors")).as(printed).isEmpty();
            assertThat(seen.path("external")).as("requests to other origins").isEmpty();
            assertThat(seen.path("projectRows").asInt()).isEqualTo(2);
            assertThat(seen.path("pager").asText()).isEqualTo("page 1 of 1");
            assertThat(seen.path("secondPageIds").toString()).isEqualTo("[\"" + older + "\"]");
            assertThat(seen.path("secondPager").asText()).isEqualTo("page 2 of 2 · newer");
            assertThat(seen.path("firstPageIds").toString()).isEqualTo("[\"" + project + "\"]");
            assertThat(seen.path("accuracyPoints").asInt()).isEqualTo(2);
            assertThat(seen.path("accuracy").path(1).asDouble()).isEqualTo(100.0 * 401 / 500);
            assertThat(seen.path("rewardBars").asInt()).isEqualTo(2);
            assertThat(seen.path("flagRows").asInt()).isEqualTo(1);
            assertThat(seen.path("flagText").asText())
                    .contains("outlier")
                    .contains(bob.getAddress());
            assertThat(seen.path("chartsDrawn").asBoolean()).isTrue();
            assertThat(seen.path("verdict").asText()).isEqualTo("clean");
            assertThat(seen.path("auditRows").asInt()).isEqualTo(2);
            assertThat(Files.size(shot)).isGreaterThan(10_000);
        }
    }

    private void awaitSettled(BigInteger project, int rounds) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(base.resolve("/projects/" + project)).build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200
                    && Play.JSON.readTree(r.body()).path("settledRounds").asInt() == rounds) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(
                "project " + project + " never showed " + rounds + " settled rounds");
    }
}
