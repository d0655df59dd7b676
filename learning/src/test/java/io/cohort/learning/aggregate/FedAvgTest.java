package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FedAvgTest {

    @Test
    void weightsByReportedSamplesBelowTheCap() {
        // given
        var input = List.of(new Submission("a", v(0), 100), new Submission("b", v(3), 200));

        // when
        Aggregation result = new FedAvg(1000).aggregate(input, context(1));

        // then
        assertThat(result.update()).containsExactly(2);
        assertThat(result.weights()).containsExactly(1.0 / 3, 2.0 / 3);
        assertThat(result.rejections()).isEmpty();
    }

    @Test
    void aBillionClaimedSamplesDoNotDominate() {
        var input =
                List.of(
                        new Submission("honest-1", v(1), 100),
                        new Submission("honest-2", v(1), 100),
                        new Submission("liar", v(100), 1_000_000_000L));

        Aggregation capped = new FedAvg(100).aggregate(input, context(1));
        Aggregation uncapped = new FedAvg(Long.MAX_VALUE).aggregate(input, context(1));

        assertThat(capped.weights()).containsExactly(1.0 / 3, 1.0 / 3, 1.0 / 3);
        assertThat(capped.update()).containsExactly(34);
        assertThat((double[]) capped.metrics().get("sample-weight")).containsExactly(100, 100, 100);
        // what the cap prevents
        assertThat(uncapped.update()[0]).isGreaterThan(99.99f);
    }

    @Test
    void noReportedSamplesMeansNoWeight() {
        var input =
                List.of(
                        new Submission("a", v(5), 0),
                        new Submission("b", v(1), 10),
                        new Submission("c", v(9), -3));

        Aggregation result = new FedAvg(100).aggregate(input, context(1));

        assertThat(result.update()).containsExactly(1);
        assertThat(result.weights()).containsExactly(0, 1, 0);
        assertThat(result.rejections())
                .containsExactly(
                        new Rejection(0, "no-samples", "reported-samples", 0, 1),
                        new Rejection(2, "no-samples", "reported-samples", -3, 1));
    }

    @Test
    void allWeightsZeroFallsBackToThePlainMean() {
        var input = List.of(new Submission("a", v(2), 0), new Submission("b", v(4), 0));

        Aggregation result = new FedAvg(100).aggregate(input, context(1));

        assertThat(result.update()).containsExactly(3);
        assertThat(result.weights()).containsExactly(0.5, 0.5);
        assertThat(result.rejections()).isEmpty();
        assertThat(result.metrics()).containsEntry("fallback", "plain-mean");
    }

    @Test
    void equalWeightsIgnoreTheCounts() {
        var input = List.of(new Submission("a", v(2), 1), new Submission("b", v(4), 1_000));

        Aggregation result = FedAvg.equalWeights().aggregate(input, context(1));

        assertThat(result.update()).containsExactly(3);
        assertThat(result.weights()).containsExactly(0.5, 0.5);
        assertThat(FedAvg.equalWeights().name()).isEqualTo("fedavg(equal)");
    }

    @Test
    void capBelowOneIsRefused() {
        assertThatThrownBy(() -> new FedAvg(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1")
                .hasMessageContaining("equalWeights()");
    }
}
