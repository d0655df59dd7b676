package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.submissions;
import static io.cohort.learning.aggregate.AggregationFixtures.v;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The record and persistence rules of {@link CohortPolicy} on hand-made 4-vectors. */
class CohortPolicyTest {

    private static final float[] REFERENCE = v(1, 0, 0, 0);
    private static final float[] ALONG_A = v(1, 1, 0, 0); // cos 1/√2 with the reference
    private static final float[] ALONG_B = v(1, 0, 1, 0); // cos 1/√2
    private static final float[] AGAINST = v(-1, 0, 0, 1); // cos −1/√2

    private static Aggregation round(CohortPolicy policy, int round, float[]... updates) {
        return policy.aggregate(
                submissions(updates), new AggregationContext(round, new float[4], REFERENCE, 0));
    }

    @Test
    void anUpdateAgainstTheReferenceGetsNothingAndIsFlaggedOnlyInItsThirdRoundInARow() {
        CohortPolicy policy = new CohortPolicy();
        for (int r = 1; r <= 2; r++) {
            Aggregation a = round(policy, r, ALONG_A, ALONG_B, AGAINST);
            assertThat(a.rejections()).as("round %d", r).isEmpty();
            assertThat(a.weights()).as("round %d", r).containsExactly(0.5, 0.5, 0.0);
            assertThat((int[]) a.metrics().get("zero-trust-streak")).containsExactly(0, 0, r);
        }
        Aggregation third = round(policy, 3, ALONG_A, ALONG_B, AGAINST);
        assertThat(third.rejections()).hasSize(1);
        Rejection flag = third.rejections().get(0);
        assertThat(flag.index()).isEqualTo(2);
        assertThat(flag.reason()).isEqualTo("outlier");
        // the mean of its three cosines, against the margin
        assertThat(flag.metric()).isEqualTo("cosine-record");
        assertThat(flag.value()).isCloseTo(-1 / Math.sqrt(2), within(1e-12));
        assertThat(flag.threshold()).isEqualTo(-CohortPolicy.FLAG_MARGIN);
        assertThat(third.weights()).containsExactly(0.5, 0.5, 0.0);
    }

    @Test
    void anUpdateJustBelowZeroRoundAfterRoundGetsNothingButIsNotFlagged() {
        // cos ≈ −0.05: where honest updates on skewed data sit once the model has converged
        float[] nearZero = v(-0.05f, 1, 0, 0);
        CohortPolicy policy = new CohortPolicy();
        for (int r = 1; r <= 8; r++) {
            Aggregation a = round(policy, r, ALONG_A, ALONG_B, nearZero);
            assertThat(a.rejections()).as("round %d", r).isEmpty();
            assertThat(a.weights()[2]).as("round %d", r).isZero();
            assertThat((int[]) a.metrics().get("zero-trust-streak")).containsExactly(0, 0, r);
            assertThat(((double[]) a.metrics().get("mean-cosine"))[2])
                    .isCloseTo(-0.05 / Math.sqrt(1.0025), within(1e-6));
        }
    }

    @Test
    void theStreakFlagsOnlyOnceTheMeanOverTheWindowIsBelowTheMargin() {
        // two rounds along (cos 1/√2), then slightly against (cos −0.2/√1.04 ≈ −0.196) from round 3
        float[] along = v(1, 0, 0, 1);
        float[] slightlyAgainst = v(-0.2f, 0, 0, 1);
        double against = -0.2 / Math.sqrt(1.04);
        double aligned = 1 / Math.sqrt(2);
        CohortPolicy policy = new CohortPolicy();
        for (int r = 1; r <= 7; r++) {
            Aggregation a = round(policy, r, ALONG_A, ALONG_B, r <= 2 ? along : slightlyAgainst);
            double mean = ((double[]) a.metrics().get("mean-cosine"))[2];
            if (r == 5) { // a streak of 3, but the window (2 along, 3 against) is still positive
                assertThat(mean).isCloseTo((2 * aligned + 3 * against) / 5, within(1e-6));
            }
            if (r == 6) { // a streak of 4; 1 along and 4 against: below zero, above the margin
                assertThat(mean).isCloseTo((aligned + 4 * against) / 5, within(1e-6));
            }
            if (r < 7) {
                assertThat(a.rejections()).as("round %d", r).isEmpty();
            } else { // all 5 against: the mean is below −0.1
                assertThat(mean).isCloseTo(against, within(1e-6));
                assertThat(a.rejections())
                        .singleElement()
                        .satisfies(
                                j -> {
                                    assertThat(j.index()).isEqualTo(2);
                                    assertThat(j.reason()).isEqualTo("outlier");
                                    assertThat(j.value()).isCloseTo(against, within(1e-6));
                                });
            }
        }
    }

