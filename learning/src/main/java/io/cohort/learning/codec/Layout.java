package io.cohort.learning.codec;

/**
 * Where each section of an encoded update lies, computed from the header's fields
 * (docs/update-format.md). Fields are {@code long} so that a hostile header's unsigned 32-bit
 * values cannot overflow the arithmetic; the decoder compares {@link #size()} with the byte count
 * before it reads a section.
 *
 * @param flags {@link #SPARSE}, {@link #BITMAP}, {@link #QUANTIZED}
 * @param n the dense length
 * @param k the number of stored values
 * @param indexBytes the size of the index section
 * @param blockSize kept values per (min, scale) pair when quantized, 0 otherwise
 */
record Layout(int flags, long n, long k, long indexBytes, long blockSize) {

    /** {@code "CUPD"} read as a little-endian u32. */
    static final int MAGIC = 0x44505543;

    static final int VERSION = 1;

    /** Values are a subset of positions, listed in an index section. */
    static final int SPARSE = 1;

    /** With {@link #SPARSE}: the index section is a bitmap of n bits, not delta varints. */
    static final int BITMAP = 2;

    /** Values are 8-bit levels of per-block (min, scale) pairs, not float32. */
    static final int QUANTIZED = 4;

    static final int KNOWN_FLAGS = SPARSE | BITMAP | QUANTIZED;

    /** magic, version, flags, reserved, n, k, indexBytes, blockSize. */
    static final int HEADER = 24;

    static final int CHECKSUM = 4;

    /** min and scale, two float32, per block. */
    static final int BLOCK_PARAMS = 8;

    static final int LEVELS = 255;

    boolean sparse() {
        return (flags & SPARSE) != 0;
    }

    boolean bitmap() {
        return (flags & BITMAP) != 0;
    }

    boolean quantized() {
        return (flags & QUANTIZED) != 0;
    }

    /** Quantization blocks: {@code ceil(k / blockSize)}, 0 when not quantized. */
    long blocks() {
        return quantized() ? (k + blockSize - 1) / blockSize : 0;
    }

    long indexOffset() {
        return HEADER + BLOCK_PARAMS * blocks();
    }

    long valueOffset() {
        return indexOffset() + indexBytes;
    }

    long valueBytes() {
        return quantized() ? k : 4 * k;
    }

    long checksumOffset() {
        return valueOffset() + valueBytes();
    }

    long size() {
        return checksumOffset() + CHECKSUM;
    }

    /** The bytes of a bitmap index section for {@code n} positions. */
    static long bitmapBytes(long n) {
        return (n + 7) / 8;
    }
}
