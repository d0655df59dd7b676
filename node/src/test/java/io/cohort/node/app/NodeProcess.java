package io.cohort.node.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The node as the operator runs it: {@code java -jar target/quarkus-app/quarkus-run.jar <command>}
 * in a process of its own, its output in a log file the test reads line by line. {@link #kill} is
 * SIGKILL; {@link #restart} runs the same command again, appending to the same log.
 */
final class NodeProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    /** What a short command printed and how it exited. */
    record Result(int exit, String out) {}

    private static final Pattern LISTENING = Pattern.compile("status on http://[^:]+:(\\d+)");

    private final String name;
    private final List<String> command;
    private final Path log;
    private Process process;
    private int consumed;

    /** Lines in the log when the current process started: its own lines come after. */
    private int launchedAt;

    private NodeProcess(String name, List<String> command, Path log) {
        this.name = name;
        this.command = command;
        this.log = log;
    }

    private static List<String> command(Map<String, String> properties, String... args) {
        List<String> c = new ArrayList<>();
        c.add(ProcessHandle.current().info().command().orElse("java"));
        c.add("-Xmx1g");
        c.add("-Dai.djl.offline=true");
        String data = System.getProperty("cohort.data.dir");
        if (data != null) {
            c.add("-Dcohort.data.dir=" + data);
        }
        properties.forEach((k, v) -> c.add("-D" + k + "=" + v));
        c.add("-jar");
        c.add(JAR.toAbsolutePath().toString());
        c.addAll(List.of(args));
        return c;
    }

    private static ProcessBuilder builder(List<String> command, Path log) {
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().put("COHORT_KEYSTORE_PASSWORD", "correct horse battery staple");
        b.environment().put("OMP_NUM_THREADS", "1");
        b.redirectErrorStream(true);
        b.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return b;
    }

    /** Runs a short command to its end. */
    static Result cli(Path dir, Map<String, String> properties, String... args) throws Exception {
        Path log = Files.createTempFile(dir, "cli", ".log");
        Process p = builder(command(properties, args), log).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("cohort-node " + String.join(" ", args) + " did not end");
        }
        return new Result(p.exitValue(), Files.readString(log));
    }

    /**
     * Starts a long-running command with its HTTP face on port 0: the node binds a free port itself
     * and logs it, so no other process can take the port between choosing it and binding it.
     */
    static NodeProcess start(String name, Path dir, Map<String, String> properties, String... args)
            throws IOException {
        Map<String, String> all = new java.util.LinkedHashMap<>(properties);
        all.put("quarkus.http.port", "0");
        NodeProcess n = new NodeProcess(name, command(all, args), dir.resolve(name + ".log"));
        n.launch();
        return n;
    }

    private void launch() throws IOException {
        launchedAt = Files.exists(log) ? lines().size() : 0;
        process = builder(command, log).start();
    }

    /** The port the running process logged, waiting for the line if it has not come yet. */
    private int port() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (true) {
            List<String> lines = lines();
            for (int i = launchedAt; i < lines.size(); i++) {
                Matcher m = LISTENING.matcher(lines.get(i));
                if (m.find()) {
                    return Integer.parseInt(m.group(1));
                }
            }
            if (!process.isAlive() || System.nanoTime() > end) {
                throw new AssertionError(name + " never logged its HTTP port:\n" + tail(40));
            }
            Thread.sleep(100);
        }
    }

    void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        Files.writeString(
                log, "---- restarted by the test ----\n", java.nio.file.StandardOpenOption.APPEND);
        launch();
    }

    /** SIGKILL, as a crash or the OOM killer would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /**
     * Waits for the next log line (after those an earlier wait consumed) matching {@code regex} and
     * returns its match; fails with the log's tail if the process ends or the time runs out.
     */
    Matcher awaitLine(String regex, Duration timeout) throws Exception {
        Pattern pattern = Pattern.compile(regex);
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lines = lines();
            for (int i = consumed; i < lines.size(); i++) {
                Matcher m = pattern.matcher(lines.get(i));
                if (m.find()) {
                    consumed = i + 1;
                    return m;
                }
            }
            if (!process.isAlive() || System.nanoTime() > end) {
                throw new AssertionError(
                        name
                                + (process.isAlive() ? " did not log " : " ended without logging ")
                                + regex
                                + "; its log ends:\n"
                                + tail(40));
            }
            Thread.sleep(100);
        }
    }

    /** How often a line matching {@code regex} appears in the whole log. */
    long count(String regex) {
        Pattern p = Pattern.compile(regex);
        return lines().stream().filter(l -> p.matcher(l).find()).count();
    }

    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not exit; its log ends:\n" + tail(40));
        }
        return process.exitValue();
    }

    String tail(int n) {
        List<String> lines = lines();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** GET on the node's HTTP face: status code and body. */
    HttpResponse<String> get(String path) throws Exception {
        return send("GET", path);
    }

    /** A request without a body on the node's HTTP face. */
    HttpResponse<String> send(String method, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
