package io.cohort.marketplace;

import static io.cohort.marketplace.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.CreditTree;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.marketplace.api.HeavyReads;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;

/**
 * The read API on a real Anvil and a real Kubo: projects made and played on the chain by this test
 * (with a round record on IPFS of the shape evaluators publish) are read back through the index.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainAndIpfs.class, restrictToAnnotatedClass = true)
class ReadApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final BigInteger REWARD = Play.REWARD;
    private static final BigInteger STAKE = Play.STAKE;

    @TestHTTPResource("/")
    URI base;

    @Inject HeavyReads heavyReads;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode await(String path, Predicate<JsonNode> ready) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            HttpResponse<String> r = get(path);
            if (r.statusCode() == 200) {
                JsonNode n = JSON.readTree(r.body());
                if (ready.test(n)) {
                    return n;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError(
                        path
                                + " never became ready; last answer "
                                + r.statusCode()
                                + " "
                                + r.body());
            }
            Thread.sleep(100);
        }
    }

    @Test
    void projectsRoundsTrainersAndModelsReadBackFromTheIndexWithProblemsForBadRequests()
            throws Exception {
        var chain = ChainAndIpfs.chain;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            // given: project 1 of two rounds, played through round 0; project 2 scheduled later
            Play.Cast cast = Play.Cast.funded();
            Credentials owner = cast.owner();
            Credentials evaluator = cast.evaluator();
            Credentials alice = cast.alice();
            Credentials bob = cast.bob();
            long start = chain.latestTimestamp() + 100;
            BigInteger one = Play.create(owner, start, 2, evaluator, ipfs);
            Play.create(owner, start + 100_000, 3, evaluator, ipfs);
            cast.join(one);

            // round 0 as the evaluator records it: alice 70 %, bob flagged
            BigInteger aliceCredit =
                    REWARD.multiply(BigInteger.valueOf(7000)).divide(BigInteger.valueOf(10_000));
            List<CreditTree.Leaf> leaves =
                    List.of(
                            new CreditTree.Leaf(alice.getAddress(), aliceCredit, BigInteger.ZERO),
                            new CreditTree.Leaf(
                                    bob.getAddress(),
                                    BigInteger.ZERO,
                                    STAKE.divide(BigInteger.valueOf(4))));
            CreditTree tree = CreditTree.of(leaves);
            Cid report =
                    Play.round(
                            one,
                            0,
                            start,
                            List.of(
                                    new Play.Judged(alice, 7000, null),
                                    new Play.Judged(bob, 0, "non-finite")),
                            leaves,
                            evaluator,
                            ipfs);
            JsonNode published = JSON.readTree(ipfs.readAllBytes(report, 1 << 20));
            String modelCid = published.path("model-cid").asText();
            byte[] onnx =
                    ipfs.readAllBytes(Cid.parse(published.path("onnx-cid").asText()), 1 << 20);
            Play.as(alice)
                    .claim(
                            one,
                            alice.getAddress(),
                            aliceCredit,
                            BigInteger.ZERO,
                            tree.proof(alice.getAddress()))
                    .send();

            // when the index has caught up
            JsonNode trainer =
                    await(
                            "/trainers/" + alice.getAddress(),
                            n ->
                                    n.path("projects")
                                            .path(0)
                                            .path("claimed")
                                            .asText()
                                            .equals(aliceCredit.toString()));

            // then: the list, newest first, filters and pages
            JsonNode page = JSON.readTree(get("/projects").body());
            assertThat(page.path("total").asInt()).isEqualTo(2);
            assertThat(page.path("items").path(0).path("id").asText()).isEqualTo("2");
            assertThat(page.path("items").path(1).path("status").asText()).isEqualTo("running");
            JsonNode scheduled = JSON.readTree(get("/projects?status=scheduled").body());
            assertThat(scheduled.path("total").asInt()).isEqualTo(1);
            assertThat(scheduled.path("items").path(0).path("id").asText()).isEqualTo("2");
            JsonNode second = JSON.readTree(get("/projects?size=1&page=1").body());
            assertThat(second.path("items").path(0).path("id").asText()).isEqualTo("1");
            assertProblem(get("/projects?status=paused"), 400, "status must be one of");
            // malformed parameters are the API's 400, not the framework's parameter conversion
            assertProblem(
                    get("/projects/1/audit?recompute=yes"),
                    400,
                    "recompute must be true or false, got 'yes'");
            assertProblem(
                    get("/projects?page=abc"), 400, "page must be an integer >= 0, got 'abc'");
            assertProblem(
                    get("/projects?size=99999999999"),
                    400,
                    "size must be an integer in [1, 100], got '99999999999'");
            assertProblem(get("/projects?size=0"), 400, "size must be an integer in [1, 100]");

            // a project
            JsonNode p1 = JSON.readTree(get("/projects/1").body());
            assertThat(p1.path("owner").asText()).isEqualTo(owner.getAddress());
            assertThat(p1.path("rewardPerRound").asText()).isEqualTo(REWARD.toString());
            assertThat(p1.path("trainers").asInt()).isEqualTo(2);
            assertThat(p1.path("settledRounds").asInt()).isEqualTo(1);
            assertThat(p1.path("currentRound").asLong()).isZero();
            assertThat(p1.path("latestModelCid").asText()).isEqualTo(modelCid);
            assertThat(p1.path("committee").path(0).asText()).isEqualTo(evaluator.getAddress());
            assertProblem(get("/projects/99"), 404, "no project 99");
            assertProblem(get("/projects/abc"), 400, "not a project id");

            // its rounds and a round with its record
            JsonNode rounds = JSON.readTree(get("/projects/1/rounds").body());
            assertThat(rounds.path(0).path("status").asText()).isEqualTo("settled");
            assertThat(rounds.path(0).path("submissions")).hasSize(2);
            JsonNode r0 = JSON.readTree(get("/projects/1/rounds/0").body());
            assertThat(r0.path("round").path("settled").path("creditsRoot").asText())
                    .isEqualTo(tree.rootHex());
            assertThat(r0.path("record").path("validationCorrect").asInt()).isEqualTo(400);
            assertThat(r0.path("record").path("submissions").path(1).path("flag").asText())
                    .isEqualTo("non-finite");
            assertThat(r0.path("record").path("submissions").path(0).path("scoreBps").asInt())
                    .isEqualTo(7000);
            assertThat(JSON.readTree(get("/projects/1/rounds/1").body()).path("record").isNull())
                    .isTrue();
            assertProblem(get("/projects/1/rounds/2"), 404, "has no round 2");
            assertProblem(get("/projects/1/rounds/x"), 400, "not a round number");
            assertProblem(get("/projects/1/rounds/-1"), 400, "not a round number");
            // a method a path does not answer: 405 naming the ones it does (RFC 9110)
            HttpResponse<String> delete =
                    HTTP.send(
                            HttpRequest.newBuilder(base.resolve("/projects/1"))
                                    .DELETE()
                                    .timeout(Duration.ofSeconds(20))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertProblem(delete, 405, "DELETE is not allowed on /projects/1");
            assertThat(delete.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
            HttpResponse<String> login = get("/auth/login");
            assertProblem(login, 405, "GET is not allowed on /auth/login");
            assertThat(login.headers().firstValue("Allow")).hasValue("OPTIONS, POST");

            // a trainer
            assertThat(trainer.path("projects").path(0).path("credit").asText())
                    .isEqualTo(aliceCredit.toString());
            JsonNode bobView = JSON.readTree(get("/trainers/" + bob.getAddress()).body());
            assertThat(bobView.path("projects").path(0).path("slash").asText())
                    .isEqualTo(STAKE.divide(BigInteger.valueOf(4)).toString());
            assertThat(bobView.path("projects").path(0).path("submissions").asInt()).isEqualTo(1);
            // a page at a time: the records read are the page's
            int total = bobView.path("total").asInt();
            assertThat(total).isPositive().isEqualTo(bobView.path("projects").size());
            JsonNode past =
                    JSON.readTree(
                            get("/trainers/" + bob.getAddress() + "?page=1&size=" + total).body());
            assertThat(past.path("projects").size()).isZero();
            assertThat(past.path("total").asInt()).isEqualTo(total);
            JsonNode first = JSON.readTree(get("/trainers/" + bob.getAddress() + "?size=1").body());
            assertThat(first.path("projects").size()).isEqualTo(1);
            assertThat(first.path("projects").path(0)).isEqualTo(bobView.path("projects").path(0));
            assertProblem(get("/trainers/" + bob.getAddress() + "?size=0"), 400, "size must be");
            assertProblem(get("/trainers/" + bob.getAddress() + "?page=x"), 400, "page must be");
            assertProblem(get("/trainers/0x" + "12".repeat(20)), 404, "has not registered");
            assertProblem(get("/trainers/alice"), 400, "not an address");

            // the model, as ONNX bytes from IPFS; none before a round settled
            HttpResponse<byte[]> model =
                    HTTP.send(
                            HttpRequest.newBuilder(base.resolve("/projects/1/model")).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(model.statusCode()).isEqualTo(200);
            assertThat(model.body()).isEqualTo(onnx);
            assertProblem(get("/projects/2/model"), 404, "no settled round");

            // while four heavy reads run (cohort.heavy-reads), a download or an audit more is a
            // 503 with Retry-After, not a thread left waiting; once they end, it is served
            CountDownLatch holding = new CountDownLatch(4);
            CountDownLatch release = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (int i = 0; i < 4; i++) {
                    pool.submit(
                            () ->
                                    heavyReads.run(
                                            () -> {
                                                holding.countDown();
                                                try {
                                                    return release.await(60, TimeUnit.SECONDS);
                                                } catch (InterruptedException e) {
                                                    Thread.currentThread().interrupt();
                                                    return false;
                                                }
                                            }));
                }
                assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
                HttpResponse<String> busy = get("/projects/1/model");
                assertProblem(busy, 503, "4 model downloads and audits are running");
                assertThat(busy.headers().firstValue("retry-after")).hasValue("5");
                assertProblem(get("/projects/1/audit"), 503, "ask again shortly");
            } finally {
                release.countDown();
                pool.shutdown();
            }
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
            // a download gives its permit back when its response ends: more downloads in a row
            // than there are permits are all served
            for (int i = 0; i < 6; i++) {
                assertThat(
                                HTTP.send(
                                                HttpRequest.newBuilder(
                                                                base.resolve("/projects/1/model"))
                                                        .build(),
                                                HttpResponse.BodyHandlers.ofByteArray())
                                        .body())
                        .isEqualTo(onnx);
            }

            // a project that starts past 2^63 seconds (uint64 allows it) is indexed, and so is the
            // next one: the index does not stop on it
            BigInteger far =
                    Play.create(
                            owner,
                            BigInteger.TWO.pow(64).subtract(BigInteger.ONE),
                            1,
                            List.of(evaluator),
                            List.of(new byte[32]),
                            1,
                            ipfs);
            BigInteger after = Play.create(owner, start + 200_000, 1, evaluator, ipfs);
            await("/projects/" + after, n -> n.path("id").asText().equals(after.toString()));
            assertThat(JSON.readTree(get("/projects/" + far).body()).path("status").asText())
                    .isEqualTo("scheduled");

            // OpenAPI and health
            assertThat(get("/q/openapi").body()).contains("/projects/{id}/rounds/{round}");
            // the paged lists document page and size as bounded integers
            JsonNode openapi = JSON.readTree(get("/q/openapi?format=json").body());
            for (String path : List.of("/projects", "/trainers/{address}")) {
                JsonNode parameters =
                        openapi.path("paths").path(path).path("get").path("parameters");
                List<String> documented = new java.util.ArrayList<>();
                for (JsonNode p : parameters) {
                    documented.add(
                            p.path("name").asText()
                                    + " "
                                    + p.path("schema").path("type").asText()
                                    + " "
                                    + p.path("schema").path("maximum").asText("-"));
                }
                assertThat(documented)
                        .as(path + ": " + parameters)
                        .contains("page integer -", "size integer 100");
            }
            assertThat(get("/q/health/ready").statusCode()).isEqualTo(200);
            assertProblem(get("/nothing-here"), 404, "");
        }
    }
}
