package io.cohort.learning.aggregate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinate-wise trimmed mean [Yin et al., 2018]: at each coordinate the {@code trim} smallest
 * and {@code trim} largest of the n values are dropped and the other {@code n − 2·trim} averaged,
 * summed in ascending order in double. Needs {@code n > 2·trim}.
 *
 * <p>Weights: {@code weightₖ = keptₖ / ((n − 2·trim)·length)}, the share of averaged values that
 * came from submission k; a value several submissions hold counts for each of them by the share of
 * its ranks that were kept (trimmed, likewise), so the weights follow the values whatever the input
 * order.
 *
 * <p>Metrics: {@code l2-norm}, {@code coordinates-kept}, {@code coordinates-trimmed-low}, {@code
 * coordinates-trimmed-high} (counts per submission).
 */
public final class TrimmedMean implements Aggregator {

    private final int trim;

    /**
     * @param trim how many values to drop at each end of every coordinate, at least 0 (0 is the
     *     plain mean); the rule tolerates up to {@code trim} Byzantine submissions
     */
    public TrimmedMean(int trim) {
        if (trim < 0) {
            throw new IllegalArgumentException(
                    "TrimmedMean: trim is the number of values dropped at each end and must be at"
                            + " least 0, got "
                            + trim);
        }
        this.trim = trim;
    }

    @Override
    public String name() {
        return "trimmed-mean(trim=" + trim + ")";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        if (n - trim <= trim) { // n <= 2·trim, without overflowing 2·trim
            throw new IllegalArgumentException(
                    name()
                            + " needs more than 2·trim = "
                            + 2L * trim
                            + " submissions, got n = "
                            + n
                            + "; lower trim or wait for more submissions");
        }
        int length = context.global().length;
        int kept = n - 2 * trim;
        float[] update = new float[length];
        double[] keptCounts = new double[n];
        double[] low = new double[n];
        double[] high = new double[n];
        CoordinateRanks.forEach(
                submissions,
                length,
                (i, keys) -> {
                    double sum = 0;
                    for (int r = trim; r < n - trim; r++) {
                        sum += CoordinateRanks.value(keys[r]);
                    }
                    update[i] = (float) (sum / kept);
                    CoordinateRanks.shareRuns(keys, r -> r < trim ? 1 : 0, low);
                    CoordinateRanks.shareRuns(
                            keys, r -> r >= trim && r < n - trim ? 1 : 0, keptCounts);
                    CoordinateRanks.shareRuns(keys, r -> r >= n - trim ? 1 : 0, high);
                });
        double[] weights = new double[n];
        for (int k = 0; k < n; k++) {
            weights[k] = keptCounts[k] / ((double) kept * length);
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("coordinates-kept", keptCounts);
        metrics.put("coordinates-trimmed-low", low);
        metrics.put("coordinates-trimmed-high", high);
        return Submissions.result(update, weights, List.of(), metrics);
    }
}
