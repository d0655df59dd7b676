/**
 * Simulated trainers that attack a federated round, for tests and benchmarks of the robust
 * aggregators: a {@link io.cohort.learning.attack.Behaviour} may change the data a trainer trains
 * on (label flip, backdoor trigger), the update it submits (sign flip, noise, ALIE, IPM, min-max,
 * model replacement, free riding, Sybil clones) and the sample count it claims. Every draw is
 * seeded from (seed, round, client). docs/attacks.md states each behaviour exactly.
 */
package io.cohort.learning.attack;
