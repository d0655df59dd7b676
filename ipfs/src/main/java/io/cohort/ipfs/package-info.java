/**
 * Content-addressed storage for Cohort: where models, sealed updates and audit reports live.
 *
 * <p>This module will hold a client of Kubo's RPC API and an embedded store that yields the same
 * CIDs for the same bytes, both behind one {@code ContentStore} capability. Nothing is built yet:
 * the module is an empty shell in the Maven build, filled by later issues.
 */
package io.cohort.ipfs;
