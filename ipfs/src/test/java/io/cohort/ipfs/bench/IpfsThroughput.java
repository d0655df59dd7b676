package io.cohort.ipfs.bench;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.TestContent;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Add and cat throughput of the Java client against the {@code ipfs} CLI on the same Kubo node,
 * side by side, and the embedded store's add. Every add gets content it has never seen (a new
 * seed), so each one hashes and stores every block; runs alternate between the tools. Prints a
 * Markdown table of medians. Run by {@code bench/ipfs-throughput}.
 */
public final class IpfsThroughput {

    private static final long MIB = 1024 * 1024;

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Files.createTempDirectory("cohort-bench-ipfs-");
        List<String> rows = new ArrayList<>();
        try (KuboNode node = KuboNode.start();
                KuboClient client = KuboClient.connect(node.apiUrl());
                EmbeddedStore embedded = EmbeddedStore.open(work.resolve("embedded"))) {
            long seed = 1;
            // warm up the JIT (a node runs for hours; the Go CLI is compiled ahead of time)
            for (int i = 0; i < 3; i++) {
                Path w = file(work, 10 * MIB, 1_000_000 + i);
                Cid cid = add(client, w);
                drain(client, cid);
                add(embedded, w);
                Files.delete(w);
            }
            for (long size : new long[] {10 * MIB, 200 * MIB}) {
                List<Double> cliAdd = new ArrayList<>();
                List<Double> javaAdd = new ArrayList<>();
                List<Double> embeddedAdd = new ArrayList<>();
                List<Double> cliCat = new ArrayList<>();
                List<Double> javaCat = new ArrayList<>();
                for (int rep = 0; rep < reps; rep++) {
                    Path a = file(work, size, seed++);
                    Path b = file(work, size, seed++);
                    Path c = file(work, size, seed++);
                    String[] cidA = new String[1];
                    Cid[] cidB = new Cid[1];
                    Runnable cli =
                            () ->
                                    cliAdd.add(
                                            mbps(
                                                    size,
                                                    () ->
                                                            timed(
                                                                    () ->
                                                                            cidA[0] =
                                                                                    node.cli(
                                                                                                    "add",
                                                                                                    "-Q",
                                                                                                    "--cid-version=1",
                                                                                                    "--raw-leaves",
                                                                                                    "--chunker=size-262144",
                                                                                                    a
                                                                                                            .toString())
                                                                                            .strip())));
                    Runnable java =
                            () ->
                                    javaAdd.add(
                                            mbps(
                                                    size,
                                                    () -> timed(() -> cidB[0] = add(client, b))));
                    if (rep % 2 == 0) {
                        cli.run();
                        java.run();
                    } else {
                        java.run();
                        cli.run();
                    }
                    embeddedAdd.add(mbps(size, () -> timed(() -> add(embedded, c))));
                    // both read the same content; the order alternates
                    Runnable cliRead =
                            () -> cliCat.add(mbps(size, () -> timed(() -> catCli(node, cidB[0]))));
                    Runnable javaRead =
                            () ->
                                    javaCat.add(
                                            mbps(size, () -> timed(() -> drain(client, cidB[0]))));
                    if (rep % 2 == 0) {
                        cliRead.run();
                        javaRead.run();
                    } else {
                        javaRead.run();
                        cliRead.run();
                    }
                    Files.delete(a);
                    Files.delete(b);
                    Files.delete(c);
                    if (!cidA[0].isEmpty() && cidB[0] == null) {
                        throw new IllegalStateException("no CID");
                    }
                }
                double ca = median(cliAdd);
                double ja = median(javaAdd);
                double cc = median(cliCat);
                double jc = median(javaCat);
                rows.add(
                        String.format(
                                Locale.ROOT,
                                "| %d MiB | %.0f | %.0f | **%.2f×** | %.0f | %.0f | **%.2f×** | %.0f |",
                                size / MIB,
                                ca,
                                ja,
                                ja / ca,
                                cc,
                                jc,
                                jc / cc,
                                median(embeddedAdd)));
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println();
        System.out.println("medians of " + reps + " runs, MB/s (10^6 bytes per second)");
        System.out.println();
        System.out.println(
                "| size | CLI add | Java add | Java/CLI | CLI cat | Java read (verified) | Java/CLI | embedded add |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        rows.forEach(System.out::println);
    }

    private interface Io {
        void run() throws Exception;
    }

    private static long timed(Io io) {
        long t0 = System.nanoTime();
        try {
            io.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return System.nanoTime() - t0;
    }

    private static double mbps(long bytes, LongSupplier nanos) {
        return bytes / 1e6 / (nanos.getAsLong() / 1e9);
    }

    private static Cid add(io.cohort.ipfs.ContentStore store, Path file) throws IOException {
        return store.add(file);
    }

    private static void drain(KuboClient client, Cid cid) throws IOException {
        try (InputStream in = client.read(cid)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static void catCli(KuboNode node, Cid cid) throws Exception {
        Process p =
                new ProcessBuilder(
                                node.binary().toString(),
                                "--api=" + node.apiMultiaddr(),
                                "cat",
                                cid.toString())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("ipfs cat failed");
        }
    }

    private static Path file(Path dir, long size, long seed) throws IOException {
        Path f = Files.createTempFile(dir, "bench-", ".bin");
        try (InputStream in = new TestContent(size, seed);
                OutputStream out = Files.newOutputStream(f)) {
            in.transferTo(out);
        }
        return f;
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
