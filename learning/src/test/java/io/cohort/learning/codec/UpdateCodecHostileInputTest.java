package io.cohort.learning.codec;

import static io.cohort.learning.codec.UpdateFixtures.gaussian;
import static io.cohort.learning.codec.UpdateFixtures.reasonOf;
import static io.cohort.learning.codec.UpdateFixtures.resealed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cohort.learning.codec.MalformedUpdateException.Reason;
import io.cohort.learning.codec.UpdateFixtures.Raw;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The decoder on bytes a broken or hostile trainer could send. */
class UpdateCodecHostileInputTest {

    private static final int N = 2000;

    /** Valid encodings in every layout, the bases for mutations. */
    private static final byte[][] VALID = {
        UpdateCodec.encode(gaussian(N, 1), Compression.dense()),
        UpdateCodec.encode(gaussian(N, 1), Compression.dense8Bit()),
        UpdateCodec.encode(gaussian(N, 1), Compression.topK(0.05)),
        UpdateCodec.encode(gaussian(N, 1), Compression.topK(0.4)), // bitmap
        UpdateCodec.encode(gaussian(N, 1), Compression.topK8Bit(0.01)),
        UpdateCodec.encode(gaussian(N, 1), Compression.topK8Bit(0.4).withBlockSize(64)),
    };

    /** One crafted input per reason; the switch fails to compile when a reason has none. */
    private static byte[] craftedFor(Reason reason) {
        byte[] valid = UpdateCodec.encode(gaussian(4, 2), Compression.topK(0.5));
        return switch (reason) {
            case TRUNCATED -> Arrays.copyOf(valid, 20);
            case BAD_MAGIC -> Raw.dense(4).magic(0x46445025).floats(1, 2, 3, 4).sealed();
            case UNSUPPORTED_VERSION -> Raw.dense(4).version(2).floats(1, 2, 3, 4).sealed();
            case UNKNOWN_FLAGS -> Raw.dense(4).flags(0x08).floats(1, 2, 3, 4).sealed();
            case CHECKSUM_MISMATCH -> flip(valid, valid.length - 5, 0);
            case LENGTH_MISMATCH -> Raw.dense(5).floats(1, 2, 3, 4, 5).sealed();
            case BAD_COUNT ->
                    Raw.sparse(4, 5, (byte) 0, (byte) 1, (byte) 1, (byte) 1, (byte) 1)
                            .floats(1, 2, 3, 4, 5)
                            .sealed();
            case SECTION_SIZE_MISMATCH -> Raw.dense(4).indexBytes(1).floats(1, 2, 3, 4).sealed();
            case BAD_QUANTIZATION -> Raw.dense(4).quantized(4, 0f, 0f).levels(0, 1, 2, 3).sealed();
            case BAD_VARINT -> Raw.sparse(4, 1, (byte) 0x80, (byte) 0x00).floats(1).sealed();
            case INDEX_OUT_OF_RANGE -> Raw.sparse(4, 2, (byte) 3, (byte) 1).floats(1, 2).sealed();
            case INDICES_NOT_INCREASING ->
                    Raw.sparse(4, 2, (byte) 1, (byte) 0).floats(1, 2).sealed();
            case NON_FINITE -> Raw.dense(4).floats(1, Float.NaN, 3, 4).sealed();
        };
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void everyReasonHasAnInputThatTriggersIt(Reason reason) {
        Throwable thrown = catchThrowable(() -> UpdateCodec.decode(craftedFor(reason), 4));

        assertThat(thrown).isInstanceOf(MalformedUpdateException.class);
        assertThat(((MalformedUpdateException) thrown).reason()).isEqualTo(reason);
        assertThat(thrown).hasMessageStartingWith(reason + ": ");
    }

    @Test
    void theDeclaredLengthIsReadOnlyFromAHeaderWhosePrefixAndChecksumHold() throws Exception {
        for (byte[] valid : VALID) {
            assertThat(UpdateCodec.declaredLength(valid)).isEqualTo(N);
        }
        // a sparse header declaring 2^31 - 1 values in 33 bytes: read, not allocated
        byte[] huge = Raw.sparse(Integer.MAX_VALUE, 1, (byte) 0).floats(1).sealed();
        assertThat(UpdateCodec.declaredLength(huge)).isEqualTo(Integer.MAX_VALUE);
        byte[] beyond = Raw.sparse(-1, 1, (byte) 0).floats(1).sealed(); // 2^32 - 1 unsigned
        assertThat(reasonOfLength(beyond)).isEqualTo(Reason.LENGTH_MISMATCH);
        assertThat(reasonOfLength(flip(VALID[0], 30, 0))).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(reasonOfLength(Arrays.copyOf(VALID[0], 3))).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOfLength(Raw.dense(4).version(2).floats(1, 2, 3, 4).sealed()))
                .isEqualTo(Reason.UNSUPPORTED_VERSION);
    }

