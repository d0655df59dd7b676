package io.cohort.learning.codec;

import static io.cohort.learning.codec.UpdateFixtures.blockParams;
import static io.cohort.learning.codec.UpdateFixtures.flagsOf;
import static io.cohort.learning.codec.UpdateFixtures.gaussian;
import static io.cohort.learning.codec.UpdateFixtures.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UpdateCodecTest {

    static Stream<Compression> everyMode() {
        return Stream.of(
                Compression.dense(),
                Compression.dense8Bit(),
                Compression.topK(0.01),
                Compression.topK(0.3),
                Compression.topK8Bit(0.01),
                Compression.topK8Bit(0.3),
                Compression.topK8Bit(0.05).withBlockSize(1),
                Compression.topK8Bit(0.05).withBlockSize(Integer.MAX_VALUE),
                Compression.dense8Bit().withStochasticRounding(7),
                Compression.topK8Bit(0.1).withStochasticRounding(8));
    }

    @Test
    void noEncodingIsLongerThanTheBoundForItsLength() {
        for (int n : new int[] {0, 1, 7, 1000, 10_000}) {
            float[] update = gaussian(n, n + 1);
            for (Compression c :
                    List.of(
                            Compression.dense(),
                            Compression.dense8Bit().withBlockSize(1),
                            Compression.topK(1.0),
                            Compression.topK8Bit(1.0).withBlockSize(1),
                            Compression.topK8Bit(0.01).withBlockSize(1))) {
                assertThat((long) UpdateCodec.encode(update, c).length)
                        .as("%s of %d values", c, n)
                        .isLessThanOrEqualTo(UpdateCodec.maxEncodedBytes(n));
            }
        }
        assertThat(UpdateCodec.encode(gaussian(1000, 3), Compression.dense()))
                .hasSize(28 + 4 * 1000);
        assertThat(UpdateCodec.maxEncodedBytes(1000)).isEqualTo(28 + 14 * 1000);
    }

    @Test
    void denseFloat32IsExact() throws Exception {
        // given
        float[] update = gaussian(1000, 1);

        // when
        byte[] bytes = UpdateCodec.encode(update, Compression.dense());

        // then
        assertThat(bytes).hasSize(24 + 4 * 1000 + 4);
        assertThat(UpdateCodec.decode(bytes, 1000)).isEqualTo(update);
    }

    @Test
    void topKFloat32KeepsTheLargestMagnitudesExactlyAndZerosTheRest() throws Exception {
        float[] update = gaussian(10_000, 2);

        float[] decoded =
                UpdateCodec.decode(UpdateCodec.encode(update, Compression.topK(0.01)), 10_000);

        float[] sorted = new float[update.length];
        for (int i = 0; i < update.length; i++) {
            sorted[i] = Math.abs(update[i]);
        }
        Arrays.sort(sorted);
        float threshold = sorted[update.length - 100];
        int kept = 0;
        for (int i = 0; i < update.length; i++) {
            if (decoded[i] != 0) {
                kept++;
                assertThat(decoded[i]).isEqualTo(update[i]);
                assertThat(Math.abs(update[i])).isGreaterThanOrEqualTo(threshold);
            } else {
                assertThat(Math.abs(update[i])).isLessThanOrEqualTo(threshold);
            }
        }
        assertThat(kept).isEqualTo(100);
    }

    static Stream<Arguments> eightBitModes() {
        return Stream.of(
                Arguments.of(Compression.dense8Bit()),
                Arguments.of(Compression.topK8Bit(0.01)),
                Arguments.of(Compression.topK8Bit(0.2)),
                Arguments.of(Compression.topK8Bit(0.2).withBlockSize(Integer.MAX_VALUE)),
                Arguments.of(Compression.dense8Bit().withBlockSize(7)));
    }

    @ParameterizedTest
    @MethodSource("eightBitModes")
    void eightBitNearestIsWithinHalfAScaleOfEachKeptValue(Compression compression)
            throws Exception {
        // given
        float[] update = gaussian(20_000, 3);

        // when
        UpdateEncoder.Encoded encoded = UpdateEncoder.encode(update, compression);
        float[] decoded = UpdateCodec.decode(encoded.bytes(), update.length);

        // then
        int[] positions = positionsOf(encoded, update.length);
        for (int j = 0; j < positions.length; j++) {
            int i = positions[j];
            float scale = blockParams(encoded.bytes(), j / compression.blockSize())[1];
            assertThat(Math.abs(decoded[i] - update[i]))
                    .as("value %d (stored %d)", i, j)
                    .isLessThanOrEqualTo(scale / 2 + 2 * Math.ulp(update[i]));
        }
        float largestScale = blockParams(encoded.bytes(), 0)[1];
        assertThat(largestScale).isLessThan(0.1f / 255 * 2); // values are ~N(0, 0.01²)
    }

    @Test
    void stochasticRoundingIsWithinOneScaleUnbiasedAndReproducible() throws Exception {
        // given a single block of values spread over a known range
        float[] update = new float[256];
        for (int i = 0; i < update.length; i++) {
            update[i] = (float) Math.sin(i) * 0.05f;
        }

        // when encoded with 400 seeds
        double[] mean = new double[update.length];
        int seeds = 400;
        for (long seed = 0; seed < seeds; seed++) {
            byte[] bytes =
                    UpdateCodec.encode(
                            update, Compression.dense8Bit().withStochasticRounding(seed));
            float scale = blockParams(bytes, 0)[1];
            float[] decoded = UpdateCodec.decode(bytes, update.length);
            for (int i = 0; i < update.length; i++) {
                assertThat(Math.abs(decoded[i] - update[i])).isLessThan(scale * 1.0001f);
                mean[i] += decoded[i] / seeds;
            }
        }

        // then the mean decoded value is the value (sd of a mean of 400 is under scale / 40)
        float scale = 0.1f / 255;
        for (int i = 0; i < update.length; i++) {
            assertThat(mean[i]).as("mean at %d", i).isCloseTo(update[i], within(scale / 8));
        }
        Compression seeded = Compression.dense8Bit().withStochasticRounding(42);
        assertThat(UpdateCodec.encode(update, seeded))
                .isEqualTo(UpdateCodec.encode(update, seeded))
                .isNotEqualTo(
                        UpdateCodec.encode(
                                update, Compression.dense8Bit().withStochasticRounding(43)));
    }

    @ParameterizedTest
    @MethodSource("everyMode")
    void theDecoderYieldsBitForBitWhatTheEncoderReportsAsSent(Compression compression)
            throws Exception {
        float[] update = gaussian(5000, 4);

        UpdateEncoder.Encoded encoded = UpdateEncoder.encode(update, compression);
        float[] decoded = UpdateCodec.decode(encoded.bytes(), update.length);

        float[] expected = new float[update.length];
        int[] positions = positionsOf(encoded, update.length);
        for (int j = 0; j < positions.length; j++) {
            expected[positions[j]] = encoded.sent()[j];
        }
        assertThat(decoded).isEqualTo(expected);
    }

    @ParameterizedTest
    @MethodSource("everyMode")
    void emptyAllZeroAndNothingKeptUpdatesRoundTrip(Compression compression) throws Exception {
        assertThat(UpdateCodec.decode(UpdateCodec.encode(new float[0], compression), 0)).isEmpty();

        float[] zeros = new float[1000];
        assertThat(UpdateCodec.decode(UpdateCodec.encode(zeros, compression), 1000))
                .isEqualTo(zeros);

        float[] tiny = gaussian(40, 5); // 1 % of 40 rounds to k = 0
        Compression none =
                new Compression(0.01, compression.precision(), 16, compression.rounding(), 0);
        byte[] nothing = UpdateCodec.encode(tiny, none);
        assertThat(nothing).hasSize(28);
        assertThat(UpdateCodec.decode(nothing, 40)).isEqualTo(new float[40]);
    }

    @Test
    void extremeValuesRoundTrip() throws Exception {
        float[] extreme = {
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            0f,
            -0f,
            Float.MIN_VALUE,
            -Float.MIN_NORMAL,
            1e-30f,
            3f
        };
        assertThat(UpdateCodec.decode(UpdateCodec.encode(extreme, Compression.dense()), 8))
                .isEqualTo(extreme);
        float[] topTwo = UpdateCodec.decode(UpdateCodec.encode(extreme, Compression.topK(0.25)), 8);
        assertThat(topTwo).containsExactly(Float.MAX_VALUE, -Float.MAX_VALUE, 0, 0, 0, 0, 0, 0);

        // one block spanning ±MAX_VALUE: scale 2·MAX/255, every level finite
        byte[] bytes = UpdateCodec.encode(extreme, Compression.dense8Bit());
        float scale = blockParams(bytes, 0)[1];
        float[] decoded = UpdateCodec.decode(bytes, 8);
        for (int i = 0; i < extreme.length; i++) {
            assertThat(decoded[i]).isFinite();
            assertThat((double) Math.abs(decoded[i] - extreme[i]))
                    .isLessThanOrEqualTo(scale / 2.0 + Math.ulp(Float.MAX_VALUE));
        }

        // a value per block is stored exactly (a constant block has all levels 0; −0 becomes 0)
        float[] perBlock =
                UpdateCodec.decode(
                        UpdateCodec.encode(extreme, Compression.dense8Bit().withBlockSize(1)), 8);
        for (int i = 0; i < extreme.length; i++) {
            assertThat(perBlock[i] == extreme[i]).as("value %d", i).isTrue();
        }
    }

    @Test
    void indicesAreDeltaVarintsWhenSparseAndABitmapWhenThatIsSmaller() throws Exception {
        float[] update = gaussian(80_000, 6);

        byte[] sparse = UpdateCodec.encode(update, Compression.topK(0.01));
        byte[] dense = UpdateCodec.encode(update, Compression.topK(0.5));

        assertThat(flagsOf(sparse)).isEqualTo(Layout.SPARSE);
        assertThat(flagsOf(dense)).isEqualTo(Layout.SPARSE | Layout.BITMAP);
        assertThat(dense).hasSize(24 + 80_000 / 8 + 4 * 40_000 + 4);
        int[] kept = TopK.select(update, 800);
        assertThat(sparse).hasSize(24 + (int) IndexSection.varintBytes(kept) + 4 * 800 + 4);
        float[] decoded = UpdateCodec.decode(dense, 80_000);
        assertThat(IntStream.range(0, decoded.length).filter(i -> decoded[i] != 0).count())
                .isEqualTo(40_000);
    }

    @Test
    void topKSelectsTheLargestMagnitudesWithTiesToLowerPositions() {
        assertThat(TopK.select(new float[] {1, -3, 2, 3, -1, 0}, 2)).containsExactly(1, 3);
        assertThat(TopK.select(new float[] {2, -2, 2, -2}, 3)).containsExactly(0, 1, 2);
        assertThat(TopK.select(new float[] {0f, -0f, 0f}, 2)).containsExactly(0, 1);
        assertThat(TopK.select(new float[] {5, 4}, 0)).isEmpty();
        assertThat(TopK.select(new float[] {5, 4}, 2)).containsExactly(0, 1);

        SplittableRandom random = new SplittableRandom(9);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + random.nextInt(300);
            float[] values = new float[n];
            for (int i = 0; i < n; i++) {
                // few distinct magnitudes, both signs, tiny and huge: ties and bucket edges
                values[i] =
                        (random.nextBoolean() ? 1 : -1)
                                * (float)
                                        Math.scalb(
                                                1 + random.nextInt(4), random.nextInt(-140, 120));
            }
            int k = random.nextInt(n + 1);
            int[] expected =
                    IntStream.range(0, n)
                            .boxed()
                            .sorted(
                                    Comparator.<Integer>comparingDouble(i -> -Math.abs(values[i]))
                                            .thenComparingInt(i -> i))
                            .limit(k)
                            .mapToInt(Integer::intValue)
                            .sorted()
                            .toArray();
            assertThat(TopK.select(values, k)).as("trial %d", trial).isEqualTo(expected);
        }
    }

    @Test
    void aMillionParametersAtOnePercentAndEightBitsAreOverAHundredTimesSmallerThanFloat32()
            throws Exception {
        float[] update = gaussian(1_000_000, 10);

        byte[] bytes = UpdateCodec.encode(update, Compression.topK8Bit(0.01));

        double ratio = 4.0 * update.length / bytes.length;
        assertThat(ratio).as("%d bytes, %.1f× smaller", bytes.length, ratio).isGreaterThan(100);
        assertThat(UpdateCodec.decode(bytes, update.length)).hasSize(update.length);
    }

    @Test
    void theWorkedExamplesOfTheFormatDocumentAreWhatTheEncoderWrites() throws Exception {
        // given the two examples of docs/update-format.md
        float[] ten = {0.5f, 0, -0.25f, 0, 0, 0, 0, 0, 0, 1};
        float[] forty = new float[40];
        forty[0] = 0.5f;
        forty[2] = -0.25f;
        forty[39] = 1;

        // when
        byte[] bitmap = UpdateCodec.encode(ten, Compression.topK(0.3));
        byte[] varints = UpdateCodec.encode(forty, Compression.topK8Bit(0.075).withBlockSize(2));

        // then
        assertThat(hex(bitmap))
                .isEqualTo(
                        "43555044"
                                + "01"
                                + "03"
                                + "0000" // magic, version, flags, reserved
                                + "0a000000"
                                + "03000000"
                                + "02000000"
                                + "00000000" // n k idx bs
                                + "0502" // bitmap: positions 0, 2, 9
                                + "0000003f"
                                + "000080be"
                                + "0000803f" // 0.5, -0.25, 1.0
                                + "c3454a0c"); // CRC-32C
        assertThat(UpdateCodec.decode(bitmap, 10)).isEqualTo(ten);
        assertThat(hex(varints))
                .isEqualTo(
                        "43555044"
                                + "01"
                                + "05"
                                + "0000"
                                + "28000000"
                                + "03000000"
                                + "03000000"
                                + "02000000"
                                + "000080be"
                                + "c1c0403b" // block 0: min -0.25, scale 0.75/255
                                + "0000803f"
                                + "01000000" // block 1: min 1.0, scale 2^-149
                                + "000225" // deltas 0, 2, 37: positions 0, 2, 39
                                + "ff0000" // levels 255, 0 | 0
                                + "52cd1d25");
        assertThat(UpdateCodec.decode(varints, 40)).isEqualTo(forty);
    }

    @Test
    void misuseIsRefusedWithAnIllegalArgument() {
        assertThatThrownBy(
                        () -> UpdateCodec.encode(new float[] {1, Float.NaN}, Compression.dense()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update value 1 is NaN");
        assertThatThrownBy(() -> Compression.topK(1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> Compression.topK(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Compression.dense8Bit().withBlockSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blockSize");
        assertThatThrownBy(() -> UpdateCodec.decode(new byte[28], -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** Positions of an encoding's stored values (every position when dense). */
    private static int[] positionsOf(UpdateEncoder.Encoded encoded, int n) {
        return encoded.positions() != null ? encoded.positions() : IntStream.range(0, n).toArray();
    }

    private static org.assertj.core.data.Offset<Double> within(double offset) {
        return org.assertj.core.data.Offset.offset(offset);
    }
}
