package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A norm filter: rejects updates whose L2 norm is out of bounds, then averages the rest with equal
 * weights or hands them to an inner rule ({@link #around(Aggregator)}). In order:
 *
 * <ol>
 *   <li>with a floor ({@link #withFloor(double)}): every update with {@code ‖uₖ‖ ≤ floor} is
 *       rejected (a floor of 0 rejects exactly-zero updates, the free-rider's cheapest answer);
 *   <li>the median M of the remaining norms is taken (even counts: the mean of the two middle
 *       norms), so that zero updates cannot drag it down;
 *   <li>every remaining update with {@code ‖uₖ‖ > factor · M} is rejected.
 * </ol>
 *
 * <p>Both rejections have reason {@code norm-out-of-bounds} and metric {@code l2-norm}; the
 * threshold is the floor or {@code factor · M}. With {@code factor ≥ 1} the second step keeps at
 * least half of what the first left. If the floor rejects everything, the update is zero, every
 * weight is 0, and {@code fallback = "zero-update"}.
 *
 * <p>Metrics: {@code l2-norm}, {@code norm-floor} (with a floor), {@code median-norm}, {@code
 * norm-upper-bound}; when wrapping, {@code inner-rule}, {@code inner-indices} (the input position
 * of each submission the inner rule received) and the inner rule's metrics under {@code inner}.
 */
public final class NormFilter implements Aggregator {

    private final double factor;
    private final double floor;
    private final Aggregator inner;

    /**
     * Rejects updates longer than {@code factor ×} the median norm and averages the rest.
     *
     * @param factor at least 1, finite; 3 is a common choice
     */
    public NormFilter(double factor) {
        this(factor, -1, null);
    }

    private NormFilter(double factor, double floor, Aggregator inner) {
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException(
                    "NormFilter: factor multiplies the median norm and must be at least 1 (below"
                            + " 1 it rejects the median itself) and finite, got "
                            + factor);
        }
        this.factor = factor;
        this.floor = floor;
        this.inner = inner;
    }

    /**
     * The same filter that also rejects every update with {@code ‖u‖ ≤ floor}.
     *
     * @param floor at least 0 and finite; 0 rejects exactly-zero updates only
     */
    public NormFilter withFloor(double floor) {
        if (!(floor >= 0) || Double.isInfinite(floor)) {
            throw new IllegalArgumentException(
                    "NormFilter: the floor must be at least 0 (0 rejects exactly-zero updates) and"
                            + " finite, got "
                            + floor);
        }
        return new NormFilter(factor, floor, inner);
    }

    /** The same filter, handing the surviving updates to {@code inner} instead of averaging. */
    public NormFilter around(Aggregator inner) {
        return new NormFilter(factor, floor, Objects.requireNonNull(inner, "inner"));
    }

    @Override
    public String name() {
        String own =
                "norm-filter(max=median*" + factor + (floor >= 0 ? ",floor=" + floor : "") + ")";
        return inner == null ? own : own + "+" + inner.name();
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        int length = context.global().length;
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        Rejection[] rejected = new Rejection[n];
        if (floor >= 0) {
            metrics.put("norm-floor", floor);
            for (int k = 0; k < n; k++) {
                if (norms[k] <= floor) {
                    rejected[k] =
                            new Rejection(k, "norm-out-of-bounds", "l2-norm", norms[k], floor);
                }
            }
        }
        double[] remaining = remainingNorms(norms, rejected);
        if (remaining.length == 0) {
            metrics.put("fallback", "zero-update");
            return Submissions.result(new float[length], new double[n], list(rejected), metrics);
        }
        double median = Vectors.median(remaining);
        double upper = factor * median;
        metrics.put("median-norm", median);
        metrics.put("norm-upper-bound", upper);
        List<Integer> survivors = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (rejected[k] != null) {
                continue;
            }
            if (norms[k] > upper) {
                rejected[k] = new Rejection(k, "norm-out-of-bounds", "l2-norm", norms[k], upper);
            } else {
                survivors.add(k);
            }
        }
        int[] indices = survivors.stream().mapToInt(Integer::intValue).toArray();

        if (inner == null) {
            double[] weights = new double[n];
            for (int k : indices) {
                weights[k] = 1.0 / indices.length;
            }
            float[] update =
                    Vectors.combine(
                            submissions, weights, Submissions.canonicalOrder(norms), length);
            return Submissions.result(update, weights, list(rejected), metrics);
        }
        List<Submission> kept = new ArrayList<>(indices.length);
        for (int k : indices) {
            kept.add(submissions.get(k));
        }
        Aggregation result = inner.aggregate(kept, context);
        return Nesting.lift(inner, result, indices, n, list(rejected), metrics);
    }

    private static double[] remainingNorms(double[] norms, Rejection[] rejected) {
        int count = 0;
        for (Rejection r : rejected) {
            count += r == null ? 1 : 0;
        }
        double[] out = new double[count];
        int j = 0;
        for (int k = 0; k < norms.length; k++) {
            if (rejected[k] == null) {
                out[j++] = norms[k];
            }
        }
        return out;
    }

    private static List<Rejection> list(Rejection[] rejected) {
        List<Rejection> out = new ArrayList<>();
        for (Rejection r : rejected) {
            if (r != null) {
                out.add(r);
            }
        }
        return out;
    }
}
