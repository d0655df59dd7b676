/**
 * The people-facing surface of Cohort: a Quarkus REST API and web dashboard for project owners and
 * auditors, built on the contract's events and the reports stored on IPFS.
 *
 * <p>Nothing is built yet: the module is an empty shell in the Maven build (not yet a Quarkus
 * application), filled by later issues.
 */
package io.cohort.marketplace;