    private static Reason reasonOfLength(byte[] bytes) {
        Throwable t = catchThrowable(() -> UpdateCodec.declaredLength(bytes));
        assertThat(t).isInstanceOf(MalformedUpdateException.class);
        return ((MalformedUpdateException) t).reason();
    }

    @Test
    void headerFieldsAreCheckedBeforeTheChecksumAndTheChecksumBeforeTheCounts() {
        byte[] corrupt = Raw.dense(4).version(9).floats(1, 2, 3, 4).unsealed();
        assertThat(reasonOf(corrupt, 4)).isEqualTo(Reason.UNSUPPORTED_VERSION);
        byte[] lying = Raw.dense(4).k(3).floats(1, 2, 3, 4).unsealed();
        assertThat(reasonOf(lying, 4)).isEqualTo(Reason.CHECKSUM_MISMATCH);
        assertThat(reasonOf(new byte[0], 4)).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(new byte[] {0x43, 0x55, 0x50, 0x44, 1}, 4)).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(new byte[] {1, 2, 3, 4, 5}, 4)).isEqualTo(Reason.BAD_MAGIC);
    }

    @Test
    void flagsAndReservedBytesMustBeKnown() {
        assertThat(reasonOf(Raw.dense(4).flags(Layout.BITMAP).floats(1, 2, 3, 4).sealed(), 4))
                .as("a bitmap without sparse")
                .isEqualTo(Reason.UNKNOWN_FLAGS);
        assertThat(reasonOf(Raw.dense(4).flags(0x80).floats(1, 2, 3, 4).sealed(), 4))
                .isEqualTo(Reason.UNKNOWN_FLAGS);
        assertThat(reasonOf(Raw.dense(4).reserved(1).floats(1, 2, 3, 4).sealed(), 4))
                .isEqualTo(Reason.UNKNOWN_FLAGS);
    }

    @Test
    void countsMustFitTheLayout() {
        assertThat(reasonOf(Raw.dense(4).k(3).floats(1, 2, 3).sealed(), 4))
                .as("dense with k < n")
                .isEqualTo(Reason.BAD_COUNT);
        assertThat(reasonOf(Raw.bitmap(4, 2, (byte) 0b0111).floats(1, 2).sealed(), 4))
                .as("bitmap with 3 bits set for k = 2")
                .isEqualTo(Reason.BAD_COUNT);
        assertThat(reasonOf(Raw.sparse(4, 0).sealed(), 4)).as("k = 0 is an update").isNull();
    }

    @Test
    void sectionSizesMustAddUpToTheByteCount() {
        assertThat(reasonOf(Raw.dense(4).floats(1, 2, 3, 4).trailing((byte) 0).sealed(), 4))
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
        assertThat(reasonOf(Raw.dense(4).floats(1, 2, 3).sealed(), 4)).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Raw.bitmap(20, 1, (byte) 1, (byte) 0).floats(1).sealed(), 20))
                .as("bitmap of 2 bytes for 20 positions")
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
        assertThat(reasonOf(Raw.sparse(4, 1, (byte) 0, (byte) 0).floats(1).sealed(), 4))
                .as("a byte left over after the last varint")
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
        assertThat(reasonOf(Raw.sparse(4, 1, new byte[6]).floats(1).sealed(), 4))
                .as("6 index bytes for one varint")
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
    }

    @Test
    void quantizationParametersMustBePositiveAndFinite() {
        assertThat(reasonOf(Raw.dense(2).quantized(0).levels(0, 0).sealed(), 2))
                .as("block size 0")
                .isEqualTo(Reason.BAD_QUANTIZATION);
        assertThat(reasonOf(Raw.dense(2).blockSize(2).floats(1, 2).sealed(), 2))
                .as("a block size in float32")
                .isEqualTo(Reason.BAD_QUANTIZATION);
        assertThat(reasonOf(Raw.dense(2).quantized(2, 0f, -1f).levels(0, 0).sealed(), 2))
                .isEqualTo(Reason.BAD_QUANTIZATION);
        assertThat(reasonOf(Raw.dense(2).quantized(2, 0f, -0f).levels(0, 0).sealed(), 2))
                .isEqualTo(Reason.BAD_QUANTIZATION);
        assertThat(reasonOf(Raw.dense(2).quantized(2, Float.NaN, 1f).levels(0, 0).sealed(), 2))
                .isEqualTo(Reason.NON_FINITE);
        assertThat(
                        reasonOf(
                                Raw.dense(2)
                                        .quantized(2, 0f, Float.POSITIVE_INFINITY)
                                        .levels(0, 0)
                                        .sealed(),
                                2))
                .isEqualTo(Reason.NON_FINITE);
        assertThat(
                        reasonOf(
                                Raw.dense(2)
                                        .quantized(2, Float.MAX_VALUE / 2, Float.MAX_VALUE / 200)
                                        .levels(0, 0)
                                        .sealed(),
                                2))
                .as("the top level overflows")
                .isEqualTo(Reason.NON_FINITE);
        assertThat(reasonOf(Raw.dense(3).quantized(2, 0f, 1f).levels(0, 1, 2).sealed(), 3))
                .as("3 values in blocks of 2 need two (min, scale) pairs")
                .isIn(Reason.TRUNCATED, Reason.SECTION_SIZE_MISMATCH);
    }

    @Test
    void varintsMustBeInsideTheirSectionBelow2To32AndMinimal() {
        byte ff = (byte) 0xff;
        assertThat(reasonOf(Raw.sparse(4, 1, (byte) 0x80).floats(1).sealed(), 4))
                .as("ends inside a varint")
                .isEqualTo(Reason.BAD_VARINT);
        assertThat(reasonOf(Raw.sparse(4, 1, ff, ff, ff, ff, (byte) 0x1f).floats(1).sealed(), 4))
                .as("33 bits")
                .isEqualTo(Reason.BAD_VARINT);
        assertThat(reasonOf(Raw.sparse(4, 1, ff, ff, ff, ff, ff).floats(1).sealed(), 4))
                .as("continues past 5 bytes")
                .isEqualTo(Reason.BAD_VARINT);
        assertThat(reasonOf(Raw.sparse(4, 1, ff, ff, ff, ff, (byte) 0x0f).floats(1).sealed(), 4))
                .as("2³² − 1 is a varint, but not a position")
                .isEqualTo(Reason.INDEX_OUT_OF_RANGE);
    }

    @Test
    void positionsMustIncreaseAndStayBelowN() {
        assertThat(reasonOf(Raw.sparse(4, 2, (byte) 0, (byte) 1).floats(1, 2).sealed(), 4))
                .isNull();
        assertThat(reasonOf(Raw.sparse(4, 2, (byte) 2, (byte) 0).floats(1, 2).sealed(), 4))
                .isEqualTo(Reason.INDICES_NOT_INCREASING);
        assertThat(reasonOf(Raw.sparse(4, 1, (byte) 4).floats(1).sealed(), 4))
                .isEqualTo(Reason.INDEX_OUT_OF_RANGE);
        assertThat(
                        reasonOf(
                                Raw.sparse(
                                                1 << 20,
                                                2,
                                                (byte) 0xff,
                                                (byte) 0xff,
                                                (byte) 0x3f,
                                                (byte) 2)
                                        .floats(1, 2)
                                        .sealed(),
                                1 << 20))
                .as("the second position is past n")
                .isEqualTo(Reason.INDEX_OUT_OF_RANGE);
        assertThat(reasonOf(Raw.bitmap(4, 1, (byte) 0x10).floats(1).sealed(), 4))
                .as("a bit in the bitmap's padding")
                .isEqualTo(Reason.INDEX_OUT_OF_RANGE);
    }

    @Test
    void nonFiniteStoredValuesAreRefused() {
        for (float bad :
                new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThat(reasonOf(Raw.sparse(4, 1, (byte) 3).floats(bad).sealed(), 4))
                    .isEqualTo(Reason.NON_FINITE);
        }
        byte[] signallingNan = Raw.dense(1).floats(1).sealed();
        ByteBuffer.wrap(signallingNan).order(ByteOrder.LITTLE_ENDIAN).putInt(24, 0x7f800001);
        assertThat(reasonOf(resealed(signallingNan), 1)).isEqualTo(Reason.NON_FINITE);
    }

    @Test
    void claimsOfHugeSectionsAreRefusedBeforeAnythingIsAllocated() {
        // n and k at the int limit, 28 bytes: refused on the byte count, not by an OutOfMemoryError
        int max = Integer.MAX_VALUE;
        assertThat(reasonOf(Raw.dense(max).sealed(), max)).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Raw.dense(max).quantized(1).sealed(), max)).isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Raw.sparse(max, max).indexBytes(-1).sealed(), max))
                .as("index section of 2³² − 1 bytes")
                .isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Raw.sparse(max, 1).indexBytes(-1).sealed(), max))
                .as("index section of 2³² − 1 bytes for one varint")
                .isEqualTo(Reason.SECTION_SIZE_MISMATCH);
        assertThat(reasonOf(Raw.bitmap(max, 3).indexBytes(max / 8 + 1).sealed(), max))
                .isEqualTo(Reason.TRUNCATED);
        assertThat(reasonOf(Raw.dense(4).k(-1).sealed(), 4)).isEqualTo(Reason.BAD_COUNT);
        assertThat(reasonOf(Raw.dense(-1).sealed(), max)).isEqualTo(Reason.LENGTH_MISMATCH);
    }

    @Test
    void messagesSayWhatWasExpectedAndWhatWasFound() {
        assertThatThrownBy(() -> UpdateCodec.decode(VALID[0], N + 1))
                .isInstanceOf(MalformedUpdateException.class)
                .hasMessage("LENGTH_MISMATCH: update of 2000 values, the model has 2001");
        assertThatThrownBy(
                        () -> UpdateCodec.decode(Raw.sparse(4, 1, (byte) 4).floats(1).sealed(), 4))
                .hasMessage("INDEX_OUT_OF_RANGE: index 0 is position 4, the update has 4");
    }

    // ------------------------------------------------------------------ seeded mutations

    @Test
    void everyValidBaseDecodes() throws Exception {
        for (byte[] valid : VALID) {
            assertThat(UpdateCodec.decode(valid, N)).hasSize(N);
        }
    }

    @Test
    void randomBitFlipsAreRefused() {
        SplittableRandom random = new SplittableRandom(11);
        for (int trial = 0; trial < 6000; trial++) {
            byte[] base = VALID[trial % VALID.length];
            byte[] mutated = base.clone();
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                mutated[random.nextInt(mutated.length)] ^= (byte) (1 << random.nextInt(8));
            }
            if (Arrays.equals(mutated, base)) {
                continue; // two flips of one bit cancelled
            }
            assertRefused(mutated, "trial " + trial);
        }
    }

    @Test
    void truncationsAreRefused() {
        for (byte[] base : VALID) {
            SplittableRandom random = new SplittableRandom(base.length);
            for (int length = 0; length < 64; length++) {
                assertRefused(Arrays.copyOf(base, length), "first " + length + " bytes");
            }
            for (int trial = 0; trial < 500; trial++) {
                int length = random.nextInt(base.length);
                assertRefused(Arrays.copyOf(base, length), "first " + length + " bytes");
                int from = 1 + random.nextInt(base.length - 1);
                assertRefused(Arrays.copyOfRange(base, from, base.length), "from " + from);
            }
        }
    }

    @Test
    void extensionsAreRefused() {
        SplittableRandom random = new SplittableRandom(12);
        for (int trial = 0; trial < 3000; trial++) {
            byte[] base = VALID[trial % VALID.length];
            byte[] extra = new byte[1 + random.nextInt(64)];
            random.nextBytes(extra);
            byte[] extended = Arrays.copyOf(base, base.length + extra.length);
            System.arraycopy(extra, 0, extended, base.length, extra.length);
            assertRefused(extended, "trial " + trial);
            // inserted in the middle
            int at = random.nextInt(base.length);
            byte[] inserted = new byte[base.length + extra.length];
            System.arraycopy(base, 0, inserted, 0, at);
            System.arraycopy(extra, 0, inserted, at, extra.length);
            System.arraycopy(base, at, inserted, at + extra.length, base.length - at);
            assertRefused(inserted, "trial " + trial + " inserted");
        }
    }

    /**
     * With the checksum recomputed every structural check is reached: each mutation must be refused
     * or decode to {@code N} finite values, never throw anything else.
     */
    @Test
    void resealedMutationsDecodeToFiniteValuesOrAreRefused() {
        SplittableRandom random = new SplittableRandom(13);
        int refused = 0;
        for (int trial = 0; trial < 20_000; trial++) {
            byte[] mutated = VALID[trial % VALID.length].clone();
            switch (random.nextInt(4)) {
                case 0 -> mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
                case 1 -> mutated[8 + random.nextInt(16)] = (byte) random.nextInt(256);
                case 2 ->
                        ByteBuffer.wrap(mutated)
                                .order(ByteOrder.LITTLE_ENDIAN)
                                .putInt(4 * (2 + random.nextInt(4)), random.nextInt());
                default -> {
                    int at = 24 + random.nextInt(Math.min(64, mutated.length - 28));
                    mutated[at] = (byte) random.nextInt(256);
                }
            }
            mutated = resealed(mutated);
            try {
                float[] decoded = UpdateCodec.decode(mutated, N);
                assertThat(decoded).hasSize(N);
                for (float v : decoded) {
                    assertThat(v).isFinite();
                }
            } catch (MalformedUpdateException e) {
                refused++;
            } catch (RuntimeException | Error e) {
                throw new AssertionError("trial " + trial + " threw " + e, e);
            }
        }
        assertThat(refused).isGreaterThan(5000);
    }

    private static void assertRefused(byte[] input, String what) {
        Throwable thrown = catchThrowable(() -> UpdateCodec.decode(input, N));
        assertThat(thrown).as(what).isInstanceOf(MalformedUpdateException.class);
    }

    private static byte[] flip(byte[] bytes, int at, int bit) {
        byte[] out = bytes.clone();
        out[at] ^= (byte) (1 << bit);
        return out;
    }
}
