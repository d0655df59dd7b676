package io.cohort.tour;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.kubo.KuboNode;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.web3j.crypto.Credentials;
import org.web3j.utils.Convert;

/**
 * The demo: a whole collaborative training run on one machine, every part real and every node its
 * own process. It starts Anvil (a block a second) and Kubo on free loopback ports (or uses the
 * given ones), deploys the market, starts the marketplace, signs in as an owner and launches a
 * project through the REST API (a CNN, Dirichlet(0.5) shards), starts one evaluator and the
 * trainers (honest, poisoning, free-riding), narrates each round from the marketplace's API, and
 * ends with the audit's verdict. Without {@code --keep} it stops every process it started.
 */
public final class Demo {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = "demo password";

    /** The command line. */
    public record Options(
            int rounds,
            int honest,
            int poisoners,
            int freeRiders,
            int copiers,
            String dataset,
            int samples,
            String rpcUrl,
            String ipfsUrl,
            boolean keep,
            int submitSeconds,
            int evalSeconds) {

        static Options defaults() {
            return new Options(5, 4, 1, 1, 0, "fashion-mnist", 1500, null, null, false, 45, 30);
        }

        static Options parse(String... args) {
            Options d = defaults();
            int rounds = d.rounds,
                    honest = d.honest,
                    poisoners = d.poisoners,
                    freeRiders = d.freeRiders,
                    copiers = d.copiers;
            int samples = d.samples, submitSeconds = d.submitSeconds, evalSeconds = d.evalSeconds;
            String dataset = d.dataset, rpcUrl = d.rpcUrl, ipfsUrl = d.ipfsUrl;
            boolean keep = d.keep;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--keep")) {
                    keep = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(
                            a + " needs a value (or is not an option; see --help)");
                }
                String v = args[++i];
                switch (a) {
                    case "--rounds" -> rounds = positive(a, v);
                    case "--trainers" -> honest = positive(a, v);
                    case "--poisoners" -> poisoners = count(a, v);
                    case "--free-riders" -> freeRiders = count(a, v);
                    case "--copiers" -> copiers = count(a, v);
                    case "--samples" -> samples = positive(a, v);
                    case "--submit-seconds" -> submitSeconds = positive(a, v);
                    case "--eval-seconds" -> evalSeconds = positive(a, v);
                    case "--rpc-url" -> rpcUrl = v;
                    case "--ipfs-url" -> ipfsUrl = v;
                    case "--dataset" -> {
                        if (!v.equals("mnist") && !v.equals("fashion-mnist")) {
                            throw new IllegalArgumentException(
                                    "--dataset is mnist or fashion-mnist, got " + v);
                        }
                        dataset = v;
                    }
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown option " + a + " (see --help)");
                }
            }
            return new Options(
                    rounds,
                    honest,
                    poisoners,
                    freeRiders,
                    copiers,
                    dataset,
                    samples,
                    rpcUrl,
                    ipfsUrl,
                    keep,
                    submitSeconds,
                    evalSeconds);
        }

        private static int positive(String name, String v) {
            int n = count(name, v);
            if (n == 0) {
                throw new IllegalArgumentException(name + " must be at least 1");
            }
            return n;
        }

        private static int count(String name, String v) {
            try {
                int n = Integer.parseInt(v);
                if (n < 0 || n > 100_000) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " takes a whole number, got '" + v + "'");
            }
        }
    }

    /** One trainer as the demo set it up and as the last settled record left it. */
    public record TrainerResult(
            String address, String role, BigInteger credit, BigInteger slash, List<String> flags) {}

    /** What the run showed, for the end-to-end test. */
    public record Summary(
            BigInteger project,
            boolean onChain,
            int settledRounds,
            List<TrainerResult> trainers,
            String auditVerdict,
            List<String> recomputed,
            List<Long> pids) {}

    static final String USAGE =
            """
            usage: ./demo [--rounds 5] [--trainers 4] [--poisoners 1] [--free-riders 1] [--copiers 0]
                          [--dataset fashion-mnist|mnist] [--samples 1500] [--keep]
                          [--rpc-url URL] [--ipfs-url URL] [--submit-seconds 45] [--eval-seconds 30]
              --trainers      honest trainers (each a Dirichlet(0.5) shard of the training split)
              --copiers       trainers that resend another's released update of the last settled
                              round as their own (flagged copy:earlier-round); they hold no data
                              and send nothing until a round settled
              --samples       training samples per trainer
              --rpc-url       an Anvil to use instead of starting one (it must answer anvil_setBalance)
              --ipfs-url      a Kubo RPC API to use instead of starting one
              --keep          leave everything running at the end (Ctrl-C stops it all)
            """;

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(USAGE);
            return;
        }
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(o, Path.of("").toAbsolutePath(), System.out);
            System.exit(0);
        } catch (Exception e) {
            System.err.println("demo: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Runs the demo from the repository {@code root}; the summary once everything it started
     * stopped.
     */
    public static Summary run(Options o, Path root, PrintStream out) throws Exception {
        Path nodeJar = root.resolve("node/target/quarkus-app/quarkus-run.jar");
        Path marketJar = root.resolve("marketplace-api/target/quarkus-app/quarkus-run.jar");
        for (Path jar : List.of(nodeJar, marketJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IOException(jar + " is missing: build first (mvn package -DskipTests)");
            }
        }
        Path work = Files.createTempDirectory("cohort-demo");
        List<AutoCloseable> started = new ArrayList<>();
        List<Process> processes = new ArrayList<>();
        Thread hook = new Thread(() -> stopAll(processes, started));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return tour(o, root, work, nodeJar, marketJar, out, started, processes);
        } finally {
            if (!o.keep()) {
                stopAll(processes, started);
                Runtime.getRuntime().removeShutdownHook(hook);
                out.println("demo: stopped every process it started");
            }
        }
    }

    private static void stopAll(List<Process> processes, List<AutoCloseable> started) {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            if (p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(15, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                // going down anyway
            }
        }
        processes.clear();
        started.clear();
    }

    private static Summary tour(
            Options o,
            Path root,
            Path work,
            Path nodeJar,
            Path marketJar,
            PrintStream out,
            List<AutoCloseable> started,
            List<Process> processes)
            throws Exception {
        // the chain and IPFS
        DevChain chain;
        String rpc;
        if (o.rpcUrl() == null) {
            chain = DevChain.start(1);
            started.add(chain);
            rpc = chain.rpcUrl();
            out.println("demo: Anvil on " + rpc + " (a block a second), pid " + chain.pid());
        } else {
            chain = null;
            rpc = o.rpcUrl();
            out.println("demo: using the chain at " + rpc);
        }
        String ipfs;
        if (o.ipfsUrl() == null) {
            KuboNode kubo = KuboNode.start();
            started.add(kubo);
            ipfs = kubo.apiUrl().toString();
            out.println("demo: Kubo on " + ipfs + ", pid " + kubo.pid());
        } else {
            ipfs = o.ipfsUrl();
            out.println("demo: using Kubo at " + ipfs);
        }
        Funder funder = new Funder(rpc, chain);

        // the market and the marketplace
        Credentials deployer = funder.fund(DevKit.ether("10"));
        String market =
                Market.deploy(funder.web3j(), DevKit.tx(funder.web3j(), deployer), DevKit.gas())
                        .send()
                        .getContractAddress();
        out.println("demo: market deployed at " + market);
        Credentials operator = funder.fund(DevKit.ether("1000"));
        Path operatorKey = keystore(work, "operator", operator);
        // the one owner this marketplace lets sign in and launch with the operator's funds
        Credentials owner = funder.fund(DevKit.ether("1"));
        Path marketplaceLog = work.resolve("marketplace.log");
        Process marketplace =
                start(
                        processes,
                        marketplaceLog,
                        List.of(
                                "java",
                                "-Xmx512m",
                                "-Dcohort.rpc-url=" + rpc,
                                "-Dcohort.market=" + market,
                                "-Dcohort.ipfs-url=" + ipfs,
                                "-Dcohort.index.dir=" + work.resolve("index"),
                                "-Dcohort.operator.ledger=" + work.resolve("launches.jsonl"),
                                "-Dcohort.index.poll=PT0.5S",
                                "-Dcohort.operator.keystore=" + operatorKey,
                                "-Dcohort.operator.password-file=" + password(work),
                                "-Dcohort.auth.owners=" + owner.getAddress(),
                                "-Dquarkus.http.port=0",
                                "-jar",
                                marketJar.toString()),
                        Map.of());
        String api = listening(marketplace, marketplaceLog);
        HttpClient http = HttpClient.newHttpClient();
        await(
                () -> Launch.status(http, api + "/q/health/ready") == 200,
                Duration.ofSeconds(60),
                "the marketplace to be ready");
        out.println(
                "demo: marketplace and dashboard on " + api + " (pid " + marketplace.pid() + ")");

        // the committee: one evaluator, its seal key from the node's own CLI
        Credentials evaluator = funder.fund(DevKit.ether("10"));
        Path evaluatorKey = keystore(work, "evaluator", evaluator);
        String sealKey =
                Launch.sealKeyOf(nodeJar, evaluatorKey, PASSWORD, work.resolve("keys-show.log"));

        // the owner signs in and launches the project by REST
        JsonNode l =
                Launch.asOwner(
                        http,
                        api,
                        owner,
                        DevChain.CHAIN_ID,
                        Launch.Terms.cnn(
                                evaluator.getAddress(),
                                sealKey,
                                o.rounds(),
                                30,
                                o.submitSeconds(),
                                o.evalSeconds()));
        BigInteger project = new BigInteger(l.path("project").asText());
        out.printf(
                Locale.ROOT,
                "demo: project %s launched by REST for %s: %d rounds of %d+%d s, 1 ETH per round, tx %s%n",
                project,
                owner.getAddress(),
                o.rounds(),
                o.submitSeconds(),
                o.evalSeconds(),
                l.path("transactionHash").asText());

        // the nodes, each its own process
        int total = o.honest() + o.poisoners() + o.freeRiders() + o.copiers();
        Map<String, String> roles = new LinkedHashMap<>();
        List<Map.Entry<String, Process>> nodes = new ArrayList<>();
        nodes.add(
                Map.entry(
                        "evaluator",
                        node(
                                processes,
                                work,
                                nodeJar,
                                "evaluator",
                                evaluatorKey,
                                rpc,
                                market,
                                ipfs,
                                root,
                                project,
                                Map.of(
                                        "cohort.evaluator.root.dataset",
                                        o.dataset(),
                                        "cohort.evaluator.root.from",
                                        "50000",
                                        "cohort.evaluator.root.to",
                                        "50500",
                                        "cohort.evaluator.validation.dataset",
                                        o.dataset(),
                                        "cohort.evaluator.validation.from",
                                        "0",
                                        "cohort.evaluator.validation.to",
                                        "1000"),
                                List.of("evaluator", "run"))));
        for (int i = 0; i < total; i++) {
            String role =
                    i < o.honest()
                            ? "honest"
                            : i < o.honest() + o.poisoners()
                                    ? "poisoner"
                                    : i < o.honest() + o.poisoners() + o.freeRiders()
                                            ? "free-rider"
                                            : "copier";
            Credentials key = funder.fund(DevKit.ether("5"));
            roles.put(key.getAddress().toLowerCase(), role);
            Map<String, String> props = new LinkedHashMap<>();
            // the shards are the data holders' (copiers train nothing: theirs is a placeholder)
            int holders = total - o.copiers();
            props.put("cohort.trainer.data.dataset", o.dataset());
            props.put("cohort.trainer.data.from", "0");
            props.put(
                    "cohort.trainer.data.to",
                    Integer.toString(Math.min(50_000, Math.max(1, holders) * o.samples())));
            props.put("cohort.trainer.data.partition", "dirichlet");
            props.put("cohort.trainer.data.alpha", "0.5");
            props.put("cohort.trainer.data.parts", Integer.toString(Math.max(1, holders)));
            props.put("cohort.trainer.data.part", Integer.toString(i < holders ? i : 0));
            // the poisoner sends its update flipped and scaled tenfold (a model-replacement push)
            props.put(
                    "cohort.trainer.behaviour",
                    switch (role) {
                        case "poisoner" -> "sign-flip:10";
                        case "free-rider" -> "free-rider";
                        case "copier" -> "copier";
                        default -> "honest";
                    });
            nodes.add(
                    Map.entry(
                            "trainer " + i + " (" + role + ")",
                            node(
                                    processes,
                                    work,
                                    nodeJar,
                                    "trainer" + i,
                                    keystore(work, "trainer" + i, key),
                                    rpc,
                                    market,
                                    ipfs,
                                    root,
                                    project,
                                    props,
                                    List.of("trainer", "run"))));
        }
        out.printf(
                Locale.ROOT,
                "demo: started 1 evaluator and %d trainers (%d honest, %d poisoning, %d free-riding, %d copying); logs in %s%n",
                total,
                o.honest(),
                o.poisoners(),
                o.freeRiders(),
                o.copiers(),
                work);

        // narrate each round as it settles or voids
        Map<String, BigInteger[]> previous = new LinkedHashMap<>();
        int settled = 0;
        JsonNode lastRecord = null;
        for (int r = 0; r < o.rounds(); r++) {
            JsonNode round = awaitRound(http, api, project, r, o, nodes);
            if (round.path("round").path("status").asText().equals("void")) {
                out.printf(
                        Locale.ROOT,
                        "round %d: void (no result before its deadline); the model stays%n",
                        r);
                continue;
            }
            settled++;
            JsonNode rec = round.path("record");
            lastRecord = rec;
            out.printf(
                    Locale.ROOT,
                    "round %d settled: validation accuracy %.1f %% (%d/%d)%n",
                    r,
                    100.0
                            * rec.path("validationCorrect").asInt()
                            / Math.max(1, rec.path("validationSamples").asInt()),
                    rec.path("validationCorrect").asInt(),
                    rec.path("validationSamples").asInt());
            Map<String, String> flagOf = new LinkedHashMap<>();
            Map<String, Integer> scoreOf = new LinkedHashMap<>();
            for (JsonNode s : rec.path("submissions")) {
                scoreOf.put(s.path("trainer").asText().toLowerCase(), s.path("scoreBps").asInt());
                if (!s.path("flag").isNull() && !s.path("flag").isMissingNode()) {
                    flagOf.put(s.path("trainer").asText().toLowerCase(), s.path("flag").asText());
                }
            }
            for (JsonNode c : rec.path("credits")) {
                String t = c.path("trainer").asText().toLowerCase();
                BigInteger credit = new BigInteger(c.path("credit").asText());
                BigInteger slash = new BigInteger(c.path("slash").asText());
                BigInteger[] before =
                        previous.getOrDefault(
                                t, new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
                out.printf(
                        Locale.ROOT,
                        "  %s %-10s score %5s bps  credit +%s ETH%s%s%n",
                        t.substring(0, 10) + "…",
                        roles.getOrDefault(t, "?"),
                        scoreOf.containsKey(t)
                                ? String.format(Locale.ROOT, "%,d", scoreOf.get(t))
                                : "—",
                        eth(credit.subtract(before[0])),
                        slash.compareTo(before[1]) > 0
                                ? "  slashed " + eth(slash.subtract(before[1])) + " ETH"
                                : "",
                        flagOf.containsKey(t) ? "  flagged " + flagOf.get(t) : "");
                previous.put(t, new BigInteger[] {credit, slash});
            }
        }

        // the end: nodes claim, take back stakes and bonds, and exit; then the audit
        for (Map.Entry<String, Process> n : nodes) {
            if (!n.getValue().waitFor(180, TimeUnit.SECONDS)) {
                throw new IOException(n.getKey() + " did not finish; see its log in " + work);
            }
            if (n.getValue().exitValue() != 0) {
                throw new IOException(
                        n.getKey()
                                + " exited with "
                                + n.getValue().exitValue()
                                + "; see its log in "
                                + work);
            }
        }
        out.println(
                "demo: every node claimed its credits, took back its stake or bond, and exited");
        long auditStart = System.nanoTime();
        JsonNode audit = getJson(http, api + "/projects/" + project + "/audit?recompute=true");
        List<String> recomputed = new ArrayList<>();
        audit.path("rounds").forEach(r -> recomputed.add(r.path("recompute").asText()));
        out.printf(
                Locale.ROOT,
                "audit: %s (%d settled rounds replayed against their records: credits, roots, result hashes, copy flags, claims, stakes;"
                        + " each round's scoring rerun from the released updates: %s; %.0f s)%n",
                audit.path("verdict").asText(),
                audit.path("settledRounds").asInt(),
                String.join(", ", recomputed),
                (System.nanoTime() - auditStart) / 1e9);
        for (JsonNode r : audit.path("rounds")) {
            for (JsonNode p : r.path("problems")) {
                out.println("  round " + r.path("round").asInt() + ": " + p.asText());
            }
        }
        out.println("dashboard: " + api + "/#/projects/" + project);
        boolean onChain = Launch.status(http, api + "/projects/" + project) == 200;

        List<TrainerResult> trainers = new ArrayList<>();
        Map<String, List<String>> flags = new LinkedHashMap<>();
        for (int r = 0; r < o.rounds(); r++) {
            JsonNode round = getJson(http, api + "/projects/" + project + "/rounds/" + r);
            for (JsonNode s : round.path("record").path("submissions")) {
                if (s.hasNonNull("flag")) {
                    flags.computeIfAbsent(
                                    s.path("trainer").asText().toLowerCase(),
                                    k -> new ArrayList<>())
                            .add(s.path("flag").asText());
                }
            }
        }
        for (var e : roles.entrySet()) {
            BigInteger[] cs =
                    previous.getOrDefault(
                            e.getKey(), new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            trainers.add(
                    new TrainerResult(
                            e.getKey(),
                            e.getValue(),
                            cs[0],
                            cs[1],
                            flags.getOrDefault(e.getKey(), List.of())));
        }
        if (o.keep()) {
            out.println("demo: --keep: everything stays up; Ctrl-C stops it all");
            Thread.currentThread().join();
        }
        List<Long> pids = new ArrayList<>();
        processes.forEach(p -> pids.add(p.pid()));
        if (chain != null) {
            pids.add(chain.pid());
        }
        for (AutoCloseable c : started) {
            if (c instanceof KuboNode k) {
                pids.add(k.pid());
            }
        }
        return new Summary(
                project,
                onChain,
                settled,
                trainers,
                audit.path("verdict").asText(),
                recomputed,
                pids);
    }

    /** A GET's body as JSON. */
    private static JsonNode getJson(HttpClient http, String url) throws Exception {
        return JSON.readTree(
                http.send(
                                HttpRequest.newBuilder(URI.create(url)).build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
    }

    private static JsonNode awaitRound(
            HttpClient http,
            String api,
            BigInteger project,
            int r,
            Options o,
            List<Map.Entry<String, Process>> nodes)
            throws Exception {
        long end =
                System.nanoTime()
                        + Duration.ofSeconds(90L + 3L * (o.submitSeconds() + o.evalSeconds()))
                                .toNanos();
        while (System.nanoTime() < end) {
            HttpResponse<String> resp =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create(
                                                    api + "/projects/" + project + "/rounds/" + r))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (resp.statusCode() == 200) {
                JsonNode n = JSON.readTree(resp.body());
                String status = n.path("round").path("status").asText();
                if ((status.equals("settled") && !n.path("record").isNull())
                        || status.equals("void")) {
                    return n;
                }
            }
            for (Map.Entry<String, Process> node : nodes) {
                if (!node.getValue().isAlive() && node.getValue().exitValue() != 0) {
                    throw new IOException(
                            node.getKey() + " failed (exit " + node.getValue().exitValue() + ")");
                }
            }
            Thread.sleep(1000);
        }
        throw new IOException("round " + r + " neither settled nor voided in time");
    }

    private static Process node(
            List<Process> processes,
            Path work,
            Path jar,
            String name,
            Path keystore,
            String rpc,
            String market,
            String ipfs,
            Path root,
            BigInteger project,
            Map<String, String> extra,
            List<String> command)
            throws IOException {
        List<String> c =
                new ArrayList<>(
                        List.of(
                                "java",
                                "-Xmx768m",
                                "-Dai.djl.offline=true",
                                "-Dcohort.rpc-url=" + rpc,
                                "-Dcohort.market=" + market,
                                "-Dcohort.ipfs-url=" + ipfs,
                                // every process of the demo adds to this one Kubo
                                "-Dcohort.ipfs-shared=true",
                                "-Dcohort.keystore.path=" + keystore,
                                "-Dcohort.state-dir=" + work.resolve(name),
                                "-Dcohort.data.dir=" + root.resolve("data"),
                                "-Dcohort.poll-interval=PT1S",
                                "-Dcohort.training.batch-size=32",
                                "-Dquarkus.http.port=0"));
        extra.forEach((k, v) -> c.add("-D" + k + "=" + v));
        c.addAll(List.of("-jar", jar.toString()));
        c.addAll(command);
        c.addAll(List.of("--project", project.toString()));
        return start(
                processes,
                work.resolve(name + ".log"),
                c,
                Map.of(
                        "COHORT_KEYSTORE_PASSWORD",
                        PASSWORD,
                        "DJL_CACHE_DIR",
                        root.resolve(".tools/djl").toString(),
                        "OMP_NUM_THREADS",
                        "1"));
    }

    private static Process start(
            List<Process> processes, Path log, List<String> command, Map<String, String> env)
            throws IOException {
        List<String> c = new ArrayList<>(command);
        c.set(0, ProcessHandle.current().info().command().orElse("java"));
        ProcessBuilder b =
                new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().putAll(env);
        Process p = b.start();
        processes.add(p);
        return p;
    }

    private static Path keystore(Path work, String name, Credentials key) throws IOException {
        return Launch.keystore(work.resolve(name + "-key.json"), PASSWORD, key);
    }

    private static Path password(Path work) throws IOException {
        Path f = work.resolve("password");
        if (!Files.exists(f)) {
            Files.writeString(f, PASSWORD + "\n");
        }
        return f;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, Duration timeout, String what) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                throw new IOException("timed out waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    /** The marketplace's start line, with the address it bound (its {@code Listening}). */
    static final Pattern MARKETPLACE_LISTENING =
            Pattern.compile("marketplace listening on (http://[^ ]+:\\d+)");

    /**
     * Where the marketplace listens, from its log: it binds port 0 itself and logs the port, so no
     * other process can take it between choosing and binding.
     */
    private static String listening(Process marketplace, Path log) throws Exception {
        String[] found = new String[1];
        await(
                () -> {
                    if (!marketplace.isAlive()) {
                        throw new IOException(
                                "the marketplace stopped (exit "
                                        + marketplace.exitValue()
                                        + "); see "
                                        + log);
                    }
                    Matcher m =
                            MARKETPLACE_LISTENING.matcher(
                                    Files.exists(log) ? Files.readString(log) : "");
                    if (m.find()) {
                        found[0] = m.group(1);
                    }
                    return found[0] != null;
                },
                Duration.ofSeconds(60),
                "the marketplace to listen");
        return found[0];
    }

    static String eth(BigInteger wei) {
        return Convert.fromWei(new BigDecimal(wei), Convert.Unit.ETHER)
                .setScale(4, java.math.RoundingMode.DOWN)
                .stripTrailingZeros()
                .toPlainString();
    }
}
