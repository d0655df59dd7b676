/**
 * Datasets and how they are split among clients: {@link io.cohort.learning.data.LabeledData}, the
 * IDX and CSV loaders, and the seeded IID, Dirichlet and shard partitions. See
 * docs/data-and-tensors.md.
 */
package io.cohort.learning.data;
