package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FLTrust [Cao et al., NDSS 2021]: the evaluator's own update r, trained on its root data from
 * {@code G_r} ({@link AggregationContext#reference()}), bootstraps trust. Each submission gets the
 * trust score {@code TSₖ = max(0, cos(uₖ, r))} (a zero update has cosine 0), is rescaled to the
 * reference's norm, {@code ūₖ = uₖ · ‖r‖ / ‖uₖ‖}, and the aggregate is {@code Σ TSₖ·ūₖ / Σ TSₖ};
 * {@code weightₖ = TSₖ / Σ TS}.
 *
 * <p>Submissions with {@code TSₖ = 0} (cosine ≤ 0) are rejected with reason {@code
 * negative-cosine}, metric {@code cosine}, threshold 0. If every trust score is 0 the update is
 * zero, every weight is 0, and {@code fallback = "zero-update"}.
 *
 * <p>Metrics: {@code l2-norm}, {@code reference-norm}, {@code cosine}, {@code trust-score}, {@code
 * rescale-factor} ({@code ‖r‖ / ‖uₖ‖}, 0 for a zero update), {@code trust-sum}.
 */
public final class FLTrust implements Aggregator {

    public FLTrust() {}

    @Override
    public String name() {
        return "fltrust";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        float[] reference = context.reference();
        if (reference == null) {
            throw new IllegalArgumentException(
                    "fltrust needs the evaluator's reference update (context.reference()): train"
                            + " one on the root data from G_r, or choose a rule without one");
        }
        int length = context.global().length;
        double referenceNorm = Submissions.checkReference(name(), reference, length);
        if (referenceNorm == 0) {
            throw new IllegalArgumentException(
                    "fltrust: the reference update is all zeros, so it gives no direction to"
                            + " trust; check the evaluator's root training (learning rate, data)");
        }
        int n = submissions.size();
        double[] cosines = new double[n];
        double[] trust = new double[n];
        double[] rescale = new double[n];
        for (int k = 0; k < n; k++) {
            float[] u = submissions.get(k).update();
            cosines[k] = Vectors.cosine(u, reference, norms[k], referenceNorm);
            trust[k] = Math.max(0, cosines[k]);
            rescale[k] = norms[k] == 0 ? 0 : referenceNorm / norms[k];
        }
        int[] order = Submissions.canonicalOrder(norms);
        double trustSum = Vectors.sum(trust, order);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("reference-norm", referenceNorm);
        metrics.put("cosine", cosines);
        metrics.put("trust-score", trust);
        metrics.put("rescale-factor", rescale);
        metrics.put("trust-sum", trustSum);
        List<Rejection> rejections = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (trust[k] == 0) {
                rejections.add(new Rejection(k, "negative-cosine", "cosine", cosines[k], 0));
            }
        }
        double[] weights = new double[n];
        if (trustSum == 0) {
            metrics.put("fallback", "zero-update");
            return Submissions.result(new float[length], weights, rejections, metrics);
        }
        double[] coefficients = new double[n];
        for (int k = 0; k < n; k++) {
            weights[k] = trust[k] / trustSum;
            coefficients[k] = weights[k] * rescale[k];
        }
        float[] update = Vectors.combine(submissions, coefficients, order, length);
        return Submissions.result(update, weights, rejections, metrics);
    }
}
