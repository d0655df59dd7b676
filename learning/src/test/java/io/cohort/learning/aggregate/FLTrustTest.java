package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.context;
import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FLTrustTest {

    private final FLTrust fltrust = new FLTrust();

    @Test
    void oppositeAndOrthogonalUpdatesGetNoTrust() {
        // given: reference (1, 0); cosines 1, 0, −1, 1/√2
        var input = submissions(v(2, 0), v(0, 3), v(-5, 0), v(3, 3));

        // when
        Aggregation result = fltrust.aggregate(input, context(2, v(1, 0)));

        // then: (1·(1, 0) + (1/√2)·(1/√2, 1/√2)) / (1 + 1/√2)
        double s = Math.sqrt(0.5);
        assertThat((double[]) result.metrics().get("cosine"))
                .containsExactly(new double[] {1, 0, -1, s}, within(1e-12));
        assertThat((double[]) result.metrics().get("trust-score"))
                .containsExactly(new double[] {1, 0, 0, s}, within(1e-12));
        assertThat(result.weights())
                .containsExactly(new double[] {1 / (1 + s), 0, 0, s / (1 + s)}, within(1e-12));
        assertThat(result.update())
                .containsExactly(
                        new float[] {(float) (1.5 / (1 + s)), (float) (0.5 / (1 + s))},
                        within(1e-6f));
        assertThat(result.rejections())
                .containsExactly(
                        new Rejection(1, "negative-cosine", "cosine", 0, 0),
                        new Rejection(2, "negative-cosine", "cosine", -1, 0));
    }

    @Test
    void updatesAreRescaledToTheReferenceNorm() {
        var input = submissions(v(0, 100));

        Aggregation result = fltrust.aggregate(input, context(2, v(0, 2)));

        assertThat(result.update()).containsExactly(0, 2);
        assertThat(result.weights()).containsExactly(1);
        assertThat(result.metrics()).containsEntry("reference-norm", 2.0);
        assertThat((double[]) result.metrics().get("rescale-factor")).containsExactly(0.02);
    }

    @Test
    void aHugeAlignedUpdateCountsNoMoreThanASmallOne() {
        var input = submissions(v(1000, 0), v(0.001f, 0));

        Aggregation result = fltrust.aggregate(input, context(2, v(3, 0)));

        assertThat(result.update()).containsExactly(new float[] {3, 0}, within(1e-6f));
        assertThat(result.weights()).containsExactly(0.5, 0.5);
    }

    @Test
    void noTrustAtAllGivesAZeroUpdate() {
        var input = submissions(v(-1, 0), v(0, 0));

        Aggregation result = fltrust.aggregate(input, context(2, v(1, 0)));

        assertThat(result.update()).containsExactly(0, 0);
        assertThat(result.weights()).containsExactly(0, 0);
        assertThat(result.rejections()).extracting(Rejection::index).containsExactly(0, 1);
        assertThat(result.metrics()).containsEntry("fallback", "zero-update");
    }

    @Test
    void needsAReference() {
        var input = submissions(v(1, 0));

        assertThatThrownBy(() -> fltrust.aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference update (context.reference())");
        assertThatThrownBy(() -> fltrust.aggregate(input, context(2, v(0, 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all zeros");
        assertThatThrownBy(() -> fltrust.aggregate(input, context(2, v(1, 0, 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reference update has 3 values but the global model has 2");
        assertThatThrownBy(() -> fltrust.aggregate(input, context(2, v(1, Float.NaN))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value 1 is NaN");
    }
}
