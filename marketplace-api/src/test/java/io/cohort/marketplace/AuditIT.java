package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.CreditTree;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * The audit on a real Anvil and a real Kubo: an honestly recorded project audits clean; in another,
 * an evaluator settles a round whose record credits one trainer more than its score earns (the
 * credits tree is built from the tampered leaves, so the chain accepts it and the trainer can claim
 * it) — the audit names the round, the trainer and both amounts.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainAndIpfs.class, restrictToAnnotatedClass = true)
class AuditIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TestHTTPResource("/")
    URI base;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode awaitAudit(BigInteger project, int settled) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = get("/projects/" + project + "/audit");
            if (r.statusCode() == 200) {
                JsonNode n = Play.JSON.readTree(r.body());
                if (n.path("settledRounds").asInt() == settled) {
                    return n;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(
                        "the audit of project "
                                + project
                                + " never saw "
                                + settled
                                + " rounds: "
                                + r.body());
            }
            Thread.sleep(100);
        }
    }

    @Test
    void anHonestRecordAuditsCleanAndATamperedOneIsNamed() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            Play.Cast cast = Play.Cast.funded();
            Credentials owner = cast.owner();
            Credentials evaluator = cast.evaluator();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            long start = chain.latestTimestamp() + 100;
            BigInteger honest = Play.create(owner, start, 2, evaluator, ipfs);
            long later = start + 2400; // after the honest project's two rounds
            BigInteger tampered = Play.create(owner, later, 2, evaluator, ipfs);
            for (BigInteger p : List.of(honest, tampered)) {
                cast.join(p);
            }
            BigInteger quarter = Play.STAKE.divide(BigInteger.valueOf(4));
            List<Play.Judged> judged =
                    List.of(
                            new Play.Judged(alice, 10_000, null),
                            new Play.Judged(bob, 0, "non-finite"));

            // the honest project: two rounds, credits as the scores imply, bob slashed twice
            Play.round(
                    honest,
                    0,
                    start,
                    judged,
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(10_000), BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter)),
                    evaluator,
                    ipfs);
            List<Play.Judged> half =
                    List.of(new Play.Judged(alice, 5_000, null), new Play.Judged(bob, 5_000, null));
            List<CreditTree.Leaf> honestCredits =
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(),
                                    Play.pay(10_000).add(Play.pay(5_000)),
                                    BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), Play.pay(5_000), quarter));
            Play.round(honest, 1, start + 1200, half, honestCredits, evaluator, ipfs);
            // the tampered project's round 0 is honest too
            Play.round(
                    tampered,
                    0,
                    later,
                    judged,
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(10_000), BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter)),
                    evaluator,
                    ipfs);
            // round 1 of the tampered project: the record gives alice the whole round, scores say
            // half
            List<CreditTree.Leaf> inflated =
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(),
                                    Play.pay(10_000).add(Play.pay(10_000)),
                                    BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter));
            Play.round(tampered, 1, later + 1200, half, inflated, evaluator, ipfs);
            // and alice claims the inflated leaf: the contract cannot know
            Play.as(alice)
                    .claim(
                            tampered,
                            alice.getAddress(),
                            inflated.get(0).credit(),
                            BigInteger.ZERO,
                            CreditTree.of(inflated).proof(alice.getAddress()))
                    .send();

            // then
            JsonNode clean = awaitAudit(honest, 2);
            assertThat(clean.path("verdict").asText()).as(clean.toString()).isEqualTo("clean");
            for (JsonNode r : clean.path("rounds")) {
                assertThat(r.path("submissionsMatch").asBoolean()).isTrue();
                assertThat(r.path("creditsMatchScores").asBoolean()).isTrue();
                assertThat(r.path("rootMatches").asBoolean()).isTrue();
                assertThat(r.path("resultHashMatches").asBoolean()).isTrue();
            }
            JsonNode bad = awaitAudit(tampered, 2);
            assertThat(bad.path("verdict").asText()).isEqualTo("mismatch");
            assertThat(bad.path("rounds").path(0).path("problems")).isEmpty();
            JsonNode r1 = bad.path("rounds").path(1);
            assertThat(r1.path("creditsMatchScores").asBoolean()).isFalse();
            assertThat(r1.path("rootMatches").asBoolean())
                    .isTrue(); // the chain settled what the record says
            assertThat(r1.path("resultHashMatches").asBoolean()).isTrue();
            assertThat(r1.path("problems").toString())
                    .contains(
                            alice.getAddress()
                                    + ": the record credits "
                                    + Play.pay(20_000)
                                    + " and slashes 0, its scores and flags imply "
                                    + Play.pay(15_000));
            // bob: his round-1 score was dropped, and his round-0 slash kept
            assertThat(r1.path("problems").toString())
                    .contains(bob.getAddress() + ": the record credits 0");

            // recompute: these records name no inputs (no evaluator wrote them), so no round can
            // be rerun, and the audit says so instead of calling them clean
            JsonNode again =
                    Play.JSON.readTree(get("/projects/" + honest + "/audit?recompute=true").body());
            assertThat(again.path("verdict").asText()).isEqualTo("mismatch");
            for (JsonNode r : again.path("rounds")) {
                assertThat(r.path("recompute").asText()).isEqualTo("not-recomputable");
            }
            assertThat(again.path("rounds").path(0).path("problems").toString())
                    .contains("recompute: round 0's record names no inputs");
            assertThat(clean.path("rounds").path(0).path("recompute").isNull()).isTrue();

            // a record whose credits are not numbers: the chain settles it (it only sees the
            // root), the audit names the round's record as malformed instead of failing, and the
            // trainer view says which record it cannot read
            BigInteger garbled = Play.create(owner, later + 2400, 1, evaluator, ipfs);
            cast.join(garbled);
            Cid garbledRecord =
                    Play.round(
                            garbled,
                            0,
                            later + 2400,
                            judged,
                            List.of(
                                    new CreditTree.Leaf(
                                            alice.getAddress(), Play.pay(10_000), BigInteger.ZERO),
                                    new CreditTree.Leaf(
                                            bob.getAddress(), BigInteger.ZERO, quarter)),
                            evaluator,
                            ipfs,
                            record ->
                                    ((ObjectNode) record.path("credits").get(0))
                                            .put("credit", "lots"));
            JsonNode malformed = awaitAudit(garbled, 1);
            assertThat(malformed.path("verdict").asText()).isEqualTo("mismatch");
            JsonNode g0 = malformed.path("rounds").path(0);
            assertThat(g0.path("recordReadable").asBoolean()).isFalse();
            assertThat(g0.path("problems").toString())
                    .contains(
                            "the record is malformed: credit leaf 0's credit is not a decimal"
                                    + " integer");
            // the round's view says so instead of passing "lots" on
            JsonNode detail = Play.JSON.readTree(get("/projects/" + garbled + "/rounds/0").body());
            assertThat(detail.path("record").path("malformed").asText())
                    .isEqualTo(
                            "the record is malformed: credit leaf 0's credit is not a decimal"
                                    + " integer: \"lots\"");
            assertThat(detail.path("record").path("credits")).isEmpty();
            var view = get("/trainers/" + alice.getAddress());
            assertThat(view.statusCode()).isEqualTo(502);
            assertThat(view.headers().firstValue("content-type"))
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            assertThat(view.body())
                    .contains("project " + garbled + "'s latest record " + garbledRecord)
                    .contains("is malformed");

            // errors
            assertThat(get("/projects/77/audit").statusCode()).isEqualTo(404);
        }
    }
}
