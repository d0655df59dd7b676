package io.cohort.learning.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Splits a dataset's sample indices among federated clients, reproducibly from a seed: the same
 * data, arguments and seed always give the same partition, and every index goes to exactly one
 * client. IID, label skew by Dirichlet(α) [Hsu et al., 2019], and label shards [McMahan et al.,
 * 2017]; docs/data-and-tensors.md states each algorithm precisely.
 */
public final class Partitioner {

    /** Dirichlet draws tried before the last one is repaired to meet the minimum client size. */
    public static final int MAX_DRAWS = 100;

    /**
     * A stratified hold-out.
     *
     * @param train the samples kept for training, in their original order
     * @param heldOut the held-out samples, in their original order
     */
    public record Holdout(LabeledData train, LabeledData heldOut) {}

    private Partitioner() {}

    /**
     * Shuffles the indices, then deals them out in contiguous runs: client {@code c} gets positions
     * {@code [n·c/clients, n·(c+1)/clients)} of the shuffled order, so sizes differ by at most one.
     *
     * @throws IllegalArgumentException unless {@code 1 <= clients <= data.size()}
     */
    public static List<int[]> iid(LabeledData data, int clients, long seed) {
        checkClients(data, clients);
        int n = data.size();
        int[] order = shuffled(range(n), new SplittableRandom(seed));
        List<int[]> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int from = (int) ((long) n * c / clients);
            int to = (int) ((long) n * (c + 1) / clients);
            out.add(Arrays.copyOfRange(order, from, to));
        }
        return out;
    }

    /**
     * The minimum client size {@link #dirichlet(LabeledData, int, double, long)} enforces: {@code
     * max(1, min(10, samples / (4·clients)))}.
     */
    public static int defaultMinimumSize(int samples, int clients) {
        return Math.max(1, Math.min(10, samples / (4 * Math.max(1, clients))));
    }

    /**
     * Label skew with the default minimum client size {@link #defaultMinimumSize(int, int)}.
     *
     * @see #dirichlet(LabeledData, int, double, int, long)
     */
    public static List<int[]> dirichlet(LabeledData data, int clients, double alpha, long seed) {
        return dirichlet(data, clients, alpha, defaultMinimumSize(data.size(), clients), seed);
    }

    /**
     * Label skew: for every class in turn, that class's indices are shuffled, proportions {@code p}
     * over the clients are drawn from the symmetric Dirichlet(α), and the shuffled indices are cut
     * at {@code round(len·(p_0 + … + p_c))}. Small α gives each client few classes; large α
     * approaches IID. If some client ends with fewer than {@code minSize} samples the whole draw is
     * repeated from the same random stream, up to {@link #MAX_DRAWS} times; if the last draw still
     * leaves a client short it is repaired: while some client is short, the smallest client (lowest
     * index on ties) takes one sample from the largest (lowest index on ties), of the class the
     * largest holds most of. Each client's indices come grouped by class, in class order.
     *
     * @param alpha the concentration, positive and finite
     * @param minSize the fewest samples any client may get, at most {@code data.size() / clients}
     * @throws IllegalArgumentException if the arguments cannot be met
     */
    public static List<int[]> dirichlet(
            LabeledData data, int clients, double alpha, int minSize, long seed) {
        checkClients(data, clients);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("alpha must be positive and finite, got " + alpha);
        }
        if (minSize < 0) {
            throw new IllegalArgumentException("minSize must not be negative, got " + minSize);
        }
        if ((long) minSize * clients > data.size()) {
            throw new IllegalArgumentException(
                    "minSize "
                            + minSize
                            + " for "
                            + clients
                            + " clients needs "
                            + (long) minSize * clients
                            + " samples, the data has "
                            + data.size()
                            + "; use a minSize of at most "
                            + data.size() / clients);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[][] members = byClass(data);
        int[][] order = new int[members.length][];
        int[][] counts = new int[members.length][clients];
        for (int draw = 0; draw < MAX_DRAWS; draw++) {
            for (int k = 0; k < members.length; k++) {
                order[k] = shuffled(members[k], random);
                cut(Dirichlet.draw(clients, alpha, random), order[k].length, counts[k]);
            }
            if (smallest(totals(counts, clients)) >= minSize) {
                return deal(order, counts, clients);
            }
        }
        repair(counts, clients, minSize);
        return deal(order, counts, clients);
    }

    /**
     * Pathological non-IID shards: the indices, shuffled and then stably sorted by label, are cut
     * into {@code clients·shardsPerClient} contiguous shards of sizes differing by at most one
     * (shard {@code s} covers positions {@code [n·s/S, n·(s+1)/S)}); the shard numbers are shuffled
     * and client {@code c} gets shards {@code c·shardsPerClient … (c+1)·shardsPerClient − 1} of
     * that order. A client sees at most {@code shardsPerClient} labels unless a shard straddles a
     * class boundary.
     *
     * @throws IllegalArgumentException if there are fewer samples than shards
     */
    public static List<int[]> shards(
            LabeledData data, int clients, int shardsPerClient, long seed) {
        checkClients(data, clients);
        if (shardsPerClient < 1) {
            throw new IllegalArgumentException(
                    "shardsPerClient must be at least 1, got " + shardsPerClient);
        }
        int n = data.size();
        long shards = (long) clients * shardsPerClient;
        if (shards > n) {
            throw new IllegalArgumentException(
                    clients
                            + " clients × "
                            + shardsPerClient
                            + " shards = "
                            + shards
                            + " shards for "
                            + n
                            + " samples; use fewer shards per client");
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] sorted = stableSortByLabel(shuffled(range(n), random), data);
        int[] shardOrder = shuffled(range((int) shards), random);
        List<int[]> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            int size = 0;
            for (int s = 0; s < shardsPerClient; s++) {
                int shard = shardOrder[c * shardsPerClient + s];
                size += shardEnd(n, shard, shards) - shardEnd(n, shard - 1, shards);
            }
            int[] mine = new int[size];
            int at = 0;
            for (int s = 0; s < shardsPerClient; s++) {
                int shard = shardOrder[c * shardsPerClient + s];
                int from = shardEnd(n, shard - 1, shards);
                int to = shardEnd(n, shard, shards);
                System.arraycopy(sorted, from, mine, at, to - from);
                at += to - from;
            }
            out.add(mine);
        }
        return out;
    }

    /**
     * A stratified hold-out of {@code T = round(n·fraction)} samples (clamped to {@code [1, n−1]}):
     * class {@code k} with {@code n_k} samples gives {@code floor(n_k·T/n)} of them, and the
     * samples still missing from {@code T} come one each from the classes with the largest
     * fractional parts {@code n_k·T/n − floor(…)} (lowest class first on ties). Within a class the
     * held-out samples are the first of its shuffled indices.
     *
     * @param fraction the share to hold out, in (0, 1)
     * @throws IllegalArgumentException if the fraction is outside (0, 1) or there are fewer than 2
     *     samples
     */
    public static Holdout validationSplit(LabeledData data, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction must be in (0, 1), got " + fraction);
        }
        int n = data.size();
        if (n < 2) {
            throw new IllegalArgumentException(
                    "a hold-out needs at least 2 samples, the data has " + n);
        }
        long target = Math.max(1, Math.min(n - 1, Math.round(n * fraction)));
        int[][] members = byClass(data);
        int[] quota = new int[members.length];
        double[] remainder = new double[members.length];
        long assigned = 0;
        for (int k = 0; k < members.length; k++) {
            double ideal = (double) members[k].length * target / n;
            quota[k] = (int) Math.floor(ideal);
            remainder[k] = ideal - quota[k];
            assigned += quota[k];
        }
        for (; assigned < target; assigned++) {
            int best = -1;
            for (int k = 0; k < members.length; k++) {
                if (quota[k] < members[k].length && (best < 0 || remainder[k] > remainder[best])) {
                    best = k;
                }
            }
            quota[best]++;
            remainder[best] = -1;
        }
        SplittableRandom random = new SplittableRandom(seed);
        boolean[] held = new boolean[n];
        for (int k = 0; k < members.length; k++) {
            int[] idx = shuffled(members[k], random);
            for (int j = 0; j < quota[k]; j++) {
                held[idx[j]] = true;
            }
        }
        int[] heldIdx = new int[(int) target];
        int[] trainIdx = new int[n - (int) target];
        int h = 0;
        int t = 0;
        for (int i = 0; i < n; i++) {
            if (held[i]) {
                heldIdx[h++] = i;
            } else {
                trainIdx[t++] = i;
            }
        }
        return new Holdout(data.subset(trainIdx), data.subset(heldIdx));
    }

    /**
     * Cuts {@code len} items at the rounded cumulative proportions; the last client takes the rest.
     */
    private static void cut(double[] p, int len, int[] counts) {
        int start = 0;
        double cumulative = 0;
        for (int c = 0; c < counts.length; c++) {
            cumulative += p[c];
            int end = c == counts.length - 1 ? len : (int) Math.round(cumulative * len);
            end = Math.max(start, Math.min(len, end));
            counts[c] = end - start;
            start = end;
        }
    }

    /** Moves single samples from the largest client to the smallest until all have minSize. */
    private static void repair(int[][] counts, int clients, int minSize) {
        int[] totals = totals(counts, clients);
        while (true) {
            int poorest = 0;
            int richest = 0;
            for (int c = 1; c < clients; c++) {
                if (totals[c] < totals[poorest]) {
                    poorest = c;
                }
                if (totals[c] > totals[richest]) {
                    richest = c;
                }
            }
            if (totals[poorest] >= minSize) {
                return;
            }
            // minSize·clients <= n, so the richest holds more than minSize and stays above it
            int fullest = 0;
            for (int k = 1; k < counts.length; k++) {
                if (counts[k][richest] > counts[fullest][richest]) {
                    fullest = k;
                }
            }
            counts[fullest][richest]--;
            counts[fullest][poorest]++;
            totals[richest]--;
            totals[poorest]++;
        }
    }

    /** Client c gets, class by class, its run of each class's shuffled indices. */
    private static List<int[]> deal(int[][] order, int[][] counts, int clients) {
        int[] totals = totals(counts, clients);
        List<int[]> out = new ArrayList<>(clients);
        for (int c = 0; c < clients; c++) {
            out.add(new int[totals[c]]);
        }
        int[] filled = new int[clients];
        for (int k = 0; k < order.length; k++) {
            int from = 0;
            for (int c = 0; c < clients; c++) {
                System.arraycopy(order[k], from, out.get(c), filled[c], counts[k][c]);
                filled[c] += counts[k][c];
                from += counts[k][c];
            }
        }
        return out;
    }

    private static int[] totals(int[][] counts, int clients) {
        int[] totals = new int[clients];
        for (int[] perClass : counts) {
            for (int c = 0; c < clients; c++) {
                totals[c] += perClass[c];
            }
        }
        return totals;
    }

    private static int smallest(int[] values) {
        int min = Integer.MAX_VALUE;
        for (int v : values) {
            min = Math.min(min, v);
        }
        return min;
    }

    private static int shardEnd(int n, int shard, long shards) {
        return (int) ((long) n * (shard + 1) / shards);
    }

    /** Each class's indices in ascending order. */
    private static int[][] byClass(LabeledData data) {
        int[] labels = data.labels();
        int[] sizes = new int[data.numClasses()];
        for (int y : labels) {
            sizes[y]++;
        }
        int[][] out = new int[sizes.length][];
        for (int k = 0; k < sizes.length; k++) {
            out[k] = new int[sizes[k]];
        }
        int[] filled = new int[sizes.length];
        for (int i = 0; i < labels.length; i++) {
            out[labels[i]][filled[labels[i]]++] = i;
        }
        return out;
    }

    /** Counting sort by label that keeps the given order within a label. */
    private static int[] stableSortByLabel(int[] indices, LabeledData data) {
        int[] labels = data.labels();
        int[] start = new int[data.numClasses() + 1];
        for (int i : indices) {
            start[labels[i] + 1]++;
        }
        for (int k = 0; k < data.numClasses(); k++) {
            start[k + 1] += start[k];
        }
        int[] out = new int[indices.length];
        for (int i : indices) {
            out[start[labels[i]]++] = i;
        }
        return out;
    }

    private static void checkClients(LabeledData data, int clients) {
        if (clients < 1 || clients > data.size()) {
            throw new IllegalArgumentException(
                    clients
                            + " clients for "
                            + data.size()
                            + " samples: need between 1 and "
                            + data.size()
                            + " clients");
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** A Fisher–Yates shuffle of a copy. */
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
