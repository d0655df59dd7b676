package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every rule refuses, and how it says so. */
class AggregatorInputErrorsTest {

    static Stream<Named<Supplier<Aggregator>>> everyRule() {
        return AggregatorPropertiesTest.everyRule();
    }

    /** A context with a reference, so FLTrust gets as far as the submissions. */
    private static AggregationContext context(int length) {
        float[] reference = new float[length];
        reference[0] = 1;
        return new AggregationContext(1, new float[length], reference, 0);
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void emptyInputIsRefused(Supplier<Aggregator> rule) {
        assertThatThrownBy(() -> rule.get().aggregate(List.of(), context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no submissions to aggregate");
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void mixedLengthsAreRefusedNamingBoth(Supplier<Aggregator> rule) {
        var input = submissions(v(1, 2), v(1, 2), v(1, 2, 3), v(1, 2), v(1, 2), v(1, 2), v(1, 2));

        assertThatThrownBy(() -> rule.get().aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mixed lengths")
                .hasMessageContaining("submission 0 (t0) has 2 values")
                .hasMessageContaining("submission 2 (t2) has 3");
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void lengthOtherThanTheGlobalModelIsRefused(Supplier<Aggregator> rule) {
        var input = submissions(v(1, 2), v(1, 2), v(1, 2), v(1, 2), v(1, 2), v(1, 2), v(1, 2));

        assertThatThrownBy(() -> rule.get().aggregate(input, context(3)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the updates have 2 values but the global model has 3");
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void nonFiniteValuesAreRefused(Supplier<Aggregator> rule) {
        var input =
                submissions(v(1, 2), v(1, 2), v(1, 2), v(1, Float.NaN), v(1, 2), v(1, 2), v(1, 2));

        assertThatThrownBy(() -> rule.get().aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("submission 3 (t3): value 1 is NaN");
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void missingUpdatesAreRefused(Supplier<Aggregator> rule) {
        var input = new java.util.ArrayList<>(submissions(v(1, 2), v(1, 2), v(1, 2)));
        input.add(new Submission("t3", null, 1));

        assertThatThrownBy(() -> rule.get().aggregate(input, context(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("submission 3 has no update");
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void messagesNameTheRule(Supplier<Aggregator> rule) {
        Aggregator aggregator = rule.get();

        assertThatThrownBy(() -> aggregator.aggregate(List.of(), context(2)))
                .hasMessageStartingWith(aggregator.name() + ": ");
    }
}
