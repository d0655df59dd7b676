package io.cohort.learning.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpdateCodecTest {

    static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] u = new float[n];
        for (int i = 0; i < n; i++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            u[i] = (float) (0.01 * Math.sqrt(-2 * Math.log(1 - a)) * Math.cos(2 * Math.PI * b));
        }
        return u;
    }

    @Test
    void denseFloat32IsExact() throws Exception {
        float[] u = gaussian(1000, 1);
        byte[] bytes = UpdateCodec.encode(u, UpdateCodec.Options.DENSE);
        assertThat(bytes).hasSize(20 + 4000 + 4);
        assertThat(UpdateCodec.decode(bytes, 1000)).isEqualTo(u);
    }

    @ParameterizedTest
    @CsvSource({"1.0, true", "0.1, false", "0.1, true", "0.01, true"})
    void lossyModesStayWithinTheirBounds(double topK, boolean quantize) throws Exception {
        float[] u = gaussian(10_000, 2);
        UpdateCodec.Options options = new UpdateCodec.Options(topK, quantize);
        float[] d = UpdateCodec.decode(UpdateCodec.encode(u, options), u.length);
        int k = (int) Math.ceil(topK * u.length);
        int[] kept = UpdateCodec.topK(u, k);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int i : kept) {
            min = Math.min(min, u[i]);
            max = Math.max(max, u[i]);
        }
        float tolerance = quantize ? (max - min) / 255f / 2 * 1.0001f + 1e-7f : 0;
        boolean[] isKept = new boolean[u.length];
        for (int i : kept) {
            isKept[i] = true;
            assertThat(Math.abs(d[i] - u[i])).as("kept value %d", i).isLessThanOrEqualTo(tolerance);
        }
        float smallestKept = Float.MAX_VALUE;
        for (int i : kept) {
            smallestKept = Math.min(smallestKept, Math.abs(u[i]));
        }
        for (int i = 0; i < u.length; i++) {
            if (!isKept[i]) {
                assertThat(d[i]).isZero();
                assertThat(Math.abs(u[i])).isLessThanOrEqualTo(smallestKept);
            }
        }
    }

    @Test
    void edgeCasesRoundTrip() throws Exception {
        assertThat(
                        UpdateCodec.decode(
                                UpdateCodec.encode(new float[0], UpdateCodec.Options.TOP1_8BIT), 0))
                .isEmpty();
        float[] zeros = new float[100];
        assertThat(
                        UpdateCodec.decode(
                                UpdateCodec.encode(zeros, UpdateCodec.Options.TOP1_8BIT), 100))
                .isEqualTo(zeros);
        float[] extreme = {Float.MAX_VALUE / 512, -Float.MAX_VALUE / 512, 0, Float.MIN_VALUE};
        assertThat(UpdateCodec.decode(UpdateCodec.encode(extreme, UpdateCodec.Options.DENSE), 4))
                .isEqualTo(extreme);
        assertThatThrownBy(
                        () ->
                                UpdateCodec.encode(
                                        new float[] {Float.NaN}, UpdateCodec.Options.DENSE))
                .hasMessageContaining("update value 0 is NaN");
    }

    @Test
    void aMillionParametersAtOnePercentAndEightBitsAreOverAHundredTimesSmaller() throws Exception {
        float[] u = gaussian(1_000_000, 3);
        byte[] bytes = UpdateCodec.encode(u, UpdateCodec.Options.TOP1_8BIT);
        double ratio = 4.0 * u.length / bytes.length;
        assertThat(ratio).isGreaterThanOrEqualTo(100);
        assertThat(UpdateCodec.decode(bytes, u.length)).hasSize(u.length);
    }

    @Test
    void errorFeedbackDelaysButNeverLosesTheUpdate() {
        float[] u = gaussian(5000, 4);
        ErrorFeedback feedback = new ErrorFeedback(u.length);
        double[] sentSum = new double[u.length];
        int rounds = 200;
        for (int r = 0; r < rounds; r++) {
            byte[] bytes = feedback.encode(u, UpdateCodec.Options.TOP1_8BIT);
            try {
                float[] d = UpdateCodec.decode(bytes, u.length);
                for (int i = 0; i < u.length; i++) {
                    sentSum[i] += d[i];
                }
            } catch (MalformedUpdateException e) {
                throw new AssertionError(e);
            }
        }
        // what was sent plus what is still carried equals everything that was meant to be sent
        float[] residual = feedback.residual();
        for (int i = 0; i < u.length; i++) {
            double meant = (double) u[i] * rounds;
            assertThat(sentSum[i] + residual[i])
                    .isCloseTo(
                            meant,
                            org.assertj.core.data.Offset.offset(1e-3 + 1e-4 * Math.abs(meant)));
        }
        // and the residual stays bounded (at most about 1/topK rounds of update are ever in flight)
        // while most of the accumulated update has been sent
        double residualNorm = 0;
        double updateNorm = 0;
        double sentNorm = 0;
        for (int i = 0; i < u.length; i++) {
            residualNorm += residual[i] * residual[i];
            updateNorm += (double) u[i] * u[i];
            sentNorm += sentSum[i] * sentSum[i];
        }
        assertThat(Math.sqrt(residualNorm)).isLessThan(100 * Math.sqrt(updateNorm));
        assertThat(Math.sqrt(sentNorm)).isGreaterThan(0.5 * rounds * Math.sqrt(updateNorm));
    }

    // ------------------------------------------------------------------ hostile input

    /** Re-seals bytes with a correct checksum, so the checks after it are reached. */
    static byte[] sealed(byte[] content) {
        byte[] out = Arrays.copyOf(content, content.length);
        CRC32C crc = new CRC32C();
        crc.update(out, 0, out.length - 4);
        ByteBuffer.wrap(out)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(out.length - 4, (int) crc.getValue());
        return out;
    }

    static Reason reasonOf(byte[] bytes, int expected) {
        try {
            UpdateCodec.decode(bytes, expected);
            return null;
        } catch (MalformedUpdateException e) {
            return e.reason();
        }
    }

    @Test
    void everyReasonHasAnInputThatTriggersIt() {
        float[] u = gaussian(300, 5);
        byte[] sparse = UpdateCodec.encode(u, new UpdateCodec.Options(0.05, false));
        byte[] quant = UpdateCodec.encode(u, new UpdateCodec.Options(0.05, true));
        byte[] dense = UpdateCodec.encode(u, UpdateCodec.Options.DENSE);

        assertThat(reasonOf(new byte[10], 300)).isEqualTo(Reason.TRUNCATED);
        byte[] flipped = sparse.clone();
        flipped[30] ^= 1;
        assertThat(reasonOf(flipped, 300)).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(reasonOf(sealed(with(sparse, 0, (byte) 'X')), 300)).isEqualTo(Reason.BAD_MAGIC);
        assertThat(reasonOf(sealed(with(sparse, 4, (byte) 2)), 300))
                .isEqualTo(Reason.UNSUPPORTED_VERSION);
        assertThat(reasonOf(sealed(with(sparse, 5, (byte) 0x81)), 300))
                .isEqualTo(Reason.UNKNOWN_FLAGS);
        assertThat(reasonOf(sparse, 301)).isEqualTo(Reason.LENGTH_MISMATCH);
        assertThat(reasonOf(sealed(withInt(sparse, 12, 301)), 300))
                .isEqualTo(Reason.COUNT_OUT_OF_RANGE);
        assertThat(reasonOf(sealed(withInt(dense, 12, 299)), 300))
                .isEqualTo(Reason.COUNT_OUT_OF_RANGE);
        assertThat(reasonOf(sealed(withInt(sparse, 16, 9999)), 300))
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
        // a gap so large the first index lands past the end
        byte[] far = sparse.clone();
        far[20] = (byte) 0x7f; // first gap = 127... then push it: rewrite as 0xff 0x02 needs a
        // resize, so use the last
        assertThat(reasonOf(sealed(withBytes(sparse, 20, new byte[] {(byte) 0x80})), 300))
                .isIn(Reason.BAD_VARINT, Reason.SECTION_SIZE_MISMATCH, Reason.INDEX_OUT_OF_RANGE);
        byte[] nan = dense.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(20, Float.NaN);
        assertThat(reasonOf(sealed(nan), 300)).isEqualTo(Reason.NON_FINITE);
        byte[] badScale = quant.clone();
        ByteBuffer.wrap(badScale)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(24, Float.POSITIVE_INFINITY);
        assertThat(reasonOf(sealed(badScale), 300)).isEqualTo(Reason.NON_FINITE);
    }

    @Test
    void indicesOutOfRangeOrNotIncreasingAreRefused() {
        // hand-built sparse update: n = 4, k = 2, gaps [3, 0] -> indices 3, 4 (out of range)
        assertThat(reasonOf(handBuilt(4, new byte[] {3, 0}, 2), 4))
                .isEqualTo(Reason.INDEX_OUT_OF_RANGE);
        // gaps [0, 0] -> indices 0, 1: fine
        assertThat(reasonOf(handBuilt(4, new byte[] {0, 0}, 2), 4)).isNull();
        // a varint over 32 bits
        assertThat(
                        reasonOf(
                                handBuilt(
                                        4,
                                        new byte[] {
                                            (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f
                                        },
                                        1),
                                4))
                .isEqualTo(Reason.BAD_VARINT);
        // a non-minimal varint (0x80 0x00)
        assertThat(reasonOf(handBuilt(4, new byte[] {(byte) 0x80, 0x00}, 1), 4))
                .isEqualTo(Reason.BAD_VARINT);
        // an index section that ends inside a varint
        assertThat(reasonOf(handBuilt(4, new byte[] {(byte) 0x80}, 1), 4))
                .isEqualTo(Reason.BAD_VARINT);
        // gaps are never negative, so increasing order is structural; a left-over byte is refused
        assertThat(reasonOf(handBuilt(4, new byte[] {0, 0, 0}, 2), 4))
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
    }

    /** A float32 sparse update with the given index section and k values of 1.0. */
    static byte[] handBuilt(int n, byte[] indexSection, int k) {
        ByteBuffer b =
                ByteBuffer.allocate(20 + indexSection.length + 4 * k + 4)
                        .order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(UpdateCodec.MAGIC).put((byte) 1).put((byte) 1).putShort((short) 0);
        b.putInt(n).putInt(k).putInt(indexSection.length).put(indexSection);
        for (int j = 0; j < k; j++) {
            b.putFloat(1f);
        }
        return sealed(b.array());
    }

    @Test
    void randomMutationsAreRefusedCleanly() {
        SplittableRandom r = new SplittableRandom(6);
        float[] u = gaussian(2000, 7);
        byte[][] valid = {
            UpdateCodec.encode(u, UpdateCodec.Options.DENSE),
            UpdateCodec.encode(u, UpdateCodec.Options.TOP1_8BIT),
            UpdateCodec.encode(u, new UpdateCodec.Options(0.2, false)),
            UpdateCodec.encode(u, new UpdateCodec.Options(1, true))
        };
        for (int t = 0; t < 20_000; t++) {
            byte[] base = valid[t % valid.length];
            byte[] m;
            switch (r.nextInt(4)) {
                case 0 -> {
                    m = base.clone();
                    m[r.nextInt(m.length)] ^= (byte) (1 << r.nextInt(8));
                }
                case 1 -> m = Arrays.copyOf(base, r.nextInt(base.length));
                case 2 -> m = Arrays.copyOf(base, base.length + 1 + r.nextInt(16));
                default -> {
                    m = base.clone();
                    m[8 + r.nextInt(12)] = (byte) r.nextInt(256);
                    m = sealed(m); // valid checksum: the structural checks must catch it
                }
            }
            byte[] input = m;
            try {
                float[] d = UpdateCodec.decode(input, 2000);
                // only a resealed header byte that did not change anything can decode
                assertThat(d).hasSize(2000);
            } catch (MalformedUpdateException expected) {
                assertThat(expected.reason()).isNotNull();
            }
        }
    }

    private static byte[] with(byte[] b, int at, byte v) {
        byte[] c = b.clone();
        c[at] = v;
        return c;
    }

    private static byte[] withInt(byte[] b, int at, int v) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
        return c;
    }

    private static byte[] withBytes(byte[] b, int at, byte[] v) {
        byte[] c = b.clone();
        System.arraycopy(v, 0, c, at, v.length);
        return c;
    }
}
