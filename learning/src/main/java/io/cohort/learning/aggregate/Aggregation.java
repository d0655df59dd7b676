package io.cohort.learning.aggregate;

import java.util.List;
import java.util.Map;

/**
 * What an aggregation rule produced from one round's submissions.
 *
 * @param update the aggregated update, added to {@code G_r} to give {@code G_{r+1}}
 * @param weights one per submission in input order: its share of influence on {@code update}, ≥ 0,
 *     summing to 1 (0 for rejected ones); coordinate-wise rules report the share of coordinates
 *     each submission supplied or was averaged into
 * @param rejections the submissions left out, with the metric that decided it
 * @param metrics every intermediate metric by name (per-submission arrays as {@code double[]}), for
 *     the audit report; iteration order is insertion order
 */
public record Aggregation(
        float[] update,
        double[] weights,
        List<Rejection> rejections,
        Map<String, Object> metrics) {}
