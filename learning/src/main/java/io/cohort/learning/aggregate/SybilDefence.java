package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A Sybil defence in the spirit of FoolsGold [Fung et al., 2020]: trainers whose updates keep
 * pointing the same way across rounds are treated as one trainer. Stateful: it remembers, per
 * {@link Submission#trainer()}, the sum of every update that trainer submitted to this instance.
 * Use one instance per project, feed it the rounds in increasing order, and {@link #reset()} (or a
 * fresh instance) to replay; an auditor replaying every round from the first gets the same results.
 * Not for concurrent rounds (calls are serialised).
 *
 * <p>The rule, for the n submissions of a round (trainers must be distinct):
 *
 * <ol>
 *   <li>{@code Hₖ ← Hₖ + uₖ} for each trainer k of the round, in float, per coordinate ({@code Hₖ}
 *       starts at 0; trainers absent this round keep theirs untouched).
 *   <li>{@code sₖⱼ = cos(Hₖ, Hⱼ)} for every pair of this round's trainers (0 if either history is
 *       zero), and {@code maxₖ = maxⱼ≠ₖ sₖⱼ} (0 for a trainer alone in the round).
 *   <li>Clone groups are the connected components of the graph with an edge k–j wherever {@code sₖⱼ
 *       > groupThreshold} (single linkage); a group's id is its lowest input index. A group of g
 *       trainers shares the weight of one: each member's raw weight is {@code 1/g} (1 for a trainer
 *       in no group).
 *   <li>A trainer with {@code maxₖ > cloneThreshold} is rejected with reason {@code clone}, metric
 *       {@code max-history-cosine}, threshold {@code cloneThreshold}; its raw weight becomes 0 and
 *       its group's other members keep {@code 1/g}.
 *   <li>The aggregate is the weighted mean {@code Σ wₖ·uₖ / Σ wₖ} of this round's updates (not the
 *       histories); {@code weightₖ = wₖ / Σ w}. If every trainer is rejected, the update is zero,
 *       every weight is 0, and {@code fallback = "zero-update"}.
 * </ol>
 *
 * <p>Defaults: {@link #DEFAULT_GROUP_THRESHOLD} 0.95 and {@link #DEFAULT_CLONE_THRESHOLD} 0.99,
 * meant to sit above the history cosine of honest trainers on different data and below that of
 * copies of one trainer (identical copies score 1). They are not yet calibrated on measured
 * updates: IID partitions make honest histories more alike, so check them against the project's
 * data. A threshold of 1 disables its step.
 *
 * <p>Metrics: {@code l2-norm}, {@code history-norm}, {@code history-rounds}, {@code history-cosine}
 * (the n×n matrix as {@code double[][]}, 1 on the diagonal), {@code max-history-cosine}, {@code
 * most-similar} (index of the argmax, ties to the lower index; −1 when alone), {@code clone-group},
 * {@code clone-group-size}, {@code group-threshold}, {@code clone-threshold}.
 */
public final class SybilDefence implements Aggregator {

    /** Cosine of cumulative updates above which trainers share one weight. */
    public static final double DEFAULT_GROUP_THRESHOLD = 0.95;

    /** Cosine of cumulative updates above which a trainer is rejected as a clone. */
    public static final double DEFAULT_CLONE_THRESHOLD = 0.99;

    private final double groupThreshold;
    private final double cloneThreshold;
    private final Map<String, float[]> histories = new HashMap<>();
    private final Map<String, Integer> rounds = new HashMap<>();
    private int lastRound;
    private boolean started;

    /** With {@link #DEFAULT_GROUP_THRESHOLD} and {@link #DEFAULT_CLONE_THRESHOLD}. */
    public SybilDefence() {
        this(DEFAULT_GROUP_THRESHOLD, DEFAULT_CLONE_THRESHOLD);
    }

    /**
     * @param groupThreshold in (0, 1]: history cosine above which trainers share a weight
     * @param cloneThreshold in [groupThreshold, 1]: history cosine above which a trainer is
     *     rejected as a clone; 1 never rejects
     */
    public SybilDefence(double groupThreshold, double cloneThreshold) {
        if (!(groupThreshold > 0 && groupThreshold <= 1)) {
            throw new IllegalArgumentException(
                    "SybilDefence: groupThreshold is a cosine and must be in (0, 1] (1 disables"
                            + " grouping), got "
                            + groupThreshold);
        }
        if (!(cloneThreshold >= groupThreshold && cloneThreshold <= 1)) {
            throw new IllegalArgumentException(
                    "SybilDefence: cloneThreshold must be in [groupThreshold, 1] = ["
                            + groupThreshold
                            + ", 1] (1 disables rejection), got "
                            + cloneThreshold);
        }
        this.groupThreshold = groupThreshold;
        this.cloneThreshold = cloneThreshold;
    }

    @Override
    public String name() {
        return "sybil-defence(group=" + groupThreshold + ",clone=" + cloneThreshold + ")";
    }

    /**
     * What a Sybil defence remembers: the history of every trainer it has seen and how many rounds
     * went into it, and the last round it aggregated (none before the first).
     *
     * @param histories per trainer, the sum of its updates so far
     * @param rounds per trainer (the same trainers), how many updates that sum holds, at least 1
     * @param lastRound the round last aggregated, if {@code started}
     * @param started whether any round was aggregated since the start or the last {@link #reset}
     */
    public record State(
            SortedMap<String, float[]> histories,
            SortedMap<String, Integer> rounds,
            int lastRound,
            boolean started) {}

    /** A copy of what this defence remembers, trainers in order; see {@link #restore}. */
    public synchronized State state() {
        SortedMap<String, float[]> h = new TreeMap<>();
        histories.forEach((t, v) -> h.put(t, v.clone()));
        return new State(h, new TreeMap<>(rounds), lastRound, started);
    }

    /**
     * Replaces what this defence remembers with {@code state}, as if it had aggregated the rounds
     * that produced it: the next round gives the same result, bit for bit.
     *
     * @param length the model's parameter count, which every history must have
     * @throws IllegalArgumentException naming what is inconsistent (nothing is changed then)
     */
    public synchronized void restore(State state, int length) {
        if (!state.histories().keySet().equals(state.rounds().keySet())) {
            throw new IllegalArgumentException(
                    name() + ": the state's histories and round counts name other trainers");
        }
        for (var e : state.histories().entrySet()) {
            if (e.getValue().length != length) {
                throw new IllegalArgumentException(
                        name()
                                + ": trainer "
                                + e.getKey()
                                + "'s history has "
                                + e.getValue().length
                                + " values, the model "
                                + length);
            }
            if (state.rounds().get(e.getKey()) < 1) {
                throw new IllegalArgumentException(
                        name() + ": trainer " + e.getKey() + "'s history holds no round");
            }
        }
        if (!state.started() && !state.histories().isEmpty()) {
            throw new IllegalArgumentException(
                    name() + ": the state has histories but no round aggregated");
        }
        histories.clear();
        state.histories().forEach((t, v) -> histories.put(t, v.clone()));
        rounds.clear();
        rounds.putAll(state.rounds());
        lastRound = state.lastRound();
        started = state.started();
    }

    /** Forgets every trainer's history, as a fresh instance. */
    public synchronized void reset() {
        histories.clear();
        rounds.clear();
        started = false;
    }

    @Override
    public synchronized Aggregation aggregate(
            List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        int length = context.global().length;
        Set<String> seen = new HashSet<>();
        for (int k = 0; k < n; k++) {
            String trainer = submissions.get(k).trainer();
            if (trainer == null) {
                throw new IllegalArgumentException(
                        name()
                                + ": submission "
                                + k
                                + " has no trainer; histories are per trainer");
            }
            if (!seen.add(trainer)) {
                throw new IllegalArgumentException(
                        name()
                                + ": trainer "
                                + trainer
                                + " submitted more than once in round "
                                + context.round()
                                + "; keep one submission per trainer");
            }
        }
        if (started && context.round() <= lastRound) {
            throw new IllegalArgumentException(
                    name()
                            + ": round "
                            + context.round()
                            + " is not after round "
                            + lastRound
                            + ", the last one aggregated, so a round would count twice in the"
                            + " histories; reset() or use a fresh SybilDefence to replay");
        }

        // the new histories are built aside and stored only once nothing can fail
        float[][] history = new float[n][];
        double[] historyNorms = new double[n];
        double[] historyRounds = new double[n];
        for (int k = 0; k < n; k++) {
            Submission s = submissions.get(k);
            float[] previous = histories.get(s.trainer());
            float[] u = s.update();
            float[] h = new float[length];
            for (int i = 0; i < length; i++) {
                h[i] = previous == null ? u[i] : previous[i] + u[i];
            }
            history[k] = h;
            historyNorms[k] = Vectors.norm(h);
            historyRounds[k] = rounds.getOrDefault(s.trainer(), 0) + 1;
        }
        double[][] cosines = new double[n][n];
        for (int a = 0; a < n; a++) {
            cosines[a][a] = 1;
            for (int b = a + 1; b < n; b++) {
                // an overflowed history (rejected below) is like no other: its cosines are NaN
                double c =
                        Double.isFinite(historyNorms[a]) && Double.isFinite(historyNorms[b])
                                ? Vectors.cosine(
                                        history[a], history[b], historyNorms[a], historyNorms[b])
                                : 0;
                cosines[a][b] = c;
                cosines[b][a] = c;
            }
        }
        double[] maxCosine = new double[n];
        double[] mostSimilar = new double[n];
        for (int a = 0; a < n; a++) {
            int best = -1;
            for (int b = 0; b < n; b++) {
                if (b != a && (best < 0 || cosines[a][b] > cosines[a][best])) {
                    best = b;
                }
            }
            maxCosine[a] = best < 0 ? 0 : cosines[a][best];
            mostSimilar[a] = best;
        }
        int[] group = groups(cosines);
        int[] members = new int[n];
        for (int k = 0; k < n; k++) {
            members[group[k]]++;
        }
        double[] groupIds = new double[n];
        double[] groupSizes = new double[n];
        for (int k = 0; k < n; k++) {
            groupIds[k] = group[k];
            groupSizes[k] = members[group[k]];
        }

        List<Rejection> rejections = new ArrayList<>();
        double[] raw = new double[n];
        for (int k = 0; k < n; k++) {
            if (!Double.isFinite(historyNorms[k])) {
                // its running sum overflowed float: its cosines are NaN, which no threshold
                // catches, so clones that large would pass as strangers
                rejections.add(
                        new Rejection(
                                k, "non-finite", "history-norm", historyNorms[k], Float.MAX_VALUE));
            } else if (maxCosine[k] > cloneThreshold) {
                rejections.add(
                        new Rejection(
                                k, "clone", "max-history-cosine", maxCosine[k], cloneThreshold));
            } else {
                raw[k] = 1 / groupSizes[k];
            }
        }
        int[] order = Submissions.canonicalOrder(norms);
        double total = Vectors.sum(raw, order);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("history-norm", historyNorms);
        metrics.put("history-rounds", historyRounds);
        metrics.put("history-cosine", cosines);
        metrics.put("max-history-cosine", maxCosine);
        metrics.put("most-similar", mostSimilar);
        metrics.put("clone-group", groupIds);
        metrics.put("clone-group-size", groupSizes);
        metrics.put("group-threshold", groupThreshold);
        metrics.put("clone-threshold", cloneThreshold);

        double[] weights = new double[n];
        float[] update;
        if (total == 0) {
            metrics.put("fallback", "zero-update");
            update = new float[length];
        } else {
            for (int k = 0; k < n; k++) {
                weights[k] = raw[k] / total;
            }
            update = Vectors.combine(submissions, weights, order, length);
        }
        for (int k = 0; k < n; k++) {
            String trainer = submissions.get(k).trainer();
            histories.put(trainer, history[k]);
            rounds.put(trainer, (int) historyRounds[k]);
        }
        lastRound = context.round();
        started = true;
        return Submissions.result(update, weights, rejections, metrics);
    }

    /**
     * The connected components of {@code cosine > groupThreshold}, each labelled by its lowest
     * index.
     */
    private int[] groups(double[][] cosines) {
        int n = cosines.length;
        int[] label = new int[n];
        Arrays.fill(label, -1);
        int[] stack = new int[n];
        for (int start = 0; start < n; start++) {
            if (label[start] >= 0) {
                continue;
            }
            // start is the lowest index not yet labelled, so the lowest of its component
            label[start] = start;
            int top = 0;
            stack[top++] = start;
            while (top > 0) {
                int a = stack[--top];
                for (int b = 0; b < n; b++) {
                    if (label[b] < 0 && cosines[a][b] > groupThreshold) {
                        label[b] = start;
                        stack[top++] = b;
                    }
                }
            }
        }
        return label;
    }
}
