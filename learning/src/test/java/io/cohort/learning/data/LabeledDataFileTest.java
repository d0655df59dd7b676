package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.tensor.SafeTensors;
import io.cohort.learning.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LabeledDataFileTest {

    private static LabeledData sample() {
        float[] f = new float[3 * 4];
        for (int i = 0; i < f.length; i++) {
            f[i] = (i * 37 % 256) / 255f; // as IDX pixels scale
        }
        return new LabeledData(f, new int[] {2, 0, 9}, new int[] {1, 2, 2}, 10);
    }

    @Test
    void aRoundTripGivesBackBitIdenticalSamples() {
        LabeledData d = sample();
        LabeledData back = LabeledDataFile.read(LabeledDataFile.write(d));
        assertThat(back.features()).containsExactly(d.features());
        assertThat(back.labels()).containsExactly(2, 0, 9);
        assertThat(back.sampleShape()).containsExactly(1, 2, 2);
        assertThat(back.numClasses()).isEqualTo(10);
        // the same data, the same bytes (hence the same CID)
        assertThat(LabeledDataFile.write(back)).isEqualTo(LabeledDataFile.write(d));
    }

    private static byte[] file(Map<String, String> meta, float[] labels, long n) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("features", new Tensor(new long[] {n, 2}, new float[(int) n * 2]));
        t.put("labels", new Tensor(new long[] {labels.length}, labels));
        return SafeTensors.write(t, meta);
    }

    @Test
    void whatIsNotSuchDataIsRefusedNamingWhy() {
        Map<String, String> ok = Map.of("format", LabeledDataFile.FORMAT, "classes", "3");
        assertThatThrownBy(() -> LabeledDataFile.read(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                LabeledDataFile.read(
                                        file(Map.of("format", "x"), new float[] {0, 1}, 2)))
                .hasMessageContaining("not cohort-data/1");
        assertThatThrownBy(() -> LabeledDataFile.read(file(ok, new float[] {0, 3}, 2)))
                .hasMessageContaining("label 3.0 of sample 1 is no class of 3");
        assertThatThrownBy(() -> LabeledDataFile.read(file(ok, new float[] {0, 1.5f}, 2)))
                .hasMessageContaining("label 1.5");
        assertThatThrownBy(() -> LabeledDataFile.read(file(ok, new float[] {0, 1, 2}, 2)))
                .hasMessageContaining("do not describe the same samples");
        assertThatThrownBy(
                        () ->
                                LabeledDataFile.read(
                                        file(
                                                Map.of(
                                                        "format",
                                                        LabeledDataFile.FORMAT,
                                                        "classes",
                                                        "0"),
                                                new float[] {0},
                                                1)))
                .hasMessageContaining("classes 0");
    }

    @Test
    void aHeaderFarLargerThanTwoTensorsNeedIsRefusedBeforeItIsParsed() {
        Map<String, String> padded =
                Map.of(
                        "format",
                        LabeledDataFile.FORMAT,
                        "classes",
                        "3",
                        "padding",
                        "x".repeat(1 << 20));
        byte[] f = file(padded, new float[] {0, 1}, 2);
        assertThat(SafeTensors.read(f).tensors()).hasSize(2);
        assertThatThrownBy(() -> LabeledDataFile.read(f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit " + LabeledDataFile.MAX_HEADER);
    }

    private static byte[] shaped(long[] featureShape, long samples) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("features", new Tensor(featureShape, new float[0]));
        t.put("labels", new Tensor(new long[] {samples}, new float[(int) samples]));
        return SafeTensors.write(t, Map.of("format", LabeledDataFile.FORMAT, "classes", "3"));
    }

    @Test
    void shapesThatHoldNoSamplesOrOverflowAnIntAreRefused() {
        // valid safetensors (zero values each), but no data an evaluator could score with
        assertThatThrownBy(() -> LabeledDataFile.read(shaped(new long[] {0, 1L << 32}, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no samples");
        assertThatThrownBy(() -> LabeledDataFile.read(shaped(new long[] {0, 1 << 16, 1 << 16}, 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no samples");
        assertThatThrownBy(() -> LabeledDataFile.read(shaped(new long[] {1, 0}, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sample dimension 0");
        // the record itself: a sample of 2^32 values would wrap sampleSize() to 0
        assertThatThrownBy(
                        () ->
                                new LabeledData(
                                        new float[0], new int[0], new int[] {1 << 16, 1 << 16}, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than 2^31 - 1 values per sample");
    }
}
