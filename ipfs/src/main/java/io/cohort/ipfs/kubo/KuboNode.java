package io.cohort.ipfs.kubo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private Kubo node for tests and the demo: a temporary repository (test profile: no bootstrap
 * peers, no mDNS, loopback only), the RPC API on a free loopback port, the daemon started with
 * {@code --offline} so it never dials out, stopped by its PID, the repository deleted on close.
 * {@link #startOnline} starts one that listens for peers on a loopback port instead: with no
 * bootstrap peers it has none until it is {@link #connect connected} to another such node.
 *
 * <pre>{@code
 * try (KuboNode node = KuboNode.start(); KuboClient ipfs = KuboClient.connect(node.apiUrl())) {
 *     Cid cid = ipfs.add(bytes);
 * }
 * }</pre>
 */
public final class KuboNode implements AutoCloseable {

    private static final String IPFS_RELATIVE = ".tools/bin/ipfs";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Path binary;
    private final Path repo;

    /** 0 until the first start binds a free port; later starts bind the same one. */
    private int apiPort;

    private final Path log;
    private final boolean online;
    private Process daemon;

    private KuboNode(Path binary, Path repo, boolean online) {
        this.binary = binary;
        this.repo = repo;
        this.log = repo.resolve("daemon.log");
        this.online = online;
    }

    /**
     * Initialises a fresh repository and starts the daemon {@code --offline}; waits until the API
     * answers.
     */
    public static KuboNode start() {
        return start(false);
    }

    /**
     * Initialises a fresh repository and starts the daemon online, its swarm on a free loopback
     * port and no peer to start with; waits until the API answers.
     */
    public static KuboNode startOnline() {
        return start(true);
    }

    private static KuboNode start(boolean online) {
        Path binary = locate();
        Path repo;
        try {
            repo = Files.createTempDirectory("cohort-kubo-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a Kubo repository folder", e);
        }
        KuboNode node = new KuboNode(binary, repo, online);
        try {
            node.init();
            node.startDaemon();
            return node;
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
    }

    /** The RPC API, {@code http://127.0.0.1:<port>}. */
    public URI apiUrl() {
        return URI.create("http://127.0.0.1:" + apiPort);
    }

    /** The API as a multiaddr, for the CLI's {@code --api}. */
    public String apiMultiaddr() {
        return "/ip4/127.0.0.1/tcp/" + apiPort;
    }

    /** The daemon's process id (-1 when stopped). */
    public long pid() {
        return daemon != null && daemon.isAlive() ? daemon.pid() : -1;
    }

    /** The repository folder. */
    public Path repo() {
        return repo;
    }

    /** The Kubo binary this node runs. */
    public Path binary() {
        return binary;
    }

    /**
     * Connects this online node to another ({@code swarm connect} to the other's first listening
     * address), so each may fetch what the other holds.
     */
    public void connect(KuboNode other) {
        if (!online || !other.online) {
            throw new IllegalStateException("only nodes started online connect to peers");
        }
        String address = other.cli("id", "-f=<addrs>").lines().findFirst().orElse("").strip();
        if (address.isEmpty()) {
            throw new IllegalStateException("the other node listens on no address");
        }
        cli("swarm", "connect", address);
    }

    /** Kills the daemon at once (SIGKILL), as a crash would; the repository stays. */
    public void kill() {
        if (daemon != null) {
            daemon.destroyForcibly();
            waitFor(daemon, 10);
            // a killed daemon leaves its lock behind; the next start must not trip over it
            try {
                Files.deleteIfExists(repo.resolve("repo.lock"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the lock of " + repo, e);
            }
        }
    }

    /** Stops the daemon (SIGTERM, then SIGKILL after ten seconds); the repository stays. */
    public void stop() {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroy();
            if (!waitFor(daemon, 10)) {
                daemon.destroyForcibly();
                waitFor(daemon, 10);
            }
        }
    }

    /**
     * Starts the daemon again on the same repository and port (after {@link #stop} or {@link
     * #kill}).
     */
    public void restart() {
        stop();
        startDaemon();
    }

    /**
     * Runs the {@code ipfs} CLI against this node's API and returns its standard output; fails with
     * the CLI's error output when it exits non-zero.
     */
    public String cli(String... args) {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.add("--api=" + apiMultiaddr());
        command.addAll(List.of(args));
        return run(command, Duration.ofMinutes(5));
    }

    /** Stops the daemon and deletes the repository. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(repo)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }

    private void init() {
        run(
                List.of(binary.toString(), "init", "--profile=test", "--empty-repo"),
                Duration.ofMinutes(1));
        // port 0: the daemon binds a free port itself and names it in the repository's api file,
        // so no other process can take it between choosing and binding; no gateway at all
        config("Addresses.API", "\"/ip4/127.0.0.1/tcp/0\"");
        config("Addresses.Gateway", "[]");
        config("Addresses.Swarm", online ? "[\"/ip4/127.0.0.1/tcp/0\"]" : "[]");
        config("Bootstrap", "[]");
    }

    private void config(String key, String json) {
        run(List.of(binary.toString(), "config", "--json", key, json), Duration.ofMinutes(1));
    }

    private void startDaemon() {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "daemon"));
        if (!online) {
            command.add("--offline");
        }
        ProcessBuilder pb =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .directory(repo.toFile());
        pb.environment().put("IPFS_PATH", repo.toString());
        try {
            daemon = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary + " daemon", e);
        }
        if (apiPort == 0) {
            apiPort = awaitBoundPort();
            // a restart binds the same port, so clients keep their URL
            config("Addresses.API", "\"" + apiMultiaddr() + "\"");
        }
        awaitApi();
    }

    private void requireAlive(String before) {
        if (!daemon.isAlive()) {
            throw new IllegalStateException(
                    "kubo daemon exited with "
                            + daemon.exitValue()
                            + " before "
                            + before
                            + "; "
                            + tail());
        }
    }

    /** The port the daemon bound, from the api file it writes once the API listens. */
    private int awaitBoundPort() {
        Path api = repo.resolve("api");
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            requireAlive("it listened");
            try {
                String address = Files.exists(api) ? Files.readString(api).strip() : "";
                int slash = address.lastIndexOf('/');
                if (address.startsWith("/ip4/127.0.0.1/tcp/") && slash > 0) {
                    return Integer.parseInt(address.substring(slash + 1));
                }
            } catch (IOException | NumberFormatException notYet) {
                // being written
            }
            sleep(50);
        }
        stop();
        throw new IllegalStateException(
                "kubo daemon did not name its API port in " + STARTUP_TIMEOUT + "; " + tail());
    }

    private void awaitApi() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest version =
                HttpRequest.newBuilder(apiUrl().resolve("/api/v0/version"))
                        .timeout(Duration.ofSeconds(2))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            requireAlive("its API answered");
            try {
                if (http.send(version, HttpResponse.BodyHandlers.discarding()).statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for kubo", e);
            }
            sleep(50);
        }
        stop();
        throw new IllegalStateException(
                "kubo API did not answer on "
                        + apiUrl()
                        + " in "
                        + STARTUP_TIMEOUT
                        + "; "
                        + tail());
    }

    private String run(List<String> command, Duration timeout) {
        return run(command, Map.of("IPFS_PATH", repo.toString()), timeout);
    }

    /**
     * Runs {@code command} to its end, or kills it (and what it started) after {@code timeout}.
     * Both outputs are read on their own threads, so a command that never closes them still times
     * out.
     */
    static String run(List<String> command, Map<String, String> env, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(false);
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        }
        var stdout = new java.io.ByteArrayOutputStream();
        var stderr = new java.io.ByteArrayOutputStream();
        Thread out = new Thread(() -> copy(p.getInputStream(), stdout), "kubo-cli-out");
        Thread err = new Thread(() -> copy(p.getErrorStream(), stderr), "kubo-cli-err");
        out.setDaemon(true);
        err.setDaemon(true);
        out.start();
        err.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new IllegalStateException(
                        String.join(" ", command) + " timed out after " + timeout);
            }
            // the outputs end with the process, unless a child it left behind still holds them
            out.join(5_000);
            err.join(5_000);
        } catch (InterruptedException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(
                    String.join(" ", command)
                            + " exited with "
                            + p.exitValue()
                            + ": "
                            + stderr.toString(StandardCharsets.UTF_8).strip());
        }
        return stdout.toString(StandardCharsets.UTF_8);
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "daemon log: "
                    + String.join(
                            " | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "no daemon log";
        }
    }

    private static boolean waitFor(Process p, int seconds) {
        try {
            return p.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * Finds Kubo: the {@code cohort.ipfs} system property, the {@code COHORT_IPFS} environment
     * variable, or {@value #IPFS_RELATIVE} in this folder or one above it (where ./setup builds
     * it).
     */
    public static Path locate() {
        Optional<String> configured =
                Optional.ofNullable(System.getProperty("cohort.ipfs"))
                        .or(() -> Optional.ofNullable(System.getenv("COHORT_IPFS")));
        if (configured.isPresent()) {
            Path path = Path.of(configured.get());
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("ipfs at " + path + " is not executable");
            }
            return path;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(IPFS_RELATIVE);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "ipfs (Kubo) not found: run ./setup (it builds "
                        + IPFS_RELATIVE
                        + ") or set COHORT_IPFS");
    }
}
