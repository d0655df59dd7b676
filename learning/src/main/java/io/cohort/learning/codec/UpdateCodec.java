package io.cohort.learning.codec;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The compact format of a model update (a flat float array, see docs/update-format.md): optional
 * top-k sparsification with delta-varint indices, optional 8-bit uniform quantization, and a
 * CRC-32C over everything. The decoder checks the checksum, then every length and bound, before it
 * allocates the output, and refuses non-finite values; on any input it either returns an update of
 * the expected length or throws {@link MalformedUpdateException}.
 */
public final class UpdateCodec {

    /** "CUPD". */
    static final int MAGIC = 0x44505543;

    static final int VERSION = 1;
    static final int FLAG_SPARSE = 1;
    static final int FLAG_QUANTIZED = 2;
    static final int HEADER = 20;
    static final int QUANT_PARAMS = 8;
    static final int CHECKSUM = 4;

    /**
     * What the encoder does.
     *
     * @param topK fraction of values kept, in (0, 1]; 1 keeps all (dense)
     * @param quantize 8-bit values instead of float32
     */
    public record Options(double topK, boolean quantize) {
        public Options {
            if (!(topK > 0 && topK <= 1)) {
                throw new IllegalArgumentException("topK must be in (0, 1], got " + topK);
            }
        }

        /** Dense float32: exact. */
        public static final Options DENSE = new Options(1, false);

        /** 1 % of the values, 8 bits each: the default for trainers. */
        public static final Options TOP1_8BIT = new Options(0.01, true);
    }

    private UpdateCodec() {}

