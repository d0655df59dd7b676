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

    @Test
    void numbersAreNotCoerced() {
        // each would read as a plausible value if coerced (1, 3, 2, 0) and let a malformed record
        // rerun to a "match"
        String[][] cases = {
            {"epochs", "4294967297"}, {"epochs", "\"3\""}, {"epochs", "2.9"}, {"seed", "\"x\""}
        };
        for (String[] c : cases) {
            var json = new PolicyInputs("a", "b", TrainConfig.adam(1, 8, 0.001f, 3)).toJson();
            json.with("reference-training").set(c[0], parse(c[1]));
            assertThatThrownBy(() -> PolicyInputs.fromJson(json))
                    .as(c[0] + " = " + c[1])
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("inputs.reference-training." + c[0]);
        }
        var rate = new PolicyInputs("a", "b", TrainConfig.adam(1, 8, 0.001f, 3)).toJson();
        rate.with("reference-training").put("learning-rate", 0.001);
        assertThatThrownBy(() -> PolicyInputs.fromJson(rate))
                .hasMessageContaining("learning-rate is not a string");
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
