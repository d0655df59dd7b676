/**
 * The trainer and evaluator nodes: the command line ({@code app}), the chain client ({@link
 * io.cohort.node.chain.Transactor}), the local journal ({@link io.cohort.node.journal.Journal}) and
 * the round loops ({@code round}). See docs/node.md.
 */
package io.cohort.node;
