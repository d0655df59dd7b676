package io.cohort.learning.codec;

/**
 * An encoded update that the decoder refuses. {@link #reason()} is machine-readable (it goes into
 * the evaluator's flag for the update); the message says what exactly is wrong.
 */
public final class MalformedUpdateException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an update was refused. */
    public enum Reason {
        TRUNCATED,
        CHECKSUM_MISMATCH,
        BAD_MAGIC,
        UNSUPPORTED_VERSION,
        UNKNOWN_FLAGS,
        LENGTH_MISMATCH,
        COUNT_OUT_OF_RANGE,
        SECTION_SIZE_MISMATCH,
        BAD_VARINT,
        INDEX_OUT_OF_RANGE,
        INDICES_NOT_INCREASING,
        NON_FINITE
    }

    private final Reason reason;

    public MalformedUpdateException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
