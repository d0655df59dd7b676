package io.cohort.learning.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reader against malformed input: every inconsistency is a clean {@link
 * IllegalArgumentException} that names the problem, never another exception or an allocation the
 * input did not pay for.
 */
class SafeTensorsDecoderTest {

    /** A header (as given, unpadded) followed by {@code dataBytes} zero bytes. */
    static byte[] file(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .put(h)
                .array();
    }

    private static String f32(String name, String shape, long begin, long end) {
        return "\""
                + name
                + "\":{\"dtype\":\"F32\",\"shape\":"
                + shape
                + ",\"data_offsets\":["
                + begin
                + ","
                + end
                + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            textBlock =
                    """
                    overlapping ranges     | {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"y":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}} | 12 | tensor y: data_offsets start at 4, expected 8 (overlaps the tensor before it)
                    same range twice       | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   | 8  | data_offsets start at 0, expected 4 (overlaps
                    gap                    | {"x":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}   | 8  | tensor x: data_offsets start at 4, expected 0 (leaves a gap)
                    buffer not covered     | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   | 8  | tensors cover 4 of the 8 data bytes
                    beyond the buffer      | {"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}   | 4  | tensor x: data_offsets [0, 8] do not lie within the 4-byte data buffer
                    end before begin       | {"x":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}}   | 4  | data_offsets [4, 0] do not lie within
                    negative offset        | {"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}  | 4  | tensor x: data_offsets holds -4, expected a non-negative integer
                    fractional offset      | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}} | 4  | data_offsets holds 4.0, expected a non-negative integer
                    string offset          | {"x":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}} | 4  | data_offsets holds "0", expected
                    offset past 2^64       | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551620]}} | 4 | holds 18446744073709551620, expected a non-negative integer below 2^63
                    three offsets          | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}} | 4  | tensor x: data_offsets is not an array [begin, end]
                    no offsets             | {"x":{"dtype":"F32","shape":[1]}}                        | 4  | data_offsets is not an array
                    wrong size for shape   | {"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}   | 8  | tensor x: shape [3] of F32 needs 12 bytes, data_offsets give 8
                    wrong dtype size       | {"x":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}   | 8  | tensor x: shape [2] of F64 needs 16 bytes, data_offsets give 8
                    huge shape             | {"x":{"dtype":"F32","shape":[4294967296,2],"data_offsets":[0,8]}} | 8 | needs more than 8 bytes, data_offsets give 8
                    overflowing shape      | {"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}} | 8 | tensor x: shape [4294967296,4294967296] overflows 64 bits
                    negative dimension     | {"x":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,8]}} | 8 | tensor x: shape holds -1, expected a non-negative integer
                    fractional dimension   | {"x":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}} | 4  | shape holds 1.5
                    shape not an array     | {"x":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}     | 8  | tensor x: shape missing or not an array
                    unsupported dtype      | {"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}} | 1 | tensor x: dtype 'F8_E4M3' is not supported (supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)
                    lower-case dtype       | {"x":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}   | 4  | dtype 'f32' is not supported
                    dtype not a string     | {"x":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}       | 4  | tensor x: dtype missing or not a string
                    unknown field          | {"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"strides":[1]}} | 4 | tensor x: unknown field 'strides'
                    entry not an object    | {"x":[1,2]}                                              | 0  | tensor x: entry is not a JSON object
                    duplicate name         | {"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"x":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}} | 0 | header is not valid JSON: Duplicate field 'x'
                    trailing tokens        | {}{}                                                     | 0  | header is not valid JSON
                    not JSON               | {x}                                                      | 0  | header is not valid JSON
                    NaN token              | {"x":{"dtype":"F32","shape":[NaN],"data_offsets":[0,0]}} | 0  | header is not valid JSON
                    array header           | [1,2]                                                    | 0  | header does not start with '{'
                    metadata not an object | {"__metadata__":[]}                                      | 0  | __metadata__ is not a JSON object
                    metadata not a string  | {"__metadata__":{"k":1}}                                 | 0  | __metadata__ entry 'k' is not a string
                    metadata null          | {"__metadata__":{"k":null}}                              | 0  | __metadata__ entry 'k' is not a string
                    """)
    void refusesInconsistentHeaders(String why, String json, int dataBytes, String message) {
        assertThatThrownBy(() -> SafeTensors.read(file(json, dataBytes)))
                .as(why)
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void refusesHeaderLengthsThatDoNotFit() {
        byte[] good = SafeTensors.write(SafeTensorsTest.model(), Map.of());
        for (long length :
                new long[] {
                    0,
                    1,
                    -1,
                    Long.MAX_VALUE,
                    Long.MIN_VALUE,
                    SafeTensors.MAX_HEADER + 1,
                    good.length
                }) {
            byte[] bad = good.clone();
            ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            assertThatThrownBy(() -> SafeTensors.read(bad))
                    .as("header length %s", Long.toUnsignedString(length))
                    .isExactlyInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith(
                            "header length " + Long.toUnsignedString(length) + " does not fit");
        }
        assertThatThrownBy(() -> SafeTensors.read(new byte[7]))
                .hasMessage("safetensors data of 7 bytes has no 8-byte header length");
    }

    @Test
    void refusesHeadersThatAreNotUtf8() {
        byte[] bytes = file("{\"x\":0}", 0);
        bytes[10] = (byte) 0xff;

        assertThatThrownBy(() -> SafeTensors.read(bytes)).hasMessage("header is not valid UTF-8");
    }

    @Test
    void refusesValuesFloatCannotHold() {
        // given F64 1e300, and a BOOL byte that is neither 0 nor 1
        byte[] f64 =
                file("{" + "\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        ByteBuffer.wrap(f64).order(ByteOrder.LITTLE_ENDIAN).putDouble(f64.length - 8, 1e300);
        byte[] bool = file("{\"b\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        bool[bool.length - 1] = 2;

        // then
        assertThatThrownBy(() -> SafeTensors.read(f64, SafeTensors.NonFinite.KEEP))
                .hasMessage("tensor d: F64 value 0 (1.0E300) is beyond the float range");
        assertThatThrownBy(() -> SafeTensors.read(bool))
                .hasMessage("tensor b: BOOL value 1 is the byte 2, expected 0 or 1");
    }

    @Test
    void refusesNonFiniteValuesOfEveryFloatType() {
        // given infinities and NaN in each float type's bits
        Map<String, byte[]> cases =
                Map.of(
                        "F16", new byte[] {0x00, 0x7c},
                        "BF16", new byte[] {(byte) 0xc0, 0x7f},
                        "F32", new byte[] {0, 0, (byte) 0x80, (byte) 0xff},
                        "F64", new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xf8, 0x7f});
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            int n = c.getValue().length;
            byte[] bytes =
                    file(
                            "{\"t\":{\"dtype\":\""
                                    + c.getKey()
                                    + "\",\"shape\":[1],\"data_offsets\":[0,"
                                    + n
                                    + "]}}",
                            n);
            System.arraycopy(c.getValue(), 0, bytes, bytes.length - n, n);

            assertThatThrownBy(() -> SafeTensors.read(bytes))
                    .as(c.getKey())
                    .hasMessageStartingWith("tensor t: value 0 is ")
                    .hasMessageEndingWith("(non-finite values are refused)");
            assertThat(
                            SafeTensors.read(bytes, SafeTensors.NonFinite.KEEP)
                                    .tensors()
                                    .get("t")
                                    .data()[0])
                    .as(c.getKey())
                    .isNotFinite();
        }
    }

    @Test
    void refusesDeeplyNestedAndOverlongJsonWithoutOverflowingTheStack() {
        String deep = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        String longNumber =
                "{\"x\":{\"dtype\":\"F32\",\"shape\":["
                        + "1".repeat(5000)
                        + "],\"data_offsets\":[0,0]}}";

        assertThatThrownBy(() -> SafeTensors.read(file(deep, 0)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("header is not valid JSON");
        assertThatThrownBy(() -> SafeTensors.read(file(longNumber, 0)))
                .isExactlyInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("header is not valid JSON");
    }

    @Test
    void readsZeroLengthTensorsAnywhereInTheBuffer() {
        byte[] bytes =
                file(
                        "{"
                                + f32("b", "[1]", 4, 8)
                                + ","
                                + f32("e", "[0,5]", 4, 4)
                                + ","
                                + f32("a", "[1]", 0, 4)
                                + "}",
                        8);

        SafeTensors.Contents c = SafeTensors.read(bytes);

        assertThat(c.tensors().keySet()).containsExactly("a", "e", "b");
        assertThat(c.tensors().get("e").shape()).containsExactly(0, 5);
    }

    /** Every prefix of a valid file is refused cleanly. */
    @Test
    void refusesEveryTruncation() {
        byte[] good = SafeTensors.write(SafeTensorsTest.model(), Map.of("k", "v"));
        for (int length = 0; length < good.length; length++) {
            byte[] prefix = Arrays.copyOf(good, length);
            assertThatThrownBy(() -> SafeTensors.read(prefix))
                    .as("prefix of %d bytes", length)
                    .isExactlyInstanceOf(IllegalArgumentException.class);
        }
    }

    /** Random byte changes either decode to consistent tensors or are refused cleanly. */
    @Test
    void randomCorruptionIsDecodedConsistentlyOrRefusedCleanly() {
        byte[] good = SafeTensors.write(SafeTensorsTest.model(), Map.of("m", "x"));
        SplittableRandom r = new SplittableRandom(3);
        int refused = 0;
        for (int t = 0; t < 5_000; t++) {
            byte[] m = good.clone();
            int changes = 1 + r.nextInt(4);
            for (int k = 0; k < changes; k++) {
                // half the changes hit the header, where the structure is
                int at = r.nextBoolean() ? r.nextInt(Math.min(m.length, 400)) : r.nextInt(m.length);
                m[at] = (byte) r.nextInt(256);
            }
            refused += decodesConsistentlyOrRefuses(m) ? 0 : 1;
        }
        assertThat(refused).as("refusals of 5,000").isGreaterThan(2000);
    }

    /** Headers assembled from valid and invalid parts. */
    @Test
    void randomHeadersAreDecodedConsistentlyOrRefusedCleanly() {
        SplittableRandom r = new SplittableRandom(5);
        List<String> dtypes = List.of("F32", "F64", "F16", "BF16", "I64", "I8", "BOOL", "U16", "x");
        List<String> dims = List.of("0", "1", "2", "3", "-1", "1.5", "4294967296", "\"2\"", "null");
        int accepted = 0;
        for (int t = 0; t < 5_000; t++) {
            StringBuilder json = new StringBuilder("{");
            int tensors = r.nextInt(4);
            long offset = 0;
            for (int k = 0; k < tensors; k++) {
                StringBuilder shape = new StringBuilder("[");
                int rank = r.nextInt(3);
                for (int d = 0; d < rank; d++) {
                    shape.append(d > 0 ? "," : "")
                            .append(
                                    r.nextInt(4) == 0
                                            ? dims.get(r.nextInt(dims.size()))
                                            : "" + (1 + r.nextInt(3)));
                }
                shape.append(']');
                long size = r.nextInt(40);
                long begin = r.nextInt(5) == 0 ? r.nextLong(-2, 50) : offset;
                json.append(k > 0 ? "," : "")
                        .append("\"t")
                        .append(r.nextInt(3))
                        .append("\":{\"dtype\":\"")
                        .append(dtypes.get(r.nextInt(dtypes.size())))
                        .append("\",\"shape\":")
                        .append(shape)
                        .append(",\"data_offsets\":[")
                        .append(begin)
                        .append(',')
                        .append(begin + size)
                        .append("]}");
                offset = begin + size;
            }
            if (r.nextInt(3) == 0) {
                json.append(tensors > 0 ? "," : "").append("\"__metadata__\":{\"a\":\"b\"}");
            }
            json.append('}');
            byte[] bytes = file(json.toString(), (int) Math.max(0, offset + r.nextInt(-2, 3)));
            accepted += decodesConsistentlyOrRefuses(bytes) ? 1 : 0;
        }
        assertThat(accepted).as("valid files of 5,000").isGreaterThan(300);
    }

    /** True if decoded (and then consistent), false if refused with IllegalArgumentException. */
    private static boolean decodesConsistentlyOrRefuses(byte[] bytes) {
        SafeTensors.Contents c;
        try {
            c = SafeTensors.read(bytes);
        } catch (IllegalArgumentException refused) {
            return false;
        }
        long values = 0;
        for (Tensor t : c.tensors().values()) {
            long n = 1;
            for (long d : t.shape()) {
                n *= d;
            }
            if (n != t.data().length) {
                throw new AssertionError(t + " holds " + t.data().length + " values");
            }
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new AssertionError(t + " holds " + v);
                }
            }
            values += n;
        }
        assertThat(values).isLessThanOrEqualTo(bytes.length);
        return true;
    }
}
