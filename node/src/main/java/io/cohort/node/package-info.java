/**
 * The trainer and evaluator nodes (issue 6). Built so far: {@link
 * io.cohort.node.seal.SealedUpdate}, the sealed update of DESIGN.md step 3, and {@link
 * io.cohort.node.journal.Journal}, the node's local journal. See docs/sealing.md.
 */
package io.cohort.node;
