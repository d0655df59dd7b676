package io.cohort.learning.aggregate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinate-wise median [Yin et al., 2018]: coordinate i of the aggregate is the median of the
 * n submissions' values at i; for an even n, the mean of the two middle values.
 *
 * <p>Weights: the share of coordinates each submission supplied; for an odd n the middle value
 * counts 1, for an even n each of the two middle values counts 1/2, and a value several submissions
 * hold is shared equally among them (so the weights follow the values, whatever the input order);
 * {@code weightₖ = suppliedₖ / length}.
 *
 * <p>Metrics: {@code l2-norm}, {@code coordinates-supplied} (the counts above, fractions included).
 */
public final class CoordinateMedian implements Aggregator {

    public CoordinateMedian() {}

    @Override
    public String name() {
        return "coordinate-median";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        int length = context.global().length;
        float[] update = new float[length];
        double[] supplied = new double[n];
        if (n % 2 == 1) {
            CoordinateRanks.forEach(
                    submissions,
                    length,
                    (i, keys) -> {
                        update[i] = CoordinateRanks.value(keys[n / 2]);
                        CoordinateRanks.shareRuns(keys, r -> r == n / 2 ? 1 : 0, supplied);
                    });
        } else {
            CoordinateRanks.forEach(
                    submissions,
                    length,
                    (i, keys) -> {
                        double mean =
                                ((double) CoordinateRanks.value(keys[n / 2 - 1])
                                                + CoordinateRanks.value(keys[n / 2]))
                                        / 2;
                        update[i] = (float) mean;
                        CoordinateRanks.shareRuns(
                                keys, r -> r == n / 2 - 1 || r == n / 2 ? 0.5 : 0, supplied);
                    });
        }
        double[] weights = new double[n];
        for (int k = 0; k < n; k++) {
            weights[k] = supplied[k] / length;
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("coordinates-supplied", supplied);
        return Submissions.result(update, weights, List.of(), metrics);
    }
}
