package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Multi-Krum [Blanchard et al., 2017; El Mhamdi et al., 2018]: each submission's Krum score is the
 * sum of its squared L2 distances to its {@code n − f − 2} nearest other submissions (the distances
 * sorted ascending and summed in that order); the {@code m} lowest-scored submissions, ties broken
 * by lower index, are averaged with equal weights {@code 1/m}. {@code m = 1} is Krum. Needs {@code
 * n > 2f + 2} and {@code m ≤ n − f}.
 *
 * <p>Every other submission is rejected with reason {@code krum-outlier}, metric {@code
 * krum-score}, and as threshold the highest score that was selected (a submission whose score ties
 * with it and that lost the tie by index is rejected with value equal to the threshold).
 *
 * <p>Metrics: {@code l2-norm}, {@code squared-distance} (the n×n matrix as {@code double[][]}),
 * {@code krum-neighbours} ({@code n − f − 2}), {@code krum-score}, {@code krum-threshold}.
 */
public final class MultiKrum implements Aggregator {

    private final int f;
    private final int m;

    /**
     * @param f how many Byzantine submissions to tolerate, at least 0
     * @param m how many submissions to select and average, at least 1 (1 is Krum; {@code n − f} is
     *     the usual choice)
     */
    public MultiKrum(int f, int m) {
        if (f < 0) {
            throw new IllegalArgumentException(
                    "MultiKrum: f is the number of Byzantine submissions tolerated and must be at"
                            + " least 0, got "
                            + f);
        }
        if (m < 1) {
            throw new IllegalArgumentException(
                    "MultiKrum: m is the number of submissions selected and must be at least 1"
                            + " (1 is Krum), got "
                            + m);
        }
        this.f = f;
        this.m = m;
    }

    /** Krum: the single lowest-scored submission. */
    public static MultiKrum krum(int f) {
        return new MultiKrum(f, 1);
    }

    @Override
    public String name() {
        return "multi-krum(f=" + f + ",m=" + m + ")";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        double[] norms = Submissions.checkAndMeasure(name(), submissions, context);
        int n = submissions.size();
        if (n <= 2 * f + 2) {
            throw new IllegalArgumentException(
                    name()
                            + " needs n > 2f + 2 = "
                            + (2 * f + 2)
                            + " submissions, got n = "
                            + n
                            + " with f = "
                            + f
                            + "; lower f or wait for more submissions");
        }
        if (m > n - f) {
            throw new IllegalArgumentException(
                    name()
                            + " selects m = "
                            + m
                            + " but at most n − f = "
                            + (n - f)
                            + " can be selected with n = "
                            + n
                            + " and f = "
                            + f);
        }
        double[][] distances = new double[n][n];
        for (int a = 0; a < n; a++) {
            float[] u = submissions.get(a).update();
            for (int b = a + 1; b < n; b++) {
                double d = Vectors.distanceSquared(u, submissions.get(b).update());
                distances[a][b] = d;
                distances[b][a] = d;
            }
        }
        int neighbours = n - f - 2;
        double[] scores = new double[n];
        double[] others = new double[n - 1];
        for (int a = 0; a < n; a++) {
            int j = 0;
            for (int b = 0; b < n; b++) {
                if (b != a) {
                    others[j++] = distances[a][b];
                }
            }
            Arrays.sort(others);
            double score = 0;
            for (int r = 0; r < neighbours; r++) {
                score += others[r];
            }
            scores[a] = score;
        }
        Integer[] ranking = new Integer[n];
        for (int k = 0; k < n; k++) {
            ranking[k] = k;
        }
        Arrays.sort(
                ranking,
                Comparator.<Integer>comparingDouble(k -> scores[k])
                        .thenComparingInt(Integer::intValue));
        int[] selected = new int[m];
        double[] weights = new double[n];
        for (int r = 0; r < m; r++) {
            selected[r] = ranking[r];
            weights[ranking[r]] = 1.0 / m;
        }
        double threshold = scores[ranking[m - 1]];
        List<Rejection> rejections = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (weights[k] == 0) {
                rejections.add(
                        new Rejection(k, "krum-outlier", "krum-score", scores[k], threshold));
            }
        }
        // summed in score order, which does not depend on the input order
        float[] update = Vectors.combine(submissions, weights, selected, context.global().length);

        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("l2-norm", norms);
        metrics.put("squared-distance", distances);
        metrics.put("krum-neighbours", neighbours);
        metrics.put("krum-score", scores);
        metrics.put("krum-threshold", threshold);
        return Submissions.result(update, weights, rejections, metrics);
    }
}
