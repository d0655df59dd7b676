package io.cohort.learning.codec;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/** Updates for the codec tests: realistic ones, and hand-built bytes for hostile ones. */
final class UpdateFixtures {

    private UpdateFixtures() {}

    /** {@code n} values from N(0, 0.01²), like a round's parameter change. */
    static float[] gaussian(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] update = new float[n];
        for (int i = 0; i < n; i++) {
            double a = random.nextDouble();
            double b = random.nextDouble();
            update[i] =
                    (float) (0.01 * Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b));
        }
        return update;
    }

    /** A copy of {@code bytes} whose last four bytes are the CRC-32C of the rest. */
    static byte[] resealed(byte[] bytes) {
        byte[] out = bytes.clone();
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        ByteBuffer.wrap(out)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(out.length - 4, (int) crc.getValue());
        return out;
    }

    /** The reason {@code bytes} is refused for, or null if it decodes. */
    static Reason reasonOf(byte[] bytes, int expectedLength) {
        try {
            UpdateCodec.decode(bytes, expectedLength);
            return null;
        } catch (MalformedUpdateException e) {
            return e.reason();
        }
    }

    /** The (min, scale) of quantization block {@code b} of a valid quantized encoding. */
    static float[] blockParams(byte[] encoded, int b) {
        ByteBuffer in = ByteBuffer.wrap(encoded).order(ByteOrder.LITTLE_ENDIAN);
        return new float[] {in.getFloat(24 + 8 * b), in.getFloat(28 + 8 * b)};
    }

    static int flagsOf(byte[] encoded) {
        return encoded[5] & 0xff;
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b & 0xff));
        }
        return out.toString();
    }

    /**
     * Bytes in the update layout with any header field and section, sealed with a correct checksum
     * unless told otherwise: for inputs that only a broken or hostile encoder writes.
     */
    static final class Raw {
        private int magic = Layout.MAGIC;
        private int version = Layout.VERSION;
        private int flags;
        private short reserved;
        private int n;
        private int k;
        private Integer indexBytes;
        private int blockSize;
        private final ByteArrayOutputStream params = new ByteArrayOutputStream();
        private byte[] index = new byte[0];
        private final ByteArrayOutputStream values = new ByteArrayOutputStream();
        private byte[] trailing = new byte[0];

        static Raw dense(int n) {
            Raw raw = new Raw();
            raw.n = n;
            raw.k = n;
            return raw;
        }

        static Raw sparse(int n, int k, byte... index) {
            Raw raw = new Raw();
            raw.flags = Layout.SPARSE;
            raw.n = n;
            raw.k = k;
            raw.index = index;
            return raw;
        }

        static Raw bitmap(int n, int k, byte... bitmap) {
            Raw raw = sparse(n, k, bitmap);
            raw.flags |= Layout.BITMAP;
            return raw;
        }

        Raw magic(int magic) {
            this.magic = magic;
            return this;
        }

        Raw version(int version) {
            this.version = version;
            return this;
        }

        Raw flags(int flags) {
            this.flags = flags;
            return this;
        }

        Raw reserved(int reserved) {
            this.reserved = (short) reserved;
            return this;
        }

        Raw k(int k) {
            this.k = k;
            return this;
        }

        Raw indexBytes(int indexBytes) {
            this.indexBytes = indexBytes;
            return this;
        }

        /** Quantized, with this block size and one (min, scale) per pair given. */
        Raw quantized(int blockSize, float... minScalePairs) {
            this.flags |= Layout.QUANTIZED;
            this.blockSize = blockSize;
            for (float f : minScalePairs) {
                writeFloat(params, f);
            }
            return this;
        }

        Raw blockSize(int blockSize) {
            this.blockSize = blockSize;
            return this;
        }

        Raw floats(float... vs) {
            for (float v : vs) {
                writeFloat(values, v);
            }
            return this;
        }

        Raw levels(int... qs) {
            for (int q : qs) {
                values.write(q);
            }
            return this;
        }

        Raw trailing(byte... trailing) {
            this.trailing = trailing;
            return this;
        }

        byte[] unsealed() {
            ByteBuffer b =
                    ByteBuffer.allocate(
                                    Layout.HEADER
                                            + params.size()
                                            + index.length
                                            + values.size()
                                            + trailing.length
                                            + 4)
                            .order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(magic).put((byte) version).put((byte) flags).putShort(reserved);
            b.putInt(n).putInt(k).putInt(indexBytes != null ? indexBytes : index.length);
            b.putInt(blockSize);
            b.put(params.toByteArray()).put(index).put(values.toByteArray()).put(trailing);
            return b.array();
        }

        byte[] sealed() {
            return resealed(unsealed());
        }

        private static void writeFloat(ByteArrayOutputStream out, float f) {
            out.writeBytes(
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(f).array());
        }
    }
}
