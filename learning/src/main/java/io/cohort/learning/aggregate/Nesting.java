package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Composes a filtering or transforming rule with the inner rule it hands the surviving submissions
 * to: the inner result's weights and rejection indices are mapped back to input positions, and its
 * metrics are kept whole under {@code inner}.
 */
final class Nesting {

    private Nesting() {}

    /**
     * @param indices the input position of each submission the inner rule received, in the order it
     *     received them
     * @param rejections the outer rule's own rejections, in input positions; the inner ones are
     *     added and the whole list ordered by index
     * @param metrics the outer rule's metrics; {@code inner-rule}, {@code inner-indices} (when some
     *     submissions did not reach the inner rule) and {@code inner} are added
     */
    static Aggregation lift(
            Aggregator inner,
            Aggregation result,
            int[] indices,
            int n,
            List<Rejection> rejections,
            Map<String, Object> metrics) {
        double[] weights = new double[n];
        for (int j = 0; j < indices.length; j++) {
            weights[indices[j]] = result.weights()[j];
        }
        List<Rejection> all = new ArrayList<>(rejections);
        for (Rejection r : result.rejections()) {
            all.add(
                    new Rejection(
                            indices[r.index()], r.reason(), r.metric(), r.value(), r.threshold()));
        }
        all.sort(Comparator.comparingInt(Rejection::index));
        metrics.put("inner-rule", inner.name());
        if (indices.length != n) {
            metrics.put("inner-indices", indices.clone());
        }
        metrics.put("inner", result.metrics());
        return Submissions.result(result.update(), weights, all, metrics);
    }

    static int[] identity(int n) {
        int[] indices = new int[n];
        for (int k = 0; k < n; k++) {
            indices[k] = k;
        }
        return indices;
    }
}
