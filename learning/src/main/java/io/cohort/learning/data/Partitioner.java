package io.cohort.learning.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits a dataset's sample indices among clients, reproducibly from a seed. Every index goes to
 * exactly one client.
 */
public final class Partitioner {

    private Partitioner() {}

    /** Shuffles, then deals the samples out evenly (sizes differ by at most one). */
    public static List<int[]> iid(LabeledData data, int clients, long seed) {
        check(data, clients);
        int[] order = shuffled(range(data.size()), new SplittableRandom(seed));
        List<int[]> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int from = (int) ((long) data.size() * c / clients);
            int to = (int) ((long) data.size() * (c + 1) / clients);
            out.add(Arrays.copyOfRange(order, from, to));
        }
        return out;
    }

    /**
     * Label skew: for every class, proportions over the clients are drawn from Dirichlet(α) and
     * that class's shuffled samples are cut accordingly. Small α gives each client few classes. The
     * whole draw is repeated (with the same random stream, so still reproducible) until every
     * client holds at least {@code max(1, min(10, n / (4·clients)))} samples; after 100 tries it
     * fails.
     */
    public static List<int[]> dirichlet(LabeledData data, int clients, double alpha, long seed) {
        check(data, clients);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be positive and finite, got " + alpha);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int minimum = Math.max(1, Math.min(10, data.size() / (4 * clients)));
        List<List<Integer>> byClass = byClass(data);
        for (int attempt = 0; attempt < 100; attempt++) {
            List<List<Integer>> parts = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                parts.add(new ArrayList<>());
            }
            for (List<Integer> members : byClass) {
                int[] idx =
                        shuffled(members.stream().mapToInt(Integer::intValue).toArray(), random);
                double[] p = dirichletDraw(clients, alpha, random);
                int start = 0;
                double cumulative = 0;
                for (int c = 0; c < clients; c++) {
                    cumulative += p[c];
                    int end =
                            c == clients - 1
                                    ? idx.length
                                    : (int) Math.round(cumulative * idx.length);
                    end = Math.max(start, Math.min(idx.length, end));
                    for (int k = start; k < end; k++) {
                        parts.get(c).add(idx[k]);
                    }
                    start = end;
                }
            }
            if (parts.stream().allMatch(p -> p.size() >= minimum)) {
                List<int[]> out = new ArrayList<>();
                for (List<Integer> p : parts) {
                    out.add(p.stream().mapToInt(Integer::intValue).toArray());
                }
                return out;
            }
        }
        throw new IllegalArgumentException(
                "Dirichlet("
                        + alpha
                        + ") left a client with fewer than "
                        + minimum
                        + " samples in 100 draws; use more data or a larger alpha");
    }

    /**
     * Pathological non-IID: samples sorted by label are cut into {@code clients × shardsPerClient}
     * equal shards, and each client gets {@code shardsPerClient} shards at random.
     */
    public static List<int[]> shards(
            LabeledData data, int clients, int shardsPerClient, long seed) {
        check(data, clients);
        if (shardsPerClient < 1) {
            throw new IllegalArgumentException("shardsPerClient must be at least 1");
        }
        int shards = clients * shardsPerClient;
        if (shards > data.size()) {
            throw new IllegalArgumentException(shards + " shards for " + data.size() + " samples");
        }
        SplittableRandom random = new SplittableRandom(seed);
        Integer[] sorted = new Integer[data.size()];
        int[] pre = shuffled(range(data.size()), random); // random order within a label
        for (int i = 0; i < sorted.length; i++) {
            sorted[i] = pre[i];
        }
        Arrays.sort(sorted, (a, b) -> Integer.compare(data.labels()[a], data.labels()[b]));
        int[] shardOrder = shuffled(range(shards), random);
        List<int[]> out = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            List<Integer> mine = new ArrayList<>();
            for (int s = 0; s < shardsPerClient; s++) {
                int shard = shardOrder[c * shardsPerClient + s];
                int from = (int) ((long) data.size() * shard / shards);
                int to = (int) ((long) data.size() * (shard + 1) / shards);
                for (int k = from; k < to; k++) {
                    mine.add(sorted[k]);
                }
            }
            out.add(mine.stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    /**
     * A stratified hold-out: within every class, a shuffled {@code fraction} of its samples
     * (rounded down) is held out.
     *
     * @param train the rest
     * @param heldOut the held-out part
     */
    public record Holdout(LabeledData train, LabeledData heldOut) {}

    public static Holdout validationSplit(LabeledData data, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (List<Integer> members : byClass(data)) {
            int[] idx = shuffled(members.stream().mapToInt(Integer::intValue).toArray(), random);
            int cut = (int) Math.floor(idx.length * fraction);
            for (int k = 0; k < idx.length; k++) {
                (k < cut ? held : train).add(idx[k]);
            }
        }
        return new Holdout(
                data.subset(train.stream().mapToInt(Integer::intValue).sorted().toArray()),
                data.subset(held.stream().mapToInt(Integer::intValue).sorted().toArray()));
    }

    /** Marsaglia–Tsang Gamma(α, 1) draws, normalised. */
    static double[] dirichletDraw(int k, double alpha, SplittableRandom random) {
        double[] g = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            g[i] = gamma(alpha, random);
            sum += g[i];
        }
        if (sum == 0) {
            g[random.nextInt(k)] = 1;
            sum = 1;
        }
        for (int i = 0; i < k; i++) {
            g[i] /= sum;
        }
        return g;
    }

    static double gamma(double alpha, SplittableRandom random) {
        if (alpha < 1) {
            // Gamma(α) = Gamma(α + 1) · U^(1/α)
            return gamma(alpha + 1, random) * Math.pow(random.nextDouble(), 1 / alpha);
        }
        double d = alpha - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x
                    || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    private static double normal(SplittableRandom random) {
        // Box–Muller; one of the pair is enough
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static List<List<Integer>> byClass(LabeledData data) {
        List<List<Integer>> out = new ArrayList<>();
        for (int c = 0; c < data.numClasses(); c++) {
            out.add(new ArrayList<>());
        }
        for (int i = 0; i < data.size(); i++) {
            out.get(data.labels()[i]).add(i);
        }
        return out;
    }

    private static void check(LabeledData data, int clients) {
        if (clients < 1 || clients > data.size()) {
            throw new IllegalArgumentException(
                    clients + " clients for " + data.size() + " samples");
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static int[] shuffled(int[] a, SplittableRandom random) {
        int[] s = a.clone();
        for (int i = s.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }
}
