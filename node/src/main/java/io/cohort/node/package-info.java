/**
 * The trainer and evaluator nodes (issue 6). Built so far: {@link
 * io.cohort.contracts.seal.SealedUpdate}, the sealed update of DESIGN.md step 3, and {@link
 * io.cohort.node.journal.Journal}, the node's local journal, and the chain client {@link
 * io.cohort.node.chain.Transactor} with {@link io.cohort.node.chain.EventFeed}. See docs/node.md.
 */
package io.cohort.node;
