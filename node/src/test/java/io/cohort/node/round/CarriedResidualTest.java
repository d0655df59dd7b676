package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which earlier round's compression residual a trainer carries into the next. */
class CarriedResidualTest {

    @Test
    void theLatestJournaledRoundTheChainStillHolds() throws Exception {
        List<Long> asked = new ArrayList<>();
        OptionalLong from =
                TrainerNode.carriedFrom(
                        5,
                        r -> Set.of(1L, 3L, 4L).contains(r),
                        r -> {
                            asked.add(r);
                            return true;
                        });
        assertThat(from).hasValue(4);
        // the chain is asked about the candidate only
        assertThat(asked).containsExactly(4L);
    }

    @Test
    void aSubmissionTheChainDroppedIsPassedOverForAnEarlierOne() throws Exception {
        List<Long> asked = new ArrayList<>();
        OptionalLong from =
                TrainerNode.carriedFrom(
                        5,
                        r -> Set.of(1L, 3L, 4L).contains(r),
                        r -> {
                            asked.add(r);
                            return r != 4;
                        });
        assertThat(from).hasValue(3);
        assertThat(asked).containsExactly(4L, 3L);
    }

    @Test
    void nothingDeliveredCarriesNothing() throws Exception {
        assertThat(TrainerNode.carriedFrom(0, r -> true, r -> true)).isEmpty();
        assertThat(TrainerNode.carriedFrom(3, r -> r == 1, r -> false)).isEmpty();
        assertThat(TrainerNode.carriedFrom(3, r -> false, r -> true)).isEmpty();
    }
}
