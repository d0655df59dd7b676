package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.RoundRecords;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.enterprise.inject.Vetoed;
import jakarta.ws.rs.core.Response;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The comparison of a rerun with its record, on hand-made records and outcomes. */
class RecomputerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPORT =
            "{\"policy\":\"cohort-policy/3\",\"trainers\":[{\"trainer\":\"0xa\",\"score-bps\":10000},"
                    + "{\"trainer\":\"0xb\",\"score-bps\":0}],\"metrics\":{\"cos\":[0.5,0.25]},"
                    + "\"next-model-hash\":\"abc\"}";

    private static JsonNode record(String modelCid) throws Exception {
        return JSON.readTree(
                "{\"model-cid\":\"" + modelCid + "\",\"policy-report\":" + REPORT + "}");
    }

    private static List<RoundRecords.Submission> judged(int scoreA, String flagB) {
        return List.of(
                new RoundRecords.Submission("0xa", "bafya", null, scoreA, null),
                new RoundRecords.Submission("0xb", "bafyb", flagB, 0, null));
    }

    private static ScoringPolicy.Outcome outcome(String report, String hash) {
        return new ScoringPolicy.Outcome(
                List.of("0xa", "0xb"),
                new int[] {10_000, 0},
                List.of(new ScoringPolicy.Flag("0xb", "norm-out-of-bounds", "l2", 9, 3)),
                new float[] {1, 2},
                hash,
                new Evaluation(10, 7, 1.5),
                report.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aRerunThatAgreesEverywhereHasNoProblem() throws Exception {
        assertThat(
                        Recomputer.compare(
                                judged(10_000, "norm-out-of-bounds"),
                                record("bafymodel"),
                                outcome(REPORT, "abc"),
                                "bafymodel"))
                .isEmpty();
    }

    @Test
    void everyDisagreementIsNamed() throws Exception {
        String otherMetric = REPORT.replace("0.25", "0.2500001");
        List<String> problems =
                Recomputer.compare(
                        judged(9_000, null),
                        record("bafymodel"),
                        outcome(otherMetric, "abd"),
                        "bafyother");
        assertThat(problems)
                .contains(
                        "0xa: the record scores 9000 bps, the rerun 10000",
                        "0xb: the record flags null, the rerun norm-out-of-bounds",
                        "the next model's hash is abd, the record says abc",
                        "the rerun's model file is bafyother, the record's bafymodel",
                        "the policy report differs at /metrics/cos/1");
    }

    @Test
    void aRecordScoredWithAnotherThreadCountIsNotRecomputedButSaysWhy() throws Exception {
        JsonNode two = JSON.readTree("{\"inputs\":{\"torch-threads\":2}}");
        assertThat(Recomputer.threadMismatch(two, 2)).isNull();
        assertThat(Recomputer.threadMismatch(two, 1))
                .isEqualTo(
                        "was scored with 2 PyTorch thread(s), this marketplace computes with 1;"
                                + " its sums would run in another order (start it with"
                                + " -Dai.djl.pytorch.num_threads=2)");
        // a record from before the count was written: assumed the same, as before
        assertThat(Recomputer.threadMismatch(JSON.readTree("{\"inputs\":{}}"), 1)).isNull();
    }

    @Test
    void theFirstDifferenceIsAJsonPointer() throws Exception {
        JsonNode a = JSON.readTree("{\"x\":[1,{\"y\":2}],\"z\":true}");
        assertThat(Recomputer.firstDifference("", a, a.deepCopy())).isNull();
        assertThat(
                        Recomputer.firstDifference(
                                "", a, JSON.readTree("{\"x\":[1,{\"y\":3}],\"z\":true}")))
                .isEqualTo("/x/1/y");
        assertThat(Recomputer.firstDifference("", a, JSON.readTree("{\"x\":[1],\"z\":true}")))
                .isEqualTo("/x");
        assertThat(
                        Recomputer.firstDifference(
                                "", a, JSON.readTree("{\"x\":[1,{\"y\":2}],\"w\":true}")))
                .isEqualTo("/z");
        assertThat(Recomputer.firstDifference("", a, JSON.readTree("[]"))).isEqualTo("/");
    }

    @Test
    void unopenedSubmissionsAndCopiesOfEarlierRoundsAreTakenAsRecordedTheRestIsScoredAgain() {
        String key = "0x" + "ab".repeat(32);

        assertThat(
                        Recomputer.asRecorded(
                                new RoundRecords.Submission(
                                        "0xa", "bafya", "fetch:unavailable", 0, null)))
                .isTrue();
        assertThat(
                        Recomputer.asRecorded(
                                new RoundRecords.Submission(
                                        "0xa", "bafya", RoundRecords.EARLIER_ROUND_COPY, 0, key)))
                .isTrue();
        // a policy flag on an opened update is the rerun's to reach again
        assertThat(
                        Recomputer.asRecorded(
                                new RoundRecords.Submission("0xa", "bafya", "clone", 0, key)))
                .isFalse();
        assertThat(
                        Recomputer.asRecorded(
                                new RoundRecords.Submission("0xa", "bafya", null, 10_000, key)))
                .isFalse();
    }

    @Test
    void aRoundTooLargeToRerunIsRefusedBeforeAnyUpdateIsRead() {
        // 16 updates of a 64-million-parameter model: 4 GiB decoded
        assertThatThrownBy(() -> Recomputer.checkRoundSize(3, 16, 64L << 20))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "round 3 has 16 updates of 67108864 parameters to decode (4096 MiB), more"
                                + " than a rerun holds (1024 MiB)");
        // 20 updates of the MNIST CNN's 0.4 million: 32 MiB
        Recomputer.checkRoundSize(3, 20, 421_642);
    }

    @Test
    void aJudgedUpdateWhoseKeyTheRecordWithholdsIsAProblem() {
        String key = "0x" + "ab".repeat(32);
        assertThat(
                        Recomputer.withheld(
                                List.of(
                                        // could not fetch or open: nothing to release
                                        new RoundRecords.Submission(
                                                "0xa", "bafya", "fetch:unavailable", 0, null),
                                        new RoundRecords.Submission(
                                                "0xb", "bafyb", "seal:bad-magic", 0, null),
                                        // opened, key released
                                        new RoundRecords.Submission(
                                                "0xc", "bafyc", "clone", 0, key),
                                        // flagged or scored on an update it opened, key withheld
                                        new RoundRecords.Submission(
                                                "0xd", "bafyd", "norm-out-of-bounds", 0, null),
                                        new RoundRecords.Submission(
                                                "0xe", "bafye", null, 10_000, null))))
                .containsExactly(
                        "0xd: flagged norm-out-of-bounds but the record releases no content key"
                                + " for its update",
                        "0xe: scored 10000 bps but the record releases no content key for its"
                                + " update");
    }

    /** Records whose first read waits until the test lets it go, as a long rerun would. */
    @Vetoed
    static final class SlowRecords extends Records {
        final CountDownLatch reading = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public JsonNode record(String cid) {
            reading.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new Problem(502, "IPFS unavailable", "no record in this test");
        }
    }

    private static ProjectView project() {
        return new ProjectView(
                "1",
                "0xowner",
                "0x" + "0".repeat(40),
                BigInteger.TEN,
                BigInteger.ONE,
                1,
                "ended",
                null,
                BigInteger.ZERO,
                BigInteger.ZERO,
                0,
                60,
                60,
                10,
                1,
                List.of("0xevaluator"),
                Map.of(),
                "bafyspec",
                "bafyinitial",
                "bafymodel",
                1,
                1,
                BigInteger.ZERO,
                1);
    }

    private static List<ProjectView.RoundView> settledRound() {
        return List.of(
                new ProjectView.RoundView(
                        0,
                        "settled",
                        0,
                        60,
                        120,
                        List.of(),
                        List.of(),
                        new MarketIndex.Settlement(
                                "0x01",
                                "0x02",
                                BigInteger.ONE,
                                BigInteger.ZERO,
                                "bafymodel",
                                "bafyrecord",
                                5)));
    }

    @Test
    void aRecomputeWhileAnotherRunsIsABusyProblemNotAWait() throws Exception {
        // given: a recompute under way
        Recomputer recomputer = new Recomputer();
        SlowRecords records = new SlowRecords();
        recomputer.records = records;
        CompletableFuture<List<Recomputer.Result>> first =
                CompletableFuture.supplyAsync(
                        () -> recomputer.recompute(project(), settledRound()));
        assertThat(records.reading.await(30, TimeUnit.SECONDS)).isTrue();

        // when: another asks
        long asked = System.nanoTime();
        Problem busy = null;
        try {
            recomputer.recompute(project(), settledRound());
        } catch (Problem p) {
            busy = p;
        }

        // then: a 503 at once, with when to ask again; the first one finishes undisturbed
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked)).isLessThan(5);
        assertThat(busy).isNotNull();
        Response r = new Problem.Mapper().toResponse(busy);
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After"))
                .isEqualTo(Long.toString(Recomputer.BUSY_RETRY.toSeconds()));
        // and: it says how far the one under way is
        assertThat(busy)
                .hasMessageContaining(
                        "another recompute is running (project 1, round 0, 1 of 1 settled"
                                + " rounds)");
        records.release.countDown();
        assertThat(first.get(30, TimeUnit.SECONDS))
                .singleElement()
                .satisfies(result -> assertThat(result.outcome()).isEqualTo("not-recomputable"));
        // and the next one runs again
        SlowRecords again = new SlowRecords();
        again.release.countDown();
        recomputer.records = again;
        assertThat(recomputer.recompute(project(), settledRound())).hasSize(1);
    }

    @Test
    void aRecomputeThatFailsSaysWhereItStoppedInTheLog() {
        // given: the record store fails with an unexpected error
        Recomputer recomputer = new Recomputer();
        recomputer.records =
                new Records() {
                    @Override
                    public JsonNode record(String cid) {
                        throw new IllegalStateException("the store broke");
                    }
                };
        List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler handler =
                new java.util.logging.Handler() {
                    @Override
                    public void publish(java.util.logging.LogRecord r) {
                        logged.add(
                                (r.getLevel().intValue()
                                                        >= java.util.logging.Level.SEVERE.intValue()
                                                ? "error "
                                                : "other ")
                                        + (r.getParameters() == null
                                                ? r.getMessage()
                                                : String.format(
                                                        r.getMessage(), r.getParameters())));
                    }

                    @Override
                    public void flush() {}

                    @Override
                    public void close() {}
                };
        java.util.logging.Logger log =
                java.util.logging.Logger.getLogger(Recomputer.class.getName());
        log.addHandler(handler);
        try {
            // when
            assertThatThrownBy(() -> recomputer.recompute(project(), settledRound()))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            log.removeHandler(handler);
        }
        // then
        assertThat(logged)
                .anyMatch(
                        l ->
                                l.startsWith("error recompute of project 1 stopped after ")
                                        && l.contains(
                                                "at project 1, round 0, 1 of 1 settled rounds:"
                                                        + " java.lang.IllegalStateException: the"
                                                        + " store broke"));
        // and the next one is not told another is running
        recomputer.records = new SlowRecords();
        ((SlowRecords) recomputer.records).release.countDown();
        assertThat(recomputer.recompute(project(), settledRound())).hasSize(1);
    }
}
