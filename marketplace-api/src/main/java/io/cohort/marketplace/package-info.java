/**
 * The people-facing surface of Cohort: a Quarkus REST API for project owners, trainers and
 * auditors, served from an index of the market contract's events ({@code index}) and the round
 * records stored on IPFS ({@code api}). See docs/marketplace.md.
 */
package io.cohort.marketplace;
