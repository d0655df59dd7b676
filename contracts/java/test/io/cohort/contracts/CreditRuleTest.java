package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Which flags slash, and how credits and slashes add up. */
class CreditRuleTest {

    @Test
    void flagsThatShowIntentSlashTheTrainersOwnFaultsOnly() {
        assertThat(CreditRule.slashes(null)).isFalse();
        assertThat(CreditRule.slashes("free-rider")).isFalse();
        assertThat(CreditRule.slashes("fetch:unavailable")).isFalse();
        // the envelope holds exactly the committee's keys (checked first): an evaluator that is
        // not a recipient has a wrong key of its own, and must not slash every honest trainer
        assertThat(CreditRule.slashes("seal:not-a-recipient")).isFalse();
        assertThat(CreditRule.slashes("seal:wrong-context")).isTrue();
        assertThat(CreditRule.slashes("outlier")).isTrue();
        assertThat(CreditRule.slashes(RoundRecords.EARLIER_ROUND_COPY)).isTrue();
    }

    @Test
    void aRoundPaysAtMostItsRewardAndSlashesAtMostTheStake() {
        BigInteger reward = BigInteger.valueOf(999);
        assertThat(CreditRule.credit(reward, 10_000)).isEqualTo(reward);
        assertThat(CreditRule.credit(reward, 3_333)).isEqualTo(BigInteger.valueOf(332));
        BigInteger stake = BigInteger.valueOf(100);
        BigInteger slashed = BigInteger.ZERO;
        for (int i = 0; i < 5; i++) {
            slashed = CreditRule.slashAgain(slashed, stake);
        }
        assertThat(slashed).isEqualTo(stake);
    }
}
