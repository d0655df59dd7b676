package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSpecTest {

    private static final String MLP =
            "{\"name\":\"m\",\"inputShape\":[4],\"classes\":3,\"seed\":7,\"layers\":"
                    + "[{\"type\":\"dense\",\"units\":%s},{\"type\":\"relu\"},"
                    + "{\"type\":\"dense\",\"units\":3}]}";

    @Test
    void theCanonicalJsonParsesBackToTheSameSpec() {
        ModelSpec cnn = ModelSpec.mnistCnn(42);
        assertThat(ModelSpec.parse(cnn.toJson())).isEqualTo(cnn);
        ModelSpec mlp = ModelSpec.parse(MLP.formatted("8"));
        assertThat(mlp.layers()).hasSize(3);
        assertThat(mlp.validate().get(1)).containsExactly(8);
    }

    @Test
    void jsonThatIsNoSpecObjectIsRefused() {
        assertThatThrownBy(() -> ModelSpec.parse("null"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("null");
        assertThatThrownBy(() -> ModelSpec.parse("[]")).isInstanceOf(InvalidSpecException.class);
        assertThatThrownBy(() -> ModelSpec.parse("{"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void whatFollowsTheObjectIsRefused() {
        assertThatThrownBy(() -> ModelSpec.parse(MLP.formatted("8") + " {}"))
                .isInstanceOf(InvalidSpecException.class);
        assertThatThrownBy(() -> ModelSpec.parse(MLP.formatted("8") + "x"))
                .isInstanceOf(InvalidSpecException.class);
    }

    @Test
    void integersMustBeJsonIntegers() {
        for (String units : List.of("8.5", "8.0", "\"8\"", "true")) {
            assertThatThrownBy(() -> ModelSpec.parse(MLP.formatted(units)))
                    .as(units)
                    .isInstanceOf(InvalidSpecException.class);
        }
    }

    @Test
    void aFieldNamedTwiceOrUnknownIsRefused() {
        String twice = MLP.formatted("8").replace("\"classes\":3,", "\"classes\":3,\"classes\":4,");
        assertThatThrownBy(() -> ModelSpec.parse(twice))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("classes");
        String unknown = MLP.formatted("8").replace("\"seed\":7,", "\"seed\":7,\"bias\":1,");
        assertThatThrownBy(() -> ModelSpec.parse(unknown))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("bias");
    }

    @Test
    void aBadLayerIsNamedWithItsIndex() {
        assertThatThrownBy(() -> ModelSpec.parse(MLP.formatted("0")))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("units must be in 1..");
        String wrongEnd = MLP.formatted("8").replace("\"units\":3", "\"units\":5");
        assertThatThrownBy(() -> ModelSpec.parse(wrongEnd))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("must end in 3 logits");
        String conv = MLP.formatted("8").replace("{\"type\":\"relu\"}", "{\"type\":\"conv2d\"}");
        assertThatThrownBy(() -> ModelSpec.parse(conv))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("needs a [channels, height, width] input");
    }

    @Test
    void anInputOfMoreValuesThanALayerMayOutputIsRefusedBeforeAnyLayer() {
        // 2 x 8192 x 8192 = 2^27 values a sample; the pool's output (2 x 128 x 128) is small
        ModelSpec huge =
                new ModelSpec(
                        "huge",
                        new int[] {2, 8192, 8192},
                        2,
                        1,
                        java.util.List.of(
                                LayerSpec.maxpool(64, 64),
                                LayerSpec.flatten(),
                                LayerSpec.dense(2)));
        assertThatThrownBy(huge::validate)
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage(
                        "inputShape [2, 8192, 8192] holds 134217728 values per sample, above "
                                + ModelSpec.MAX_ACTIVATIONS);
    }
}
