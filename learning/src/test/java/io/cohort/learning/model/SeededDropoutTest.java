package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SeededDropoutTest {

    private static final Shape SHAPE = new Shape(10, 1000);

    /** The block's output on ten thousand ones, seeded with {@code seed} (if not null). */
    private static float[] masked(float rate, Long seed, boolean training) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            SeededDropout d = new SeededDropout(rate);
            d.initialize(m, DataType.FLOAT32, SHAPE);
            if (seed != null) {
                d.seed(seed);
            }
            NDArray ones = m.ones(SHAPE);
            return d.forward(new ParameterStore(m, false), new NDList(ones), training)
                    .singletonOrThrow()
                    .toFloatArray();
        }
    }

    @Test
    void inTrainingItDropsAboutItsRateAndScalesTheRestAndElseItIsTheIdentity() {
        float[] out = masked(0.25f, 3L, true);
        long dropped = 0;
        for (float v : out) {
            if (v == 0f) {
                dropped++;
            } else {
                assertThat(v).isEqualTo(1 / 0.75f);
            }
        }
        // 10,000 draws at 25 %: within five standard deviations (about 217)
        assertThat(dropped).isBetween(2500L - 217, 2500L + 217);
        float[] ones = new float[10_000];
        Arrays.fill(ones, 1f);
        assertThat(masked(0.25f, 3L, false)).isEqualTo(ones);
        assertThat(masked(0f, 3L, true)).isEqualTo(ones);
    }

    @Test
    void itsMasksAreTheSeedsAlone() {
        // the same seed the same mask, whatever the engine's generator did between; another
        // seed another mask
        float[] first = masked(0.5f, 11L, true);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            m.randomUniform(0, 1, new Shape(1000)).close();
        }
        assertThat(masked(0.5f, 11L, true)).isEqualTo(first);
        assertThat(masked(0.5f, 12L, true)).isNotEqualTo(first);
    }

    @Test
    void aRateOutsideZeroToOneIsRefused() {
        assertThatThrownBy(() -> new SeededDropout(1f))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dropout rate must be in [0, 1), got 1.0");
        assertThatThrownBy(() -> new SeededDropout(Float.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
