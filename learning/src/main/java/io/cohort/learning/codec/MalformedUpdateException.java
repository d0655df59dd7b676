package io.cohort.learning.codec;

import java.util.Objects;

/**
 * An encoded update that the decoder refuses. {@link #reason()} is machine-readable (the evaluator
 * writes it into the update's flag); the message says what was expected and what was found.
 */
public final class MalformedUpdateException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Why an update was refused; docs/update-format.md lists the checks in the order they run. */
    public enum Reason {
        /** Fewer bytes than the header, or than the header's sections add up to. */
        TRUNCATED,
        /** The first four bytes are not {@code CUPD}. */
        BAD_MAGIC,
        /** A format version this decoder does not read. */
        UNSUPPORTED_VERSION,
        /** A flag bit, flag combination or reserved byte this version does not define. */
        UNKNOWN_FLAGS,
        /** The CRC-32C over the content differs from the stored one. */
        CHECKSUM_MISMATCH,
        /** The dense length {@code n} is not the model's parameter count. */
        LENGTH_MISMATCH,
        /** The count {@code k} is impossible ({@code k > n}, or not n when dense) or not met. */
        BAD_COUNT,
        /** A section's size is impossible, or the sections do not add up to the byte count. */
        SECTION_SIZE_MISMATCH,
        /** A block size or scale that is zero or negative where it must be positive. */
        BAD_QUANTIZATION,
        /** An index varint that runs past its section, exceeds 32 bits or is not minimal. */
        BAD_VARINT,
        /** An index at or beyond {@code n}. */
        INDEX_OUT_OF_RANGE,
        /** An index not greater than the one before it. */
        INDICES_NOT_INCREASING,
        /** A NaN or infinite value, or quantization parameters that would produce one. */
        NON_FINITE
    }

    private final Reason reason;

    /** A refusal for {@code reason}; the message is prefixed with the reason's name. */
    public MalformedUpdateException(Reason reason, String message) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message);
        this.reason = reason;
    }

    /** Why the update was refused. */
    public Reason reason() {
        return reason;
    }
}