    @Test
    void aTrainerThatSometimesPointsAwayIsNeverFlagged() {
        CohortPolicy policy = new CohortPolicy();
        for (int r = 1; r <= 8; r++) {
            float[] sometimes = r % 2 == 1 ? AGAINST : v(1, 0, 0, 1);
            Aggregation a = round(policy, r, ALONG_A, ALONG_B, sometimes);
            assertThat(a.rejections()).as("round %d", r).isEmpty();
        }
    }

    @Test
    void theTrustOfAnAlignedUpdateIsScaledByTheSquareOfTheTrainersRecentRecord() {
        CohortPolicy policy = new CohortPolicy();
        round(policy, 1, ALONG_A, ALONG_B, AGAINST);
        // round 2: the third trainer now points along the reference (cos 2/√5), but its record is
        // the mean of −1/√2 and 2/√5; the others' records are 1/√2
        Aggregation a = round(policy, 2, ALONG_A, ALONG_B, v(2, 0, 0, -1));
        double c = 2 / Math.sqrt(5);
        double record = (c - 1 / Math.sqrt(2)) / 2;
        double aligned = Math.pow(1 / Math.sqrt(2), 3); // c · ρ² with c = ρ = 1/√2
        double[] trust = {aligned, aligned, c * record * record};
        double total = trust[0] + trust[1] + trust[2];
        assertThat((double[]) a.metrics().get("record"))
                .containsExactly(
                        new double[] {1 / Math.sqrt(2), 1 / Math.sqrt(2), record}, within(1e-12));
        assertThat(a.weights())
                .containsExactly(
                        new double[] {trust[0] / total, trust[1] / total, trust[2] / total},
                        within(1e-12));
        assertThat(a.weights()[2]).isLessThan(0.1);
    }

    @Test
    void theRecordForgetsRoundsOlderThanItsWindow() {
        CohortPolicy policy = new CohortPolicy(4, 0.01, 0, 2, 3, 0.1, new SybilDefence());
        round(policy, 1, ALONG_A, ALONG_B, AGAINST);
        round(policy, 2, ALONG_A, ALONG_B, v(1, 0, 0, -1));
        Aggregation a = round(policy, 3, ALONG_A, ALONG_B, v(1, 0, 0, -1));
        // window 2: rounds 2 and 3 only, both at cos 1/√2
        assertThat(((double[]) a.metrics().get("record"))[2])
                .isCloseTo(1 / Math.sqrt(2), within(1e-12));
        assertThat(a.weights()[2]).isCloseTo(1 / 3.0, within(1e-12));
    }

