package io.cohort.learning.codec;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import java.nio.ByteBuffer;

/**
 * The two encodings of a sparse update's ascending positions: deltas as unsigned LEB128 varints
 * (the first position itself, then {@code index[j] − index[j−1] ≥ 1}), or a bitmap of {@code n}
 * bits, least significant bit first. The encoder writes whichever is smaller; the reader checks
 * every varint and index while it walks, so a walk that completes has seen only valid positions.
 */
final class IndexSection {

    /** Receives the {@code j}-th position of a walk. */
    @FunctionalInterface
    interface Sink {
        void accept(int j, int index);
    }

    static final Sink IGNORE = (j, index) -> {};

    /** Most bytes of a varint below 2³². */
    static final int MAX_VARINT = 5;

    private IndexSection() {}

    /** Bytes of the varint section for ascending {@code indices}. */
    static long varintBytes(int[] indices) {
        long bytes = 0;
        int previous = 0;
        for (int index : indices) {
            bytes += varintSize(index - previous);
            previous = index;
        }
        return bytes;
    }

    static void writeVarints(ByteBuffer out, int[] indices) {
        int previous = 0;
        for (int index : indices) {
            int delta = index - previous;
            while ((delta & ~0x7f) != 0) {
                out.put((byte) (delta & 0x7f | 0x80));
                delta >>>= 7;
            }
            out.put((byte) delta);
            previous = index;
        }
    }

    static void writeBitmap(ByteBuffer out, int[] indices, int n) {
        int start = out.position();
        for (int index : indices) {
            int at = start + (index >>> 3);
            out.put(at, (byte) (out.get(at) | 1 << (index & 7)));
        }
        out.position(start + (int) Layout.bitmapBytes(n));
    }

    /**
     * Walks {@code k} delta varints in {@code bytes[from, from + length)}, checking that each is
     * inside the section, below 2³² and minimal, that positions increase and stay below {@code n},
     * and that the section is used up exactly.
     */
    static void walkVarints(byte[] bytes, int from, int length, int k, long n, Sink sink)
            throws MalformedUpdateException {
        int pos = from;
        int end = from + length;
        long previous = -1;
        for (int j = 0; j < k; j++) {
            long delta = 0;
            for (int shift = 0; ; shift += 7) {
                if (pos >= end) {
                    throw new MalformedUpdateException(
                            Reason.BAD_VARINT,
                            "index section of " + length + " bytes ends inside index " + j);
                }
                int b = bytes[pos++] & 0xff;
                if (shift == 28 && b > 0x0f) {
                    throw new MalformedUpdateException(
                            Reason.BAD_VARINT, "delta of index " + j + " exceeds 32 bits");
                }
                delta |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    if (b == 0 && shift > 0) {
                        throw new MalformedUpdateException(
                                Reason.BAD_VARINT,
                                "delta of index " + j + " is not minimally encoded");
                    }
                    break;
                }
            }
            long index = j == 0 ? delta : previous + delta;
            if (j > 0 && delta == 0) {
                throw new MalformedUpdateException(
                        Reason.INDICES_NOT_INCREASING,
                        "index " + j + " repeats position " + previous);
            }
            if (index >= n) {
                throw new MalformedUpdateException(
                        Reason.INDEX_OUT_OF_RANGE,
                        "index " + j + " is position " + index + ", the update has " + n);
            }
            sink.accept(j, (int) index);
            previous = index;
        }
        if (pos != end) {
            throw new MalformedUpdateException(
                    Reason.SECTION_SIZE_MISMATCH,
                    (end - pos) + " bytes left in the index section after " + k + " indices");
        }
    }

    /**
     * Walks a bitmap of {@code n} bits in {@code bytes[from, from + ⌈n/8⌉)}, checking that the
     * padding bits past {@code n} are clear and that exactly {@code k} bits are set.
     */
    static void walkBitmap(byte[] bytes, int from, int k, long n, Sink sink)
            throws MalformedUpdateException {
        int length = (int) Layout.bitmapBytes(n);
        int tail = (int) (n & 7);
        if (tail != 0 && (bytes[from + length - 1] & 0xff) >>> tail != 0) {
            throw new MalformedUpdateException(
                    Reason.INDEX_OUT_OF_RANGE,
                    "bitmap sets a position at or beyond n = " + n + " in its padding");
        }
        long set = 0;
        for (int i = 0; i < length; i++) {
            set += Integer.bitCount(bytes[from + i] & 0xff);
        }
        if (set != k) {
            throw new MalformedUpdateException(
                    Reason.BAD_COUNT, "bitmap sets " + set + " positions, the header says " + k);
        }
        int j = 0;
        for (int i = 0; i < length; i++) {
            int b = bytes[from + i] & 0xff;
            while (b != 0) {
                int bit = Integer.numberOfTrailingZeros(b);
                sink.accept(j++, (i << 3) + bit);
                b &= b - 1;
            }
        }
    }

    private static int varintSize(int value) {
        int size = 1;
        while ((value & ~0x7f) != 0) {
            value >>>= 7;
            size++;
        }
        return size;
    }
}
