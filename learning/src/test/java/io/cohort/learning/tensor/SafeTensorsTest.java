package io.cohort.learning.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir Path dir;

    private static float[] gaussian(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box–Muller, scaled like initial weights
            v[i] =
                    (float)
                            (0.1
                                    * Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                                    * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return v;
    }

    /** A small model's tensors, with edge-case values, a scalar and an empty tensor. */
    static Map<String, Tensor> model() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("fc.weight", new Tensor(new long[] {10, 36}, gaussian(360, 1)));
        m.put("conv1.weight", new Tensor(new long[] {4, 1, 3, 3}, gaussian(36, 2)));
        m.put(
                "conv1.bias",
                new Tensor(
                        new long[] {6},
                        new float[] {-0f, Float.MIN_VALUE, Float.MAX_VALUE, -1e-30f, 0.25f, -4f}));
        m.put("scale", new Tensor(new long[] {}, new float[] {0.5f}));
        m.put("empty", new Tensor(new long[] {0, 3}, new float[0]));
        return m;
    }

    @Test
    void roundTripsInJava() {
        // when
        byte[] bytes = SafeTensors.write(model(), Map.of("spec", "{\"layers\": 3}", "ü", "ß"));
        SafeTensors.Contents c = SafeTensors.read(bytes);

        // then: equal values bit for bit, in the file's (sorted) order
        assertThat(c.tensors()).isEqualTo(model());
        assertThat(c.tensors().keySet())
                .containsExactly("conv1.bias", "conv1.weight", "empty", "fc.weight", "scale");
        assertThat(c.metadata())
                .containsExactly(Map.entry("spec", "{\"layers\": 3}"), Map.entry("ü", "ß"));
        assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0) % 8).isZero();
    }

    @Test
    void writesTheSameBytesWhateverTheMapOrder() {
        Map<String, Tensor> reversed = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(model().keySet());
        for (int i = names.size() - 1; i >= 0; i--) {
            reversed.put(names.get(i), model().get(names.get(i)));
        }

        assertThat(SafeTensors.write(reversed, Map.of("a", "1", "b", "2")))
                .isEqualTo(SafeTensors.write(new TreeMap<>(model()), Map.of("b", "2", "a", "1")));
    }

    @Test
    void writesTheDocumentedLayout() {
        // given
        Map<String, Tensor> tensors =
                Map.of(
                        "b", new Tensor(new long[] {1}, new float[] {2f}),
                        "a", new Tensor(new long[] {2}, new float[] {1f, -1f}));

        // when
        byte[] bytes = SafeTensors.write(tensors, Map.of("k", "v"));

        // then
        String json =
                "{\"__metadata__\":{\"k\":\"v\"},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        int padded = (json.length() + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes).hasSize(8 + padded + 12);
        assertThat(b.getLong(0)).isEqualTo(padded);
        assertThat(new String(bytes, 8, padded, StandardCharsets.UTF_8))
                .isEqualTo(json + " ".repeat(padded - json.length()));
        assertThat(b.getFloat(8 + padded)).isEqualTo(1f);
        assertThat(b.getFloat(8 + padded + 4)).isEqualTo(-1f);
        assertThat(b.getFloat(8 + padded + 8)).isEqualTo(2f);
    }

    @Test
    void writesNoMetadataEntryWhenThereIsNone() {
        byte[] bytes = SafeTensors.write(Map.of(), null);

        assertThat(new String(bytes, 8, bytes.length - 8, StandardCharsets.UTF_8))
                .isEqualTo("{}      ");
        assertThat(SafeTensors.read(bytes).tensors()).isEmpty();
    }

    @Test
    void refusesTheReservedName() {
        Map<String, Tensor> tensors =
                Map.of("__metadata__", new Tensor(new long[] {1}, new float[] {1}));

        assertThatThrownBy(() -> SafeTensors.write(tensors, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a tensor cannot be named __metadata__: the key is reserved");
    }

    @Test
    void refusesNamesUtf8CannotEncode() {
        Map<String, Tensor> tensors =
                Map.of("w\uD800", new Tensor(new long[] {1}, new float[] {1}));

        assertThatThrownBy(() -> SafeTensors.write(tensors, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith(
                        "has an unpaired surrogate at index 1, which UTF-8 cannot encode");
        assertThatThrownBy(() -> SafeTensors.write(Map.of(), Map.of("k", "\uDC00")))
                .hasMessageContaining("unpaired surrogate at index 0");
    }

    @Test
    void refusesNonFiniteValuesUnlessAskedToKeepThem() {
        // given
        byte[] bytes =
                SafeTensors.write(
                        Map.of(
                                "w",
                                new Tensor(
                                        new long[] {3},
                                        new float[] {1, Float.NaN, Float.NEGATIVE_INFINITY})),
                        null);

        // then
        assertThatThrownBy(() -> SafeTensors.read(bytes))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor w: value 1 is NaN (non-finite values are refused)");
        assertThat(SafeTensors.read(bytes, SafeTensors.NonFinite.KEEP).tensors().get("w").data())
                .containsExactly(1, Float.NaN, Float.NEGATIVE_INFINITY);
    }

    @Test
    void fileErrorsNameTheFile() throws IOException {
        Path file = dir.resolve("broken.safetensors");
        Files.write(file, new byte[] {1, 2, 3});

        assertThatThrownBy(() -> SafeTensors.read(file))
                .isInstanceOf(IOException.class)
                .hasMessage(file + ": safetensors data of 3 bytes has no 8-byte header length");
    }

    private static String sha256(float[] values) throws NoSuchAlgorithmException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }

    @Test
    void pythonReadsWhatJavaWrites() throws Exception {
        // given
        Path file = dir.resolve("java.safetensors");
        SafeTensors.write(file, model(), Map.of("written-by", "cohort"));

        // when Python lists every tensor's dtype, shape and the SHA-256 of its raw values
        String out =
                VenvPython.run(
                        """
                        import hashlib, sys
                        import numpy as np
                        from safetensors import safe_open
                        from safetensors.numpy import load_file
                        tensors = load_file(sys.argv[1])
                        for name in sorted(tensors):
                            t = tensors[name]
                            assert t.dtype == np.float32, (name, t.dtype)
                            digest = hashlib.sha256(t.astype('<f4').tobytes()).hexdigest()
                            print(name, list(t.shape), digest)
                        with safe_open(sys.argv[1], 'np') as f:
                            print('metadata', f.metadata())
                        """,
                        dir,
                        file.toString());

        // then
        StringBuilder expected = new StringBuilder();
        for (Map.Entry<String, Tensor> e : new TreeMap<>(model()).entrySet()) {
            List<Long> shape = new ArrayList<>();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            expected.append(e.getKey())
                    .append(' ')
                    .append(shape)
                    .append(' ')
                    .append(sha256(e.getValue().data()))
                    .append('\n');
        }
        expected.append("metadata {'written-by': 'cohort'}");
        assertThat(out).isEqualTo(expected.toString());
    }

    @Test
    void javaWritesByteForByteWhatPythonWrites() throws Exception {
        // given names whose UTF-16 and code point orders differ ("\uFFFD" < "😀" only by code
        // point)
        Map<String, Tensor> tensors = new LinkedHashMap<>(model());
        tensors.put("😀", new Tensor(new long[] {1}, new float[] {1}));
        tensors.put("\uFFFD", new Tensor(new long[] {1}, new float[] {2}));
        tensors.put("é", new Tensor(new long[] {2}, new float[] {3, 4}));
        Path file = dir.resolve("java.safetensors");
        SafeTensors.write(file, tensors, Map.of("written-by", "cohort"));

        // when Python saves what it read from Java's file
        String out =
                VenvPython.run(
                        """
                        import sys
                        from safetensors.numpy import load_file, save
                        original = open(sys.argv[1], 'rb').read()
                        again = save(load_file(sys.argv[1]), metadata={'written-by': 'cohort'})
                        print('identical' if again == original else 'differs: ' + repr(again[:400]))
                        """,
                        dir,
                        file.toString());

        // then
        assertThat(out).isEqualTo("identical");
    }

    @Test
    void javaReadsWhatPythonWrites() throws Exception {
        // given every dtype Java reads, written by Python with metadata
        Path file = dir.resolve("python.safetensors");
        String order =
                VenvPython.run(
                        """
                        import json, sys
                        import ml_dtypes
                        import numpy as np
                        from safetensors.numpy import save_file
                        save_file({
                            'f32': np.arange(12, dtype=np.float32).reshape(3, 4) / 8,
                            'f16': np.array([1.5, -2, 65504, 2**-24, -0.0], dtype=np.float16),
                            'f64': np.array([[3.25, -1e-3]], dtype=np.float64),
                            'bf16': np.array([1.5, -2, 3.140625], dtype=ml_dtypes.bfloat16),
                            'i64': np.array([-3, 2**40], dtype=np.int64),
                            'i32': np.array([7, -2**31], dtype=np.int32),
                            'i16': np.array([-32768, 5], dtype=np.int16),
                            'i8': np.array([-128, 127], dtype=np.int8),
                            'u8': np.array([0, 255], dtype=np.uint8),
                            'bool': np.array([True, False]),
                            'scalar': np.array(2.5, dtype=np.float32),
                            'empty': np.zeros((0, 4), dtype=np.float32),
                        }, sys.argv[1], metadata={'format': 'np', 'k': 'v'})
                        raw = open(sys.argv[1], 'rb').read()
                        header = json.loads(raw[8:8 + int.from_bytes(raw[:8], 'little')])
                        del header['__metadata__']
                        print(','.join(sorted(header, key=lambda k: header[k]['data_offsets'])))
                        """,
                        dir,
                        file.toString());

        // when
        SafeTensors.Contents c = SafeTensors.read(file);

        // then
        Map<String, Tensor> t = c.tensors();
        assertThat(String.join(",", t.keySet())).isEqualTo(order);
        assertThat(t.get("f32").shape()).containsExactly(3, 4);
        assertThat(t.get("f32").data())
                .containsExactly(
                        0f, 1 / 8f, 2 / 8f, 3 / 8f, 4 / 8f, 5 / 8f, 6 / 8f, 7 / 8f, 1f, 9 / 8f,
                        10 / 8f, 11 / 8f);
        assertThat(t.get("f16").data()).containsExactly(1.5f, -2f, 65504f, 0x1p-24f, -0f);
        assertThat(t.get("f64").shape()).containsExactly(1, 2);
        assertThat(t.get("f64").data()).containsExactly(3.25f, (float) -1e-3);
        assertThat(t.get("bf16").data()).containsExactly(1.5f, -2f, 3.140625f);
        assertThat(t.get("i64").data()).containsExactly(-3f, 0x1p40f);
        assertThat(t.get("i32").data()).containsExactly(7f, -0x1p31f);
        assertThat(t.get("i16").data()).containsExactly(-32768f, 5f);
        assertThat(t.get("i8").data()).containsExactly(-128f, 127f);
        assertThat(t.get("u8").data()).containsExactly(0f, 255f);
        assertThat(t.get("bool").data()).containsExactly(1f, 0f);
        assertThat(t.get("scalar").shape()).isEmpty();
        assertThat(t.get("scalar").data()).containsExactly(2.5f);
        assertThat(t.get("empty").shape()).containsExactly(0, 4);
        assertThat(t.get("empty").data()).isEmpty();
        assertThat(c.metadata()).isEqualTo(Map.of("format", "np", "k", "v"));
    }

    @Test
    void halfFloatsConvertExactly() {
        assertThat(Dtype.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(Dtype.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(Dtype.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Dtype.halfToFloat((short) 0x03ff)).isEqualTo(0x3ffp-24f);
        assertThat(Dtype.halfToFloat((short) 0x0400)).isEqualTo(0x1p-14f);
        assertThat(Dtype.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(Dtype.halfToFloat((short) 0x8000)).isEqualTo(-0f);
        assertThat(Dtype.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Dtype.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
        assertThat(Dtype.halfToFloat((short) 0x7e00)).isNaN();
    }
}
