package io.cohort.learning.codec;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * Reads the update format (docs/update-format.md) from untrusted bytes; {@link UpdateCodec#decode}
 * is its front. Checks run in the documented order: the fixed header fields, the checksum, the
 * header's counts and section sizes against the byte count, the quantization parameters, every
 * index, every float32 value; only then is the output allocated and filled.
 */
final class UpdateDecoder {

    private UpdateDecoder() {}

    static float[] decode(byte[] bytes, int expectedLength) throws MalformedUpdateException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Layout layout = readHeader(bytes, in, expectedLength);
        checkQuantization(in, layout);
        walkIndices(bytes, layout, IndexSection.IGNORE);
        checkFloats(in, layout);

        float[] out = new float[expectedLength];
        if (layout.sparse()) {
            walkIndices(bytes, layout, (j, index) -> out[index] = value(in, layout, j));
        } else {
            for (int j = 0; j < out.length; j++) {
                out[j] = value(in, layout, j);
            }
        }
        return out;
    }

    /** The dense length the header declares, once the magic, version, flags and CRC hold. */
    static int declaredLength(byte[] bytes) throws MalformedUpdateException {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        checkPrefix(bytes, in);
        long n = Integer.toUnsignedLong(in.getInt(8));
        if (n > Integer.MAX_VALUE) {
            throw malformed(
                    Reason.LENGTH_MISMATCH, "update of " + n + " values, more than an array holds");
        }
        return (int) n;
    }

    private static Layout readHeader(byte[] bytes, ByteBuffer in, int expectedLength)
            throws MalformedUpdateException {
        int flags = checkPrefix(bytes, in);
        long n = Integer.toUnsignedLong(in.getInt(8));
        long k = Integer.toUnsignedLong(in.getInt(12));
        long indexBytes = Integer.toUnsignedLong(in.getInt(16));
        long blockSize = Integer.toUnsignedLong(in.getInt(20));
        Layout layout = new Layout(flags, n, k, indexBytes, blockSize);
        if (n != expectedLength) {
            throw malformed(
                    Reason.LENGTH_MISMATCH,
                    "update of " + n + " values, the model has " + expectedLength);
        }
        if (k > n || (!layout.sparse() && k != n)) {
            throw malformed(
                    Reason.BAD_COUNT,
                    k
                            + " stored values in a "
                            + (layout.sparse() ? "sparse" : "dense")
                            + " update of "
                            + n);
        }
        checkIndexBytes(layout);
        if (layout.quantized() ? blockSize == 0 : blockSize != 0) {
            throw malformed(
                    Reason.BAD_QUANTIZATION,
                    "block size "
                            + blockSize
                            + (layout.quantized()
                                    ? ", a quantized update needs at least 1"
                                    : ", an update in float32 needs 0"));
        }
        if (layout.size() > bytes.length) {
            throw malformed(
                    Reason.TRUNCATED,
                    "the header's sections need "
                            + layout.size()
                            + " bytes, the update has "
                            + bytes.length);
        }
        if (layout.size() < bytes.length) {
            throw malformed(
                    Reason.SECTION_SIZE_MISMATCH,
                    "the header's sections need "
                            + layout.size()
                            + " bytes, the update has "
                            + bytes.length);
        }
        return layout;
    }

    /**
     * Checks what precedes the counts: the magic, the version, the flags, the size of header and
     * checksum, and the CRC-32C. Returns the flags.
     */
    private static int checkPrefix(byte[] bytes, ByteBuffer in) throws MalformedUpdateException {
        if (bytes.length < 4) {
            throw malformed(Reason.TRUNCATED, bytes.length + " bytes, not even the magic");
        }
        if (in.getInt(0) != Layout.MAGIC) {
            throw malformed(
                    Reason.BAD_MAGIC,
                    String.format(
                            Locale.ROOT,
                            "not a Cohort update: magic %08x, expected 43555044 (\"CUPD\")",
                            Integer.reverseBytes(in.getInt(0))));
        }
        if (bytes.length < 8) {
            throw malformed(Reason.TRUNCATED, bytes.length + " bytes, the header needs 24");
        }
        int version = bytes[4] & 0xff;
        if (version != Layout.VERSION) {
            throw malformed(
                    Reason.UNSUPPORTED_VERSION,
                    "format version " + version + ", this decoder reads " + Layout.VERSION);
        }
        int flags = bytes[5] & 0xff;
        if ((flags & ~Layout.KNOWN_FLAGS) != 0
                || ((flags & Layout.BITMAP) != 0 && (flags & Layout.SPARSE) == 0)) {
            throw malformed(
                    Reason.UNKNOWN_FLAGS,
                    String.format(
                            Locale.ROOT,
                            "flags 0x%02x; version 1 knows 0x01 sparse, 0x02 bitmap (only with"
                                    + " sparse) and 0x04 quantized",
                            flags));
        }
        if (in.getShort(6) != 0) {
            throw malformed(
                    Reason.UNKNOWN_FLAGS,
                    String.format(
                            Locale.ROOT,
                            "reserved bytes 6..7 are 0x%04x, must be 0",
                            in.getShort(6)));
        }
        if (bytes.length < Layout.HEADER + Layout.CHECKSUM) {
            throw malformed(
                    Reason.TRUNCATED,
                    bytes.length
                            + " bytes, header and checksum need "
                            + (Layout.HEADER + Layout.CHECKSUM));
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - Layout.CHECKSUM);
        int stored = in.getInt(bytes.length - Layout.CHECKSUM);
        if ((int) crc.getValue() != stored) {
            throw malformed(
                    Reason.CHECKSUM_MISMATCH,
                    String.format(
                            Locale.ROOT,
                            "CRC-32C of the first %d bytes is %08x, the update stores %08x",
                            bytes.length - Layout.CHECKSUM,
                            (int) crc.getValue(),
                            stored));
        }
        return flags;
    }

    private static void checkIndexBytes(Layout layout) throws MalformedUpdateException {
        long size = layout.indexBytes();
        String expected;
        if (!layout.sparse()) {
            expected = size == 0 ? null : "0 (dense)";
        } else if (layout.bitmap()) {
            long bitmap = Layout.bitmapBytes(layout.n());
            expected = size == bitmap ? null : bitmap + " (a bitmap of n bits)";
        } else {
            long most = IndexSection.MAX_VARINT * layout.k();
            expected =
                    size >= layout.k() && size <= most
                            ? null
                            : layout.k() + ".." + most + " (k varints of 1..5 bytes)";
        }
        if (expected != null) {
            throw malformed(
                    Reason.SECTION_SIZE_MISMATCH,
                    "index section of " + size + " bytes, expected " + expected);
        }
    }

    private static void checkQuantization(ByteBuffer in, Layout layout)
            throws MalformedUpdateException {
        for (long b = 0; b < layout.blocks(); b++) {
            int at = (int) (Layout.HEADER + Layout.BLOCK_PARAMS * b);
            float min = in.getFloat(at);
            float scale = in.getFloat(at + 4);
            if (!Float.isFinite(min) || !Float.isFinite(scale)) {
                throw malformed(
                        Reason.NON_FINITE, "block " + b + ": min " + min + ", scale " + scale);
            }
            if (!(scale > 0)) {
                throw malformed(
                        Reason.BAD_QUANTIZATION,
                        "block " + b + ": scale " + scale + ", must be > 0");
            }
            if (!Float.isFinite(BlockQuantizer.level(min, scale, Layout.LEVELS))) {
                throw malformed(
                        Reason.NON_FINITE,
                        "block " + b + ": min " + min + " + 255 × scale " + scale + " overflows");
            }
        }
    }

    private static void walkIndices(byte[] bytes, Layout layout, IndexSection.Sink sink)
            throws MalformedUpdateException {
        if (!layout.sparse()) {
            return;
        }
        int from = (int) layout.indexOffset();
        if (layout.bitmap()) {
            IndexSection.walkBitmap(bytes, from, (int) layout.k(), layout.n(), sink);
        } else {
            IndexSection.walkVarints(
                    bytes, from, (int) layout.indexBytes(), (int) layout.k(), layout.n(), sink);
        }
    }

    private static void checkFloats(ByteBuffer in, Layout layout) throws MalformedUpdateException {
        if (layout.quantized()) {
            return; // every level of a checked block is finite
        }
        int from = (int) layout.valueOffset();
        for (int j = 0; j < layout.k(); j++) {
            float v = in.getFloat(from + 4 * j);
            if (!Float.isFinite(v)) {
                throw malformed(Reason.NON_FINITE, "stored value " + j + " is " + v);
            }
        }
    }

    /** The {@code j}-th stored value; its section has been checked. */
    private static float value(ByteBuffer in, Layout layout, int j) {
        int from = (int) layout.valueOffset();
        if (!layout.quantized()) {
            return in.getFloat(from + 4 * j);
        }
        int at = (int) (Layout.HEADER + Layout.BLOCK_PARAMS * (j / layout.blockSize()));
        return BlockQuantizer.level(in.getFloat(at), in.getFloat(at + 4), in.get(from + j) & 0xff);
    }

    private static MalformedUpdateException malformed(Reason reason, String message) {
        return new MalformedUpdateException(reason, message);
    }
}
