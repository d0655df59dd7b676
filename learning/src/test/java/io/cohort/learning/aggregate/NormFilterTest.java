package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormFilterTest {

    @Test
    void rejectsNormsAboveFactorTimesTheMedian() {
        // given: norms 1, 1, 2, 100 → median 1.5, bound 4.5
        var input = submissions(v(1, 0), v(0, 1), v(0, 2), v(100, 0));

        // when
        Aggregation result = new NormFilter(3).aggregate(input, context(2));

        // then
        assertThat(result.rejections())
                .containsExactly(new Rejection(3, "norm-out-of-bounds", "l2-norm", 100, 4.5));
        assertThat(result.weights()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3, 0);
        assertThat(result.update()).containsExactly(new float[] {1f / 3, 1}, within(1e-6f));
        assertThat(result.metrics()).containsEntry("median-norm", 1.5);
        assertThat(result.metrics()).containsEntry("norm-upper-bound", 4.5);
    }

    @Test
    void floorRejectsZeroUpdatesBeforeTheMedianIsTaken() {
        // norms 0, 0, 0, 1, 2, 2: without the floor the median is 0.5 and both 2s go
        var input = submissions(v(0, 0), v(0, 0), v(0, 0), v(1, 0), v(0, 2), v(2, 0));

        Aggregation plain = new NormFilter(3).aggregate(input, context(2));
        Aggregation floored = new NormFilter(3).withFloor(0).aggregate(input, context(2));

        assertThat(plain.rejections()).extracting(Rejection::index).containsExactly(4, 5);
        assertThat(floored.rejections()).extracting(Rejection::index).containsExactly(0, 1, 2);
        assertThat(floored.rejections().get(0))
                .isEqualTo(new Rejection(0, "norm-out-of-bounds", "l2-norm", 0, 0));
        assertThat(floored.metrics()).containsEntry("median-norm", 2.0);
        assertThat(floored.weights()).containsExactly(0, 0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3);
        assertThat(floored.update()).containsExactly(new float[] {1, 2f / 3}, within(1e-6f));
    }

    @Test
    void everythingBelowTheFloorGivesAZeroUpdate() {
        var input = submissions(v(0.1f, 0), v(0, 0));

        Aggregation result = new NormFilter(2).withFloor(0.5).aggregate(input, context(2));

        assertThat(result.update()).containsExactly(0, 0);
        assertThat(result.weights()).containsExactly(0, 0);
        assertThat(result.rejections()).hasSize(2);
        assertThat(result.metrics()).containsEntry("fallback", "zero-update");
    }

    @Test
    void aroundMapsTheInnerRuleBackToInputPositions() {
        // index 2 is filtered (norm 50 > 3 × 1); Krum then runs on the other five
        var input = submissions(v(1, 0), v(1, 0.1f), v(50, 0), v(0.9f, 0), v(1, -0.1f), v(0, 1));

        Aggregation result =
                new NormFilter(3).around(MultiKrum.krum(1)).aggregate(input, context(2));

        assertThat(result.metrics()).containsEntry("inner-rule", "multi-krum(f=1,m=1)");
        assertThat((int[]) result.metrics().get("inner-indices")).containsExactly(0, 1, 3, 4, 5);
        assertThat(result.weights()).containsExactly(1, 0, 0, 0, 0, 0);
        assertThat(result.update()).containsExactly(1, 0);
        assertThat(result.rejections())
                .extracting(Rejection::index, Rejection::reason)
                .containsExactly(
                        tuple(1, "krum-outlier"),
                        tuple(2, "norm-out-of-bounds"),
                        tuple(3, "krum-outlier"),
                        tuple(4, "krum-outlier"),
                        tuple(5, "krum-outlier"));
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> new NormFilter(0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new NormFilter(3).withFloor(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("floor must be at least 0");
    }
}
