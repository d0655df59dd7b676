/**
 * The actors that run rounds: a Quarkus application with the trainer role and the evaluator role, a
 * CLI, REST status, health and metrics.
 *
 * <p>Nothing is built yet: the module is an empty shell in the Maven build (not yet a Quarkus
 * application), filled by later issues.
 */
package io.cohort.node;
