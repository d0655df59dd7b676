package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.contracts.seal.X25519KeyPair;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.learning.aggregate.SybilDefence;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.model.LayerSpec;
import io.cohort.learning.model.ModelSpec;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;
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
                assertThat(r.path("sealFlagsHold").asBoolean()).isTrue();
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
            // and with the last settled record unread, claims and stakes are unchecked, not
            // measured against no credit at all
            assertThat(malformed.path("claimsWithinCredits").asBoolean()).isFalse();
            assertThat(malformed.path("stakesReturnedLessSlashes").asBoolean()).isFalse();
            assertThat(malformed.path("problems").toString())
                    .contains(
                            "claims and stakes cannot be checked: the record of round 0, the last"
                                    + " settled, cannot be read");
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

            // a record that leaves out a registered trainer who did not submit (alice, trainer 0)
            // and gives a leaf to one past the count (bob, trainer 1): the chain settles it, and
            // alice could never withdraw her stake
            BigInteger leftOut = Play.create(owner, later + 3600, 1, evaluator, ipfs);
            cast.join(leftOut);
            Play.round(
                    leftOut,
                    0,
                    later + 3600,
                    List.of(new Play.Judged(bob, 10_000, null)),
                    List.of(
                            new CreditTree.Leaf(
                                    bob.getAddress(), Play.pay(10_000), BigInteger.ZERO)),
                    evaluator,
                    ipfs);
            JsonNode uncovered = awaitAudit(leftOut, 1);
            assertThat(uncovered.path("verdict").asText()).isEqualTo("mismatch");
            assertThat(uncovered.path("rounds").path(0).path("creditsMatchScores").asBoolean())
                    .isFalse();
            assertThat(uncovered.path("rounds").path(0).path("problems").toString())
                    .contains(
                            alice.getAddress().toLowerCase()
                                    + " (trainer 0) is covered by the result's 1 trainers but has"
                                    + " no leaf")
                    .contains(
                            bob.getAddress().toLowerCase()
                                    + " (trainer 1) has a leaf but is not among the result's first"
                                    + " 1 trainers");

            // round 0's record unreadable, round 1's honest: round 1's credits add to round 0's,
            // which nobody can read, so they are unchecked, not taken to add to nothing (which
            // would accuse alice and bob of being credited more than their scores imply)
            BigInteger gap = Play.create(owner, later + 4800, 2, evaluator, ipfs);
            cast.join(gap);
            Play.round(
                    gap,
                    0,
                    later + 4800,
                    judged,
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(10_000), BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter)),
                    evaluator,
                    ipfs,
                    record -> ((ObjectNode) record.path("credits").get(0)).put("credit", "lots"));
            Play.round(gap, 1, later + 6000, half, honestCredits, evaluator, ipfs);
            JsonNode afterGap = awaitAudit(gap, 2);
            assertThat(afterGap.path("verdict").asText()).isEqualTo("mismatch");
            JsonNode gap1 = afterGap.path("rounds").path(1);
            assertThat(gap1.path("recordReadable").asBoolean()).isTrue();
            assertThat(gap1.path("creditsMatchScores").asBoolean()).isFalse();
            assertThat(gap1.path("rootMatches").asBoolean()).isTrue();
            assertThat(gap1.path("problems").toString())
                    .contains(
                            "credits cannot be checked against the scores: they add to those"
                                    + " after round 0, whose record cannot be read")
                    .doesNotContain("the record credits");
            assertThat(afterGap.path("problems")).isEmpty(); // the last record reads: claims hold

            // errors
            assertThat(get("/projects/77/audit").statusCode()).isEqualTo(404);
        }
    }

    /** A sealed update and the content key a record releases for it. */
    private record Sealed(byte[] bytes, String key) {}

    private static Sealed seal(
            BigInteger project,
            long round,
            Credentials trainer,
            byte[] update,
            List<X25519KeyPair> committee) {
        SealContext context =
                SealContext.of(
                        DevChain.CHAIN_ID,
                        ChainAndIpfs.market,
                        project,
                        round,
                        trainer.getAddress());
        byte[] sealed =
                SealedUpdate.seal(
                        update,
                        context,
                        committee.stream().map(X25519KeyPair::publicKey).toList(),
                        new SecureRandom());
        try {
            return new Sealed(
                    sealed,
                    "0x"
                            + HexFormat.of()
                                    .formatHex(
                                            SealedUpdate.contentKey(
                                                    sealed, context, committee.get(0), 1 << 24)));
        } catch (SealException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] update(long seed) {
        Random random = new Random(seed);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return UpdateCodec.encode(v, Compression.dense());
    }

    /** Releases each submission's key and gives each trainer's report detail (null: none). */
    private static Consumer<ObjectNode> released(List<Sealed> sealed, List<String> details) {
        return record -> {
            ArrayNode trainers = ((ObjectNode) record.path("policy-report")).putArray("trainers");
            for (int i = 0; i < sealed.size(); i++) {
                ObjectNode s = (ObjectNode) record.path("submissions").get(i);
                s.put("content-key", sealed.get(i).key());
                ObjectNode t = trainers.addObject().put("trainer", s.path("trainer").asText());
                if (details.get(i) != null) {
                    t.put("decode", details.get(i));
                }
            }
        };
    }

    @Test
    void aSealFlagIsHeldToTheChecksAnyoneCanMakeOfItsUpdate() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            // given: a project whose one evaluator has a sealing key
            Play.Cast cast = Play.Cast.funded();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            List<X25519KeyPair> sealKeys = List.of(X25519KeyPair.generate(new SecureRandom()));
            long start = chain.latestTimestamp() + 100;
            BigInteger project =
                    Play.create(
                            cast.owner(),
                            start,
                            1,
                            List.of(cast.evaluator()),
                            List.of(sealKeys.get(0).publicKey()),
                            1,
                            ipfs);
            cast.join(project);
            BigInteger quarter = Play.STAKE.divide(BigInteger.valueOf(4));

            // when: alice's update is sealed as it should be, bob's is noise, and the record
            // flags both seal:bad-magic (each slashed, no key released)
            byte[] noise = new byte[300];
            new Random(9).nextBytes(noise);
            Play.round(
                    project,
                    0,
                    start,
                    List.of(
                            new Play.Judged(alice, 0, "seal:bad-magic"),
                            new Play.Judged(bob, 0, "seal:bad-magic")),
                    List.of(seal(project, 0, alice, update(6), sealKeys).bytes(), noise),
                    List.of(
                            new CreditTree.Leaf(alice.getAddress(), BigInteger.ZERO, quarter),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter)),
                    List.of(cast.evaluator()),
                    ipfs,
                    record -> {});

            // then: bob's flag holds; alice's is named, her update passing every public check
            JsonNode audit = awaitAudit(project, 1);
            assertThat(audit.path("verdict").asText()).isEqualTo("mismatch");
            JsonNode r0 = audit.path("rounds").path(0);
            assertThat(r0.path("creditsMatchScores").asBoolean()).as(r0.toString()).isTrue();
            assertThat(r0.path("sealFlagsHold").asBoolean()).isFalse();
            assertThat(r0.path("problems").toString())
                    .contains(
                            alice.getAddress().toLowerCase(Locale.ROOT)
                                    + " flagged seal:bad-magic, but its sealed update passes the"
                                    + " checks anyone can make")
                    .doesNotContain(bob.getAddress().toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void anExceedsModelFlagHoldsOnlyForAnUpdateLongerThanTheModelAllows() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            // given: a project of a 154-parameter model whose one evaluator has a sealing key
            Play.Cast cast = Play.Cast.funded();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            List<X25519KeyPair> sealKeys = List.of(X25519KeyPair.generate(new SecureRandom()));
            ModelSpec tiny =
                    new ModelSpec(
                            "tiny",
                            new int[] {16},
                            2,
                            7,
                            List.of(LayerSpec.dense(8), LayerSpec.relu(), LayerSpec.dense(2)));
            long bound =
                    SealedUpdate.sealedLength(
                            UpdateCodec.maxEncodedBytes(Math.toIntExact(tiny.parameterCount())), 1);
            long start = chain.latestTimestamp() + 100;
            BigInteger project =
                    Play.create(
                            cast.owner(),
                            BigInteger.valueOf(start),
                            1,
                            List.of(cast.evaluator()),
                            List.of(sealKeys.get(0).publicKey()),
                            1,
                            tiny.toJson(),
                            ipfs);
            cast.join(project);
            BigInteger quarter = Play.STAKE.divide(BigInteger.valueOf(4));

            // when: alice's update is a valid one sealed, bob's is noise one byte past the
            // longest valid one, and the record flags both seal:exceeds-model (each slashed)
            float[] values = new float[154];
            Arrays.fill(values, 0.5f);
            byte[] noise = new byte[Math.toIntExact(bound + 1)];
            new Random(9).nextBytes(noise);
            Play.round(
                    project,
                    0,
                    start,
                    List.of(
                            new Play.Judged(alice, 0, "seal:exceeds-model"),
                            new Play.Judged(bob, 0, "seal:exceeds-model")),
                    List.of(
                            seal(
                                            project,
                                            0,
                                            alice,
                                            UpdateCodec.encode(values, Compression.dense()),
                                            sealKeys)
                                    .bytes(),
                            noise),
                    List.of(
                            new CreditTree.Leaf(alice.getAddress(), BigInteger.ZERO, quarter),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter)),
                    List.of(cast.evaluator()),
                    ipfs,
                    record -> {});

            // then: bob's flag holds; alice's is named with her update's length and the bound
            JsonNode audit = awaitAudit(project, 1);
            assertThat(audit.path("verdict").asText()).isEqualTo("mismatch");
            JsonNode r0 = audit.path("rounds").path(0);
            assertThat(r0.path("creditsMatchScores").asBoolean()).as(r0.toString()).isTrue();
            assertThat(r0.path("sealFlagsHold").asBoolean()).isFalse();
            assertThat(r0.path("problems").toString())
                    .contains(
                            alice.getAddress().toLowerCase(Locale.ROOT)
                                    + " flagged seal:exceeds-model, but its sealed update is ")
                    .contains("bytes, within the " + bound + " any valid update")
                    .doesNotContain(bob.getAddress().toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void aCopyFlagHoldsOnlyWhenTheTwoReleasedUpdatesItNamesAgree() throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            // given: a project judged by two evaluators, quorum 2, updates sealed to both
            Play.Cast cast = Play.Cast.funded();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            Credentials second = DevKit.fundedAccount(chain, DevKit.ether("5"));
            List<Credentials> committee = List.of(cast.evaluator(), second);
            List<X25519KeyPair> sealKeys =
                    List.of(
                            X25519KeyPair.generate(new SecureRandom()),
                            X25519KeyPair.generate(new SecureRandom()));
            long start = chain.latestTimestamp() + 100;
            BigInteger project =
                    Play.create(
                            cast.owner(),
                            start,
                            3,
                            committee,
                            sealKeys.stream().map(X25519KeyPair::publicKey).toList(),
                            2,
                            ipfs);
            cast.join(project);
            Play.as(second).bondEvaluator(project, DevKit.ether("0.5")).send();
            BigInteger quarter = Play.STAKE.divide(BigInteger.valueOf(4));
            String aliceAddress = alice.getAddress().toLowerCase(Locale.ROOT);
            String bobAddress = bob.getAddress().toLowerCase(Locale.ROOT);

            // round 0: one evaluator posts (releasing both keys), no quorum: void
            byte[] alice0 = update(1);
            List<Sealed> r0 =
                    List.of(
                            seal(project, 0, alice, alice0, sealKeys),
                            seal(project, 0, bob, update(2), sealKeys));
            Play.round(
                    project,
                    0,
                    start,
                    List.of(new Play.Judged(alice, 5_000, null), new Play.Judged(bob, 5_000, null)),
                    r0.stream().map(Sealed::bytes).toList(),
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(5_000), BigInteger.ZERO),
                            new CreditTree.Leaf(
                                    bob.getAddress(), Play.pay(5_000), BigInteger.ZERO)),
                    List.of(cast.evaluator()),
                    ipfs,
                    released(r0, Arrays.asList(null, null)));

            // round 1: bob resends alice's update of the void round 0 in his own name; the record
            // flags it with the detail an evaluator writes, and it holds
            List<Sealed> r1 =
                    List.of(
                            seal(project, 1, alice, update(3), sealKeys),
                            seal(project, 1, bob, alice0, sealKeys));
            String honestFlag =
                    new RoundRecords.EarlierCopy(aliceAddress, false, 0, 1.0)
                            .detail(SybilDefence.DEFAULT_CLONE_THRESHOLD);
            List<CreditTree.Leaf> after1 =
                    List.of(
                            new CreditTree.Leaf(
                                    alice.getAddress(), Play.pay(10_000), BigInteger.ZERO),
                            new CreditTree.Leaf(bob.getAddress(), BigInteger.ZERO, quarter));
            Play.round(
                    project,
                    1,
                    start + 1200,
                    List.of(
                            new Play.Judged(alice, 10_000, null),
                            new Play.Judged(bob, 0, RoundRecords.EARLIER_ROUND_COPY)),
                    r1.stream().map(Sealed::bytes).toList(),
                    after1,
                    committee,
                    ipfs,
                    released(r1, Arrays.asList(null, honestFlag)));

            // round 2: both train afresh, and the record flags alice as a copy of bob's update of
            // the settled round 1, a cosine she never reached
            List<Sealed> r2 =
                    List.of(
                            seal(project, 2, alice, update(4), sealKeys),
                            seal(project, 2, bob, update(5), sealKeys));
            String falseFlag =
                    new RoundRecords.EarlierCopy(bobAddress, true, 1, 0.995)
                            .detail(SybilDefence.DEFAULT_CLONE_THRESHOLD);
            Play.round(
                    project,
                    2,
                    start + 2400,
                    List.of(
                            new Play.Judged(alice, 0, RoundRecords.EARLIER_ROUND_COPY),
                            new Play.Judged(bob, 10_000, null)),
                    r2.stream().map(Sealed::bytes).toList(),
                    List.of(
                            new CreditTree.Leaf(alice.getAddress(), Play.pay(10_000), quarter),
                            new CreditTree.Leaf(bob.getAddress(), Play.pay(10_000), quarter)),
                    committee,
                    ipfs,
                    released(r2, Arrays.asList(falseFlag, null)));

            // then: the true flag holds (its key from the void round's posted record), the false
            // one is named with the cosine the two released updates really have
            JsonNode audit = awaitAudit(project, 2);
            // the void round lists the one result posted for it (the index reads ResultPosted)
            JsonNode void0 =
                    Play.JSON
                            .readTree(get("/projects/" + project + "/rounds/0").body())
                            .path("round");
            assertThat(void0.path("status").asText()).isEqualTo("void");
            assertThat(void0.path("posts")).hasSize(1);
            assertThat(void0.path("posts").get(0).path("evaluator").asText())
                    .isEqualTo(cast.evaluator().getAddress().toLowerCase(Locale.ROOT));
            assertThat(audit.path("verdict").asText()).as(audit.toString()).isEqualTo("mismatch");
            JsonNode round1 = audit.path("rounds").path(0);
            assertThat(round1.path("round").asLong()).isEqualTo(1);
            assertThat(round1.path("copiesHold").asBoolean()).as(round1.toString()).isTrue();
            assertThat(round1.path("problems")).as(round1.toString()).isEmpty();
            JsonNode round2 = audit.path("rounds").path(1);
            assertThat(round2.path("copiesHold").asBoolean()).isFalse();
            assertThat(round2.path("creditsMatchScores").asBoolean()).isTrue();
            assertThat(round2.path("problems")).hasSize(1);
            assertThat(round2.path("problems").get(0).asText())
                    .startsWith(
                            alice.getAddress()
                                    + " flagged copy:earlier-round: the two updates' cosine is ")
                    .endsWith(", under the threshold 0.99; the record says 0.995000");
        }
    }
}
