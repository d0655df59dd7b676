package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class MultiKrumTest {

    /**
     * A cross of five honest updates around (10, 20) and two far outliers. With f = 2 each score
     * sums the 3 nearest squared distances: the centre (index 3) scores 1 + 1 + 1 = 3, the four
     * arms 1 + 2 + 2 = 5.
     */
    private static List<Submission> crossWithOutliers() {
        return submissions(
                v(11, 20), v(110, 120), v(10, 21), v(10, 20), v(9, 20), v(-90, 120), v(10, 19));
    }

    @Test
    void krumPicksTheInlierAmongOutliers() {
        // given
        var input = crossWithOutliers();

        // when
        Aggregation result = MultiKrum.krum(2).aggregate(input, context(2));

        // then
        assertThat(result.update()).containsExactly(10, 20);
        assertThat(result.weights()).containsExactly(0, 0, 0, 1, 0, 0, 0);
        double[] scores = (double[]) result.metrics().get("krum-score");
        assertThat(scores[3]).isEqualTo(3);
        assertThat(new double[] {scores[0], scores[2], scores[4], scores[6]}).containsOnly(5);
        assertThat(scores[1]).isGreaterThan(10_000);
        assertThat(scores[5]).isGreaterThan(10_000);
        assertThat(result.metrics()).containsEntry("krum-neighbours", 3);
    }

    @Test
    void multiKrumAveragesTheLowestScoresAndRejectsTheRestAsKrumOutliers() {
        var input = crossWithOutliers();

        Aggregation result = new MultiKrum(2, 3).aggregate(input, context(2));

        // the centre, then the arms at 0 and 2 (the 5s tie; lower indices win)
        assertThat(result.weights()).containsExactly(1.0 / 3, 0, 1.0 / 3, 1.0 / 3, 0, 0, 0);
        assertThat(result.update()).containsExactly(new float[] {31f / 3, 61f / 3}, within(1e-5f));
        assertThat(result.rejections()).extracting(Rejection::index).containsExactly(1, 4, 5, 6);
        assertThat(result.rejections())
                .allSatisfy(
                        r -> {
                            assertThat(r.reason()).isEqualTo("krum-outlier");
                            assertThat(r.metric()).isEqualTo("krum-score");
                            assertThat(r.threshold()).isEqualTo(5);
                        });
        assertThat(result.rejections().get(1).value()).isEqualTo(5);
        assertThat(result.metrics()).containsEntry("krum-threshold", 5.0);
        double[][] distances = (double[][]) result.metrics().get("squared-distance");
        assertThat(distances[0][3]).isEqualTo(1);
        assertThat(distances[0][4]).isEqualTo(4);
        assertThat(distances[4][0]).isEqualTo(4);
    }

    @Test
    void tooFewSubmissionsNamesNAndF() {
        var input = crossWithOutliers().subList(0, 6);

        assertThatThrownBy(() -> MultiKrum.krum(2).aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("n > 2f + 2 = 6")
                .hasMessageContaining("n = 6")
                .hasMessageContaining("f = 2");
    }

    @Test
    void selectingMoreThanNMinusFIsRefused() {
        var input = crossWithOutliers();

        assertThatThrownBy(() -> new MultiKrum(2, 6).aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m = 6")
                .hasMessageContaining("n − f = 5");
    }

    @Test
    void badParametersAreRefused() {
        assertThatThrownBy(() -> new MultiKrum(-1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("f is the number of Byzantine submissions");
        assertThatThrownBy(() -> new MultiKrum(1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("m is the number of submissions selected");
    }
}
