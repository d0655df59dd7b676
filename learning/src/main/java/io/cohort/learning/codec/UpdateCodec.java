package io.cohort.learning.codec;

import java.util.Objects;

/**
 * Encodes a model update (the flat float array of every parameter's change, in the model's fixed
 * order) compactly, and decodes what a trainer sent without trusting it. The format, its options
 * and the decoder's checks are in docs/update-format.md: top-k sparsification with delta-varint or
 * bitmap indices, float32 or 8-bit per-block values, and a CRC-32C over everything.
 *
 * <p>Trainers that compress lossily should encode through {@link ErrorFeedback}, which carries what
 * one round dropped into the next.
 */
public final class UpdateCodec {

    private UpdateCodec() {}

    /**
     * Encodes {@code update} as {@code compression} says.
     *
     * @throws IllegalArgumentException if a value is NaN or infinite, or the encoding would not fit
     *     in an array
     */
    public static byte[] encode(float[] update, Compression compression) {
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(compression, "compression");
        return UpdateEncoder.encode(update, compression).bytes();
    }

    /**
     * Decodes an update of exactly {@code expectedLength} values (the model's parameter count). On
     * any byte array it either returns {@code expectedLength} finite values or throws {@link
     * MalformedUpdateException}; it allocates nothing sized by the sender before the header's
     * counts and section sizes have been checked against the byte count, and the output only once
     * every index and value has been checked.
     *
     * @throws MalformedUpdateException for the first check that fails, with its {@link
     *     MalformedUpdateException#reason() reason}
     * @throws NullPointerException if {@code bytes} is null
     * @throws IllegalArgumentException if {@code expectedLength} is negative
     */
    public static float[] decode(byte[] bytes, int expectedLength) throws MalformedUpdateException {
        Objects.requireNonNull(bytes, "bytes");
        if (expectedLength < 0) {
            throw new IllegalArgumentException(
                    "expectedLength is the model's parameter count, got " + expectedLength);
        }
        return UpdateDecoder.decode(bytes, expectedLength);
    }

    /**
     * The most bytes any valid encoding of {@code n} values takes: {@code 28 + 14n}, the header and
     * CRC, and when every value is kept, quantized in blocks of one (8 bytes of block scale each, 1
     * byte of value) with varint indexes (at most 5 bytes each). A reader that knows {@code n} can
     * refuse anything longer unread (docs/update-format.md).
     */
    public static long maxEncodedBytes(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be non-negative, got " + n);
        }
        return 28L + 14L * n;
    }

    /**
     * The dense length {@code n} an update's header declares, for a reader that does not know the
     * model's parameter count (an auditor comparing two released updates): checked are the magic,
     * the version, the flags and the CRC-32C, nothing sized by {@code n}. Bound the result before
     * passing it to {@link #decode}, which allocates that many values once the rest checks out.
     *
     * @throws MalformedUpdateException if those checks fail
     * @throws NullPointerException if {@code bytes} is null
     */
    public static int declaredLength(byte[] bytes) throws MalformedUpdateException {
        Objects.requireNonNull(bytes, "bytes");
        return UpdateDecoder.declaredLength(bytes);
    }
}
