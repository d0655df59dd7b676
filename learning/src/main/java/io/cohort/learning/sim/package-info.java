/**
 * Federated rounds in one process, without chain or IPFS: {@link io.cohort.learning.sim.Simulation}
 * (honest FedAvg, or any aggregator against the simulated attackers of {@code
 * io.cohort.learning.attack}) and {@link io.cohort.learning.sim.FedAvg}. See docs/attacks.md.
 */
package io.cohort.learning.sim;
