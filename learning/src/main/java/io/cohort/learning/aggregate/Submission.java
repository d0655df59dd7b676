package io.cohort.learning.aggregate;

/**
 * One trainer's update as an evaluator received it, already decoded and checked for shape and
 * finiteness.
 *
 * @param trainer the trainer's identity (an address on the chain, a name in simulations); the key
 *     under which stateful rules (Sybil defence) remember it across rounds
 * @param update {@code W_local − G_r}, flat, in the model's parameter order
 * @param reportedSamples the sample count the trainer claims; self-reported, so never trusted
 *     beyond a cap
 */
public record Submission(String trainer, float[] update, long reportedSamples) {}
