package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RoundRecordsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "0x" + "a1".repeat(20);
    private static final String BOB = "0x" + "b2".repeat(20);

    private static JsonNode record(String credits) throws Exception {
        return JSON.readTree("{\"format\":\"cohort-round/1\",\"credits\":" + credits + "}");
    }

    private static String leaf(String credit, String slash) {
        return "[{\"trainer\":\""
                + ALICE
                + "\",\"credit\":"
                + credit
                + ",\"slash\":"
                + slash
                + "}]";
    }

    @Test
    void leavesAreReadInOrderUpTo128Bits() throws Exception {
        String max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString();
        assertThat(RoundRecords.credits(record(leaf("\"" + max + "\"", "\"0\""))))
                .containsExactly(new CreditTree.Leaf(ALICE, new BigInteger(max), BigInteger.ZERO));
        // no result settles without a leaf (the credit tree needs one)
        assertThatThrownBy(() -> RoundRecords.credits(record("[]")))
                .isInstanceOf(RoundRecords.Malformed.class)
                .hasMessage("its credits are empty");
    }

    @Test
    void moreLeavesThanTheMarketIndexesAreRefusedBeforeAnyIsRead() throws Exception {
        String many = "[" + "0,".repeat(RoundRecords.MAX_LEAVES) + "0]";
        assertThatThrownBy(() -> RoundRecords.credits(record(many)))
                .isInstanceOf(RoundRecords.Malformed.class)
                .hasMessage("it holds 4097 credit leaves, more than 4096");
    }

    @Test
    void aTrainerTwiceIsMalformedWhateverTheCase() throws Exception {
        // readers that kept the last of two leaves would show a credit no proof can back
        String upper = "0x" + ALICE.substring(2).toUpperCase(java.util.Locale.ROOT);
        String twice =
                leaf("\"1\"", "\"0\"").replace("]", ",")
                        + leaf("\"9\"", "\"0\"").replace("[", "").replace(ALICE, upper);
        assertThatThrownBy(() -> RoundRecords.credits(record(twice)))
                .isInstanceOf(RoundRecords.Malformed.class)
                .hasMessage("credit leaf 1 repeats trainer " + upper);
        String judgedTwice =
                "[" + submission("\"score-bps\":1") + "," + submission("\"score-bps\":2") + "]";
        assertThatThrownBy(() -> RoundRecords.submissions(judged(judgedTwice)))
                .isInstanceOf(RoundRecords.Malformed.class)
                .hasMessage("submission 1 repeats trainer " + ALICE);
    }

    @Test
    void everyMalformedLeafIsNamedInsteadOfThrowingSomethingElse() {
        String over = BigInteger.ONE.shiftLeft(128).toString();
        String[][] bad = {
            {"{}", "its credits are not a list"},
            {"\"x\"", "its credits are not a list"},
            {
                "[{\"trainer\":\"bob\",\"credit\":\"1\",\"slash\":\"0\"}]",
                "credit leaf 0 names no address"
            },
            {
                leaf("\"lots\"", "\"0\""),
                "credit leaf 0's credit is not a decimal integer: \"lots\""
            },
            {leaf("\"-5\"", "\"0\""), "credit leaf 0's credit is not a decimal integer"},
            {leaf("5", "\"0\""), "credit leaf 0's credit is not a decimal integer: 5"},
            {leaf("\"1\"", "null"), "credit leaf 0's slash is not a decimal integer"},
            {leaf("\"" + over + "\"", "\"0\""), "credit leaf 0: credit must fit in uint128"},
            {
                leaf("\"" + "9".repeat(79) + "\"", "\"0\""),
                "credit leaf 0's credit is not a decimal"
            },
        };
        for (String[] b : bad) {
            assertThatThrownBy(() -> RoundRecords.credits(record(b[0])))
                    .as(b[0])
                    .isInstanceOf(RoundRecords.Malformed.class)
                    .hasMessageStartingWith(b[1]);
        }
    }

    private static JsonNode judged(String submissions) throws Exception {
        return JSON.readTree("{\"format\":\"cohort-round/1\",\"submissions\":" + submissions + "}");
    }

    private static String submission(String fields) {
        return "{\"trainer\":\"" + ALICE + "\",\"cid\":\"bafy\"," + fields + "}";
    }

    @Test
    void submissionsAreReadInChainOrder() throws Exception {
        String key = "ab".repeat(32);
        assertThat(
                        RoundRecords.submissions(
                                judged(
                                        "["
                                                + submission(
                                                        "\"score-bps\":10000,\"content-key\":\""
                                                                + key
                                                                + "\"")
                                                + ","
                                                + submission("\"score-bps\":0,\"flag\":\"outlier\"")
                                                        .replace(ALICE, BOB)
                                                + "]")))
                .containsExactly(
                        new RoundRecords.Submission(ALICE, "bafy", null, 10_000, key),
                        new RoundRecords.Submission(BOB, "bafy", "outlier", 0, null));
        assertThat(RoundRecords.submissions(judged("[]"))).isEmpty();
    }

    @Test
    void everyMalformedSubmissionIsNamed() {
        String[][] bad = {
            {"{}", "its submissions are not a list"},
            {
                "[{\"trainer\":\"bob\",\"cid\":\"x\",\"score-bps\":1}]",
                "submission 0 names no address"
            },
            {
                "[" + submission("\"score-bps\":1").replace(",\"cid\":\"bafy\"", "") + "]",
                "submission 0 has no cid"
            },
            {
                "[" + submission("\"score-bps\":\"5\"") + "]",
                "submission 0's score-bps is not 0 to 10,000: \"5\""
            },
            {
                "[" + submission("\"score-bps\":10001") + "]",
                "submission 0's score-bps is not 0 to 10,000: 10001"
            },
            {
                "[" + submission("\"score-bps\":-1") + "]",
                "submission 0's score-bps is not 0 to 10,000"
            },
            {
                "[" + submission("\"score-bps\":1.5") + "]",
                "submission 0's score-bps is not 0 to 10,000"
            },
            {
                "[" + submission("\"score-bps\":1,\"flag\":7") + "]",
                "submission 0's flag is not a string"
            },
            {
                "[" + submission("\"score-bps\":1,\"flag\":\"\"") + "]",
                "submission 0's flag is not a string"
            },
            {
                "[" + submission("\"score-bps\":1,\"content-key\":\"abc\"") + "]",
                "submission 0's content-key is not 32 bytes"
            },
            {
                "["
                        + submission("\"score-bps\":6000")
                        + ","
                        + submission("\"score-bps\":6000").replace(ALICE, BOB)
                        + "]",
                "its scores add up to 12000 bps, more than 10,000"
            },
        };
        for (String[] b : bad) {
            assertThatThrownBy(() -> RoundRecords.submissions(judged(b[0])))
                    .as(b[0])
                    .isInstanceOf(RoundRecords.Malformed.class)
                    .hasMessageStartingWith(b[1]);
        }
    }

    @Test
    void aCopyFlagsDetailIsReadBackAsWrittenAndAnythingElseIsMalformed() throws Exception {
        RoundRecords.EarlierCopy claim =
                new RoundRecords.EarlierCopy(
                        ALICE.toUpperCase().replace("0X", "0x"), false, 7, 0.9912345);
        String detail = claim.detail(0.99);
        assertThat(detail)
                .isEqualTo(
                        "cosine 0.991235 (threshold 0.99) to the update of "
                                + ALICE
                                + " in void round 7");
        assertThat(RoundRecords.EarlierCopy.parse(detail))
                .isEqualTo(new RoundRecords.EarlierCopy(ALICE, false, 7, 0.991235));
        assertThat(
                        RoundRecords.EarlierCopy.parse(
                                new RoundRecords.EarlierCopy(ALICE, true, 0, 1.0).detail(0.99)))
                .isEqualTo(new RoundRecords.EarlierCopy(ALICE, true, 0, 1.0));
        for (String bad :
                new String[] {
                    "ok",
                    detail + " ",
                    detail.replace("void", "open"),
                    detail.replace("0.991235", "0.99"),
                    detail.replace("round 7", "round -7"),
                    detail.replace(ALICE, "alice"),
                    detail.replace(ALICE, "0xabc") // an address is 40 hex digits
                }) {
            assertThatThrownBy(() -> RoundRecords.EarlierCopy.parse(bad))
                    .as(bad)
                    .isInstanceOf(RoundRecords.Malformed.class)
                    .hasMessageContaining("names no earlier update and cosine");
        }
        assertThatThrownBy(() -> RoundRecords.EarlierCopy.parse(null))
                .isInstanceOf(RoundRecords.Malformed.class);
    }

    @Test
    void theReportDetailIsTheTrainersDecodeEntry() throws Exception {
        JsonNode record =
                JSON.readTree(
                        "{\"policy-report\":{\"trainers\":[{\"trainer\":\""
                                + ALICE.toUpperCase().replace("0X", "0x")
                                + "\",\"decode\":\"ok\"},{\"trainer\":\"0xb\",\"decode\":3}]}}");
        assertThat(RoundRecords.reportDetail(record, ALICE)).isEqualTo("ok");
        assertThat(RoundRecords.reportDetail(record, "0xb")).isNull(); // not text
        assertThat(RoundRecords.reportDetail(record, "0xc")).isNull();
    }

    @Test
    void aReleasedContentKeyIsReadWithOrWithoutItsPrefix() {
        byte[] key = new byte[32];
        key[0] = (byte) 0xab;
        key[31] = 7;
        String hex = java.util.HexFormat.of().formatHex(key);
        assertThat(
                        new RoundRecords.Submission(ALICE, "bafy", null, 0, "0x" + hex)
                                .contentKeyBytes())
                .isEqualTo(key);
        assertThat(new RoundRecords.Submission(ALICE, "bafy", null, 0, hex).contentKeyBytes())
                .isEqualTo(key);
        assertThat(new RoundRecords.Submission(ALICE, "bafy", null, 0, null).contentKeyBytes())
                .isNull();
    }

    @Test
    void theCopyWindowIsTheLastSettledRoundAndTheVoidOnesSince() {
        // round 5; round 2 settled last, 3 and 4 are void
        RoundRecords.CopyWindow five = RoundRecords.CopyWindow.of(5, Optional.of(2L));
        assertThat(five.contains(1)).isFalse();
        assertThat(five.contains(2)).isTrue();
        assertThat(five.contains(4)).isTrue();
        assertThat(five.contains(5)).isFalse();
        assertThat(five.settled(2)).isTrue();
        assertThat(five.settled(3)).isFalse();
        assertThat(five.describe()).isEqualTo("rounds 2 to 4");
        assertThat(RoundRecords.CopyWindow.of(3, Optional.of(2L)).describe()).isEqualTo("round 2");

        // none settled yet: every round before is void, round 0 included
        RoundRecords.CopyWindow none = RoundRecords.CopyWindow.of(2, Optional.empty());
        assertThat(none.contains(0)).isTrue();
        assertThat(none.settled(0)).isFalse();
        assertThat(RoundRecords.CopyWindow.of(0, Optional.empty()).describe())
                .isEqualTo("no round");
        assertThat(RoundRecords.CopyWindow.of(0, Optional.empty()).contains(0)).isFalse();

        assertThatThrownBy(() -> RoundRecords.CopyWindow.of(5, Optional.of(5L)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("round 5 is not a settled round before round 5");
    }
}
