package io.cohort.learning.aggregate;

/**
 * What a rule may know besides the submissions.
 *
 * @param round the round, from 1
 * @param global {@code G_r}, flat
 * @param reference the evaluator's own update trained on its root (validation) data from {@code
 *     G_r}, for FLTrust; null when the evaluator trained none
 * @param seed for any randomised step; rules must be deterministic given it
 */
public record AggregationContext(int round, float[] global, float[] reference, long seed) {}
