package io.cohort.learning.aggregate;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Cohort's aggregation policy: the rule evaluators run, composed of a norm filter, a Sybil defence
 * and FLTrust. Stateful (each trainer's record of cosines and the Sybil defence's history): one
 * instance per project, rounds in increasing order.
 *
 * <p>For the n submissions of a round, with the evaluator's reference update {@code g₀} trained on
 * its root data from {@code G_r} ({@link AggregationContext#reference()}, required):
 *
 * <ol>
 *   <li><b>Free riders.</b> {@code ‖uₖ‖ ≤ freeRiderRatio · ‖g₀‖} is rejected with reason {@code
 *       free-rider}, metric {@code l2-norm}: an update that barely moves the model did no work.
 *   <li><b>Norm bounds.</b> Among the rest, {@code ‖uₖ‖ > normFactor · max(M, ‖g₀‖)} (M: the median
 *       norm of the rest) is rejected with reason {@code norm-out-of-bounds}.
 *   <li><b>Clones.</b> The survivors go through {@link SybilDefence} (this instance's history); its
 *       {@code clone} rejections stand, and a clone group of g members shares one weight ({@code
 *       1/g} each).
 *   <li><b>Direction.</b> FLTrust: {@code cₖ = cos(uₖ, g₀)}. The trainer's record {@code ρₖ} is the
 *       mean of its cosines over the last {@code window} rounds it reached this step in (this one
 *       included), floored at 0. Trust {@code tₖ = cₖ · ρₖ² · groupShareₖ}: an update is paid and
 *       weighted by how well it points along the reference now and, twice over, has lately (with
 *       {@code ρ} once, boosted backdoor updates that point slightly along the reference kept 2.1 %
 *       of the weight in the attack matrix; with {@code ρ²}, see docs/scoring-policy.md). An update
 *       with {@code cₖ ≤ minCosine} gets zero trust this round ({@code zero-trust}) but is not
 *       flagged: one skewed honest trainer can point away from the reference in a round. It is
 *       rejected with reason {@code outlier}, metric {@code cosine-record}, when that happens in
 *       {@code persistence} consecutive rounds the trainer reached this step in <em>and</em> the
 *       mean of its cosines over its window (unfloored) is at most {@code −flagMargin}: clearly
 *       against the reference lately, not merely near zero. Late in training, as the model
 *       converges, honest updates on skewed data sit at cosines of ±0.1 around zero; in the
 *       full-scale clean run, {@code cohort-policy/2} (no margin) flagged four honest trainers for
 *       three such rounds in a row. The margin changes flags only, never trust or weights.
 *   <li><b>Aggregate.</b> {@code Σ tₖ · (‖g₀‖/‖uₖ‖) · uₖ / Σ tₖ}, summed in ascending-norm order in
 *       double; {@code weightₖ = tₖ / Σ t} — the trainer's share of the round's rewards. If nothing
 *       survives, the update is zero and every weight 0 ({@code fallback = "zero-update"}).
 * </ol>
 *
 * <p>A reference that is not finite or is all zeros (training on the root data diverged from, or
 * stalled at, {@code G_r}) gives no direction and no scale to any step: the round's update is zero,
 * every weight 0 and nothing flagged ({@code fallback = "unusable-reference"}), and no trainer's
 * record, streak or Sybil history moves. So the committee can still post the round (flags the
 * decoder raised stand and slash) instead of every member refusing it alike.
 *
 * <p>Metrics: {@code policy}, {@code parameters} (normFactor, freeRiderRatio, minCosine, window,
 * persistence, flagMargin: a replay with other values disagrees, and says why), {@code l2-norm},
 * {@code reference-norm}, {@code median-norm}, {@code norm-upper-bound}, {@code free-rider-bound},
 * {@code sybil} (the Sybil defence's metrics, over {@code sybil-indices}), {@code cosine} (NaN for
 * submissions rejected before step 4), {@code record} (ρ, NaN likewise), {@code mean-cosine} (the
 * record before the floor), {@code zero-trust-streak}, {@code group-share}, {@code trust}.
 */
public final class CohortPolicy implements Aggregator {

    /** The version string written into every audit report. */
    public static final String VERSION = "cohort-policy/6";

    /** Norms above this many times max(median norm, reference norm) are out of bounds. */
    public static final double NORM_FACTOR = 4;

    /** Norms at most this fraction of the reference norm are a free rider's. */
    public static final double FREE_RIDER_RATIO = 0.01;

    /** Cosines at most this get zero trust. */
    public static final double MIN_COSINE = 0;

    /** How many of its latest rounds a trainer's record averages. */
    public static final int WINDOW = 5;

    /** Consecutive zero-trust rounds before an update can be an {@code outlier}. */
    public static final int PERSISTENCE = 3;

    /** How far below zero the record's mean cosine must be for an {@code outlier}. */
    public static final double FLAG_MARGIN = 0.1;

    private final double normFactor;
    private final double freeRiderRatio;
    private final double minCosine;
    private final int window;
    private final int persistence;
    private final double flagMargin;
    private final SybilDefence sybil;

    /** Per trainer: its last {@code window} cosines, oldest first. */
    private final Map<String, ArrayDeque<Double>> cosines = new HashMap<>();

    /** Per trainer: consecutive rounds with {@code cos ≤ minCosine}. */
    private final Map<String, Integer> streaks = new HashMap<>();

    /**
     * The defaults: norm factor 4, free-rider ratio 0.01, minimum cosine 0, a record over 5 rounds,
     * persistence 3, flag margin 0.1, Sybil defaults.
     */
    public CohortPolicy() {
        this(
                NORM_FACTOR,
                FREE_RIDER_RATIO,
                MIN_COSINE,
                WINDOW,
                PERSISTENCE,
                FLAG_MARGIN,
                new SybilDefence());
    }

    /**
     * @param normFactor at least 1
     * @param freeRiderRatio in [0, 1)
     * @param minCosine in [0, 1): below 0, an update against the reference would get negative
     *     trust, so a negative weight and score
     * @param window how many of its latest rounds a trainer's record averages, at least 1
     * @param persistence consecutive zero-trust rounds that make an {@code outlier}, at least 1
     * @param flagMargin how far below zero the mean cosine over the window must be as well, in [0,
     *     1]
     * @param sybil a fresh Sybil defence, owned by this policy from now on
     */
    public CohortPolicy(
            double normFactor,
            double freeRiderRatio,
            double minCosine,
            int window,
            int persistence,
            double flagMargin,
            SybilDefence sybil) {
        if (!(normFactor >= 1) || Double.isInfinite(normFactor)) {
            throw new IllegalArgumentException(
                    "cohort-policy: normFactor must be at least 1 and finite, got " + normFactor);
        }
        if (!(freeRiderRatio >= 0 && freeRiderRatio < 1)) {
            throw new IllegalArgumentException(
                    "cohort-policy: freeRiderRatio must be in [0, 1), got " + freeRiderRatio);
        }
        if (!(minCosine >= 0 && minCosine < 1)) {
            throw new IllegalArgumentException(
                    "cohort-policy: minCosine must be in [0, 1) (below 0, an update against the"
                            + " reference would get negative trust), got "
                            + minCosine);
        }
        if (window < 1) {
            throw new IllegalArgumentException(
                    "cohort-policy: window must be at least 1 round, got " + window);
        }
        if (persistence < 1) {
            throw new IllegalArgumentException(
                    "cohort-policy: persistence must be at least 1 round, got " + persistence);
        }
        if (!(flagMargin >= 0 && flagMargin <= 1)) {
            throw new IllegalArgumentException(
                    "cohort-policy: flagMargin must be in [0, 1], got " + flagMargin);
        }
        this.window = window;
        this.persistence = persistence;
        this.flagMargin = flagMargin;
        this.normFactor = normFactor;
        this.freeRiderRatio = freeRiderRatio;
        this.minCosine = minCosine;
        this.sybil = sybil;
    }

    /** The policy's settings, in the report: a replay with other values gives other numbers. */
    private Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("norm-factor", normFactor);
        p.put("free-rider-ratio", freeRiderRatio);
        p.put("min-cosine", minCosine);
        p.put("window", window);
        p.put("persistence", persistence);
        p.put("flag-margin", flagMargin);
        return p;
    }

    @Override
    public String name() {
        return "cohort";
    }

    /**
     * The version and settings, its Sybil defence's included: a state ({@link #state}) holds only
     * for a policy with the same description.
     */
    public String description() {
        return VERSION + " " + parameters() + " " + sybil.name();
    }

    /**
     * What a policy remembers between rounds.
     *
     * @param cosines per trainer, its last cosines (at most {@code window}), oldest first
     * @param streaks per trainer with one, its consecutive zero-trust rounds, at least 1
     * @param sybil the Sybil defence's histories
     */
    public record State(
            SortedMap<String, double[]> cosines,
            SortedMap<String, Integer> streaks,
            SybilDefence.State sybil) {}

    /** A copy of what this policy remembers, trainers in order; see {@link #restore}. */
    public synchronized State state() {
        SortedMap<String, double[]> c = new TreeMap<>();
        cosines.forEach(
                (t, last) -> c.put(t, last.stream().mapToDouble(Double::doubleValue).toArray()));
        return new State(c, new TreeMap<>(streaks), sybil.state());
    }

    /**
     * Replaces what this policy remembers with {@code state}, as if it had aggregated the rounds
     * that produced it: the next round gives the same result, bit for bit.
     *
     * @param length the model's parameter count
     * @throws IllegalArgumentException naming what is inconsistent (nothing is changed then)
     */
    public synchronized void restore(State state, int length) {
        for (var e : state.cosines().entrySet()) {
            if (e.getValue().length < 1 || e.getValue().length > window) {
                throw new IllegalArgumentException(
                        name()
                                + ": trainer "
                                + e.getKey()
                                + " has "
                                + e.getValue().length
                                + " cosines in the state, the window is 1 to "
                                + window);
            }
        }
        for (var e : state.streaks().entrySet()) {
            if (e.getValue() < 1 || !state.cosines().containsKey(e.getKey())) {
                throw new IllegalArgumentException(
                        name()
                                + ": trainer "
                                + e.getKey()
                                + "'s zero-trust streak in the state is "
                                + e.getValue()
                                + (e.getValue() < 1 ? "" : " without a cosine"));
            }
        }
        sybil.restore(state.sybil(), length);
        cosines.clear();
        state.cosines()
                .forEach(
                        (t, c) -> {
                            ArrayDeque<Double> last = new ArrayDeque<>();
                            for (double v : c) {
                                last.addLast(v);
                            }
                            cosines.put(t, last);
                        });
        streaks.clear();
        streaks.putAll(state.streaks());
    }

    @Override
    public synchronized Aggregation aggregate(
            List<Submission> submissions, AggregationContext context) {
        String rule = name();
        double[] norms = Submissions.checkAndMeasure(rule, submissions, context);
        if (context.reference() == null) {
            throw new IllegalArgumentException(
                    rule
                            + ": the policy needs the evaluator's reference update"
                            + " (context.reference()), trained on its root data from G_r");
        }
        float[] reference = context.reference();
        int length = context.global().length;
        double referenceNorm = Submissions.referenceNorm(rule, reference, length);
        int n = submissions.size();
        Rejection[] rejected = new Rejection[n];
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("policy", VERSION);
        metrics.put("parameters", parameters());
        metrics.put("l2-norm", norms);
        metrics.put("reference-norm", referenceNorm);
        if (!(referenceNorm > 0 && Double.isFinite(referenceNorm))) {
            metrics.put("fallback", "unusable-reference");
            return Submissions.result(new float[length], new double[n], List.of(), metrics);
        }

        // 1. free riders
        double freeRiderBound = freeRiderRatio * referenceNorm;
        metrics.put("free-rider-bound", freeRiderBound);
        List<Integer> rest = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (norms[k] <= freeRiderBound) {
                rejected[k] = new Rejection(k, "free-rider", "l2-norm", norms[k], freeRiderBound);
            } else {
                rest.add(k);
            }
        }
        // 2. norm bounds
        double median = rest.isEmpty() ? 0 : Vectors.median(pick(norms, rest));
        double upper = normFactor * Math.max(median, referenceNorm);
        metrics.put("median-norm", median);
        metrics.put("norm-upper-bound", upper);
        List<Integer> bounded = new ArrayList<>();
        for (int k : rest) {
            if (norms[k] > upper) {
                rejected[k] = new Rejection(k, "norm-out-of-bounds", "l2-norm", norms[k], upper);
            } else {
                bounded.add(k);
            }
        }
        // 3. clones (the history is updated with every update that reached this step)
        double[] groupShare = new double[n];
        if (!bounded.isEmpty()) {
            List<Submission> forSybil = new ArrayList<>();
            for (int k : bounded) {
                forSybil.add(submissions.get(k));
            }
            Aggregation s = sybil.aggregate(forSybil, context);
            metrics.put("sybil-indices", bounded.stream().mapToInt(Integer::intValue).toArray());
            metrics.put("sybil", s.metrics());
            double[] sizes = (double[]) s.metrics().get("clone-group-size");
            for (int j = 0; j < bounded.size(); j++) {
                groupShare[bounded.get(j)] = 1 / sizes[j];
            }
            for (Rejection r : s.rejections()) {
                int k = bounded.get(r.index());
                rejected[k] = new Rejection(k, r.reason(), r.metric(), r.value(), r.threshold());
                groupShare[k] = 0;
            }
        }
        // 4. direction, with the trainer's record
        double[] cosine = new double[n];
        double[] record = new double[n];
        double[] meanCosine = new double[n];
        int[] streak = new int[n];
        double[] trust = new double[n];
        for (int k = 0; k < n; k++) {
            if (rejected[k] != null) {
                cosine[k] = Double.NaN;
                record[k] = Double.NaN;
                meanCosine[k] = Double.NaN;
                continue;
            }
            float[] u = submissions.get(k).update();
            cosine[k] = Vectors.cosine(u, reference, norms[k], referenceNorm);
            String trainer = submissions.get(k).trainer();
            ArrayDeque<Double> last = cosines.computeIfAbsent(trainer, t -> new ArrayDeque<>());
            if (last.size() == window) {
                last.removeFirst();
            }
            last.addLast(cosine[k]);
            double sum = 0;
            for (double c : last) {
                sum += c;
            }
            meanCosine[k] = sum / last.size();
            record[k] = Math.max(0, meanCosine[k]);
            if (cosine[k] > minCosine) {
                streaks.remove(trainer);
                trust[k] = cosine[k] * record[k] * record[k] * groupShare[k];
                continue;
            }
            streak[k] = streaks.merge(trainer, 1, Integer::sum);
            if (streak[k] >= persistence && meanCosine[k] <= -flagMargin) {
                rejected[k] =
                        new Rejection(k, "outlier", "cosine-record", meanCosine[k], -flagMargin);
            }
        }
        metrics.put("cosine", cosine);
        metrics.put("record", record);
        metrics.put("mean-cosine", meanCosine);
        metrics.put("zero-trust-streak", streak);
        metrics.put("group-share", groupShare);
        metrics.put("trust", trust);
        // 5. aggregate
        int[] order = Submissions.canonicalOrder(norms);
        double total = Vectors.sum(trust, order);
        double[] weights = new double[n];
        double[] coefficients = new double[n];
        float[] update;
        if (total > 0) {
            for (int k = 0; k < n; k++) {
                weights[k] = trust[k] / total;
                coefficients[k] = trust[k] == 0 ? 0 : weights[k] * referenceNorm / norms[k];
            }
            update = Vectors.combine(submissions, coefficients, order, length);
        } else {
            metrics.put("fallback", "zero-update");
            update = new float[length];
        }
        List<Rejection> rejections = new ArrayList<>();
        for (Rejection r : rejected) {
            if (r != null) {
                rejections.add(r);
            }
        }
        return Submissions.result(update, weights, rejections, metrics);
    }

    private static double[] pick(double[] values, List<Integer> indices) {
        double[] out = new double[indices.size()];
        for (int j = 0; j < out.length; j++) {
            out[j] = values[indices.get(j)];
        }
        return out;
    }
}
