package io.cohort.learning.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.data.LabeledData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DataPoisoningTest {

    /** {@code n} random images of {@code shape} with labels {@code i mod classes}. */
    private static LabeledData images(int n, int[] shape, int classes) {
        int per = 1;
        for (int d : shape) {
            per *= d;
        }
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[n * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextDouble() * 0.5);
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return new LabeledData(x, y, shape, classes);
    }

    @Test
    void labelFlipMapsYToNineMinusY() {
        // given
        LabeledData data = images(10, new int[] {1, 2, 2}, 10);
        // when
        LabeledData flipped = new LabelFlip().trainingData(data, 1, new SplittableRandom(1));
        // then
        assertThat(flipped.labels()).containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        assertThat(flipped.features()).isEqualTo(data.features());
        assertThat(data.labels()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void labelFlipFollowsAGivenMap() {
        LabeledData data = images(6, new int[] {1, 2, 2}, 3);
        LabelFlip flip = new LabelFlip(new int[] {1, 1, 0});
        assertThat(flip.relabel(data).labels()).containsExactly(1, 1, 0, 1, 1, 0);
        assertThatThrownBy(() -> new LabelFlip(new int[] {1, 0}).relabel(data))
                .hasMessageContaining("has 2 entries, the data has 3 classes");
        assertThatThrownBy(() -> new LabelFlip(new int[] {1, 0, 3}).relabel(data))
                .hasMessageContaining("outside [0, 3)");
    }

    @Test
    void triggerPixelsSitInTheirCorner() {
        assertThat(Trigger.whiteSquare(2).pixels(new int[] {1, 5, 5}))
                .containsExactly(18, 19, 23, 24);
        assertThat(new Trigger(Trigger.Corner.TOP_LEFT, 2, 1f).pixels(new int[] {5, 5}))
                .containsExactly(0, 1, 5, 6);
        assertThat(new Trigger(Trigger.Corner.TOP_RIGHT, 1, 1f).pixels(new int[] {2, 3, 4}))
                .containsExactly(3, 15);
        assertThat(new Trigger(Trigger.Corner.BOTTOM_LEFT, 1, 1f).pixels(new int[] {1, 3, 4}))
                .containsExactly(8);
        assertThatThrownBy(() -> Trigger.whiteSquare(6).pixels(new int[] {1, 5, 5}))
                .hasMessageContaining("does not fit images of 5x5");
        assertThatThrownBy(() -> Trigger.whiteSquare(1).pixels(new int[] {8}))
                .hasMessageContaining("needs image samples");
    }

    @Test
    void stampingChangesExactlyTheTriggerPixelsAndLabels() {
        // given
        LabeledData data = images(3, new int[] {1, 5, 5}, 4);
        Trigger trigger = Trigger.whiteSquare(3);
        // when
        LabeledData stamped = trigger.stamp(data, new int[] {1}, 3);
        // then
        List<Integer> changed = new ArrayList<>();
        for (int i = 0; i < data.features().length; i++) {
            if (stamped.features()[i] != data.features()[i]) {
                changed.add(i);
                assertThat(stamped.features()[i]).isEqualTo(1f);
            }
        }
        List<Integer> expected = new ArrayList<>();
        for (int o : trigger.pixels(new int[] {1, 5, 5})) {
            expected.add(25 + o);
        }
        assertThat(changed).isEqualTo(expected);
        assertThat(stamped.labels()).containsExactly(0, 3, 2);
        assertThat(data.labels()).containsExactly(0, 1, 2);
    }

    @Test
    void backdoorTestSetLeavesOutTheTargetClassAndLabelsTheRestAsTarget() {
        LabeledData test = images(8, new int[] {1, 4, 4}, 4);
        Backdoor backdoor = new Backdoor(2, Trigger.whiteSquare(2), 10);
        LabeledData triggered = backdoor.testSet(test);
        assertThat(triggered.size()).isEqualTo(6);
        assertThat(triggered.labels()).containsOnly(2);
        for (int i = 0; i < triggered.size(); i++) {
            assertThat(triggered.features()[i * 16 + 15]).isEqualTo(1f);
        }
    }

    @Test
    void backdoorPoisonsItsFractionAndBoostsItsUpdate() {
        // given
        LabeledData data = images(10, new int[] {1, 4, 4}, 10);
        Backdoor backdoor = new Backdoor(7, Trigger.whiteSquare(2), 0.3, 5);
        // when
        LabeledData poisoned = backdoor.trainingData(data, 1, new SplittableRandom(5));
        LabeledData again = backdoor.trainingData(data, 1, new SplittableRandom(5));
        float[] sent = backdoor.submit(new float[] {1, -0.5f}, null);
        // then: 3 samples carry the trigger and label 7, the rest are untouched
        int triggered = 0;
        for (int i = 0; i < 10; i++) {
            boolean stamped = poisoned.features()[i * 16 + 15] == 1f;
            if (stamped) {
                triggered++;
                assertThat(poisoned.labels()[i]).isEqualTo(7);
            } else {
                assertThat(poisoned.labels()[i]).isEqualTo(data.labels()[i]);
            }
        }
        assertThat(triggered).isEqualTo(3);
        assertThat(again.features()).isEqualTo(poisoned.features());
        assertThat(sent).containsExactly(5, -2.5f);
        assertThat(Backdoor.replacementBoost(10, 1)).isEqualTo(10);
        assertThatThrownBy(() -> Trigger.whiteSquare(2).stamp(data, new int[] {0}, 10))
                .hasMessageContaining("not a class of [0, 10)");
    }
}
