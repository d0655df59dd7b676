package io.cohort.learning.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ScoringPolicyTest {

    static PolicyFixtures fx;
    static float[] global;
    static List<ScoringPolicy.Received> round1;

    @BeforeAll
    static void inputs() throws Exception {
        fx = new PolicyFixtures(1500, 6, 1);
        global = PolicyFixtures.initial();
        round1 = new ArrayList<>();
        for (int c = 0; c < 6; c++) {
            round1.add(
                    new ScoringPolicy.Received(
                            "0xhonest" + c,
                            PolicyFixtures.dense(fx.honestUpdate(global, c, 1)),
                            fx.clients.get(c).size(),
                            c));
        }
        float[] honest0 = fx.honestUpdate(global, 0, 1);
        float[] flipped = new float[honest0.length];
        float[] huge = new float[honest0.length];
        for (int i = 0; i < flipped.length; i++) {
            flipped[i] = -3 * honest0[i];
            huge[i] = 1000 * honest0[i];
        }
        byte[] corrupt = PolicyFixtures.dense(honest0);
        corrupt[corrupt.length / 2] ^= 0x5a;
        round1.add(new ScoringPolicy.Received("0xcopycat", round1.get(2).bytes(), 10, 100));
        round1.add(new ScoringPolicy.Received("0xcorrupt", corrupt, 10, 100));
        round1.add(new ScoringPolicy.Received("0xgarbage", "not an update".getBytes(), 10, 100));
        round1.add(
                new ScoringPolicy.Received(
                        "0xlazy", PolicyFixtures.dense(new float[honest0.length]), 10, 100));
        round1.add(
                new ScoringPolicy.Received("0xhuge", PolicyFixtures.dense(huge), 1_000_000, 100));
        round1.add(new ScoringPolicy.Received("0xflipped", PolicyFixtures.dense(flipped), 10, 100));
        round1.add(
                ScoringPolicy.Received.unreadable(
                        "0xcopied-cid",
                        "seal:wrong-context",
                        "sealed for trainer 0xaa, expected 0xbb",
                        100));
    }

    @Test
    void flagsEveryBadUpdateWithItsReasonAndPaysTheHonestExactly10000Bps() {
        // when
        ScoringPolicy.Outcome o = fx.policy().score(1, global, round1);
        // then
        Map<String, String> reasons =
                o.flags().stream()
                        .collect(
                                Collectors.toMap(
                                        ScoringPolicy.Flag::trainer, ScoringPolicy.Flag::reason));
        assertThat(reasons)
                .containsOnly(
                        Map.entry("0xcopycat", "duplicate"),
                        Map.entry("0xcorrupt", "malformed:checksum-mismatch"),
                        Map.entry("0xgarbage", "malformed:bad-magic"),
                        Map.entry("0xlazy", "free-rider"),
                        Map.entry("0xhuge", "norm-out-of-bounds"),
                        Map.entry("0xcopied-cid", "seal:wrong-context"));
        // against the reference in one round: nothing paid, not flagged (see the next test)
        assertThat(o.score("0xflipped")).isZero();
        int honestTotal = 0;
        for (int c = 0; c < 6; c++) {
            assertThat(o.score("0xhonest" + c)).as("honest %d", c).isPositive();
            honestTotal += o.score("0xhonest" + c);
        }
        assertThat(honestTotal).isEqualTo(ScoringPolicy.TOTAL_BPS);
        assertThat(Arrays.stream(o.scoresBps()).sum()).isEqualTo(ScoringPolicy.TOTAL_BPS);
        for (String bad : reasons.keySet()) {
            assertThat(o.score(bad)).as(bad).isZero();
        }
        assertThat(o.validation().samples()).isEqualTo(500);
        String report = new String(o.report(), StandardCharsets.UTF_8);
        assertThat(report)
                .contains("\"policy\" : \"cohort-policy/6\"")
                .contains("\"parameters\" : {")
                .contains(o.modelHash())
                .contains("CHECKSUM_MISMATCH")
                .contains("sealed for trainer 0xaa, expected 0xbb");
    }

    @Test
    void flagsAndReportAreTheSameInEveryLocale() {
        // given: Turkish lower case (I -> dotless i) and Arabic digits (1234 -> \u0661\u0662...)
        Locale before = Locale.getDefault();
        Locale formatBefore = Locale.getDefault(Locale.Category.FORMAT);
        ScoringPolicy.Outcome o;
        try {
            Locale.setDefault(Locale.forLanguageTag("tr-TR"));
            Locale.setDefault(Locale.Category.FORMAT, Locale.forLanguageTag("ar-EG"));
            // when
            o = fx.policy().score(1, global, round1);
        } finally {
            Locale.setDefault(before);
            Locale.setDefault(Locale.Category.FORMAT, formatBefore);
        }
        // then
        assertThat(o.flags())
                .extracting(ScoringPolicy.Flag::reason)
                .contains("malformed:checksum-mismatch", "malformed:bad-magic");
        String report = new String(o.report(), StandardCharsets.UTF_8);
        assertThat(report)
                .containsPattern("CRC-32C of the first [0-9]+ bytes")
                .isEqualTo(
                        new String(
                                fx.policy().score(1, global, round1).report(),
                                StandardCharsets.UTF_8));
    }

    @Test
    void anUpdateAgainstTheReferenceInThreeRoundsInARowIsFlaggedAnOutlier() {
        ScoringPolicy policy = fx.policy();
        for (int r = 1; r <= 2; r++) {
            ScoringPolicy.Outcome o = policy.score(r, global, round1);
            assertThat(o.flags()).as("round %d", r).noneMatch(f -> f.trainer().equals("0xflipped"));
            assertThat(o.score("0xflipped")).isZero();
        }
        ScoringPolicy.Outcome third = policy.score(3, global, round1);
        assertThat(third.flags())
                .filteredOn(f -> f.trainer().equals("0xflipped"))
                .singleElement()
                .satisfies(
                        f -> {
                            assertThat(f.reason()).isEqualTo("outlier");
                            assertThat(f.metric()).isEqualTo("cosine-record");
                            assertThat(f.value()).isNegative();
                        });
    }

    @Test
    void theArrivalOrderDoesNotChangeTheReportOrTheModel() {
        // given
        List<ScoringPolicy.Received> shuffled = new ArrayList<>(round1);
        Collections.shuffle(shuffled, new java.util.Random(42));
        // when
        ScoringPolicy.Outcome a = fx.policy().score(1, global, round1);
        ScoringPolicy.Outcome b = fx.policy().score(1, global, shuffled);
        // then
        assertThat(b.report()).isEqualTo(a.report());
        assertThat(b.modelHash()).isEqualTo(a.modelHash());
    }

    @Test
    void theHonestModelImprovesOnTheValidationData() {
        ScoringPolicy.Outcome o = fx.policy().score(1, global, round1);
        // the initial model is near chance (10 %); one round of honest updates lifts it well above
        assertThat(o.validation().accuracy()).isGreaterThan(0.25);
    }

    @Test
    void basisPointsUseLargestRemaindersAndSkipFlagged() {
        double[] weights = {1 / 3.0, 1 / 3.0, 1 / 3.0, 0.5};
        Object[] flags = {null, null, null, "flagged"};
        assertThat(ScoringPolicy.basisPoints(weights, flags)).containsExactly(3334, 3333, 3333, 0);
        assertThat(ScoringPolicy.basisPoints(new double[] {0, 0}, new Object[2]))
                .containsExactly(0, 0);
    }

    @Test
    void theFloatsHashTakesEveryNanAsOneAndOtherwiseHashesTheLittleEndianBits() {
        float otherNan = Float.intBitsToFloat(0xffc0_0001); // sign and payload set
        assertThat(Float.isNaN(otherNan)).isTrue();
        assertThat(ScoringPolicy.floatsHash(new float[] {1f, otherNan}))
                .isEqualTo(ScoringPolicy.floatsHash(new float[] {1f, Float.NaN}));
        // finite values and -0.0 hash as their bits, as before NaNs were made one
        float[] finite = {1.5f, -0.0f, Float.MIN_VALUE, -3e38f};
        java.nio.ByteBuffer b =
                java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : finite) {
            b.putFloat(v);
        }
        assertThat(ScoringPolicy.floatsHash(finite)).isEqualTo(ScoringPolicy.sha256(b.array()));
        assertThat(ScoringPolicy.floatsHash(new float[] {0.0f}))
                .isNotEqualTo(ScoringPolicy.floatsHash(new float[] {-0.0f}));
    }
}
