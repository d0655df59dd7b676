package io.cohort.node.chain;

import java.util.Optional;

/**
 * A transaction that did not go through: it would revert (with the market error named where the
 * revert data is one), it reverted when mined, or it was not mined in time. The message is one line
 * for the CLI.
 */
public final class ChainException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why. */
    public enum Kind {
        /** Gas estimation says the call reverts; nothing was sent, no nonce used. */
        WOULD_REVERT,
        /** Mined with status 0: the nonce and the gas are spent. */
        REVERTED,
        /** No receipt before the timeout, after every fee bump; the transaction may still land. */
        TIMEOUT,
        /** The node refused the transaction or could not be reached until the timeout. */
        REFUSED,
        /** The gas limit it needs is above the configured cap; nothing was sent, no nonce used. */
        GAS_CAP
    }

    private final Kind kind;
    private final String marketError;

    ChainException(Kind kind, String message, Throwable cause) {
        this(kind, message, cause, null);
    }

    ChainException(Kind kind, String message, Throwable cause, String marketError) {
        super(message, cause);
        this.kind = kind;
        this.marketError = marketError;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The name of the market error the estimate reverted with ({@code UpdateAlreadySubmitted}, …)
     * for {@link Kind#WOULD_REVERT}; empty when the revert data names none, and for other kinds.
     */
    public Optional<String> marketError() {
        return Optional.ofNullable(marketError);
    }
}