    @Test
    void rejectsAWindowOrPersistenceBelowOneAndAMarginOutsideZeroToOne() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new CohortPolicy(4, 0.01, 0, 0, 3, 0.1, new SybilDefence()))
                .withMessageContaining("window");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new CohortPolicy(4, 0.01, 0, 5, 0, 0.1, new SybilDefence()))
                .withMessageContaining("persistence");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new CohortPolicy(4, 0.01, 0, 5, 3, -0.1, new SybilDefence()))
                .withMessageContaining("flagMargin");
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () -> new CohortPolicy(4, 0.01, 0, 5, 3, Double.NaN, new SybilDefence()))
                .withMessageContaining("flagMargin");
        // below 0 an update against the reference would get negative trust, weight and score
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new CohortPolicy(4, 0.01, -0.5, 5, 3, 0.1, new SybilDefence()))
                .withMessageContaining("minCosine must be in [0, 1)");
    }

    @Test
    void anUnusableReferenceGivesAZeroUpdateAndLeavesEveryRecordAsItWas() {
        CohortPolicy policy = new CohortPolicy();
        CohortPolicy fresh = new CohortPolicy();
        round(policy, 1, ALONG_A, ALONG_B, AGAINST);
        round(fresh, 1, ALONG_A, ALONG_B, AGAINST);
        for (float[] reference : new float[][] {v(Float.NaN, 0, 0, 0), v(0, 0, 0, 0)}) {
            // when: the reference diverged, or stalled
            Aggregation a =
                    policy.aggregate(
                            submissions(ALONG_A, ALONG_B, AGAINST),
                            new AggregationContext(2, new float[4], reference, 0));
            // then: nothing flagged, nobody weighted, the model kept
            assertThat(a.rejections()).isEmpty();
            assertThat(a.weights()).containsExactly(0.0, 0.0, 0.0);
            assertThat(a.update()).containsExactly(0f, 0f, 0f, 0f);
            assertThat(a.metrics()).containsEntry("fallback", "unusable-reference");
            assertThat(a.metrics()).doesNotContainKeys("cosine", "sybil");
        }
        // and the next round is judged as if those rounds had not been
        Aggregation after = round(policy, 2, ALONG_A, ALONG_B, AGAINST);
        Aggregation expected = round(fresh, 2, ALONG_A, ALONG_B, AGAINST);
        assertThat(after.weights()).isEqualTo(expected.weights());
        assertThat((int[]) after.metrics().get("zero-trust-streak")).containsExactly(0, 0, 2);
        assertThat((double[]) after.metrics().get("mean-cosine"))
                .isEqualTo((double[]) expected.metrics().get("mean-cosine"));
    }

    @Test
    void aRestoredStateCarriesTheRecordSoTheThirdRoundFlagsAsWithoutTheRestart() {
        // given: two rounds against the reference, the state taken into a new policy
        CohortPolicy first = new CohortPolicy();
        round(first, 1, ALONG_A, ALONG_B, AGAINST);
        round(first, 2, ALONG_A, ALONG_B, AGAINST);
        CohortPolicy.State state = first.state();
        CohortPolicy second = new CohortPolicy();
        // when
        second.restore(state, 4);
        // then
        Aggregation third = round(second, 3, ALONG_A, ALONG_B, AGAINST);
        assertThat(third.rejections()).extracting(Rejection::reason).containsExactly("outlier");
        assertThat(third.metrics().get("mean-cosine"))
                .isEqualTo(round(first, 3, ALONG_A, ALONG_B, AGAINST).metrics().get("mean-cosine"));
    }

    @Test
    void anInconsistentStateIsRefusedAndChangesNothing() {
        // given
        CohortPolicy policy = new CohortPolicy();
        round(policy, 1, ALONG_A, ALONG_B, AGAINST);
        CohortPolicy.State good = policy.state();
        var sixCosines = new java.util.TreeMap<>(good.cosines());
        sixCosines.put("t0", new double[6]);
        var streakAlone = new java.util.TreeMap<>(good.streaks());
        streakAlone.put("nobody", 1);
        var shortHistory = new java.util.TreeMap<>(good.sybil().histories());
        shortHistory.put("t0", new float[3]);
        // then
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () ->
                                policy.restore(
                                        new CohortPolicy.State(
                                                sixCosines, good.streaks(), good.sybil()),
                                        4))
                .withMessageContaining("6 cosines in the state, the window is 1 to 5");
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () ->
                                policy.restore(
                                        new CohortPolicy.State(
                                                good.cosines(), streakAlone, good.sybil()),
                                        4))
                .withMessageContaining("nobody's zero-trust streak in the state is 1 without");
        assertThatIllegalArgumentException()
                .isThrownBy(
                        () ->
                                policy.restore(
                                        new CohortPolicy.State(
                                                good.cosines(),
                                                good.streaks(),
                                                new SybilDefence.State(
                                                        shortHistory,
                                                        good.sybil().rounds(),
                                                        1,
                                                        true)),
                                        4))
                .withMessageContaining("t0's history has 3 values, the model 4");
        assertThat(policy.state().streaks()).isEqualTo(good.streaks());
        assertThat(policy.state().cosines().get("t0")).isEqualTo(good.cosines().get("t0"));
        assertThat(policy.state().sybil().histories().get("t0"))
                .isEqualTo(good.sybil().histories().get("t0"));
    }
}
