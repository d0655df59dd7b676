package io.cohort.tour;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;

/**
 * The two one-shot steps of {@code docker-compose.yml}, configured by environment variables.
 *
 * <ul>
 *   <li>{@code deploy}: waits for the chain, writes a keystore per account into the shared volume
 *       ({@code keys/operator.json}, {@code owner}, {@code evaluator}, {@code trainer-1} ...,
 *       locked by {@code keys/password}), funds them (Anvil's {@code anvil_setBalance}), deploys
 *       the market and writes its address to {@code market}.
 *   <li>{@code launch}: waits for the marketplace, signs in as the owner and launches a project
 *       through {@code POST /projects} with the evaluator as its committee, and writes its id to
 *       {@code project}.
 * </ul>
 *
 * Both are idempotent: a step whose result is already in the shared volume (and, for the market, on
 * the chain) says so and exits 0, so {@code docker compose up} can run them on every start. The
 * services read {@code market} and {@code project} through {@code docker/entrypoint.sh}.
 */
public final class ComposeSteps {

    /** A failure with its one-line reason. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }

    private final Map<String, String> env;
    private final PrintStream out;
    private final Path shared;
    private final Path keys;

    ComposeSteps(Map<String, String> env, PrintStream out) {
        this.env = env;
        this.out = out;
        this.shared = Path.of(get("COHORT_SHARED", "/shared"));
        this.keys = shared.resolve("keys");
    }

    public static void main(String[] args) {
        if (args.length != 1 || !(args[0].equals("deploy") || args[0].equals("launch"))) {
            System.err.println("compose: usage: ComposeSteps deploy|launch");
            System.exit(2);
        }
        ComposeSteps steps = new ComposeSteps(System.getenv(), System.out);
        try {
            if (args[0].equals("deploy")) {
                steps.deploy();
            } else {
                steps.launch();
            }
            System.exit(0);
        } catch (Failure e) {
            System.err.println(args[0] + ": " + e.getMessage());
        } catch (Exception e) {
            System.err.println(args[0] + ": unexpected " + e);
        }
        System.exit(1);
    }

    private String get(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.strip();
    }

    private int number(String name, int fallback, int min) throws Failure {
        String v = get(name, Integer.toString(fallback));
        try {
            int n = Integer.parseInt(v);
            if (n < min) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new Failure(name + "='" + v + "' is not a whole number >= " + min);
        }
    }

    private Duration patience() throws Failure {
        return Duration.ofSeconds(number("COHORT_WAIT_SECONDS", 300, 1));
    }

    // ---------------------------------------------------------------- deploy

    void deploy() throws Exception {
        String rpc = get("COHORT_RPC_URL", "http://anvil:8545");
        int trainers = number("COHORT_TRAINERS", 3, 1);
        Web3j web3j = Web3j.build(new HttpService(rpc));
        try {
            await(
                    () -> {
                        try {
                            return web3j.ethChainId().send().getChainId() != null;
                        } catch (IOException e) {
                            return false;
                        }
                    },
                    "the chain at " + rpc);
            Files.createDirectories(keys);
            String password = password();
            List<String> names = new ArrayList<>(List.of("operator", "owner", "evaluator"));
            for (int i = 1; i <= trainers; i++) {
                names.add("trainer-" + i);
            }
            Map<String, Credentials> accounts = new java.util.LinkedHashMap<>();
            for (String name : names) {
                accounts.put(name, account(name, password));
            }
            Path marketFile = shared.resolve("market");
            if (Files.exists(marketFile)) {
                String market = Files.readString(marketFile).strip();
                String code =
                        web3j.ethGetCode(market, DefaultBlockParameterName.LATEST).send().getCode();
                if (code != null && code.length() > 2) {
                    out.println("deploy: the market is already at " + market + "; nothing to do");
                    return;
                }
                out.println(
                        "deploy: "
                                + marketFile
                                + " names "
                                + market
                                + " but the chain has no code there (a new chain?): deploying"
                                + " again");
                Files.deleteIfExists(shared.resolve("project"));
            }
            Funder funder = new Funder(rpc, null);
            Map<String, String> amounts =
                    Map.of("operator", "1000", "owner", "1", "evaluator", "10");
            try {
                for (var a : accounts.entrySet()) {
                    funder.fund(a.getValue(), DevKit.ether(amounts.getOrDefault(a.getKey(), "5")));
                }
                Credentials deployer = funder.fund(DevKit.ether("10"));
                String market =
                        Market.deploy(web3j, DevKit.tx(web3j, deployer), DevKit.gas())
                                .send()
                                .getContractAddress();
                write(marketFile, market);
                out.println("deploy: market deployed at " + market);
            } catch (IllegalStateException e) {
                throw new Failure(e.getMessage());
            }
            for (var a : accounts.entrySet()) {
                out.println(
                        "deploy: "
                                + a.getKey()
                                + " "
                                + a.getValue().getAddress()
                                + " (keys/"
                                + a.getKey()
                                + ".json)");
            }
        } finally {
            web3j.shutdown();
        }
    }

    /** The keystores' password: made once, kept in the shared volume. */
    private String password() throws IOException {
        Path file = keys.resolve("password");
        if (!Files.exists(file)) {
            byte[] secret = new byte[16];
            new SecureRandom().nextBytes(secret);
            write(file, HexFormat.of().formatHex(secret) + "\n");
        }
        return Files.readAllLines(file).get(0).strip();
    }

