package io.cohort.learning.aggregate;

/**
 * Why an aggregation rule left a submission out.
 *
 * @param index the submission's position in the list given to the rule
 * @param reason machine-readable, lower-case with dashes (e.g. {@code norm-out-of-bounds}, {@code
 *     krum-outlier}, {@code clone}, {@code negative-cosine})
 * @param metric the name of the metric that decided it (e.g. {@code l2-norm}, {@code krum-score})
 * @param value the metric's value for this submission
 * @param threshold the bound it crossed; for a rule that keeps a fixed number of the best
 *     (Multi-Krum) the last kept submission's value, which a submission left out by a tie equals
 */
public record Rejection(int index, String reason, String metric, double value, double threshold) {}
