/**
 * Robust aggregation: the rules an evaluator applies to one round's decoded updates to produce the
 * next global model, each reporting per-submission weights, rejections with their reasons, and
 * every intermediate metric for the audit report. {@link io.cohort.learning.aggregate.Aggregator}
 * is the contract; docs/aggregation.md states each rule exactly.
 */
package io.cohort.learning.aggregate;
