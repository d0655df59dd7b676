package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.RoundRecords;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The audit's checks of a copy flag that need no chain: where the named update may be, the cosine.
 */
class CopyClaimsTest {

    private static final String COPIER = "0x" + "c0".repeat(20);
    private static final String ORIGINAL = "0x" + "0a".repeat(20);

    private static RoundRecords.EarlierCopy claim(boolean settled, long round) {
        return new RoundRecords.EarlierCopy(ORIGINAL, settled, round, 1.0);
    }

    @Test
    void theNamedUpdateIsAnotherTrainersOfTheLastSettledRoundOrAVoidOneSince() {
        // round 5; round 2 settled last, 3 and 4 are void
        Optional<Long> two = Optional.of(2L);
        assertThat(CopyClaims.placement(COPIER, 5, claim(true, 2), two, true)).isNull();
        assertThat(CopyClaims.placement(COPIER, 5, claim(false, 4), two, false)).isNull();
        assertThat(CopyClaims.placement(COPIER, 5, claim(true, 1), two, true))
                .isEqualTo(
                        "round 1's updates were not the released ones when round 5 opened (rounds"
                                + " 2 to 4)");
        assertThat(CopyClaims.placement(COPIER, 5, claim(false, 5), two, false))
                .startsWith("round 5's updates were not the released ones");
        assertThat(CopyClaims.placement(COPIER, 3, claim(false, 3), Optional.of(2L), false))
                .endsWith("when round 3 opened (round 2)");
        // no round settled yet: rounds 0 to r - 1 are void
        assertThat(CopyClaims.placement(COPIER, 2, claim(false, 0), Optional.empty(), false))
                .isNull();
        assertThat(CopyClaims.placement(COPIER, 5, claim(false, 2), two, true))
                .isEqualTo("it calls round 2 void, the chain has it settled");
        assertThat(CopyClaims.placement(COPIER, 5, claim(true, 3), two, false))
                .isEqualTo("it calls round 3 settled, the chain has it void");
        assertThat(
                        CopyClaims.placement(
                                ORIGINAL.toUpperCase().replace("0X", "0x"),
                                5,
                                claim(true, 2),
                                two,
                                true))
                .isEqualTo(
                        "it names the trainer's own update of round 2, which a trainer may send"
                                + " again");
    }

    @Test
    void theRecomputedCosineMustReachTheThresholdAndGiveTheRecordedDetail() {
        RoundRecords.EarlierCopy said = new RoundRecords.EarlierCopy(ORIGINAL, true, 2, 0.995);
        String detail = said.detail(CopyClaims.THRESHOLD);

        assertThat(CopyClaims.againstCosine(said, detail, 0.9950004)).isNull();
        assertThat(CopyClaims.againstCosine(said, detail, 0.42))
                .isEqualTo(
                        "the two updates' cosine is 0.420000, under the threshold 0.99; the record"
                                + " says 0.995000");
        assertThat(CopyClaims.againstCosine(said, detail, 0.9899999))
                .startsWith("the two updates' cosine is 0.990000, under the threshold");
        assertThat(CopyClaims.againstCosine(said, detail, 0.999))
                .isEqualTo(
                        "the record says \""
                                + detail
                                + "\", the updates give \""
                                + detail.replace("0.995000", "0.999000")
                                + "\"");
    }
}
