/**
 * Content-addressed storage for Cohort: where models, sealed updates and audit reports live.
 *
 * <p>{@link io.cohort.ipfs.ContentStore} is the capability: add, read (verified block by block),
 * pin, unpin, has, stat. {@link io.cohort.ipfs.kubo.KuboClient} talks to Kubo's RPC API; {@link
 * io.cohort.ipfs.EmbeddedStore} keeps blocks in a folder and builds the same UnixFS DAG, so a
 * {@link io.cohort.ipfs.Cid} names the same bytes in both. {@link io.cohort.ipfs.kubo.KuboNode}
 * starts a private Kubo for tests and the demo.
 */
package io.cohort.ipfs;
