package io.cohort.ipfs.codec;

import java.io.ByteArrayOutputStream;

/**
 * Unsigned LEB128 varints as multiformats and protobuf use them. Decoding is bounded: at most 9
 * bytes for multiformats (values below 2^63), never past the end of the input.
 */
public final class Varint {

    /** The longest varint multiformats allow (9 bytes, 63 bits). */
    public static final int MAX_BYTES = 9;

    private Varint() {}

    /** Appends {@code value} (non-negative) to {@code out}. */
    public static void write(ByteArrayOutputStream out, long value) {
        if (value < 0) {
            throw new IllegalArgumentException("varint of a negative value: " + value);
        }
        while (value >= 0x80) {
            out.write((int) (value & 0x7f) | 0x80);
            value >>>= 7;
        }
        out.write((int) value);
    }

    /** The encoding of {@code value}. */
    public static byte[] encode(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(MAX_BYTES);
        write(out, value);
        return out.toByteArray();
    }

    /** How many bytes {@code value} takes. */
    public static int size(long value) {
        int n = 1;
        while ((value >>>= 7) != 0) {
            n++;
        }
        return n;
    }

    /**
     * A varint read from {@code bytes} at {@code offset}.
     *
     * @param value the decoded value
     * @param next the offset just after it
     */
    public record Decoded(long value, int next) {}

    /**
     * Decodes the varint at {@code offset}; refuses truncated input, more than {@link #MAX_BYTES}
     * bytes and non-minimal encodings (a trailing zero byte), as the multiformats spec requires.
     */
    public static Decoded decode(byte[] bytes, int offset, int limit) {
        long value = 0;
        for (int i = 0; i < MAX_BYTES; i++) {
            int at = offset + i;
            if (at >= limit) {
                throw new IllegalArgumentException("truncated varint at byte " + offset);
            }
            int b = bytes[at] & 0xff;
            value |= (long) (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0) {
                if (b == 0 && i > 0) {
                    throw new IllegalArgumentException("non-minimal varint at byte " + offset);
                }
                return new Decoded(value, at + 1);
            }
        }
        throw new IllegalArgumentException(
                "varint longer than " + MAX_BYTES + " bytes at byte " + offset);
    }
}
