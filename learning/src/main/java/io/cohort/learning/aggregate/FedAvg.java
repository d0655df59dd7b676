package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Federated averaging [McMahan et al., 2017] with self-reported sample counts capped: the weight of
 * submission k is {@code wₖ = min(max(reportedₖ, 0), cap)}, the aggregate {@code Σ wₖ·uₖ / Σ wₖ}. A
 * trainer claiming 10⁹ samples weighs no more than one claiming {@code cap}. Submissions reporting
 * no samples get weight 0 and a {@code no-samples} rejection; when every weight is 0 the rule falls
 * back to the plain mean. {@link #equalWeights()} ignores the counts altogether.
 *
 * <p>Metrics: {@code l2-norm}, {@code reported-samples}, {@code sample-weight} (the capped counts,
 * before normalisation), and {@code fallback = "plain-mean"} when it fell back.
 */
public final class FedAvg implements Aggregator {

    private final long cap;
    private final boolean equal;

    /**
     * @param cap the most samples a trainer's claim counts for, at least 1; set it near the largest
     *     honest partition (a trainer claiming more gains nothing)
     */
    public FedAvg(long cap) {
        this(cap, false);
        if (cap < 1) {
            throw new IllegalArgumentException(
                    "FedAvg: cap is the most samples one claim counts for and must be at least 1"
                            + " (use FedAvg.equalWeights() to ignore counts), got "
                            + cap);
        }
    }

    private FedAvg(long cap, boolean equal) {
        this.cap = cap;
        this.equal = equal;
    }

    /** The plain mean: every submission weighs {@code 1/n}, whatever it reports. */
    public static FedAvg equalWeights() {
        return new FedAvg(0, true);
    }

    @Override
    public String name() {
        return equal ? "fedavg(equal)" : "fedavg(cap=" + cap + ")";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        int[] order = Submissions.canonicalOrder(norms);
        double[] reported = new double[n];
        double[] sampleWeights = new double[n];
        for (int k = 0; k < n; k++) {
            long samples = submissions.get(k).reportedSamples();
            reported[k] = samples;
            sampleWeights[k] = equal ? 1 : Math.min(Math.max(samples, 0), cap);
        }
        double total = Vectors.sum(sampleWeights, order);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("reported-samples", reported);
        metrics.put("sample-weight", sampleWeights);
        List<Rejection> rejections = new ArrayList<>();
        double[] weights = new double[n];
        if (total == 0) {
            metrics.put("fallback", "plain-mean");
            Arrays.fill(weights, 1.0 / n);
        } else {
            for (int k = 0; k < n; k++) {
                weights[k] = sampleWeights[k] / total;
                if (sampleWeights[k] == 0) {
                    rejections.add(
                            new Rejection(k, "no-samples", "reported-samples", reported[k], 1));
                }
            }
        }
        float[] update = Vectors.combine(submissions, weights, order, context.global().length);
        return Submissions.result(update, weights, rejections, metrics);
    }
}
