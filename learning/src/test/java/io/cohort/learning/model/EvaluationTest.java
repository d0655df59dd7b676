package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.cohort.learning.data.LabeledData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationTest {

    /**
     * Five one-feature samples of two classes; the "model" predicts class 1 when the feature is 1.
     */
    private final LabeledData data =
            new LabeledData(
                    new float[] {1, 0, 1, 1, 0}, new int[] {1, 0, 0, 1, 0}, new int[] {1}, 2);

    private static float[] logits(LabeledData d, int from, int to) {
        float[] out = new float[(to - from) * 2];
        for (int i = from; i < to; i++) {
            out[(i - from) * 2 + (d.features()[i] == 1 ? 1 : 0)] = 3;
        }
        return out;
    }

    @Test
    void batchesCoverEverySampleOnceInOrderAndAddUpAsOneBatch() {
        List<int[]> asked = new ArrayList<>();
        Evaluation batched =
                Evaluation.inBatches(
                        data,
                        2,
                        2,
                        (d, from, to) -> {
                            asked.add(new int[] {from, to});
                            return logits(d, from, to);
                        });

        assertThat(asked).containsExactly(new int[] {0, 2}, new int[] {2, 4}, new int[] {4, 5});
        Evaluation whole = Evaluation.of(logits(data, 0, 5), data.labels(), 0, 5, 2);
        assertThat(batched.samples()).isEqualTo(5);
        assertThat(batched.correct()).isEqualTo(4).isEqualTo(whole.correct());
        assertThat(batched.lossSum()).isCloseTo(whole.lossSum(), offset(1e-12));
        assertThat(batched.accuracy()).isEqualTo(0.8);
    }

    @Test
    void aSampleWithANonFiniteLogitIsNeverCorrect() {
        // NaN compares false: the arg-max stayed at class 0, right whenever the label was 0
        assertThat(Evaluation.of(new float[] {Float.NaN, 0, 5}, new int[] {0}, 0, 1, 3).correct())
                .isZero();
        assertThat(
                        Evaluation.of(
                                        new float[] {9, Float.POSITIVE_INFINITY, 0},
                                        new int[] {1},
                                        0,
                                        1,
                                        3)
                                .correct())
                .isZero();
        assertThat(Evaluation.of(new float[] {9, 0, 5}, new int[] {0}, 0, 1, 3).correct()).isOne();
    }

    @Test
    void aBatchSizeBelowOneIsRefusedInsteadOfLoopingForever() {
        assertThatThrownBy(() -> Evaluation.inBatches(data, 0, 2, EvaluationTest::logits))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batchSize must be at least 1, got 0");
    }
}
