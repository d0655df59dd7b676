package io.cohort.learning.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.model.TrainConfig;
import org.junit.jupiter.api.Test;

class PolicyInputsTest {

    @Test
    void theJsonGivesBackTheSameInputsToTheBit() {
        PolicyInputs in =
                new PolicyInputs(
                        "bafyroot",
                        "bafyvalidation",
                        TrainConfig.sgd(2, 16, 0.05f, 1234567890123L));
        PolicyInputs back = PolicyInputs.fromJson(in.toJson());
        assertThat(back).isEqualTo(in);
        assertThat(Float.floatToIntBits(back.referenceTraining().learningRate()))
                .isEqualTo(Float.floatToIntBits(0.05f));
    }

    @Test
    void aMissingOrMalformedFieldIsNamed() {
        var json = new PolicyInputs("a", "b", TrainConfig.adam(1, 8, 0.001f, 3)).toJson();
        json.remove("root-data");
        assertThatThrownBy(() -> PolicyInputs.fromJson(json))
                .hasMessageContaining("inputs.root-data is missing");
        var bad = new PolicyInputs("a", "b", TrainConfig.adam(1, 8, 0.001f, 3)).toJson();
        bad.with("reference-training").put("optimizer", "RMSPROP");
        assertThatThrownBy(() -> PolicyInputs.fromJson(bad))
                .hasMessageContaining("inputs.reference-training is malformed");
        var zero = new PolicyInputs("a", "b", TrainConfig.adam(1, 8, 0.001f, 3)).toJson();
        zero.with("reference-training").put("epochs", 0);
        assertThatThrownBy(() -> PolicyInputs.fromJson(zero)).hasMessageContaining("epochs");
    }
}