    /** The account of {@code keys/<name>.json}, made the first time. */
    private Credentials account(String name, String password) throws Exception {
        Path file = keys.resolve(name + ".json");
        if (Files.exists(file)) {
            return WalletUtils.loadCredentials(password, file.toFile());
        }
        Credentials c = Credentials.create(Keys.createEcKeyPair());
        Path tmp = keys.resolve(name + ".json.tmp");
        Launch.keystore(tmp, password, c);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return c;
    }

    // ---------------------------------------------------------------- launch

    void launch() throws Exception {
        Path projectFile = shared.resolve("project");
        if (Files.exists(projectFile)) {
            out.println(
                    "launch: project "
                            + Files.readString(projectFile).strip()
                            + " is already launched; nothing to do");
            return;
        }
        if (!Files.exists(shared.resolve("market")) || !Files.exists(keys.resolve("owner.json"))) {
            throw new Failure("no market in " + shared + ": the deploy step has not run");
        }
        String api = get("COHORT_API", "http://marketplace:8080");
        int rounds = number("COHORT_ROUNDS", 5, 1);
        int startsIn = number("COHORT_STARTS_IN", 60, 30);
        int submit = number("COHORT_SUBMIT_SECONDS", 120, 1);
        int eval = number("COHORT_EVAL_SECONDS", 60, 1);
        Path nodeJar = Path.of(get("COHORT_NODE_JAR", "/opt/cohort/node/quarkus-run.jar"));
        if (!Files.isRegularFile(nodeJar)) {
            throw new Failure("no node application at " + nodeJar + " (COHORT_NODE_JAR)");
        }
        HttpClient http = HttpClient.newHttpClient();
        await(
                () -> Launch.status(http, api + "/q/health/ready") == 200,
                "the marketplace at " + api);
        String password = password();
        Credentials owner =
                WalletUtils.loadCredentials(password, keys.resolve("owner.json").toFile());
        Path evaluatorKey = keys.resolve("evaluator.json");
        Credentials evaluator = WalletUtils.loadCredentials(password, evaluatorKey.toFile());
        Path log = Files.createTempFile("keys-show", ".log");
        String sealKey;
        try {
            sealKey = Launch.sealKeyOf(nodeJar, evaluatorKey, password, log);
        } finally {
            Files.deleteIfExists(log);
        }
        long chainId = Long.parseLong(get("COHORT_CHAIN_ID", Long.toString(DevChain.CHAIN_ID)));
        JsonNode l =
                Launch.asOwner(
                        http,
                        api,
                        owner,
                        chainId,
                        Launch.Terms.cnn(
                                evaluator.getAddress(), sealKey, rounds, startsIn, submit, eval));
        String project = l.path("project").asText();
        write(projectFile, project);
        out.printf(
                Locale.ROOT,
                "launch: project %s launched by %s: %d rounds of %d+%d s starting in %d s, tx %s;"
                        + " dashboard %s/projects/%s%n",
                project,
                owner.getAddress(),
                rounds,
                submit,
                eval,
                startsIn,
                l.path("transactionHash").asText(),
                get("COHORT_DASHBOARD", "http://127.0.0.1:8080") + "/#",
                project);
    }

    // ---------------------------------------------------------------- helpers

    private void await(BooleanSupplier ready, String what) throws Failure, InterruptedException {
        Duration patience = patience();
        long start = System.nanoTime();
        long end = start + patience.toNanos();
        long nextSay = start;
        while (!ready.getAsBoolean()) {
            long now = System.nanoTime();
            if (now > end) {
                throw new Failure(
                        "gave up waiting for "
                                + what
                                + " after "
                                + patience.toSeconds()
                                + " s (COHORT_WAIT_SECONDS)");
            }
            if (now >= nextSay) {
                out.println("waiting for " + what);
                nextSay = now + Duration.ofSeconds(10).toNanos();
            }
            Thread.sleep(500);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
