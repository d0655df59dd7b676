package io.cohort.learning.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Coverage-guided fuzzing of the update decoder with Jazzer. In a plain {@code mvn test} each
 * target replays its seeds (resources {@code UpdateCodecFuzzTestInputs/}); with {@code
 * JAZZER_FUZZ=1} it fuzzes (bench/fuzz-decoders). Any exception other than {@link
 * MalformedUpdateException}, and any decoded update of the wrong length or with a non-finite value,
 * is a crash.
 */
class UpdateCodecFuzzTest {

    /** Raw bytes as an attacker would send them: almost all fail the checksum. */
    @FuzzTest(maxDuration = "4m")
    void rawBytes(byte[] input) {
        decodeExpectingOnlyCleanRefusals(input, 300);
    }

    /**
     * The same bytes with a correct checksum, and the expected length taken from the header when it
     * is small, so the fuzzer reaches every structural check behind the checksum.
     */
    @FuzzTest(maxDuration = "4m")
    void resealedBytes(byte[] input) {
        if (input.length < 24) {
            decodeExpectingOnlyCleanRefusals(input, 300);
            return;
        }
        byte[] sealed = UpdateCodecTest.sealed(input);
        long n =
                Integer.toUnsignedLong(
                        ByteBuffer.wrap(sealed).order(ByteOrder.LITTLE_ENDIAN).getInt(8));
        decodeExpectingOnlyCleanRefusals(sealed, n <= 1 << 16 ? (int) n : 300);
    }

    private static void decodeExpectingOnlyCleanRefusals(byte[] input, int expected) {
        try {
            float[] out = UpdateCodec.decode(input, expected);
            if (out.length != expected) {
                throw new IllegalStateException(
                        "decoded " + out.length + " values, expected " + expected);
            }
            for (float v : out) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("decoded a non-finite value");
                }
            }
        } catch (MalformedUpdateException refused) {
            // a clean refusal
        }
    }
}