    /** Encodes {@code update}. */
    public static byte[] encode(float[] update, Options options) {
        for (int i = 0; i < update.length; i++) {
            if (!Float.isFinite(update[i])) {
                throw new IllegalArgumentException("update value " + i + " is " + update[i]);
            }
        }
        int n = update.length;
        boolean sparse = options.topK() < 1;
        int[] indices =
                sparse ? topK(update, (int) Math.min(n, Math.ceil(options.topK() * n))) : null;
        int k = sparse ? indices.length : n;
        float[] values = new float[k];
        for (int j = 0; j < k; j++) {
            values[j] = update[sparse ? indices[j] : j];
        }
        byte[] indexSection = sparse ? deltaVarints(indices) : new byte[0];
        int flags = (sparse ? FLAG_SPARSE : 0) | (options.quantize() ? FLAG_QUANTIZED : 0);
        int valueBytes = options.quantize() ? k : 4 * k;
        int size =
                HEADER
                        + (options.quantize() ? QUANT_PARAMS : 0)
                        + indexSection.length
                        + valueBytes
                        + CHECKSUM;
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).put((byte) VERSION).put((byte) flags).putShort((short) 0);
        b.putInt(n).putInt(k).putInt(indexSection.length);
        if (options.quantize()) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (float v : values) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            if (k == 0) {
                min = 0;
                max = 0;
            }
            float scale = (max - min) / 255f;
            if (!Float.isFinite(scale)) {
                throw new IllegalArgumentException(
                        "update range " + min + ".." + max + " is too wide to quantize");
            }
            b.putFloat(min).putFloat(scale);
            b.put(indexSection);
            for (float v : values) {
                int q = scale == 0 ? 0 : Math.round((v - min) / scale);
                b.put((byte) Math.max(0, Math.min(255, q)));
            }
        } else {
            b.put(indexSection);
            for (float v : values) {
                b.putFloat(v);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, size - CHECKSUM);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /**
     * Decodes an update of exactly {@code expectedLength} values.
     *
     * @throws MalformedUpdateException with the first check that fails
     */
    public static float[] decode(byte[] bytes, int expectedLength) throws MalformedUpdateException {
        if (bytes.length < HEADER + CHECKSUM) {
            throw new MalformedUpdateException(
                    Reason.TRUNCATED,
                    bytes.length + " bytes, a header and checksum need " + (HEADER + CHECKSUM));
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - CHECKSUM);
        int stored = b.getInt(bytes.length - CHECKSUM);
        if ((int) crc.getValue() != stored) {
            throw new MalformedUpdateException(
                    Reason.CHECKSUM_MISMATCH,
                    "CRC-32C of the content does not match the stored one");
        }
        if (b.getInt(0) != MAGIC) {
            throw new MalformedUpdateException(
                    Reason.BAD_MAGIC,
                    "not a Cohort update (magic 0x" + Integer.toHexString(b.getInt(0)) + ")");
        }
        int version = bytes[4] & 0xff;
        if (version != VERSION) {
            throw new MalformedUpdateException(
                    Reason.UNSUPPORTED_VERSION,
                    "format version " + version + ", this decoder reads " + VERSION);
        }
        int flags = bytes[5] & 0xff;
        if ((flags & ~(FLAG_SPARSE | FLAG_QUANTIZED)) != 0 || b.getShort(6) != 0) {
            throw new MalformedUpdateException(
                    Reason.UNKNOWN_FLAGS,
                    "flags 0x" + Integer.toHexString(flags) + " / reserved " + b.getShort(6));
        }
        boolean sparse = (flags & FLAG_SPARSE) != 0;
        boolean quantized = (flags & FLAG_QUANTIZED) != 0;
        long n = Integer.toUnsignedLong(b.getInt(8));
        long k = Integer.toUnsignedLong(b.getInt(12));
        long indexBytes = Integer.toUnsignedLong(b.getInt(16));
        if (n != expectedLength) {
            throw new MalformedUpdateException(
                    Reason.LENGTH_MISMATCH,
                    "update of " + n + " values, the model has " + expectedLength);
        }
        if (k > n || (!sparse && k != n)) {
            throw new MalformedUpdateException(
                    Reason.COUNT_OUT_OF_RANGE,
                    k + " stored values for " + n + (sparse ? "" : " (dense)"));
        }
        if (!sparse && indexBytes != 0) {
            throw new MalformedUpdateException(
                    Reason.SECTION_SIZE_MISMATCH,
                    "a dense update with " + indexBytes + " index bytes");
        }
        long head = HEADER + (quantized ? QUANT_PARAMS : 0);
        long valueBytes = quantized ? k : 4 * k;
        long expectedSize = head + indexBytes + valueBytes + CHECKSUM;
        if (expectedSize != bytes.length) {
            throw new MalformedUpdateException(
                    Reason.SECTION_SIZE_MISMATCH,
                    "sections need " + expectedSize + " bytes, the update has " + bytes.length);
        }
        float min = 0;
        float scale = 0;
        if (quantized) {
            min = b.getFloat(HEADER);
            scale = b.getFloat(HEADER + 4);
            if (!Float.isFinite(min)
                    || !Float.isFinite(scale)
                    || scale < 0
                    || !Float.isFinite(min + 255 * scale)) {
                throw new MalformedUpdateException(
                        Reason.NON_FINITE, "quantization min " + min + ", scale " + scale);
            }
        }
        int[] indices =
                sparse ? readIndices(bytes, (int) head, (int) indexBytes, (int) k, (int) n) : null;
        float[] out = new float[(int) n];
        int at = (int) (head + indexBytes);
        for (int j = 0; j < k; j++) {
            float v;
            if (quantized) {
                v = min + (bytes[at + j] & 0xff) * scale;
            } else {
                v = b.getFloat(at + 4 * j);
                if (!Float.isFinite(v)) {
                    throw new MalformedUpdateException(
                            Reason.NON_FINITE, "value " + j + " is " + v);
                }
            }
            out[sparse ? indices[j] : j] = v;
        }
        return out;
    }

    /** Size in bytes of an encoding, without encoding (for reports). */
    public static int denseFloat32Bytes(int n) {
        return 4 * n;
    }

    private static int[] readIndices(byte[] bytes, int from, int length, int k, int n)
            throws MalformedUpdateException {
        int[] indices = new int[k];
        int pos = from;
        int end = from + length;
        long previous = -1;
        for (int j = 0; j < k; j++) {
            long gap = 0;
            int shift = 0;
            while (true) {
                if (pos >= end) {
                    throw new MalformedUpdateException(
                            Reason.BAD_VARINT, "index section ends inside index " + j);
                }
                int byteValue = bytes[pos++] & 0xff;
                if (shift == 28 && (byteValue & 0xf0) != 0) {
                    throw new MalformedUpdateException(
                            Reason.BAD_VARINT, "index gap " + j + " exceeds 32 bits");
                }
                gap |= (long) (byteValue & 0x7f) << shift;
                if ((byteValue & 0x80) == 0) {
                    if (byteValue == 0 && shift > 0) {
                        throw new MalformedUpdateException(
                                Reason.BAD_VARINT, "non-minimal varint at index " + j);
                    }
                    break;
                }
                shift += 7;
            }
            long index = previous + 1 + gap;
            if (index >= n) {
                throw new MalformedUpdateException(
                        Reason.INDEX_OUT_OF_RANGE,
                        "index " + index + " of entry " + j + " is not below " + n);
            }
            indices[j] = (int) index;
            previous = index;
        }
        if (pos != end) {
            throw new MalformedUpdateException(
                    Reason.SECTION_SIZE_MISMATCH, (end - pos) + " index bytes left over");
        }
        return indices;
    }

    /** The {@code k} indices of the largest |values|, ascending; ties go to the lower index. */
    static int[] topK(float[] values, int k) {
        if (k <= 0) {
            return new int[0];
        }
        float[] abs = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            abs[i] = Math.abs(values[i]);
        }
        float[] sorted = abs.clone();
        Arrays.sort(sorted);
        float threshold = sorted[values.length - k];
        int above = 0;
        for (float a : abs) {
            if (a > threshold) {
                above++;
            }
        }
        int ties = k - above;
        int[] out = new int[k];
        int j = 0;
        for (int i = 0; i < values.length && j < k; i++) {
            if (abs[i] > threshold || (abs[i] == threshold && ties-- > 0)) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** Gaps between ascending indices ({@code index − previous − 1}) as LEB128 varints. */
    static byte[] deltaVarints(int[] indices) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(indices.length * 2);
        long previous = -1;
        for (int index : indices) {
            long gap = index - previous - 1;
            while (gap >= 0x80) {
                out.write((int) (gap & 0x7f) | 0x80);
                gap >>>= 7;
            }
            out.write((int) gap);
            previous = index;
        }
        return out.toByteArray();
    }
}
