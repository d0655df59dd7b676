package io.cohort.learning.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/** Writes the update format (docs/update-format.md); {@link UpdateCodec#encode} is its front. */
final class UpdateEncoder {

    /**
     * An encoding and what its decoder will produce, so error feedback needs no second decode.
     *
     * @param bytes the encoded update
     * @param positions the ascending positions of the stored values, or {@code null} when every
     *     position is stored (dense)
     * @param sent the values the decoder yields at those positions, bit for bit
     */
    record Encoded(byte[] bytes, int[] positions, float[] sent) {}

    private UpdateEncoder() {}

    static Encoded encode(float[] update, Compression compression) {
        for (int i = 0; i < update.length; i++) {
            if (!Float.isFinite(update[i])) {
                throw new IllegalArgumentException(
                        "update value " + i + " is " + update[i] + "; only finite values encode");
            }
        }
        int n = update.length;
        int k = compression.keptCount(n);
        boolean sparse = k < n;
        int[] positions = sparse ? TopK.select(update, k) : null;
        float[] kept = new float[k];
        for (int j = 0; j < k; j++) {
            kept[j] = update[sparse ? positions[j] : j];
        }

        long indexBytes = 0;
        int flags = 0;
        if (sparse) {
            long varints = IndexSection.varintBytes(positions);
            long bitmap = Layout.bitmapBytes(n);
            flags |= Layout.SPARSE | (bitmap < varints ? Layout.BITMAP : 0);
            indexBytes = Math.min(varints, bitmap);
        }
        boolean quantized = compression.precision() == Compression.Precision.UINT8;
        BlockQuantizer.Quantized q = null;
        if (quantized) {
            flags |= Layout.QUANTIZED;
            q =
                    BlockQuantizer.quantize(
                            kept,
                            compression.blockSize(),
                            compression.rounding(),
                            compression.seed());
        }
        Layout layout =
                new Layout(flags, n, k, indexBytes, quantized ? compression.blockSize() : 0);
        if (layout.size() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "an update of "
                            + n
                            + " values needs "
                            + layout.size()
                            + " bytes in this compression, more than an array holds; keep fewer"
                            + " values or quantize");
        }

        ByteBuffer out = ByteBuffer.allocate((int) layout.size()).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(Layout.MAGIC).put((byte) Layout.VERSION).put((byte) flags).putShort((short) 0);
        out.putInt(n).putInt(k).putInt((int) indexBytes).putInt((int) layout.blockSize());
        if (quantized) {
            for (int b = 0; b < q.mins().length; b++) {
                out.putFloat(q.mins()[b]).putFloat(q.scales()[b]);
            }
        }
        if (layout.bitmap()) {
            IndexSection.writeBitmap(out, positions, n);
        } else if (sparse) {
            IndexSection.writeVarints(out, positions);
        }
        if (quantized) {
            out.put(q.levels());
        } else {
            for (float v : kept) {
                out.putFloat(v);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return new Encoded(out.array(), positions, quantized ? q.decoded() : kept);
    }
}
