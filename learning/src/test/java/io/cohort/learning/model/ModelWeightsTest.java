package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.cohort.learning.tensor.SafeTensors;
import io.cohort.learning.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelWeightsTest {

    private static final List<DjlModel.Slot> LAYOUT =
            List.of(
                    new DjlModel.Slot("01Linear_weight", new long[] {2, 3}, 0, 6),
                    new DjlModel.Slot("01Linear_bias", new long[] {2}, 6, 2));
    private static final float[] FLAT = {1, 2, 3, 4, 5, 6, 7, 8};

    @Test
    void roundTripsThroughSafetensors() {
        byte[] file = ModelWeights.write(LAYOUT, FLAT, Map.of("round", "3"));
        assertThat(ModelWeights.read(file, LAYOUT)).containsExactly(FLAT);
        assertThat(SafeTensors.read(file).metadata()).containsEntry("round", "3");
        assertThat(SafeTensors.read(file).tensors().get("01Linear_bias").data())
                .containsExactly(7, 8);
    }

    @Test
    void aHeaderFarLargerThanTheLayoutNeedsIsRefusedBeforeItIsParsed() {
        // a valid file whose metadata pads the header to 1 MB: safetensors itself allows it
        byte[] padded = ModelWeights.write(LAYOUT, FLAT, Map.of("padding", "x".repeat(1 << 20)));
        assertThat(SafeTensors.read(padded).tensors()).hasSize(2);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ModelWeights.read(padded, LAYOUT))
                .withMessageContaining("limit " + ModelWeights.headerLimit(LAYOUT.size()));
        // what the limit allows for two tensors is far more than a real header needs
        byte[] plenty = ModelWeights.write(LAYOUT, FLAT, Map.of("padding", "x".repeat(60_000)));
        assertThat(ModelWeights.read(plenty, LAYOUT)).containsExactly(FLAT);
        assertThat(ModelWeights.headerLimit(3)).isEqualTo(64 * 1024 + 3 * 1024);
        assertThat(ModelWeights.headerLimit(Integer.MAX_VALUE)).isEqualTo(SafeTensors.MAX_HEADER);
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () ->
                                SafeTensors.read(
                                        padded,
                                        SafeTensors.NonFinite.REJECT,
                                        SafeTensors.MAX_HEADER + 1))
                .withMessageContaining("header limit");
    }

    @Test
    void refusesAFileOfAnotherModel() {
        Map<String, Tensor> wrongShape = new LinkedHashMap<>();
        wrongShape.put("01Linear_weight", new Tensor(new long[] {3, 2}, new float[6]));
        wrongShape.put("01Linear_bias", new Tensor(new long[] {2}, new float[2]));
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () -> ModelWeights.read(SafeTensors.write(wrongShape, Map.of()), LAYOUT))
                .withMessageContaining("01Linear_weight has shape [3, 2]");
        Map<String, Tensor> missing =
                Map.of("01Linear_weight", new Tensor(new long[] {2, 3}, new float[6]));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ModelWeights.read(SafeTensors.write(missing, Map.of()), LAYOUT))
                .withMessageContaining("no tensor 01Linear_bias");
        Map<String, Tensor> extra = new LinkedHashMap<>(wrongShape);
        extra.put("01Linear_weight", new Tensor(new long[] {2, 3}, new float[6]));
        extra.put("02Linear_bias", new Tensor(new long[] {1}, new float[1]));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ModelWeights.read(SafeTensors.write(extra, Map.of()), LAYOUT))
                .withMessageContaining("02Linear_bias");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ModelWeights.write(LAYOUT, new float[7], Map.of()))
                .withMessageContaining("holds 8 parameters, got 7");
    }
}
