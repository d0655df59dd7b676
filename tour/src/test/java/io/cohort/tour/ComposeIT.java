package io.cohort.tour;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.DevChain;
import io.cohort.ipfs.kubo.KuboNode;
import java.io.IOException;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;

/**
 * {@code docker-compose.yml} run for real, without a container engine: the file as {@code docker
 * compose config} resolves it (anchors, merges), each Java service's entry point and environment
 * from its stage of {@code docker/Dockerfile}, and {@code docker/entrypoint.sh}, all run as local
 * processes. Only what a container would provide is translated: the images' paths to this
 * checkout's builds, the named volumes to folders, the service host names to a real Anvil and a
 * real Kubo on free loopback ports, and the listen addresses to loopback port 0. The schedule is
 * shortened to one round. What it cannot check without an engine: that the images build.
 */
class ComposeIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration STEP = Duration.ofMinutes(3);

    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> services = new ArrayList<>();

    @AfterEach
    void stopEverything() throws Exception {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (AutoCloseable s : services) {
            s.close();
        }
    }

    /** One stage of the Dockerfile: what a container of that image starts with. */
    record Stage(List<String> entrypoint, List<String> cmd, Map<String, String> env) {}

    /** The Dockerfile's stages, each with what it inherits from the stage it starts from. */
    static Map<String, Stage> stages(Path dockerfile) throws IOException {
        String text = Files.readString(dockerfile).replaceAll("\\\\\\n", " ");
        Map<String, Stage> stages = new LinkedHashMap<>();
        Stage current = null;
        String name = null;
        Pattern from =
                Pattern.compile("^FROM\\s+(\\S+)\\s+AS\\s+(\\S+)$", Pattern.CASE_INSENSITIVE);
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            Matcher m = from.matcher(line);
            if (m.matches()) {
                if (name != null) {
                    stages.put(name, current);
                }
                Stage parent = stages.get(m.group(1));
                current =
                        parent == null
                                ? new Stage(List.of(), List.of(), new LinkedHashMap<>())
                                : new Stage(
                                        parent.entrypoint(),
                                        parent.cmd(),
                                        new LinkedHashMap<>(parent.env()));
                name = m.group(2);
            } else if (current != null && line.startsWith("ENV ")) {
                for (String pair : line.substring(4).strip().split("\\s+")) {
                    int eq = pair.indexOf('=');
                    current.env().put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            } else if (current != null && line.startsWith("ENTRYPOINT ")) {
                current =
                        new Stage(
                                strings(JSON.readTree(line.substring(11))),
                                List.of(),
                                current.env());
            } else if (current != null && line.startsWith("CMD ")) {
                current =
                        new Stage(
                                current.entrypoint(),
                                strings(JSON.readTree(line.substring(4))),
                                current.env());
            }
        }
        if (name != null) {
            stages.put(name, current);
        }
        return stages;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** The compose file as the compose CLI resolves it, in JSON. */
    static JsonNode composeConfig() throws Exception {
        Path compose = ROOT.resolve(".tools/bin/docker-compose");
        assertThat(compose).as("./setup builds the compose CLI").isExecutable();
        Process p =
                new ProcessBuilder(
                                compose.toString(),
                                "--project-directory",
                                ROOT.toString(),
                                "-f",
                                ROOT.resolve("docker-compose.yml").toString(),
                                "config",
                                "--format",
                                "json")
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("docker compose config").isZero();
        return JSON.readTree(out);
    }

    /** Runs one compose service as a local process, translated as the class comment says. */
    private final class Runner {
        final JsonNode services;
        final Map<String, Stage> stages;
        final Path volumes;
        final Map<String, String> hosts = new LinkedHashMap<>();
        final Map<String, String> imagePaths = new LinkedHashMap<>();

        Runner(JsonNode compose, Map<String, Stage> stages, Path volumes) {
            this.services = compose.path("services");
            this.stages = stages;
            this.volumes = volumes;
            imagePaths.put(
                    "/opt/cohort/node/quarkus-run.jar",
                    ROOT.resolve("node/target/quarkus-app/quarkus-run.jar").toString());
            imagePaths.put(
                    "/opt/cohort/marketplace/quarkus-run.jar",
                    ROOT.resolve("marketplace-api/target/quarkus-app/quarkus-run.jar").toString());
            imagePaths.put(
                    "/opt/cohort/tools/classes:/opt/cohort/tools/lib/*",
                    System.getProperty("java.class.path"));
            imagePaths.put("/opt/cohort/data", ROOT.resolve("data").toString());
            imagePaths.put(
                    "/var/cache/djl",
                    System.getenv()
                            .getOrDefault("DJL_CACHE_DIR", ROOT.resolve(".tools/djl").toString()));
        }

        Process start(String service, Map<String, String> overrides, Path log) throws Exception {
            JsonNode s = services.path(service);
            assertThat(s.isMissingNode()).as("service " + service).isFalse();
            Stage stage = stages.get(s.path("build").path("target").asText());
            assertThat(stage).as(service + "'s build target").isNotNull();
            Map<String, String> mounts = new LinkedHashMap<>();
            for (JsonNode v : s.path("volumes")) {
                assertThat(v.path("type").asText()).isEqualTo("volume");
                Path dir = Files.createDirectories(volumes.resolve(v.path("source").asText()));
                mounts.put(v.path("target").asText(), dir.toString());
            }
            List<String> argv = new ArrayList<>(stage.entrypoint());
            argv.addAll(s.has("command") ? strings(s.path("command")) : stage.cmd());
            List<String> command = new ArrayList<>();
            for (String a : argv) {
                switch (a) {
                    case "cohort-entrypoint" -> {
                        command.add("sh");
                        command.add(ROOT.resolve("docker/entrypoint.sh").toString());
                    }
                    case "java" ->
                            command.add(ProcessHandle.current().info().command().orElseThrow());
                    default -> command.add(translate(a, mounts));
                }
            }
            ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
            b.redirectOutput(log.toFile());
            b.environment()
                    .keySet()
                    .removeIf(k -> k.startsWith("COHORT_") || k.startsWith("QUARKUS_"));
            Map<String, String> env = new LinkedHashMap<>(stage.env());
            s.path("environment")
                    .fields()
                    .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            env.putAll(overrides);
            env.forEach(
                    (k, v) ->
                            b.environment()
                                    .put(
                                            k,
                                            switch (k) {
                                                case "QUARKUS_HTTP_HOST" -> "127.0.0.1";
                                                case "QUARKUS_HTTP_PORT" -> "0";
                                                default -> translate(v, mounts);
                                            }));
            Process p = b.start();
            processes.add(p);
            return p;
        }

        String translate(String value, Map<String, String> mounts) {
            String v = value;
            for (var h : hosts.entrySet()) {
                v = v.replace(h.getKey(), h.getValue());
            }
            for (var i : imagePaths.entrySet()) {
                v = v.replace(i.getKey(), i.getValue());
            }
            for (var m : mounts.entrySet()) {
                if (v.equals(m.getKey()) || v.startsWith(m.getKey() + "/")) {
                    v = m.getValue() + v.substring(m.getKey().length());
                }
            }
            return v;
        }
    }

    private static String runToEnd(Process p, Path log) throws Exception {
        if (!p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("did not end; its log:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static String awaitLine(Process p, Path log, Pattern line) throws Exception {
        long end = System.nanoTime() + STEP.toNanos();
        while (System.nanoTime() < end) {
            Matcher m = line.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return m.group(1);
            }
            if (!p.isAlive()) {
                break;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no line " + line + "; the log:\n" + Files.readString(log));
    }

    /**
     * {@code url}'s answer once {@code ready} holds of it, or the last answer after 30 s. The index
     * reads the chain every second ({@code cohort.index.poll}), so what a transaction did shows up
     * soon after it, not necessarily at once.
     */
    private static JsonNode indexed(HttpClient http, String url, Predicate<JsonNode> ready)
            throws Exception {
        JsonNode answer = get(http, url);
        for (long end = System.nanoTime() + 30_000_000_000L;
                !ready.test(answer) && System.nanoTime() < end; ) {
            Thread.sleep(250);
            answer = get(http, url);
        }
        return answer;
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        return get(http, url, Duration.ofSeconds(10));
    }

    private static JsonNode get(HttpClient http, String url, Duration timeout) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url)).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
    }

    @Test
    void theComposeFileNamesEveryServiceAndVolumeTheIssueAsksFor() throws Exception {
        JsonNode compose = composeConfig();
        Set<String> names = new HashSet<>();
        compose.path("services").fieldNames().forEachRemaining(names::add);
        assertThat(names)
                .containsExactlyInAnyOrder(
                        "anvil",
                        "kubo",
                        "deploy",
                        "marketplace",
                        "launch",
                        "evaluator",
                        "trainer-1",
                        "trainer-2",
                        "trainer-3");
        Map<String, Stage> stages = stages(ROOT.resolve("docker/Dockerfile"));
        for (String java : List.of("deploy", "marketplace", "launch", "evaluator", "trainer-1")) {
            JsonNode build = compose.path("services").path(java).path("build");
            assertThat(build.path("dockerfile").asText()).isEqualTo("docker/Dockerfile");
            assertThat(stages).containsKey(build.path("target").asText());
        }
        // the build stage is Maven's, multi-stage: the runtime stages copy only what was built
        assertThat(Files.readString(ROOT.resolve("docker/Dockerfile")))
                .contains("mvn -q package")
                .contains("COPY --from=build /src/node/target/quarkus-app");
        Set<String> volumes = new HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(volumes::add);
        assertThat(volumes)
                .contains(
                        "chain",
                        "ipfs",
                        "evaluator-state",
                        "trainer-1-state",
                        "trainer-2-state",
                        "trainer-3-state");
        assertThat(
                        compose.path("services")
                                .path("anvil")
                                .path("volumes")
                                .get(0)
                                .path("source")
                                .asText())
                .isEqualTo("chain");
        assertThat(
                        compose.path("services")
                                .path("kubo")
                                .path("volumes")
                                .get(0)
                                .path("source")
                                .asText())
                .isEqualTo("ipfs");
        // only the dashboard is published, and only on the host's loopback
        for (JsonNode s : compose.path("services")) {
            for (JsonNode port : s.path("ports")) {
                assertThat(port.path("host_ip").asText()).isEqualTo("127.0.0.1");
            }
        }
    }

    /**
     * The settings a document tables, as environment variable names: {@code cohort.a.b-c} is {@code
     * COHORT_A_B_C}; a row {@code `cohort.x.y` / `z`} names {@code cohort.x.y} and {@code
     * cohort.x.z}; {@code cohort.x.*} names every variable starting {@code COHORT_X_}.
     */
    static Set<String> documented(Path doc) throws IOException {
        Set<String> names = new HashSet<>();
        for (String line : Files.readAllLines(doc)) {
            if (!line.startsWith("| `")) {
                continue;
            }
            String cell = line.substring(2, line.indexOf(" |", 2));
            String first = null;
            for (String part : cell.split(" / ")) {
                String key = part.strip().replace("`", "");
                if (first == null) {
                    first = key;
                } else if (!key.startsWith("COHORT_")) {
                    key = first.substring(0, first.lastIndexOf('.') + 1) + key;
                }
                names.add(key.toUpperCase(java.util.Locale.ROOT).replaceAll("[.-]", "_"));
            }
        }
        return names;
    }

    @Test
    void everySettingTheComposeFileAndTheImagesGiveIsOneTheApplicationsDocument() throws Exception {
        JsonNode compose = composeConfig();
        Map<String, Stage> stages = stages(ROOT.resolve("docker/Dockerfile"));
        Set<String> node = documented(ROOT.resolve("docs/node.md"));
        Set<String> marketplace = documented(ROOT.resolve("docs/marketplace.md"));
        Set<String> steps = documented(ROOT.resolve("docs/compose.md"));
        assertThat(node).contains("COHORT_TRAINER_DATA_PART", "COHORT_KEYSTORE_PASSWORD_FILE");
        assertThat(steps).contains("COHORT_SHARED", "COHORT_SUBMIT_SECONDS");
        List<String> unknown = new ArrayList<>();
        for (var s :
                (Iterable<Map.Entry<String, JsonNode>>) () -> compose.path("services").fields()) {
            String target = s.getValue().path("build").path("target").asText();
            Stage stage = stages.get(target);
            if (stage == null) {
                continue; // anvil and kubo: third-party images
            }
            Set<String> known = new HashSet<>(steps);
            known.addAll(
                    switch (target) {
                        case "node" -> node;
                        case "marketplace" -> marketplace;
                        default -> Set.of();
                    });
            Map<String, String> env = new LinkedHashMap<>(stage.env());
            s.getValue()
                    .path("environment")
                    .fields()
                    .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            for (String name : env.keySet()) {
                boolean ok =
                        !name.startsWith("COHORT_")
                                || known.contains(name)
                                || known.stream()
                                        .anyMatch(
                                                k ->
                                                        k.endsWith("_*")
                                                                && name.startsWith(
                                                                        k.substring(
                                                                                0,
                                                                                k.length() - 1)));
                if (!ok) {
                    unknown.add(s.getKey() + ": " + name);
                }
            }
        }
        assertThat(unknown).as("settings no document names (a typo is silently ignored)").isEmpty();
    }

    @Test
    void deployMarketplaceLaunchAndTheNodesAsComposeWiresThemSettleARoundAndPayTheTrainers()
            throws Exception {
        JsonNode compose = composeConfig();
        Runner run =
                new Runner(
                        compose,
                        stages(ROOT.resolve("docker/Dockerfile")),
                        Files.createTempDirectory("compose-volumes"));
        Path logs = Files.createDirectories(Path.of("target", "compose-it"));
        DevChain chain = DevChain.start(1);
        services.add(chain);
        KuboNode kubo = KuboNode.start();
        services.add(kubo);
        run.hosts.put("http://anvil:8545", chain.rpcUrl());
        run.hosts.put("http://kubo:5001", kubo.apiUrl().toString());

        // deploy: keys, funding, the market
        Path deployLog = logs.resolve("deploy.log");
        String deployed = runToEnd(run.start("deploy", Map.of(), deployLog), deployLog);
        assertThat(deployed).contains("deploy: market deployed at 0x");
        Path shared = run.volumes.resolve("shared");
        String market = Files.readString(shared.resolve("market")).strip();
        assertThat(
                        chain.web3j()
                                .ethGetCode(
                                        market,
                                        org.web3j.protocol.core.DefaultBlockParameterName.LATEST)
                                .send()
                                .getCode())
                .hasSizeGreaterThan(2);

        // the marketplace on that market (its address from the shared volume, by the entry point)
        Path marketLog = logs.resolve("marketplace.log");
        Process marketplace = run.start("marketplace", Map.of(), marketLog);
        String api = awaitLine(marketplace, marketLog, Demo.MARKETPLACE_LISTENING);
        run.hosts.put("http://marketplace:8080", api);
        HttpClient http = HttpClient.newHttpClient();

        // launch: one round, shortened; the rest of the terms as the compose file has them (75 s
        // to submit: three trainers' first JVM start and training, on two cores beside the rest)
        Map<String, String> shorter =
                Map.of(
                        "COHORT_ROUNDS", "1",
                        "COHORT_STARTS_IN", "30",
                        "COHORT_SUBMIT_SECONDS", "75",
                        "COHORT_EVAL_SECONDS", "40");
        Path launchLog = logs.resolve("launch.log");
        String launched = runToEnd(run.start("launch", shorter, launchLog), launchLog);
        assertThat(launched).contains("launch: project 1 launched by");
        assertThat(Files.readString(shared.resolve("project")).strip()).isEqualTo("1");
        JsonNode project = indexed(http, api + "/projects/1", p -> p.has("rounds"));
        assertThat(project.path("rounds").asInt()).as(project.toString()).isEqualTo(1);

        // the nodes, each its own process, keys and project from the shared volume
        List<String> nodes = List.of("evaluator", "trainer-1", "trainer-2", "trainer-3");
        Map<String, Process> running = new LinkedHashMap<>();
        for (String n : nodes) {
            running.put(n, run.start(n, Map.of(), logs.resolve(n + ".log")));
        }
        for (var n : running.entrySet()) {
            Path log = logs.resolve(n.getKey() + ".log");
            if (!n.getValue().waitFor(6, TimeUnit.MINUTES)) {
                throw new AssertionError(n.getKey() + " did not finish:\n" + Files.readString(log));
            }
            assertThat(n.getValue().exitValue()).as(Files.readString(log)).isZero();
        }

        // every trainer credited in the settled round, and the audit is clean
        String password = Files.readAllLines(shared.resolve("keys/password")).get(0).strip();
        JsonNode round =
                indexed(
                        http,
                        api + "/projects/1/rounds/0",
                        r -> r.path("round").path("status").asText().equals("settled"));
        assertThat(round.path("round").path("status").asText())
                .as(round.toString())
                .isEqualTo("settled");
        Map<String, BigInteger> credits = new LinkedHashMap<>();
        for (JsonNode c : round.path("record").path("credits")) {
            credits.put(
                    c.path("trainer").asText().toLowerCase(),
                    new BigInteger(c.path("credit").asText()));
        }
        for (int i = 1; i <= 3; i++) {
            Credentials t =
                    WalletUtils.loadCredentials(
                            password, shared.resolve("keys/trainer-" + i + ".json").toFile());
            assertThat(credits.get(t.getAddress().toLowerCase()))
                    .as("trainer-" + i + " in " + round)
                    .isPositive();
        }
        // the rerun trains the evaluator's reference update again (DJL loads in the marketplace on
        // first use): seconds alone, more on a machine busy with other work
        JsonNode audit =
                get(http, api + "/projects/1/audit?recompute=true", Duration.ofSeconds(180));
        assertThat(audit.path("verdict").asText()).as(audit.toString()).isEqualTo("clean");
        assertThat(audit.path("rounds").path(0).path("recompute").asText()).isEqualTo("match");

        // both steps again, as `docker compose up` runs them on every start: nothing to do
        Path again = logs.resolve("deploy-again.log");
        assertThat(runToEnd(run.start("deploy", Map.of(), again), again)).contains("nothing to do");
        again = logs.resolve("launch-again.log");
        assertThat(runToEnd(run.start("launch", Map.of(), again), again)).contains("nothing to do");
        assertThat(Files.readString(shared.resolve("market")).strip()).isEqualTo(market);
        assertThat(
                        new String(
                                Files.readAllBytes(shared.resolve("project")),
                                StandardCharsets.UTF_8))
                .isEqualTo("1");
    }
}
