package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.RoundRecords;
import io.cohort.learning.policy.ScoringPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a replayed judgment is compared with the round's settled record. */
class ReplayDifferencesTest {

    private static final String A = "0x" + "aa".repeat(20);
    private static final String B = "0x" + "bb".repeat(20);
    private static final String C = "0x" + "cc".repeat(20);

    private static ScoringPolicy.Outcome outcome(int a, int b, String flagC) {
        return new ScoringPolicy.Outcome(
                List.of(A, B, C),
                new int[] {a, b, 0},
                flagC == null
                        ? List.of()
                        : List.of(new ScoringPolicy.Flag(C, flagC, "cosine", 0.1, 0.5)),
                null,
                null,
                null,
                null);
    }

    private static List<RoundRecords.Submission> record(int a, int b, String flagC) {
        return List.of(
                new RoundRecords.Submission(A, "bafya", null, a, null),
                new RoundRecords.Submission(B, "bafyb", null, b, null),
                new RoundRecords.Submission(C, "bafyc", flagC, 0, null));
    }

    @Test
    void aReplayThatMatchesTheRecordHasNoDifferences() {
        assertThat(
                        EvaluatorNode.differences(
                                outcome(6000, 4000, "outlier:cosine"),
                                record(6000, 4000, "outlier:cosine")))
                .isEmpty();
    }

    @Test
    void everyScoreOrFlagThatDiffersIsNamed() {
        // scores moved by a trainer the replay flagged where the record did not
        List<String> d =
                EvaluatorNode.differences(outcome(5000, 5000, "clone"), record(6000, 4000, null));
        assertThat(d)
                .containsExactly(
                        A + ": 5000 bps replayed, 6000 bps in the record",
                        B + ": 5000 bps replayed, 4000 bps in the record",
                        C + ": flagged clone replayed, 0 bps in the record");
    }

    @Test
    void aSubmissionTheReplayLacksCountsAsUnpaid() {
        ScoringPolicy.Outcome onlyA =
                new ScoringPolicy.Outcome(
                        List.of(A), new int[] {10_000}, List.of(), null, null, null, null);
        assertThat(EvaluatorNode.differences(onlyA, record(10_000, 0, null))).isEmpty();
        assertThat(EvaluatorNode.differences(onlyA, record(10_000, 1, null)))
                .containsExactly(B + ": 0 bps replayed, 1 bps in the record");
    }

    @Test
    void addressesCompareWhateverTheirCase() {
        String mixed = "0x" + "aA".repeat(20);
        ScoringPolicy.Outcome o =
                new ScoringPolicy.Outcome(
                        List.of(mixed), new int[] {10_000}, List.of(), null, null, null, null);
        assertThat(
                        EvaluatorNode.differences(
                                o,
                                List.of(
                                        new RoundRecords.Submission(
                                                mixed.toLowerCase(java.util.Locale.ROOT),
                                                "bafya",
                                                null,
                                                10_000,
                                                null))))
                .isEmpty();
    }
}
