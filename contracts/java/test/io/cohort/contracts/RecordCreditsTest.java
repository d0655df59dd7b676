package io.cohort.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class RecordCreditsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE = "0x" + "a1".repeat(20);

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
        assertThat(RecordCredits.of(record(leaf("\"" + max + "\"", "\"0\""))))
                .containsExactly(new CreditTree.Leaf(ALICE, new BigInteger(max), BigInteger.ZERO));
        assertThat(RecordCredits.of(record("[]"))).isEmpty();
    }

    @Test
    void moreLeavesThanTheMarketIndexesAreRefusedBeforeAnyIsRead() throws Exception {
        String many = "[" + "0,".repeat(RecordCredits.MAX_LEAVES) + "0]";
        assertThatThrownBy(() -> RecordCredits.of(record(many)))
                .isInstanceOf(RecordCredits.Malformed.class)
                .hasMessage("it holds 65537 credit leaves, more than 65536");
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
            assertThatThrownBy(() -> RecordCredits.of(record(b[0])))
                    .as(b[0])
                    .isInstanceOf(RecordCredits.Malformed.class)
                    .hasMessageStartingWith(b[1]);
        }
    }
}
