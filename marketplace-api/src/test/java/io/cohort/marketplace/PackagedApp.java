package io.cohort.marketplace;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

/**
 * The packaged marketplace ({@code target/quarkus-app/quarkus-run.jar}) as its own process on
 * {@code quarkus.http.port=0}: it binds a free port itself and logs it, so nothing can take the
 * port between choosing and binding it. {@link #base} is where it listens.
 */
public final class PackagedApp {

    public final Process process;
    public final String base;

    private PackagedApp(Process process, String base) {
        this.process = process;
        this.base = base;
    }

    /**
     * Starts the jar with {@code -D} properties, its output to {@code log}, and waits for its port.
     */
    public static PackagedApp start(Path jar, Path log, String heap, List<String> properties)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add(heap);
        properties.forEach(p -> command.add("-D" + p));
        command.add("-Dquarkus.http.port=0");
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        Files.deleteIfExists(log);
        Process p =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (true) {
            if (Files.exists(log)) {
                Matcher m = Listening.LINE.matcher(Files.readString(log));
                if (m.find()) {
                    return new PackagedApp(p, m.group(1));
                }
            }
            if (!p.isAlive() || System.nanoTime() > end) {
                p.destroyForcibly();
                throw new AssertionError(
                        "the marketplace never logged where it listens; its log:\n"
                                + (Files.exists(log) ? Files.readString(log) : "(none)"));
            }
            Thread.sleep(100);
        }
    }
}
