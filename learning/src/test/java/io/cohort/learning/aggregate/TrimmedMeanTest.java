package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TrimmedMeanTest {

    @Test
    void dropsTheLargestAndSmallestAndAveragesTheRest() {
        // given: 1, 2, 3, 4, 100 with trim 1 → mean(2, 3, 4)
        var input = submissions(v(1), v(2), v(3), v(4), v(100));

        // when
        Aggregation result = new TrimmedMean(1).aggregate(input, context(1));

        // then
        assertThat(result.update()).containsExactly(3);
        assertThat(result.weights()).containsExactly(0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 0);
    }

    @Test
    void trimsEachCoordinateOnItsOwn() {
        // coordinate 0: −10 (t0) … 3 (t4) dropped → mean(0, 1, 2) = 1, kept t1 t2 t3
        // coordinate 1: −40 (t4) and 50 (t3) dropped → mean(1, 2, 3) = 2, kept t0 t1 t2
        var input = submissions(v(-10, 1), v(0, 2), v(1, 3), v(2, 50), v(3, -40));

        Aggregation result = new TrimmedMean(1).aggregate(input, context(2));

        assertThat(result.update()).containsExactly(1, 2);
        assertThat(result.weights())
                .containsExactly(
                        new double[] {1.0 / 6, 2.0 / 6, 2.0 / 6, 1.0 / 6, 0}, within(1e-15));
        assertThat((double[]) result.metrics().get("coordinates-kept"))
                .containsExactly(1, 2, 2, 1, 0);
        assertThat((double[]) result.metrics().get("coordinates-trimmed-low"))
                .containsExactly(1, 0, 0, 0, 1);
        assertThat((double[]) result.metrics().get("coordinates-trimmed-high"))
                .containsExactly(0, 0, 0, 1, 1);
    }

    @Test
    void aValueSeveralHoldCountsForEachByTheShareOfItsRanksKept() {
        // ranks 0 (t0), 0 (t1), 0 (t2), 5 (t3), trim 1: the zeros' three ranks are one trimmed low
        // and two kept, so each zero is a third trimmed and two thirds kept
        var input = submissions(v(0), v(0), v(0), v(5));

        Aggregation result = new TrimmedMean(1).aggregate(input, context(1));

        assertThat(result.update()).containsExactly(0);
        double third = 1.0 / 3;
        assertThat((double[]) result.metrics().get("coordinates-trimmed-low"))
                .containsExactly(third, third, third, 0);
        assertThat((double[]) result.metrics().get("coordinates-kept"))
                .containsExactly(2 * third, 2 * third, 2 * third, 0);
        assertThat((double[]) result.metrics().get("coordinates-trimmed-high"))
                .containsExactly(0, 0, 0, 1);
        assertThat(result.weights()).containsExactly(third, third, third, 0);
    }

    @Test
    void trimTwoOfSeven() {
        // −9, −8 and 8, 9 dropped → mean(0, 1, 2)
        var input = submissions(v(9), v(0), v(-8), v(1), v(8), v(2), v(-9));

        Aggregation result = new TrimmedMean(2).aggregate(input, context(1));

        assertThat(result.update()).containsExactly(1);
    }

    @Test
    void trimZeroIsTheMean() {
        var input = submissions(v(1, 10), v(2, 20), v(6, 60));

        Aggregation result = new TrimmedMean(0).aggregate(input, context(2));

        assertThat(result.update()).containsExactly(3, 30);
        assertThat(result.weights()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3);
    }

    @Test
    void needsMoreThanTwiceTrimSubmissions() {
        var input = submissions(v(1), v(2), v(3), v(4));

        assertThatThrownBy(() -> new TrimmedMean(2).aggregate(input, context(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2·trim = 4")
                .hasMessageContaining("n = 4");
    }

    @Test
    void aTrimWhoseDoubleOverflowsIsRefusedNotIndexedPast() {
        var input = submissions(v(1), v(2), v(3));

        assertThatThrownBy(() -> new TrimmedMean(1 << 30).aggregate(input, context(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2·trim = " + (2L << 30));
    }

    @Test
    void negativeTrimIsRefused() {
        assertThatThrownBy(() -> new TrimmedMean(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 0, got -1");
    }
}
