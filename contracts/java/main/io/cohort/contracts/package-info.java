/**
 * Java access to the Cohort contracts.
 *
 * <p>The web3j bindings ({@code io.cohort.contracts.generated.Market} and the other contracts
 * listed in the {@code web3j.contracts} property of this module's pom) are generated at build time
 * from the ABI and bytecode that {@code forge build} writes; they are never written by hand nor
 * committed. Hand-written chain access on top of them comes with later issues.
 */
package io.cohort.contracts;
