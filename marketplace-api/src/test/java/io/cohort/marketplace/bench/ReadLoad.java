package io.cohort.marketplace.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import io.cohort.marketplace.PackagedApp;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;

/**
 * The marketplace's read endpoints under load (issue 7): 50 projects x 30 settled rounds played on
 * a real Anvil with their records on a real Kubo, the packaged application started as its own
 * process on loopback, then each endpoint driven by closed-loop clients for a fixed time. Beside
 * them, the baseline the index replaces: the same round read from the chain per request ({@code
 * eth_getLogs} of the round's submissions and settlement, straight to Anvil).
 *
 * <p>Args: {@code seconds-per-endpoint connections}.
 */
public final class ReadLoad {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PROJECTS = 50;
    private static final int ROUNDS = 30;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int connections = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path jar = Path.of("marketplace-api/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        try (DevChain chain = DevChain.start();
                KuboNode kubo = KuboNode.start();
                KuboClient ipfs = KuboClient.connect(kubo.apiUrl())) {
            long t0 = System.nanoTime();
            String market = populate(chain, ipfs);
            System.out.printf(
                    Locale.ROOT,
                    "populated %d projects x %d rounds in %.0f s%n",
                    PROJECTS,
                    ROUNDS,
                    (System.nanoTime() - t0) / 1e9);
            Path index = Files.createTempDirectory("load-index");
            PackagedApp app =
                    PackagedApp.start(
                            jar,
                            index.resolve("app.log"),
                            "-Xmx1g",
                            List.of(
                                    "cohort.rpc-url=" + chain.rpcUrl(),
                                    "cohort.market=" + market,
                                    "cohort.ipfs-url=" + kubo.apiUrl(),
                                    "cohort.index.dir=" + index));
            try {
                String base = app.base;
                HttpClient http =
                        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                long t1 = System.nanoTime();
                awaitIndexed(http, base);
                System.out.printf(
                        Locale.ROOT,
                        "indexed by a fresh marketplace in %.1f s%n",
                        (System.nanoTime() - t1) / 1e9);
                System.out.printf(
                        Locale.ROOT,
                        "%d connections, %d s per endpoint after 3 s of warm-up, on this machine (2 cores: clients, app, Anvil and Kubo share them)%n",
                        connections,
                        seconds);
                System.out.println(
                        "endpoint                                   requests/s   p50 ms   p99 ms   errors");
                run("GET /projects", seconds, connections, () -> get(base + "/projects"), http);
                run(
                        "GET /projects/{id}/rounds/{r}",
                        seconds,
                        connections,
                        () ->
                                get(
                                        base
                                                + "/projects/"
                                                + (1 + rnd(PROJECTS))
                                                + "/rounds/"
                                                + rnd(ROUNDS)),
                        http);
                run(
                        "baseline: eth_getLogs of that round",
                        seconds,
                        connections,
                        () -> logsOfRound(chain.rpcUrl(), market, 1 + rnd(PROJECTS), rnd(ROUNDS)),
                        http);
                run(
                        "GET /q/health/live (floor)",
                        seconds,
                        connections,
                        () -> get(base + "/q/health/live"),
                        http);
            } finally {
                app.process.destroy();
                app.process.waitFor(20, TimeUnit.SECONDS);
                app.process.destroyForcibly();
            }
        }
    }

    private static int rnd(int n) {
        return ThreadLocalRandom.current().nextInt(n);
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build();
    }

    private static HttpRequest logsOfRound(String rpc, String market, int project, int round) {
        String topicProject = "0x" + TypeEncoder.encode(new Uint256(project));
        String topicRound = "0x" + TypeEncoder.encode(new Uint256(round));
        String body =
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getLogs\",\"params\":[{\"fromBlock\":\"0x0\",\"toBlock\":\"latest\",\"address\":\""
                        + market
                        + "\",\"topics\":[[\""
                        + EventEncoder.encode(Market.UPDATESUBMITTED_EVENT)
                        + "\",\""
                        + EventEncoder.encode(Market.ROUNDSETTLED_EVENT)
                        + "\"],\""
                        + topicProject
                        + "\",\""
                        + topicRound
                        + "\"]}]}";
        return HttpRequest.newBuilder(URI.create(rpc))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static void run(
            String name, int seconds, int connections, Supplier<HttpRequest> next, HttpClient http)
            throws Exception {
        drive(3, connections, next, http); // warm-up
        long[][] lat = drive(seconds, connections, next, http);
        long errors = lat[1][0];
        long[] all = lat[0];
        Arrays.sort(all);
        System.out.printf(
                Locale.ROOT,
                "%-42s %10.0f %8.2f %8.2f %8d%n",
                name,
                all.length / (double) seconds,
                all.length == 0 ? 0 : all[all.length / 2] / 1e6,
                all.length == 0
                        ? 0
                        : all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)]
                                / 1e6,
                errors);
    }

    /** Closed-loop clients for {@code seconds}: every latency (ns), and the error count. */
    private static long[][] drive(
            int seconds, int connections, Supplier<HttpRequest> next, HttpClient http)
            throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> per = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long[][] mine = {new long[1 << 16], {0}};
            per.add(null);
            int slot = c;
            Thread t =
                    new Thread(
                            () -> {
                                long[] buf = new long[1 << 16];
                                int n = 0;
                                while (System.nanoTime() < end) {
                                    long s = System.nanoTime();
                                    try {
                                        HttpResponse<byte[]> r =
                                                http.send(
                                                        next.get(),
                                                        HttpResponse.BodyHandlers.ofByteArray());
                                        if (r.statusCode() != 200) {
                                            errors.incrementAndGet();
                                        }
                                    } catch (Exception e) {
                                        errors.incrementAndGet();
                                    }
                                    if (n == buf.length) {
                                        buf = Arrays.copyOf(buf, n * 2);
                                    }
                                    buf[n++] = System.nanoTime() - s;
                                }
                                synchronized (per) {
                                    per.set(slot, Arrays.copyOf(buf, n));
                                }
                            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all = per.stream().flatMapToLong(Arrays::stream).toArray();
        return new long[][] {all, {errors.get()}};
    }

    private static void awaitIndexed(HttpClient http, String base) throws Exception {
        long end = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r =
                        http.send(
                                get(base + "/projects/" + PROJECTS),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200
                        && JSON.readTree(r.body()).path("settledRounds").asInt() == ROUNDS) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not up yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the marketplace did not index the projects in 10 minutes");
    }

    private static Market as(DevChain chain, String market, Credentials who) {
        return Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), who), DevKit.gas());
    }

    /** 50 projects of 30 rounds, each round with two submissions and a settled record. */
    private static String populate(DevChain chain, KuboClient ipfs) throws Exception {
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("10000"));
        Credentials evaluator = DevKit.fundedAccount(chain, DevKit.ether("1000"));
        Credentials alice = DevKit.fundedAccount(chain, DevKit.ether("1000"));
        Credentials bob = DevKit.fundedAccount(chain, DevKit.ether("1000"));
        String market =
                Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas())
                        .send()
                        .getContractAddress();
        BigInteger reward = DevKit.ether("1");
        BigInteger stake = DevKit.ether("0.1");
        byte[] spec = ipfs.add("{\"spec\":1}".getBytes(StandardCharsets.UTF_8)).toBytes();
        byte[] model = ipfs.add(new byte[] {1, 2, 3}).toBytes();
        long start = chain.latestTimestamp() + 100;
        for (int p = 0; p < PROJECTS; p++) {
            as(chain, market, owner)
                    .createProject(
                            new Market.ProjectParams(
                                    DevKit.ETH,
                                    reward,
                                    stake,
                                    DevKit.ether("0.5"),
                                    DevKit.ether("0.2"),
                                    BigInteger.valueOf(start),
                                    BigInteger.valueOf(600),
                                    BigInteger.valueOf(600),
                                    BigInteger.valueOf(ROUNDS),
                                    BigInteger.TEN,
                                    BigInteger.ONE,
                                    List.of(evaluator.getAddress()),
                                    List.of(new byte[32]),
                                    spec,
                                    model),
                            reward.multiply(BigInteger.valueOf(ROUNDS)))
                    .send();
        }
        for (int p = 1; p <= PROJECTS; p++) {
            BigInteger id = BigInteger.valueOf(p);
            as(chain, market, alice).register(id, stake).send();
            as(chain, market, bob).register(id, stake).send();
            as(chain, market, evaluator).bondEvaluator(id, DevKit.ether("0.5")).send();
        }
        Cid modelCid = ipfs.add(new byte[] {4, 5, 6});
        for (int r = 0; r < ROUNDS; r++) {
            long opens = start + r * 1200L;
            chain.mineAt(opens);
            String[][] cids = new String[PROJECTS + 1][2];
            for (int p = 1; p <= PROJECTS; p++) {
                for (int t = 0; t < 2; t++) {
                    Cid c =
                            ipfs.add(
                                    ("update " + p + " " + r + " " + t)
                                            .getBytes(StandardCharsets.UTF_8));
                    cids[p][t] = c.toString();
                    as(chain, market, t == 0 ? alice : bob)
                            .submit(BigInteger.valueOf(p), BigInteger.valueOf(r), c.toBytes())
                            .send();
                }
            }
            chain.mineAt(opens + 600);
            BigInteger credit = reward.multiply(BigInteger.valueOf(r + 1)).divide(BigInteger.TWO);
            List<CreditTree.Leaf> leaves =
                    List.of(
                            new CreditTree.Leaf(alice.getAddress(), credit, BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), credit, BigInteger.ZERO));
            CreditTree tree = CreditTree.of(leaves);
            for (int p = 1; p <= PROJECTS; p++) {
                ObjectNode rec = JSON.createObjectNode();
                rec.put("format", "cohort-round/1")
                        .put("project", Integer.toString(p))
                        .put("round", r)
                        .put("model-cid", modelCid.toString())
                        .put("onnx-cid", modelCid.toString());
                var subs = rec.putArray("submissions");
                subs.addObject()
                        .put("trainer", alice.getAddress())
                        .put("cid", cids[p][0])
                        .put("score-bps", 5000);
                subs.addObject()
                        .put("trainer", bob.getAddress())
                        .put("cid", cids[p][1])
                        .put("score-bps", 5000);
                var cr = rec.putArray("credits");
                for (CreditTree.Leaf l : leaves) {
                    cr.addObject()
                            .put("trainer", l.trainer())
                            .put("credit", l.credit().toString())
                            .put("slash", "0");
                }
                rec.put("credits-root", tree.rootHex());
                rec.putObject("policy-report")
                        .put("validation-correct", 300 + r)
                        .put("validation-total", 500);
                Cid report = ipfs.add(JSON.writeValueAsBytes(rec));
                BigInteger id = BigInteger.valueOf(p);
                byte[] hash =
                        as(chain, market, evaluator)
                                .roundState(id, BigInteger.valueOf(r))
                                .send()
                                .component2();
                as(chain, market, evaluator)
                        .postResult(
                                id,
                                BigInteger.valueOf(r),
                                new Market.Result(
                                        tree.root(),
                                        credit.multiply(BigInteger.TWO),
                                        BigInteger.ZERO,
                                        BigInteger.TWO,
                                        hash,
                                        modelCid.toBytes(),
                                        report.toBytes()))
                        .send();
            }
        }
        return market;
    }
}
