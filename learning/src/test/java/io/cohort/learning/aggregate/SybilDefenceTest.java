package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.round;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SybilDefenceTest {

    private static Submission s(String trainer, float... update) {
        return new Submission(trainer, update, 100);
    }

    @Test
    void threeClonesShareOneWeightAcrossTwoRoundsAndHonestTrainersKeepTheirs() {
        // given: clone rejection off, so the three identical clones are grouped, not rejected
        var defence = new SybilDefence(0.95, 1.0);
        var round1 =
                List.of(
                        s("honest-a", 1, 0, 0, 0),
                        s("clone-1", 0, 0, 1, 1),
                        s("clone-2", 0, 0, 1, 1),
                        s("honest-b", 0, 1, 0, 0),
                        s("clone-3", 0, 0, 1, 1));
        var round2 =
                List.of(
                        s("clone-3", 0, 0, 2, 1),
                        s("honest-b", 0.2f, 1, 0, 0),
                        s("clone-1", 0, 0, 2, 1),
                        s("honest-a", 1, 0.2f, 0, 0),
                        s("clone-2", 0, 0, 2, 1));

        // when
        Aggregation first = defence.aggregate(round1, round(1, 4));
        Aggregation second = defence.aggregate(round2, round(2, 4));

        // then: raw weights 1, 1/3, 1/3, 1, 1/3 out of 3
        assertThat(first.weights())
                .containsExactly(
                        new double[] {1.0 / 3, 1.0 / 9, 1.0 / 9, 1.0 / 3, 1.0 / 9}, within(1e-12));
        assertThat(first.update())
                .containsExactly(new float[] {1f / 3, 1f / 3, 1f / 3, 1f / 3}, within(1e-6f));
        assertThat((double[]) first.metrics().get("clone-group")).containsExactly(0, 1, 1, 3, 1);
        assertThat(second.weights())
                .containsExactly(
                        new double[] {1.0 / 9, 1.0 / 3, 1.0 / 9, 1.0 / 3, 1.0 / 9}, within(1e-12));
        assertThat((double[]) second.metrics().get("clone-group")).containsExactly(0, 1, 0, 3, 0);
        assertThat((double[]) second.metrics().get("clone-group-size"))
                .containsExactly(3, 1, 3, 1, 3);
        assertThat((double[]) second.metrics().get("history-rounds")).containsOnly(2);
        assertThat(second.rejections()).isEmpty();
        // (1, 0.2) and (0.2, 1) summed with round 1: far below the threshold
        double[] max = (double[]) second.metrics().get("max-history-cosine");
        assertThat(max[1]).isLessThan(0.5);
        assertThat(max[3]).isLessThan(0.5);
        assertThat(max[0]).isCloseTo(1, within(1e-12));
    }

    @Test
    void clonesWhoseHistoriesOverflowFloatAreStillRejected() {
        // given: two clones of 3e38 each round: their running sums overflow float in round 2,
        // and the cosines of infinite histories are NaN, which no threshold catches
        var defence = new SybilDefence();
        var each = List.of(s("a", 3e38f, 0), s("b", 3e38f, 0), s("c", 0, 1));
        Aggregation first = defence.aggregate(each, round(1, 2));
        Aggregation second = defence.aggregate(each, round(2, 2));

        // then: clones in round 1, non-finite histories in round 2; c keeps the whole weight
        assertThat(first.rejections()).extracting(Rejection::reason).containsOnly("clone");
        assertThat(second.rejections())
                .extracting(Rejection::index, Rejection::reason, Rejection::metric)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(0, "non-finite", "history-norm"),
                        org.assertj.core.groups.Tuple.tuple(1, "non-finite", "history-norm"));
        assertThat(second.weights()).containsExactly(0, 0, 1);
    }

    @Test
    void exactClonesAreRejectedWithTheDefaults() {
        var input =
                List.of(
                        s("a", 1, 0, 0),
                        s("sybil-1", 0, 0, 1),
                        s("b", 0, 1, 0),
                        s("sybil-2", 0, 0, 1));

        Aggregation result = new SybilDefence().aggregate(input, round(1, 3));

        assertThat(result.rejections())
                .containsExactly(
                        new Rejection(1, "clone", "max-history-cosine", 1, 0.99),
                        new Rejection(3, "clone", "max-history-cosine", 1, 0.99));
        assertThat(result.weights()).containsExactly(0.5, 0, 0.5, 0);
        assertThat(result.update()).containsExactly(0.5f, 0.5f, 0);
        assertThat((double[]) result.metrics().get("most-similar")).containsExactly(1, 3, 0, 1);
    }

    @Test
    void historiesNotSingleUpdatesDecideWhoIsAClone() {
        var defence = new SybilDefence();
        // round 1: x and y point almost the same way (cosine 0.995)
        Aggregation first =
                defence.aggregate(
                        List.of(s("x", 1, 0), s("y", 1, 0.1f), s("z", 0, -1)), round(1, 2));
        // round 2: y and z send the same update, but their histories differ
        Aggregation second =
                defence.aggregate(List.of(s("x", 0, 1), s("y", 0, -1), s("z", 0, -1)), round(2, 2));

        assertThat(first.rejections()).extracting(Rejection::index).containsExactly(0, 1);
        assertThat(second.rejections()).isEmpty();
        assertThat(second.weights())
                .containsExactly(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, within(1e-12));
        double[][] cosines = (double[][]) second.metrics().get("history-cosine");
        assertThat(cosines[1][2]).isCloseTo(1.8 / (Math.sqrt(1.81) * 2), within(1e-6));
    }

    @Test
    void roundsMustIncreaseUntilReset() {
        var defence = new SybilDefence();
        var input = List.of(s("a", 1, 0), s("b", 0, 1));
        Aggregation first = defence.aggregate(input, round(1, 2));

        assertThatThrownBy(() -> defence.aggregate(input, round(1, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("round 1 is not after round 1");

        defence.reset();
        Aggregation replay = defence.aggregate(input, round(1, 2));
        assertThat(replay.update()).isEqualTo(first.update());
        assertThat((double[]) replay.metrics().get("history-rounds")).containsOnly(1);
    }

    @Test
    void aRefusedRoundLeavesTheHistoriesAsTheyWere() {
        var round1 = List.of(s("a", 1, 0), s("b", 0.9f, 0.1f), s("c", 0, 1));
        var round2 = List.of(s("a", 0, 1), s("b", 1, 0), s("c", 1, 1));
        var duplicate = List.of(s("a", 5, 5), s("a", 5, 5), s("c", 1, 1));
        var defence = new SybilDefence();
        var fresh = new SybilDefence();
        defence.aggregate(round1, round(1, 2));
        fresh.aggregate(round1, round(1, 2));

        assertThatThrownBy(() -> defence.aggregate(duplicate, round(2, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trainer a submitted more than once in round 2");
        Aggregation after = defence.aggregate(round2, round(2, 2));

        Aggregation expected = fresh.aggregate(round2, round(2, 2));
        assertThat(after.update()).isEqualTo(expected.update());
        assertThat(after.weights()).isEqualTo(expected.weights());
        assertThat((double[]) after.metrics().get("history-norm"))
                .isEqualTo((double[]) expected.metrics().get("history-norm"));
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> new SybilDefence(0, 0.99))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groupThreshold is a cosine");
        assertThatThrownBy(() -> new SybilDefence(0.95, 0.9))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cloneThreshold must be in [groupThreshold, 1]");
        assertThatThrownBy(() -> new SybilDefence(0.95, 1.5))
                .isInstanceOf(IllegalArgumentException.class);
        var noTrainer = List.of(new Submission(null, v(1), 1));
        assertThatThrownBy(() -> new SybilDefence().aggregate(noTrainer, round(1, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("submission 0 has no trainer");
    }
}
