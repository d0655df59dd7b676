package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Norm clipping [Sun et al., 2019, "Can you really backdoor federated learning?"]: every update
 * longer than a bound B is scaled down to norm B, {@code uₖ · min(1, B / ‖uₖ‖)}, then the clipped
 * updates are averaged with equal weights {@code 1/n}, or handed to an inner rule ({@link
 * #around(Aggregator)}). The bound is either fixed ({@link #fixed(double)}) or {@code factor ×} the
 * median of this round's norms ({@link #medianTimes(double)}; even counts take the mean of the two
 * middle norms). Clipping rejects nothing; a clipped update's norm is B up to float rounding.
 *
 * <p>Metrics: {@code l2-norm}, {@code median-norm} (median mode only), {@code clip-bound}, {@code
 * clip-scale} ({@code min(1, B / ‖uₖ‖)}, 1 for a zero update), {@code clipped-norm}; when wrapping,
 * {@code inner-rule} and the inner rule's metrics under {@code inner}.
 */
public final class NormClipping implements Aggregator {

    private final double bound;
    private final boolean relative;
    private final Aggregator inner;

    /**
     * Clips to a fixed bound and averages.
     *
     * @param bound the largest L2 norm an update keeps, positive and finite
     */
    public NormClipping(double bound) {
        this(bound, false, null);
    }

    private NormClipping(double bound, boolean relative, Aggregator inner) {
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new IllegalArgumentException(
                    "NormClipping: "
                            + (relative ? "the median factor" : "the bound")
                            + " must be positive and finite, got "
                            + bound);
        }
        this.bound = bound;
        this.relative = relative;
        this.inner = inner;
    }

    /** Clips every update to L2 norm at most {@code bound}, then averages. */
    public static NormClipping fixed(double bound) {
        return new NormClipping(bound, false, null);
    }

    /**
     * Clips every update to L2 norm at most {@code factor ×} the median norm of the round, then
     * averages. Scale-free: scaling every update by c scales the aggregate by c.
     */
    public static NormClipping medianTimes(double factor) {
        return new NormClipping(factor, true, null);
    }

    /** The same clipping, handing the clipped updates to {@code inner} instead of averaging. */
    public NormClipping around(Aggregator inner) {
        return new NormClipping(bound, relative, Objects.requireNonNull(inner, "inner"));
    }

    @Override
    public String name() {
        String own = "norm-clipping(bound=" + (relative ? "median*" : "") + bound + ")";
        return inner == null ? own : own + "+" + inner.name();
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        double limit = bound;
        if (relative) {
            double median = Vectors.median(norms);
            metrics.put("median-norm", median);
            limit = bound * median;
        }
        double[] scales = new double[n];
        double[] clippedNorms = new double[n];
        for (int k = 0; k < n; k++) {
            scales[k] = norms[k] > limit ? limit / norms[k] : 1;
            clippedNorms[k] = norms[k] * scales[k];
        }
        metrics.put("clip-bound", limit);
        metrics.put("clip-scale", scales);
        metrics.put("clipped-norm", clippedNorms);

        if (inner == null) {
            double[] weights = new double[n];
            Arrays.fill(weights, 1.0 / n);
            double[] coefficients = new double[n];
            for (int k = 0; k < n; k++) {
                coefficients[k] = scales[k] / n;
            }
            float[] update =
                    Vectors.combine(
                            submissions,
                            coefficients,
                            Submissions.canonicalOrder(norms),
                            context.global().length);
            return Submissions.result(update, weights, List.of(), metrics);
        }
        List<Submission> clipped = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            Submission s = submissions.get(k);
            clipped.add(
                    scales[k] == 1
                            ? s
                            : new Submission(
                                    s.trainer(),
                                    scaled(s.update(), scales[k]),
                                    s.reportedSamples()));
        }
        Aggregation result = inner.aggregate(clipped, context);
        return Nesting.lift(inner, result, Nesting.identity(n), n, List.of(), metrics);
    }

    private static float[] scaled(float[] u, double scale) {
        float[] out = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            out[i] = (float) (scale * u[i]);
        }
        return out;
    }
}
