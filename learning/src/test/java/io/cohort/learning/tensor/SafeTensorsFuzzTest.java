package io.cohort.learning.tensor;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Coverage-guided fuzzing of the safetensors reader with Jazzer. In a plain {@code mvn test} each
 * target replays its seeds (none are stored, so only the empty input); with {@code JAZZER_FUZZ=1}
 * it fuzzes, e.g. {@code JAZZER_FUZZ=1 mvn -pl learning test
 * -Dtest='SafeTensorsFuzzTest#headerThenData'}. Any exception other than {@link
 * IllegalArgumentException}, and any tensor whose value count differs from its shape or holds a
 * non-finite value, is a crash.
 */
class SafeTensorsFuzzTest {

    /** Raw bytes as a peer would send them. */
    @FuzzTest(maxDuration = "4m")
    void rawBytes(byte[] input) {
        decodeExpectingOnlyCleanRefusals(input);
    }

    /**
     * The input up to its first zero byte is the header, the rest the data; the header length is
     * filled in, so the fuzzer spends its time on the JSON and the range checks.
     */
    @FuzzTest(maxDuration = "4m")
    @DictionaryEntries({
        "{\"",
        "\":{\"dtype\":\"",
        "F32",
        "F16",
        "BF16",
        "F64",
        "I64",
        "BOOL",
        "\",\"shape\":[",
        "],\"data_offsets\":[",
        "]}",
        "\"__metadata__\":{\"",
        "\":\"",
        "4294967296",
        "18446744073709551615"
    })
    void headerThenData(byte[] input) {
        int cut = 0;
        while (cut < input.length && input[cut] != 0) {
            cut++;
        }
        int dataStart = Math.min(input.length, cut + 1);
        byte[] file =
                ByteBuffer.allocate(8 + cut + input.length - dataStart)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(cut)
                        .put(input, 0, cut)
                        .put(input, dataStart, input.length - dataStart)
                        .array();
        decodeExpectingOnlyCleanRefusals(file);
    }

    private static void decodeExpectingOnlyCleanRefusals(byte[] input) {
        SafeTensors.Contents c;
        try {
            c = SafeTensors.read(input);
        } catch (IllegalArgumentException refused) {
            return;
        }
        for (Tensor t : c.tensors().values()) {
            long n = 1;
            for (long d : t.shape()) {
                n *= d;
            }
            if (n != t.data().length) {
                throw new IllegalStateException("shape and values disagree");
            }
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("decoded a non-finite value");
                }
            }
        }
    }
}
