package io.cohort.learning.codec;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Coverage-guided fuzzing of the update codec with Jazzer. In a plain {@code mvn test} each target
 * replays its seeds (resources {@code UpdateCodecFuzzTestInputs/<target>/}); with {@code
 * JAZZER_FUZZ=1} it fuzzes (bench/fuzz-decoders, docs/update-format.md). For the decoder targets
 * any exception other than {@link MalformedUpdateException}, and any decoded update of the wrong
 * length or with a non-finite value, is a crash.
 */
class UpdateCodecFuzzTest {

    /** Largest model the targets ask for, so a fuzzed header's n can be taken at its word. */
    private static final int MAX_N = 1 << 16;

    /** Bytes as a trainer could send them: almost all stop at the checksum. */
    @FuzzTest(maxDuration = "4m")
    void rawBytes(byte[] input) {
        decodeExpectingOnlyRefusals(input, 300);
    }

    /**
     * The fuzzer's bytes with a correct checksum, and the expected length taken from the header
     * when it is small, so every structural check behind the checksum is reached.
     */
    @FuzzTest(maxDuration = "4m")
    void resealedBytes(byte[] input) {
        if (input.length < Layout.HEADER + Layout.CHECKSUM) {
            decodeExpectingOnlyRefusals(input, 300);
            return;
        }
        byte[] sealed = UpdateFixtures.resealed(input);
        long n =
                Integer.toUnsignedLong(
                        ByteBuffer.wrap(sealed).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        decodeExpectingOnlyRefusals(sealed, n <= MAX_N ? (int) n : 300);
    }

    /**
     * Any finite update in any compression: the decoder accepts what the encoder writes and yields
     * exactly what the encoder reports as sent, zero elsewhere; a kept float32 value is exact, an
     * 8-bit one within half a scale (nearest) or a scale (stochastic) of its block.
     */
    @FuzzTest(maxDuration = "4m")
    void encodeThenDecode(FuzzedDataProvider data) throws MalformedUpdateException {
        Compression compression =
                new Compression(
                        data.consumeInt(0, 1000) / 1000.0,
                        data.pickValue(Compression.Precision.values()),
                        data.consumeInt(1, 600),
                        data.pickValue(Compression.Rounding.values()),
                        data.consumeLong());
        float[] update = new float[data.consumeInt(0, 2000)];
        for (int i = 0; i < update.length && data.remainingBytes() > 0; i++) {
            float v = data.consumeFloat();
            update[i] = Float.isFinite(v) ? v : 0;
        }

        UpdateEncoder.Encoded encoded = UpdateEncoder.encode(update, compression);
        float[] decoded = UpdateCodec.decode(encoded.bytes(), update.length);

        float[] expected = new float[update.length];
        float[] sent = encoded.sent();
        for (int j = 0; j < sent.length; j++) {
            int i = encoded.positions() == null ? j : encoded.positions()[j];
            expected[i] = sent[j];
            double error = Math.abs((double) sent[j] - update[i]);
            double bound = 0;
            if (compression.precision() == Compression.Precision.UINT8) {
                float scale =
                        UpdateFixtures.blockParams(encoded.bytes(), j / compression.blockSize())[1];
                bound =
                        (compression.rounding() == Compression.Rounding.NEAREST ? 0.5 : 1.0) * scale
                                + 4 * Math.ulp(Math.max(Math.abs(sent[j]), Math.abs(update[i])));
            }
            if (error > bound) {
                throw new IllegalStateException(
                        "value "
                                + i
                                + " = "
                                + update[i]
                                + " was sent as "
                                + sent[j]
                                + ", more than "
                                + bound
                                + " off");
            }
        }
        if (!Arrays.equals(decoded, expected)) {
            throw new IllegalStateException("decoded values differ from what the encoder sent");
        }
    }

    private static void decodeExpectingOnlyRefusals(byte[] input, int expected) {
        try {
            float[] out = UpdateCodec.decode(input, expected);
            if (out.length != expected) {
                throw new IllegalStateException(
                        "decoded " + out.length + " values, expected " + expected);
            }
            for (float v : out) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("decoded a non-finite value " + v);
                }
            }
        } catch (MalformedUpdateException refused) {
            // a clean refusal
        }
    }
}
