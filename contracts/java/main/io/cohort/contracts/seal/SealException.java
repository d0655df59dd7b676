package io.cohort.contracts.seal;

/**
 * A sealed update that cannot be opened, with a machine-readable reason for the audit report.
 *
 * <p>Reasons: {@code truncated}, {@code bad-magic}, {@code unsupported-version}, {@code
 * bad-recipient-count}, {@code too-large}, {@code length-mismatch}, {@code bad-context} (a chain id
 * or round beyond 2^63 − 1), {@code wrong-context} (sealed for another chain, contract, project,
 * round or trainer: a copied CID), {@code not-a-recipient}, {@code bad-key}, {@code bad-wrap},
 * {@code authentication-failed}.
 */
public final class SealException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    SealException(String reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    /** The machine-readable reason, one of the class documentation's list. */
    public String reason() {
        return reason;
    }
}
