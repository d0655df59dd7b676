package io.cohort.learning.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir Path dir;

    static Map<String, Tensor> sample() {
        float[] w = new float[2 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.5f - 1;
        }
        return Map.of(
                "l0.weight",
                new Tensor(new long[] {2, 3}, w),
                "l0.bias",
                new Tensor(new long[] {2}, new float[] {0.25f, -4f}));
    }

    @Test
    void roundTripsInJava() {
        byte[] bytes = SafeTensors.write(sample(), Map.of("spec", "{}"));
        assertThat(ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0) % 8).isZero();
        SafeTensors.Contents c = SafeTensors.read(bytes);
        assertThat(c.tensors()).isEqualTo(sample());
        assertThat(c.metadata()).containsEntry("spec", "{}");
    }

    @Test
    void pythonReadsWhatJavaWrites() throws Exception {
        Path file = dir.resolve("java.safetensors");
        SafeTensors.write(file, sample(), Map.of("written-by", "cohort"));
        String out =
                python(
                        "from safetensors.numpy import load_file\n"
                                + "from safetensors import safe_open\n"
                                + "import sys, numpy as np\n"
                                + "t = load_file(sys.argv[1])\n"
                                + "assert t['l0.weight'].dtype == np.float32 and t['l0.weight'].shape == (2, 3)\n"
                                + "assert np.array_equal(t['l0.weight'].ravel(), np.arange(6, dtype=np.float32) * 0.5 - 1)\n"
                                + "assert np.array_equal(t['l0.bias'], np.array([0.25, -4], dtype=np.float32))\n"
                                + "with safe_open(sys.argv[1], 'np') as f: print('ok', f.metadata()['written-by'])\n",
                        file);
        assertThat(out).isEqualTo("ok cohort");
    }

    @Test
    void javaReadsWhatPythonWrites() throws Exception {
        Path file = dir.resolve("python.safetensors");
        python(
                "from safetensors.numpy import save_file\n"
                        + "import sys, numpy as np\n"
                        + "save_file({'a': np.arange(12, dtype=np.float32).reshape(3, 4) / 8,"
                        + " 'h': np.array([1.5, -2], dtype=np.float16),"
                        + " 'd': np.array([[3.25]], dtype=np.float64)}, sys.argv[1], metadata={'k': 'v'})\n"
                        + "print('written')\n",
                file);
        SafeTensors.Contents c = SafeTensors.read(file);
        assertThat(c.tensors().get("a").shape()).containsExactly(3, 4);
        assertThat(c.tensors().get("a").data()[11]).isEqualTo(11 / 8f);
        assertThat(c.tensors().get("h").data()).containsExactly(1.5f, -2f);
        assertThat(c.tensors().get("d").data()).containsExactly(3.25f);
        assertThat(c.metadata()).containsEntry("k", "v");
    }

    @Test
    void refusesInconsistentFilesCleanly() {
        byte[] good = SafeTensors.write(sample(), Map.of());
        assertThatThrownBy(() -> SafeTensors.read(new byte[4]))
                .hasMessageContaining("has no header length");
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putLong(0, Long.MAX_VALUE);
        assertThatThrownBy(() -> SafeTensors.read(huge)).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> SafeTensors.read(java.util.Arrays.copyOf(good, good.length - 1)))
                .hasMessageContaining("outside the");
        assertThatThrownBy(
                        () ->
                                SafeTensors.read(
                                        withHeader(
                                                "{\"x\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}",
                                                8)))
                .hasMessageContaining("dtype 'I64' is not supported");
        assertThatThrownBy(
                        () ->
                                SafeTensors.read(
                                        withHeader(
                                                "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                                                8)))
                .hasMessageContaining("need 12 bytes, its range has 8");
        assertThatThrownBy(
                        () ->
                                SafeTensors.read(
                                        withHeader(
                                                "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                                                12)))
                .hasMessageContaining("contiguous");
        assertThatThrownBy(
                        () ->
                                SafeTensors.read(
                                        withHeader(
                                                "{\"x\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}",
                                                8)))
                .hasMessageContaining("overflows");
        byte[] nan =
                withHeader("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(nan.length - 4, Float.NaN);
        assertThatThrownBy(() -> SafeTensors.read(nan)).hasMessageContaining("value 0 is NaN");
        assertThatThrownBy(() -> SafeTensors.read(withHeader("[1,2]", 0)))
                .hasMessageContaining("not a JSON object");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] good = SafeTensors.write(sample(), Map.of("m", "x"));
        SplittableRandom r = new SplittableRandom(3);
        for (int t = 0; t < 5000; t++) {
            byte[] m = good.clone();
            m[r.nextInt(m.length)] = (byte) r.nextInt(256);
            try {
                SafeTensors.read(m);
            } catch (IllegalArgumentException refused) {
                // clean
            }
        }
    }

    @Test
    void halfFloatsConvertExactly() {
        assertThat(SafeTensors.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(SafeTensors.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(SafeTensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(SafeTensors.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(SafeTensors.halfToFloat((short) 0x7c00)).isInfinite();
    }

    private static byte[] withHeader(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    /** Runs a script with the setup's venv Python, the file as argv[1]; returns its output. */
    static String python(String script, Path file) throws IOException, InterruptedException {
        String exe = System.getProperty("cohort.venv.python", "../.tools/venv/bin/python");
        Process p =
                new ProcessBuilder(exe, "-c", script, file.toString())
                        .redirectErrorStream(true)
                        .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("python timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
