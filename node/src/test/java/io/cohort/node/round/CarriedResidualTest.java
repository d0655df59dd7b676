package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which earlier round's compression residual a trainer carries into the next. */
class CarriedResidualTest {

    /** The chain's answers, asked of these rounds in this order. */
    private final List<Long> asked = new ArrayList<>();

    private OptionalLong carried(long round, Set<Long> journaled, Set<Long> dropped)
            throws Exception {
        return TrainerNode.carriedFrom(
                round,
                journaled::contains,
                r -> {
                    asked.add(r);
                    return !dropped.contains(r);
                });
    }

    @Test
    void theLatestJournaledRoundTheChainStillHolds() throws Exception {
        assertThat(carried(5, Set.of(1L, 3L, 4L), Set.of())).hasValue(4);
        // the chain is asked about the candidate only
        assertThat(asked).containsExactly(4L);
    }

    @Test
    void aSubmissionTheChainDroppedIsPassedOverForAnEarlierOne() throws Exception {
        assertThat(carried(5, Set.of(1L, 3L, 4L), Set.of(4L))).hasValue(3);
        assertThat(asked).containsExactly(4L, 3L);
    }

    @Test
    void nothingDeliveredCarriesNothing() throws Exception {
        assertThat(carried(0, Set.of(0L), Set.of())).isEmpty();
        assertThat(carried(3, Set.of(1L), Set.of(1L))).isEmpty();
        assertThat(carried(3, Set.of(), Set.of())).isEmpty();
        assertThat(asked).containsExactly(1L);
    }
}
