package io.cohort.learning.aggregate;

import java.util.List;

/**
 * An aggregation rule. Deterministic: the same submissions in the same order, the same context and
 * the same history give bit-identical results on any machine (sums in double in a fixed order, no
 * parallel streams). Stateful rules (Sybil defence) keep their history per trainer across calls and
 * say so.
 */
public interface Aggregator {

    /** A short stable name for reports and tables, e.g. {@code fedavg}, {@code multi-krum(f=2)}. */
    String name();

    /**
     * @param submissions at least one; all updates of the same length as {@code context.global()}
     * @throws IllegalArgumentException when the submissions are empty or of mixed lengths
     */
    Aggregation aggregate(List<Submission> submissions, AggregationContext context);
}
