package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NormClippingTest {

    @Test
    void fixedBoundScalesLongUpdatesDownAndLeavesShortOnesAlone() {
        // given: norms 5 and 1, bound 2 → (3, 4)·0.4 = (1.2, 1.6); (0.6, 0.8) unchanged
        var input = submissions(v(3, 4), v(0.6f, 0.8f));

        // when
        Aggregation result = NormClipping.fixed(2).aggregate(input, context(2));

        // then: mean of (1.2, 1.6) and (0.6, 0.8)
        assertThat(result.update()).containsExactly(new float[] {0.9f, 1.2f}, within(1e-6f));
        assertThat(result.weights()).containsExactly(0.5, 0.5);
        assertThat(result.rejections()).isEmpty();
        assertThat((double[]) result.metrics().get("l2-norm"))
                .containsExactly(new double[] {5, 1}, within(1e-6));
        assertThat((double[]) result.metrics().get("clip-scale"))
                .containsExactly(new double[] {0.4, 1}, within(1e-9));
        assertThat((double[]) result.metrics().get("clipped-norm"))
                .containsExactly(new double[] {2, 1}, within(1e-6));
        assertThat(result.metrics()).containsEntry("clip-bound", 2.0);
    }

    @Test
    void medianTimesBoundFollowsTheRound() {
        // norms 5, 1, 2: median 2, factor 1 → bound 2
        var input = submissions(v(3, 4), v(0, 1), v(0, 2));

        Aggregation result = NormClipping.medianTimes(1).aggregate(input, context(2));

        assertThat(result.metrics()).containsEntry("median-norm", 2.0);
        assertThat(result.metrics()).containsEntry("clip-bound", 2.0);
        // mean of (1.2, 1.6), (0, 1), (0, 2)
        assertThat(result.update()).containsExactly(new float[] {0.4f, 4.6f / 3}, within(1e-6f));
    }

    @Test
    void zeroUpdateIsLeftAsItIs() {
        var input = submissions(v(0, 0), v(0, 4));

        Aggregation result = NormClipping.fixed(1).aggregate(input, context(2));

        assertThat((double[]) result.metrics().get("clip-scale")).containsExactly(1, 0.25);
        assertThat(result.update()).containsExactly(0, 0.5f);
    }

    @Test
    void aroundHandsTheClippedUpdatesToTheInnerRule() {
        var input = submissions(v(10), v(1), v(-0.5f));

        Aggregation result =
                NormClipping.fixed(2).around(new CoordinateMedian()).aggregate(input, context(1));

        // clipped: 2, 1, −0.5 → median 1 from t1
        assertThat(result.update()).containsExactly(1);
        assertThat(result.weights()).containsExactly(0, 1, 0);
        assertThat(result.metrics()).containsEntry("inner-rule", "coordinate-median");
        @SuppressWarnings("unchecked")
        Map<String, Object> inner = (Map<String, Object>) result.metrics().get("inner");
        assertThat((double[]) inner.get("l2-norm")).containsExactly(2, 1, 0.5);
        assertThat(NormClipping.fixed(2).around(new CoordinateMedian()).name())
                .isEqualTo("norm-clipping(bound=2.0)+coordinate-median");
    }

    @Test
    void badBoundsAreRefused() {
        assertThatThrownBy(() -> NormClipping.fixed(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the bound must be positive and finite, got 0.0");
        assertThatThrownBy(() -> new NormClipping(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NormClipping.medianTimes(-2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the median factor must be positive");
    }
}
