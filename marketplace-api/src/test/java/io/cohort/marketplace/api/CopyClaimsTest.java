package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.RoundRecords;
import io.cohort.learning.aggregate.Vectors;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.enterprise.inject.Vetoed;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The audit's checks of a copy flag that need no chain: where the named update may be, the cosine.
 */
class CopyClaimsTest {

    private static final String COPIER = "0x" + "c0".repeat(20);
    private static final String ORIGINAL = "0x" + "0a".repeat(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RoundRecords.EarlierCopy claim(boolean settled, long round) {
        return new RoundRecords.EarlierCopy(ORIGINAL, settled, round, 1.0);
    }

    @Test
    void theNamedUpdateIsAnotherTrainersOfTheLastSettledRoundOrAVoidOneSince() {
        // round 5; round 2 settled last, 3 and 4 are void
        RoundRecords.CopyWindow five = RoundRecords.CopyWindow.of(5, Optional.of(2L));
        assertThat(CopyClaims.placement(COPIER, five, claim(true, 2), true)).isNull();
        assertThat(CopyClaims.placement(COPIER, five, claim(false, 4), false)).isNull();
        assertThat(CopyClaims.placement(COPIER, five, claim(true, 1), true))
                .isEqualTo(
                        "round 1's updates were not the released ones when round 5 opened (rounds"
                                + " 2 to 4)");
        assertThat(CopyClaims.placement(COPIER, five, claim(false, 5), false))
                .startsWith("round 5's updates were not the released ones");
        assertThat(
                        CopyClaims.placement(
                                COPIER,
                                RoundRecords.CopyWindow.of(3, Optional.of(2L)),
                                claim(false, 3),
                                false))
                .endsWith("when round 3 opened (round 2)");
        // no round settled yet: rounds 0 to r - 1 are void
        assertThat(
                        CopyClaims.placement(
                                COPIER,
                                RoundRecords.CopyWindow.of(2, Optional.empty()),
                                claim(false, 0),
                                false))
                .isNull();
        assertThat(CopyClaims.placement(COPIER, five, claim(false, 2), true))
                .isEqualTo("it calls round 2 void, the chain has it settled");
        assertThat(CopyClaims.placement(COPIER, five, claim(true, 3), false))
                .isEqualTo("it calls round 3 settled, the chain has it void");
        assertThat(
                        CopyClaims.placement(
                                ORIGINAL.toUpperCase().replace("0X", "0x"),
                                five,
                                claim(true, 2),
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

    /**
     * Records that hand out two fixed updates and count how often one is opened; vetoed, so the
     * integration tests' Quarkus application does not take it for a second {@link Records} bean.
     */
    @Vetoed
    private static final class CountingRecords extends Records {
        final Map<String, byte[]> updates = new HashMap<>();
        final Map<String, JsonNode> records = new HashMap<>();
        int opened;

        @Override
        public JsonNode record(String cid) {
            JsonNode record = records.get(cid);
            if (record == null) {
                throw new Problem(502, "IPFS unavailable", "Kubo refused the connection");
            }
            return record;
        }

        @Override
        public byte[] openReleased(
                String project, long round, String trainer, String cid, byte[] key, int max) {
            opened++;
            return updates.get(cid);
        }
    }

    @Test
    void aFlaggedCopyIsOpenedOnceAndItsCosineKeptForLaterAudits() throws Exception {
        String key = "ab".repeat(32);
        CountingRecords records = new CountingRecords();
        records.records.put(
                "bafy-record-2",
                JSON.readTree(
                        "{\"submissions\":[{\"trainer\":\""
                                + ORIGINAL
                                + "\",\"cid\":\"bafy-earlier\",\"score-bps\":10000,"
                                + "\"content-key\":\""
                                + key
                                + "\"}]}"));
        CopyClaims claims = new CopyClaims();
        claims.records = records;

        var two =
                round(
                        2,
                        new MarketIndex.Submission(ORIGINAL, "bafy-earlier", 1, "0x", "0x"),
                        new MarketIndex.Settlement(
                                "0x",
                                "0x",
                                BigInteger.ONE,
                                BigInteger.ZERO,
                                "m",
                                "bafy-record-2",
                                2));
        var three = round(3, new MarketIndex.Submission(COPIER, "bafy-copy", 3, "0x", "0x"), null);
        float[] earlier = {1, 2, 3};
        float[] copy = {1, 2, 3.1f};
        records.updates.put("bafy-earlier", UpdateCodec.encode(earlier, Compression.dense()));
        records.updates.put("bafy-copy", UpdateCodec.encode(copy, Compression.dense()));
        double cosine = Vectors.cosine(copy, earlier, Vectors.norm(copy), Vectors.norm(earlier));
        String detail =
                new RoundRecords.EarlierCopy(ORIGINAL, true, 2, cosine)
                        .detail(CopyClaims.THRESHOLD);
        JsonNode record =
                JSON.readTree(
                        "{\"policy-report\":{\"trainers\":[{\"trainer\":\""
                                + COPIER
                                + "\",\"decode\":\""
                                + detail
                                + "\"}]}}");
        var judged =
                List.of(
                        new RoundRecords.Submission(
                                COPIER, "bafy-copy", RoundRecords.EARLIER_ROUND_COPY, 0, key));

        for (int audit = 0; audit < 3; audit++) {
            assertThat(claims.problems("7", List.of(two, three), three, record, judged)).isEmpty();
        }
        assertThat(records.opened).isEqualTo(2); // the copy and the earlier update, once

        // another claim about the same two updates is held to the kept cosine
        assertThat(detail).startsWith("cosine 0.999878 ");
        JsonNode lying = JSON.readTree(record.toString().replace("0.999878", "0.999000"));
        assertThat(claims.problems("7", List.of(two, three), three, lying, judged))
                .containsExactly(
                        COPIER
                                + " flagged copy:earlier-round: the record says \""
                                + detail.replace("0.999878", "0.999000")
                                + "\", the updates give \""
                                + detail
                                + "\"");
        assertThat(records.opened).isEqualTo(2);

        // the same ciphertext and key under another sender is another seal context: opened again
        String other = "0x" + "c1".repeat(20);
        var threeOther =
                round(3, new MarketIndex.Submission(other, "bafy-copy", 3, "0x", "0x"), null);
        JsonNode otherRecord = JSON.readTree(record.toString().replace(COPIER, other));
        var otherJudged =
                List.of(
                        new RoundRecords.Submission(
                                other, "bafy-copy", RoundRecords.EARLIER_ROUND_COPY, 0, key));
        assertThat(
                        claims.problems(
                                "7",
                                List.of(two, threeOther),
                                threeOther,
                                otherRecord,
                                otherJudged))
                .isEmpty();
        assertThat(records.opened).isEqualTo(4);
    }

    @Test
    void aRecordThatCannotBeReadLeavesTheFlagUncheckedNotFalse() {
        CountingRecords records = new CountingRecords(); // holds no record: every read is a 502
        CopyClaims claims = new CopyClaims();
        claims.records = records;
        var two =
                round(
                        2,
                        new MarketIndex.Submission(ORIGINAL, "bafy-earlier", 1, "0x", "0x"),
                        new MarketIndex.Settlement(
                                "0x",
                                "0x",
                                BigInteger.ONE,
                                BigInteger.ZERO,
                                "m",
                                "bafy-record-2",
                                2));
        var three = round(3, new MarketIndex.Submission(COPIER, "bafy-copy", 3, "0x", "0x"), null);
        String detail =
                new RoundRecords.EarlierCopy(ORIGINAL, true, 2, 0.999).detail(CopyClaims.THRESHOLD);
        JsonNode record =
                JSON.createObjectNode()
                        .set(
                                "policy-report",
                                JSON.createObjectNode()
                                        .set(
                                                "trainers",
                                                JSON.createArrayNode()
                                                        .add(
                                                                JSON.createObjectNode()
                                                                        .put("trainer", COPIER)
                                                                        .put("decode", detail))));
        var judged =
                List.of(
                        new RoundRecords.Submission(
                                COPIER,
                                "bafy-copy",
                                RoundRecords.EARLIER_ROUND_COPY,
                                0,
                                "ab".repeat(32)));

        assertThat(claims.problems("7", List.of(two, three), three, record, judged))
                .containsExactly(
                        COPIER
                                + " flagged copy:earlier-round: cannot be checked: round 2's"
                                + " record bafy-record-2 cannot be read: Kubo refused the"
                                + " connection");
        assertThat(records.opened).isZero();
    }

    private static ProjectView.RoundView round(
            long n, MarketIndex.Submission s, MarketIndex.Settlement settled) {
        return new ProjectView.RoundView(n, "x", 0, 0, 0, List.of(s), List.of(), settled);
    }
}
