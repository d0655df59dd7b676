package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class CoordinateMedianTest {

    private final CoordinateMedian median = new CoordinateMedian();

    @Test
    void oddCountTakesTheMiddleValueOfEachCoordinate() {
        // given: coordinate 0 sorts 1, 2, 3 (t2 in the middle); coordinate 1 sorts −5, 0, 10 (t0)
        var input = submissions(v(1, 0), v(3, -5), v(2, 10));

        // when
        Aggregation result = median.aggregate(input, context(2));

        // then
        assertThat(result.update()).containsExactly(2, 0);
        assertThat(result.weights()).containsExactly(0.5, 0, 0.5);
        assertThat((double[]) result.metrics().get("coordinates-supplied"))
                .containsExactly(1, 0, 1);
        assertThat(result.rejections()).isEmpty();
    }

    @Test
    void evenCountTakesTheMeanOfTheTwoMiddleValues() {
        // given: 1, 2, 4, 100 → (2 + 4) / 2
        var input = submissions(v(1), v(4), v(2), v(100));

        // when
        Aggregation result = median.aggregate(input, context(1));

        // then
        assertThat(result.update()).containsExactly(3);
        assertThat(result.weights()).containsExactly(0, 0.5, 0.5, 0);
        assertThat((double[]) result.metrics().get("coordinates-supplied"))
                .containsExactly(0, 0.5, 0.5, 0);
    }

    @Test
    void medianIgnoresOneOutlier() {
        var input = submissions(v(1.0f, -1.0f), v(1.2f, -0.8f), v(0.9f, -1.1f), v(1e6f, 1e6f));

        Aggregation result = median.aggregate(input, context(2));

        assertThat(result.update()).containsExactly(new float[] {1.1f, -0.9f}, within(1e-6f));
        assertThat(result.weights()).containsExactly(0.5, 0.5, 0, 0);
    }

    @Test
    void aValueSeveralHoldIsSharedAmongThem() {
        // ranks 1 (t3), 5 (t0), 5 (t1), 5 (t2), 9 (t4): the middle value 5 is held by three
        var input = submissions(v(5, 2), v(5, 1), v(5, 1), v(1, 0), v(9, 3));

        Aggregation result = median.aggregate(input, context(2));

        assertThat(result.update()).containsExactly(5, 1);
        // coordinate 0: a third each to t0, t1, t2; coordinate 1: 1 held by t1 and t2, a half each
        double third = 1.0 / 3;
        assertThat(result.weights())
                .containsExactly(third / 2, (third + 0.5) / 2, (third + 0.5) / 2, 0, 0);
        assertThat((double[]) result.metrics().get("coordinates-supplied"))
                .containsExactly(third, third + 0.5, third + 0.5, 0, 0);
    }

    @Test
    void negativeAndPositiveZeroTie() {
        var input = submissions(v(0.0f), v(-0.0f), v(-1));

        Aggregation result = median.aggregate(input, context(1));

        // ranks −1 (t2), 0 (t0), 0 (t1): −0.0 ranks as 0.0, and the two zeros share the middle
        assertThat(result.weights()).containsExactly(0.5, 0.5, 0);
        assertThat(result.update()[0]).isEqualTo(0.0f);
    }

    @Test
    void anEvenCountSharesEachMiddleRankAmongItsValuesHolders() {
        // ranks 4 (t0), 4 (t2), 4 (t3), 8 (t1): both middle ranks hold 4, which three hold
        var input = submissions(v(4), v(8), v(4), v(4));

        Aggregation result = median.aggregate(input, context(1));

        assertThat(result.update()).containsExactly(4);
        assertThat(result.weights()).containsExactly(1.0 / 3, 0, 1.0 / 3, 1.0 / 3);
    }

    @Test
    void singleSubmissionIsItsOwnMedian() {
        Aggregation result = median.aggregate(submissions(v(1, -2, 3)), context(3));

        assertThat(result.update()).containsExactly(1, -2, 3);
        assertThat(result.weights()).containsExactly(1);
    }
}
