package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.model.TrainConfig;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ReferenceTrainingTest {

    private final TrainConfig local = TrainConfig.sgd(1, 32, 0.05f, 7);

    @Test
    void withoutTheSettingTheReferenceTrainsAsTheTrainersDo() throws Exception {
        assertThat(Commands.referenceTraining(local, OptionalInt.empty())).isEqualTo(local);
    }

    @Test
    void theSettingChangesOnlyTheEpochs() throws Exception {
        TrainConfig reference = Commands.referenceTraining(local, OptionalInt.of(3));

        assertThat(reference.epochs()).isEqualTo(3);
        assertThat(reference.withEpochs(1)).isEqualTo(local);
    }

    @Test
    void aCountTheTrainingRefusesIsOneLineNamingTheSetting() {
        for (int bad : new int[] {0, -2, 1001}) {
            assertThatThrownBy(() -> Commands.referenceTraining(local, OptionalInt.of(bad)))
                    .isInstanceOf(Commands.Failure.class)
                    .message()
                    .startsWith("cohort.evaluator.reference-epochs: ")
                    .doesNotContain("\n");
        }
    }
}
