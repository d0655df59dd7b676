package io.cohort.marketplace;

import static io.cohort.marketplace.Problems.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.web3j.protocol.core.DefaultBlockParameterName.LATEST;
import static org.web3j.protocol.core.DefaultBlockParameterName.PENDING;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.contracts.generated.MockERC20;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Sign-in with Ethereum and {@code POST /projects} on a real Anvil and a real Kubo: an owner signs
 * in, launches a project (its files pinned to IPFS, the project created and funded on-chain), and
 * every way to get it wrong answers problem+json.
 */
@QuarkusTest
@QuarkusTestResource(value = ChainAndIpfs.class, restrictToAnnotatedClass = true)
class LaunchApiIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final BigInteger GWEI = BigInteger.TEN.pow(9);

    @TestHTTPResource("/")
    URI base;

    private HttpResponse<String> send(String method, String path, String token, String body)
            throws Exception {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String message(String address, String nonce, String domain, Instant issued) {
        return domain
                + " wants you to sign in with your Ethereum account:\n"
                + address
                + "\n\n"
                + "Launch Cohort projects.\n\n"
                + "URI: http://"
                + domain
                + "/\n"
                + "Version: 1\n"
                + "Chain ID: 31337\n"
                + "Nonce: "
                + nonce
                + "\n"
                + "Issued At: "
                + issued;
    }

    private static String sign(String message, Credentials key) {
        return DevKit.personalSign(message, key);
    }

    private String nonce() throws Exception {
        return JSON.readTree(send("GET", "/auth/nonce", null, null).body()).path("nonce").asText();
    }

    private HttpResponse<String> login(String message, String signature) throws Exception {
        ObjectNode b = JSON.createObjectNode().put("message", message).put("signature", signature);
        return send("POST", "/auth/login", null, JSON.writeValueAsString(b));
    }

    /** Signs {@code owner} in and returns its bearer token. */
    private String signIn(Credentials owner) throws Exception {
        String m = message(owner.getAddress(), nonce(), "localhost", Instant.now());
        HttpResponse<String> r = login(m, sign(m, owner));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("token").asText();
    }

    /** Asserts that Kubo neither holds nor pins these bytes: nothing was added for them. */
    private static void assertNotAdded(byte[]... uploads) throws Exception {
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            for (byte[] u : uploads) {
                Cid cid = EmbeddedStore.cidOf(new ByteArrayInputStream(u));
                assertThat(ipfs.has(cid)).as(cid.toString()).isFalse();
                assertThat(ipfs.isPinned(cid)).as(cid.toString()).isFalse();
            }
        }
    }

    private static byte[] unique(String what) {
        return (what + " " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    }

    private static String base64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }

    /** The initial weights of the launch body's model (mnistMlp(7)), as a node writes them. */
    private static final byte[] WEIGHTS = weights();

    private static byte[] weights() {
        try (DjlModel m = DjlModel.create(ModelSpec.mnistMlp(7))) {
            return ModelWeights.write(m.layout(), m.parameters(), java.util.Map.of());
        }
    }

    private ObjectNode launchBody(String evaluator) {
        ObjectNode b = JSON.createObjectNode();
        try {
            b.set("modelSpec", JSON.readTree(ModelSpec.mnistMlp(7).toJson()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        b.put("initialWeights", Base64.getEncoder().encodeToString(WEIGHTS));
        b.put(
                "validationData",
                Base64.getEncoder()
                        .encodeToString("validation digits".getBytes(StandardCharsets.UTF_8)));
        b.putArray("committee")
                .addObject()
                .put("address", evaluator)
                .put("sealKey", "0x" + "11".repeat(32));
        b.put("quorum", 1)
                .put("rewardPerRound", DevKit.ether("1").toString())
                .put("trainerStake", DevKit.ether("0.1").toString())
                .put("evaluatorBond", DevKit.ether("0.5").toString())
                .put("evaluatorPenalty", DevKit.ether("0.2").toString())
                .put("startsIn", 3600)
                .put("submitPeriod", 600)
                .put("evalPeriod", 600)
                .put("rounds", 3)
                .put("maxTrainers", 10);
        return b;
    }

    private static BigInteger ethOf(String address) throws Exception {
        return ChainAndIpfs.chain
                .web3j()
                .ethGetBalance(address, org.web3j.protocol.core.DefaultBlockParameterName.LATEST)
                .send()
                .getBalance();
    }

    @Test
    void anOwnerSignsInAndLaunchesAFundedProjectAndEveryMistakeIsAProblem() throws Exception {
        var chain = ChainAndIpfs.chain;
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("1"));
        Credentials other = DevKit.fundedAccount(chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(chain, DevKit.ether("1")).getAddress();
        String body = JSON.writeValueAsString(launchBody(evaluator));
        Market market = market();
        // other tests of this class may have launched before this one
        BigInteger first = market.projectCount().send().add(BigInteger.ONE);
        BigInteger escrow = ethOf(ChainAndIpfs.market);

        // no token, a made-up token
        assertProblem(send("POST", "/projects", null, body), 401, "sign in");
        assertProblem(send("POST", "/projects", "f00d", body), 401, "unknown token");

        // a wrong signer, another domain, an old message, garbage: no token
        String n1 = nonce();
        String m1 = message(owner.getAddress(), n1, "localhost", Instant.now());
        assertProblem(login(m1, sign(m1, other)), 401, "the signature is by " + other.getAddress());
        String m2 = message(owner.getAddress(), nonce(), "evil.example", Instant.now());
        assertProblem(login(m2, sign(m2, owner)), 401, "is for evil.example");
        String m3 =
                message(
                        owner.getAddress(),
                        nonce(),
                        "localhost",
                        Instant.now().minus(Duration.ofHours(1)));
        assertProblem(login(m3, sign(m3, owner)), 401, "is not recent");
        assertProblem(login("hello", "0x00"), 400, "not an EIP-4361 message");
        assertProblem(login(m1, "0x1234"), 400, "65 bytes");

        // signing in
        HttpResponse<String> ok = login(m1, sign(m1, owner));
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        String token = JSON.readTree(ok.body()).path("token").asText();
        assertThat(JSON.readTree(ok.body()).path("address").asText()).isEqualTo(owner.getAddress());
        assertProblem(login(m1, sign(m1, owner)), 401, "used or expired nonce");

        // bad requests, checked before anything is pinned or sent
        ObjectNode bad = launchBody(evaluator);
        bad.remove("rewardPerRound");
        bad.withArray("committee").addObject().put("address", "0x12").put("sealKey", "0xzz");
        bad.put("rounds", 0);
        assertProblem(
                send("POST", "/projects", token, JSON.writeValueAsString(bad)),
                400,
                "rewardPerRound (wei, a decimal string) is required",
                "committee[1].address",
                "committee[1].sealKey",
                "rounds must be in [1, 10000]");
        // what the contract would refuse is refused before anything is pinned or approved: quorum
        // 1 of 2 is no majority
        ObjectNode noMajority = launchBody(evaluator);
        noMajority
                .withArray("committee")
                .addObject()
                .put("address", owner.getAddress())
                .put("sealKey", "0x" + "22".repeat(32));
        assertProblem(
                send("POST", "/projects", token, JSON.writeValueAsString(noMajority)),
                400,
                "quorum must be a majority of the committee");

        // when: the launch
        HttpResponse<String> launched = send("POST", "/projects", token, body);

        // then: 201, created and funded on-chain by the operator, files pinned
        assertThat(launched.statusCode()).as(launched.body()).isEqualTo(201);
        JsonNode l = JSON.readTree(launched.body());
        assertThat(l.path("project").asText()).isEqualTo(first.toString());
        assertThat(l.path("requestedBy").asText()).isEqualTo(owner.getAddress());
        assertThat(l.path("owner").asText()).isEqualTo(ChainAndIpfs.operator.getAddress());
        assertThat(launched.headers().firstValue("location"))
                .hasValueSatisfying(v -> assertThat(v).endsWith("/projects/" + first));
        var terms = market.projectTerms(first).send();
        assertThat(terms.component1()).isEqualTo(ChainAndIpfs.operator.getAddress());
        assertThat(terms.component3()).isEqualTo(DevKit.ether("1"));
        assertThat(ethOf(ChainAndIpfs.market)).isEqualTo(escrow.add(DevKit.ether("3")));
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            Cid spec = Cid.parse(l.path("modelSpecCid").asText());
            assertThat(ipfs.isPinned(spec)).isTrue();
            assertThat(JSON.readTree(ipfs.readAllBytes(spec, 1 << 20)).path("name").asText())
                    .isEqualTo("mnist-mlp");
            Cid validation = Cid.parse(l.path("validationDataCid").asText());
            assertThat(ipfs.isPinned(validation)).isTrue();
            assertThat(new String(ipfs.readAllBytes(validation, 1 << 20), StandardCharsets.UTF_8))
                    .isEqualTo("validation digits");
            assertThat(ipfs.readAllBytes(Cid.parse(l.path("initialWeightsCid").asText()), 1 << 20))
                    .isEqualTo(WEIGHTS);
        }

        // the read side indexes it
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> read;
        do {
            read = send("GET", "/projects/" + first, null, null);
            Thread.sleep(100);
        } while (read.statusCode() != 200 && System.nanoTime() < end);
        assertThat(JSON.readTree(read.body()).path("status").asText()).isEqualTo("scheduled");

        // an ERC-20 budget: the operator must hold it; the API approves the market and creates
        Credentials minter = DevKit.fundedAccount(chain, DevKit.ether("1"));
        MockERC20 coin =
                MockERC20.deploy(
                                chain.web3j(),
                                DevKit.tx(chain.web3j(), minter),
                                DevKit.gas(),
                                "Cohort Test Coin",
                                "CTC")
                        .send();
        ObjectNode inCoin = launchBody(evaluator).put("token", coin.getContractAddress());
        ObjectNode badToken = launchBody(evaluator).put("token", "0x12");
        assertProblem(
                send("POST", "/projects", token, JSON.writeValueAsString(badToken)),
                400,
                "token must be 0x and 40 hex digits");
        ObjectNode notAToken = launchBody(evaluator).put("token", owner.getAddress());
        assertProblem(
                send("POST", "/projects", token, JSON.writeValueAsString(notAToken)),
                422,
                "does not answer balanceOf()");
        assertProblem(
                send("POST", "/projects", token, JSON.writeValueAsString(inCoin)),
                422,
                "holds 0 of token " + coin.getContractAddress(),
                "is 3000000000000000000");
        coin.mint(ChainAndIpfs.operator.getAddress(), DevKit.ether("5")).send();
        HttpResponse<String> coinLaunch =
                send("POST", "/projects", token, JSON.writeValueAsString(inCoin));
        assertThat(coinLaunch.statusCode()).as(coinLaunch.body()).isEqualTo(201);
        JsonNode c = JSON.readTree(coinLaunch.body());
        assertThat(c.path("project").asText()).isEqualTo(first.add(BigInteger.ONE).toString());
        assertThat(c.path("token").asText()).isEqualTo(coin.getContractAddress());
        assertThat(c.path("approvalTransactionHash").asText()).startsWith("0x");
        assertThat(market.projectTerms(first.add(BigInteger.ONE)).send().component2())
                .isEqualToIgnoringCase(coin.getContractAddress());
        assertThat(coin.balanceOf(ChainAndIpfs.market).send()).isEqualTo(DevKit.ether("3"));
        assertThat(coin.balanceOf(ChainAndIpfs.operator.getAddress()).send())
                .isEqualTo(DevKit.ether("2"));
        // the ETH escrow is untouched by it; the ETH launch answered no token approval
        assertThat(ethOf(ChainAndIpfs.market)).isEqualTo(escrow.add(DevKit.ether("3")));
        assertThat(l.path("approvalTransactionHash").isNull()).isTrue();

        // a token expires (cohort.auth.token-ttl is 5 s in this test)
        Thread.sleep(5_500);
        assertProblem(send("POST", "/projects", token, body), 401, "expired");
    }

    @Test
    void aLaunchWhoseReceiptIsLateIsLearnedByAskingAgainUnderItsKeyAndFundedOnce()
            throws Exception {
        var chain = ChainAndIpfs.chain;
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(chain, DevKit.ether("1")).getAddress();
        // an absolute start, which will have passed when the launch is asked about last
        long start = chain.latestTimestamp() + 3600;
        ObjectNode request = launchBody(evaluator);
        request.remove("startsIn");
        String body = JSON.writeValueAsString(request.put("start", start));
        String key = "launch-" + UUID.randomUUID();
        Market market = market();
        BigInteger escrowBefore = ethOf(ChainAndIpfs.market);
        String hash;

        // given: a chain that mines nothing until told (the API waits 2 s for a receipt here;
        // tokens last 5 s, so each request signs in afresh), its latest base fee 10 gwei, the
        // next block's 8.75 (the latest is empty)
        BigInteger base = latestBaseFee();
        try {
            chain.setAutomine(false);
            chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.TEN));
            chain.mine();
            // when: the launch under a key waits past the receipt timeout
            HttpResponse<String> late = launch(signIn(owner), key, body);

            // then: 504 naming the transaction, which may still be mined
            assertProblem(late, 504, "was sent but not mined within", "Idempotency-Key");
            hash = transactionIn(late);

            // and: asked again while it waits, the same transaction, not a second one
            assertProblem(
                    launch(signIn(owner), key, body), 409, "is waiting for createProject " + hash);
            // and: the key with another request is refused
            ObjectNode other = launchBody(evaluator).put("rounds", 4);
            assertProblem(
                    launch(signIn(owner), key, JSON.writeValueAsString(other)),
                    422,
                    "was used for another launch request");
            // and: a node that lost the transaction is given the same one again (the ledger kept
            // it signed), its nonce still unused
            chain.dropTransaction(hash);
            assertThat(chain.web3j().ethGetTransactionByHash(hash).send().getTransaction())
                    .isEmpty();
            assertProblem(
                    launch(signIn(owner), key, body), 409, "is waiting for createProject " + hash);
            assertThat(chain.web3j().ethGetTransactionByHash(hash).send().getTransaction())
                    .isPresent();
            // and: the base fee rises by half (over three full blocks) before it is mined: it was
            // signed as an EIP-1559 transaction with room for that, so that very block takes it
            var sent = chain.web3j().ethGetTransactionByHash(hash).send().getTransaction().get();
            assertThat(sent.getType()).isEqualTo("0x2");
            assertThat(sent.getMaxFeePerGas())
                    .isGreaterThanOrEqualTo(GWEI.multiply(BigInteger.valueOf(35)).shiftRight(1));
            chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.valueOf(15)));
            chain.mine();
            assertThat(chain.web3j().ethGetTransactionReceipt(hash).send().getTransactionReceipt())
                    .isPresent();
        } finally {
            restoreMining(base);
        }

        // when: asked again once it is mined, and once more after its start has passed (the
        // request, checked afresh, would now be refused: the repeat is answered first)
        HttpResponse<String> learned = launch(signIn(owner), key, body);
        chain.mineAt(start + 1);
        HttpResponse<String> again = launch(signIn(owner), key, body);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);

        // then: both answer the project that transaction created
        assertThat(learned.statusCode()).as(learned.body()).isEqualTo(201);
        JsonNode l = JSON.readTree(learned.body());
        assertThat(l.path("transactionHash").asText()).isEqualTo(hash);
        assertThat(l.path("requestedBy").asText()).isEqualTo(owner.getAddress());
        assertThat(JSON.readTree(again.body())).isEqualTo(l);
        BigInteger project = new BigInteger(l.path("project").asText());
        assertThat(market.projectCount().send()).isEqualTo(project);
        // and: funded once, three rounds of 1 ETH
        assertThat(ethOf(ChainAndIpfs.market).subtract(escrowBefore)).isEqualTo(DevKit.ether("3"));

        // and: a malformed key is a 400 that launches nothing
        assertProblem(launch(signIn(owner), "no spaces", body), 400, "Idempotency-Key header");
        assertThat(market.projectCount().send()).isEqualTo(project);
    }

    @Test
    void aLaunchWhileFeesAreAboveTheOperatorsCapSendsNothingAndCanBeAskedAgain() throws Exception {
        var chain = ChainAndIpfs.chain;
        var web3j = chain.web3j();
        Asker a = asker("capped");
        BigInteger cap = GWEI.multiply(BigInteger.valueOf(100)); // ChainAndIpfs sets it
        String operator = ChainAndIpfs.operator.getAddress();
        Market market = market();
        BigInteger base = latestBaseFee();
        try {
            // given: a latest base fee of 150 gwei, above the operator's cap of 100
            chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.valueOf(150)));
            chain.mine();
            BigInteger nonce =
                    web3j.ethGetTransactionCount(operator, PENDING).send().getTransactionCount();

            // when: a launch under a key
            HttpResponse<String> refused = launch(a);

            // then: a 503 to ask again later, and nothing was sent
            assertProblem(
                    refused, 503, "above cohort.operator.max-fee", "createProject was not sent");
            assertThat(JSON.readTree(refused.body()).path("title").asText())
                    .isEqualTo("Chain fees above the cap");
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("60");
            assertThat(web3j.ethGetTransactionCount(operator, PENDING).send().getTransactionCount())
                    .isEqualTo(nonce);
            assertThat(market.projectCount().send()).isEqualTo(a.projects());

            // when: the base fee falls to 60 gwei, where twice it plus the tip is over the cap,
            // and the same key asks again
            chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.valueOf(60)));
            chain.mine();
            HttpResponse<String> launched = launch(a);

            // then: launched (the refusal kept nothing under the key), the max fee the cap
            assertThat(launched.statusCode()).as(launched.body()).isEqualTo(201);
            String hash = JSON.readTree(launched.body()).path("transactionHash").asText();
            var sent = web3j.ethGetTransactionByHash(hash).send().getTransaction().get();
            assertThat(sent.getType()).isEqualTo("0x2");
            assertThat(sent.getMaxFeePerGas()).isEqualTo(cap);
            assertThat(market.projectCount().send()).isEqualTo(a.projects().add(BigInteger.ONE));
        } finally {
            restoreMining(base);
        }
    }

    /**
     * Who launches under which key, with which request, and the market's project count and ETH
     * escrow before.
     */
    private record Asker(
            Credentials owner, String key, String body, BigInteger projects, BigInteger escrow) {}

    /** A fresh owner and evaluator, the launch body for them, and a key starting {@code what}. */
    private Asker asker(String what) throws Exception {
        var chain = ChainAndIpfs.chain;
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(chain, DevKit.ether("1")).getAddress();
        return new Asker(
                owner,
                what + "-" + UUID.randomUUID(),
                JSON.writeValueAsString(launchBody(evaluator)),
                market().projectCount().send(),
                ethOf(ChainAndIpfs.market));
    }

    /** {@code a}'s launch, signed in afresh (tokens last 5 s here). */
    private HttpResponse<String> launch(Asker a) throws Exception {
        return launch(signIn(a.owner()), a.key(), a.body());
    }

    /** The latest block's base fee, to put back after a test changed it. */
    private static BigInteger latestBaseFee() throws Exception {
        return ChainAndIpfs.chain
                .web3j()
                .ethGetBlockByNumber(LATEST, false)
                .send()
                .getBlock()
                .getBaseFeePerGas();
    }

    /** A launch's first createProject: its hash, signed bytes and what the node showed of it. */
    private record Stuck(
            String hash, String raw, org.web3j.protocol.core.methods.response.Transaction tx) {}

    /**
     * On a chain that mines nothing until told, its base fee 10 gwei (the next block's 8.75 after
     * that empty block): a launch under {@code key} waits past the receipt timeout, and the base
     * fee trebles before a block takes it (its max fee, twice 8.75 gwei plus the tip, no longer
     * covers it; Anvil drops it from its pool).
     */
    private Stuck stuck(Asker a) throws Exception {
        var chain = ChainAndIpfs.chain;
        var web3j = chain.web3j();
        chain.setAutomine(false);
        chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.TEN));
        chain.mine();
        HttpResponse<String> late = launch(a);
        assertProblem(late, 504, "was sent but not mined within");
        String hash = transactionIn(late);
        var tx = web3j.ethGetTransactionByHash(hash).send().getTransaction().get();
        String raw = ledgerRaw(hash);
        chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.valueOf(30)));
        chain.mine();
        assertThat(web3j.ethGetTransactionReceipt(hash).send().getTransactionReceipt()).isEmpty();
        // the tests below take the path of a node that lost it: a node that keeps it waiting
        // takes another (the replacement is the same): LostLaunchTest, against a stub endpoint
        assertThat(web3j.ethGetTransactionByHash(hash).send().getTransaction())
                .as("Anvil drops a transaction whose max fee is below the base fee")
                .isEmpty();
        return new Stuck(hash, raw, tx);
    }

    /**
     * The key asks again after {@link #stuck}: 409 naming the same createProject signed again at
     * its nonce with room for the new base fee (twice the next block's, 26.25 gwei after the empty
     * block at 30). Returns the replacement's hash.
     */
    private String replaced(Stuck first, Asker a) throws Exception {
        var web3j = ChainAndIpfs.chain.web3j();
        HttpResponse<String> again = launch(a);
        assertProblem(
                again,
                409,
                "waited for createProject " + first.hash(),
                "signed again at the same nonce");
        String detail = JSON.readTree(again.body()).path("detail").asText();
        var m = java.util.regex.Pattern.compile("same nonce as (0x[0-9a-f]{64})").matcher(detail);
        assertThat(m.find()).as(detail).isTrue();
        var second = web3j.ethGetTransactionByHash(m.group(1)).send().getTransaction().get();
        assertThat(second.getNonce()).isEqualTo(first.tx().getNonce());
        assertThat(second.getInput()).isEqualTo(first.tx().getInput());
        assertThat(second.getValue()).isEqualTo(first.tx().getValue());
        assertThat(second.getMaxFeePerGas())
                .isGreaterThanOrEqualTo(GWEI.multiply(BigInteger.valueOf(105)).shiftRight(1));
        assertThat(web3j.ethGetTransactionByHash(first.hash()).send().getTransaction()).isEmpty();
        return m.group(1);
    }

    /** The signed bytes the launch ledger kept for transaction {@code hash}. */
    private static String ledgerRaw(String hash) throws Exception {
        Path ledger =
                Path.of(
                        org.eclipse.microprofile.config.ConfigProvider.getConfig()
                                .getValue("cohort.operator.ledger", String.class));
        for (String line : Files.readAllLines(ledger)) {
            JsonNode e = JSON.readTree(line);
            if (hash.equals(e.path("transaction").asText()) && e.hasNonNull("raw")) {
                return e.path("raw").asText();
            }
        }
        throw new AssertionError("the ledger holds no signed bytes of " + hash);
    }

    /** Back to automining at the base fee the chain had. */
    private static void restoreMining(BigInteger base) throws Exception {
        try {
            ChainAndIpfs.chain.setNextBlockBaseFee(base);
            ChainAndIpfs.chain.mine();
        } finally {
            ChainAndIpfs.chain.setAutomine(true);
        }
    }

    /** Asserts the launch under {@code key} answers the project {@code hash} created, funded. */
    private void assertLaunchedBy(String hash, Asker a) throws Exception {
        HttpResponse<String> learned = launch(a);
        assertThat(learned.statusCode()).as(learned.body()).isEqualTo(201);
        assertThat(JSON.readTree(learned.body()).path("transactionHash").asText()).isEqualTo(hash);
        assertThat(market().projectCount().send()).isEqualTo(a.projects().add(BigInteger.ONE));
        assertThat(ethOf(ChainAndIpfs.market).subtract(a.escrow())).isEqualTo(DevKit.ether("3"));
    }

    @Test
    void aLaunchStuckBelowARisenBaseFeeIsSignedAgainAtItsNonceAndFundedOnce() throws Exception {
        var chain = ChainAndIpfs.chain;
        Asker a = asker("stuck");
        BigInteger base = latestBaseFee();
        String replacement;
        try {
            // given: a stuck launch, signed again at its nonce when its key asks again
            replacement = replaced(stuck(a), a);

            // when: asked again before a block, it waits for the replacement, which is includable
            assertProblem(launch(a), 409, "is waiting for createProject " + replacement);
            chain.mine();
        } finally {
            restoreMining(base);
        }

        // then: the key answers the project the replacement created, funded once
        assertLaunchedBy(replacement, a);
    }

    @Test
    void aReplacedLaunchWhoseFirstTransactionIsMinedAfterAllIsLearnedFromIt() throws Exception {
        var chain = ChainAndIpfs.chain;
        var web3j = chain.web3j();
        Asker a = asker("first");
        BigInteger base = latestBaseFee();
        Stuck first;
        try {
            // given: a stuck launch signed again at its nonce
            first = stuck(a);
            String replacement = replaced(first, a);

            // when: the replacement goes missing, the base fee falls back, and the first, which
            // another node kept, is mined instead
            chain.dropTransaction(replacement);
            chain.setNextBlockBaseFee(GWEI.multiply(BigInteger.TEN));
            chain.mine();
            assertThat(web3j.ethSendRawTransaction(first.raw()).send().hasError()).isFalse();
            chain.mine();
            assertThat(web3j.ethGetTransactionReceipt(first.hash()).send().getTransactionReceipt())
                    .isPresent();
        } finally {
            restoreMining(base);
        }

        // then: the key answers the project the first created, funded once (before, only the
        // replacement was looked up: a node that does not know it, its nonce used, was a 502)
        assertLaunchedBy(first.hash(), a);
    }

    @Test
    void aLostLaunchWhoseNonceALaterLaunchTookDoesNotPushItOutAndThenLaunchesAfresh()
            throws Exception {
        var chain = ChainAndIpfs.chain;
        var web3j = chain.web3j();
        Asker a = asker("lost");
        Asker b = asker("later");
        BigInteger base = latestBaseFee();
        try {
            // given: a's launch stuck and dropped by the node, and b's launch sent since at the
            // nonce that freed (it waits too: nothing is mined)
            Stuck first = stuck(a);
            HttpResponse<String> later = launch(b);
            assertProblem(later, 504, "was sent but not mined within");
            String other = transactionIn(later);
            assertThat(
                            web3j.ethGetTransactionByHash(other)
                                    .send()
                                    .getTransaction()
                                    .get()
                                    .getNonce())
                    .isEqualTo(first.tx().getNonce());

            // when: a's key asks again
            HttpResponse<String> again = launch(a);

            // then: 409, nothing sent: b's transaction still waits at that nonce
            assertProblem(
                    again,
                    409,
                    "holds another transaction of the operator at its nonce",
                    "nothing is sent while it waits");
            assertThat(web3j.ethGetTransactionByHash(other).send().getTransaction()).isPresent();

            // and: once b's is mined, at the nonce a's was signed for, a's never can be: a's key
            // launches afresh (its new transaction waits for a block), before b's key even asked
            chain.mine();
            HttpResponse<String> afresh = launch(a);
            assertProblem(afresh, 504, "was sent but not mined within");
            String fresh = transactionIn(afresh);
            assertThat(fresh).isNotEqualTo(first.hash());
            assertThat(
                            web3j.ethGetTransactionByHash(fresh)
                                    .send()
                                    .getTransaction()
                                    .get()
                                    .getNonce())
                    .isEqualTo(first.tx().getNonce().add(BigInteger.ONE));
            // once a block takes it, each key answers its own project: two, funded once each
            chain.mine();
            HttpResponse<String> bAnswer = launch(b);
            HttpResponse<String> aAnswer = launch(a);
            assertThat(bAnswer.statusCode()).as(bAnswer.body()).isEqualTo(201);
            assertThat(aAnswer.statusCode()).as(aAnswer.body()).isEqualTo(201);
            assertThat(JSON.readTree(bAnswer.body()).path("transactionHash").asText())
                    .isEqualTo(other);
            assertThat(JSON.readTree(aAnswer.body()).path("transactionHash").asText())
                    .isEqualTo(fresh);
            assertThat(JSON.readTree(aAnswer.body()).path("project").asText())
                    .isNotEqualTo(JSON.readTree(bAnswer.body()).path("project").asText());
            assertThat(market().projectCount().send()).isEqualTo(a.projects().add(BigInteger.TWO));
            assertThat(ethOf(ChainAndIpfs.market).subtract(a.escrow()))
                    .isEqualTo(DevKit.ether("6"));
        } finally {
            restoreMining(base);
        }
    }

    @Test
    void aReplacementTheNodeRefusesLeavesTheKeyWithTheFirstTransaction() throws Exception {
        var chain = ChainAndIpfs.chain;
        var web3j = chain.web3j();
        Asker a = asker("refused");
        String operator = ChainAndIpfs.operator.getAddress();
        BigInteger base = latestBaseFee();
        BigInteger balance = ethOf(operator);
        boolean lowered = false;
        String replacement;
        try {
            // given: a stuck launch, and an operator whose balance covers its budget and gas at
            // 40 gwei, not a replacement's 52.5 gwei and more
            Stuck first = stuck(a);
            lowered = true;
            chain.setBalance(
                    operator,
                    first.tx()
                            .getValue()
                            .add(
                                    first.tx()
                                            .getGas()
                                            .multiply(GWEI.multiply(BigInteger.valueOf(40)))));

            // when: the key asks again
            HttpResponse<String> refused = launch(a);

            // then: 502 naming the node's reason, the key kept with the first transaction
            assertProblem(
                    refused,
                    502,
                    "refuses it signed again at higher fees",
                    "the key keeps " + first.hash());
            // and: with the balance back, asking again signs the first again (not the refused
            // one), which the next block takes
            chain.setBalance(operator, balance);
            lowered = false;
            replacement = replaced(first, a);
            chain.mine();
        } finally {
            if (lowered) {
                chain.setBalance(operator, balance);
            }
            restoreMining(base);
        }
        assertLaunchedBy(replacement, a);
    }

    @Test
    void aLostLaunchWhoseNonceWasUsedSinceIsNeverLaunchedAgainUnderItsKey() throws Exception {
        var chain = ChainAndIpfs.chain;
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(chain, DevKit.ether("1")).getAddress();
        String body = JSON.writeValueAsString(launchBody(evaluator));
        String key = "lost-" + UUID.randomUUID();
        Market market = market();
        BigInteger projects = market.projectCount().send();
        BigInteger escrow = ethOf(ChainAndIpfs.market);

        // given: a launch that timed out, whose transaction the node then lost, and another
        // transaction of the operator mined at its nonce
        chain.setAutomine(false);
        String hash;
        try {
            HttpResponse<String> late = launch(signIn(owner), key, body);
            assertThat(late.statusCode()).as(late.body()).isEqualTo(504);
            hash = transactionIn(late);
            chain.dropTransaction(hash);
        } finally {
            chain.setAutomine(true);
        }
        org.web3j.tx.Transfer.sendFunds(
                        chain.web3j(),
                        ChainAndIpfs.operator,
                        owner.getAddress(),
                        java.math.BigDecimal.ONE,
                        org.web3j.utils.Convert.Unit.WEI)
                .send();

        // when: asked again under the key
        HttpResponse<String> again = launch(signIn(owner), key, body);

        // then: a 502 that says it cannot tell, and no second project, now or on the next ask
        assertProblem(again, 502, "createProject " + hash, "nothing is launched again");
        assertProblem(launch(signIn(owner), key, body), 502, "nothing is launched again");
        assertThat(market.projectCount().send()).isEqualTo(projects);
        assertThat(ethOf(ChainAndIpfs.market)).isEqualTo(escrow);
    }

    @Test
    void aChunkedSignInIsRefusedAndALaunchPathWithATrailingSlashIsStillALaunch() throws Exception {
        // a sign-in whose length is declared nowhere: 411, before its body is read
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /auth/login HTTP/1.1\r\nHost: localhost\r\n"
                                    + "Content-Type: application/json\r\n"
                                    + "Transfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 411");
            assertThat(answer).contains("only a launch may send a body without Content-Length");
        }
        // POST /projects/ declaring 2 MiB without a token: the launch's sign-in check (401), not
        // the 64 KiB limit of other endpoints
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /projects/ HTTP/1.1\r\nHost: localhost\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: "
                                    + (2 << 20)
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 401");
        }
    }

    @Test
    void http2IsNotSpokenSoEveryBodyWithoutALengthIsChunkedHttp1() throws Exception {
        // an HTTP/2 client with prior knowledge (h2c) could send bodies without a length that
        // only Quarkus's overall 64 MiB limit would stop; the API speaks HTTP/1.1 only
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), base.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // an empty SETTINGS frame, as an HTTP/2 client sends after the preface
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0});
            out.flush();
            // then: not a SETTINGS frame but a text answer: the preface is a malformed HTTP/1
            // request
            byte[] answer = s.getInputStream().readNBytes(24);
            assertThat(new String(answer, StandardCharsets.ISO_8859_1))
                    .matches("HTTP/\\d\\.\\d 400 Bad Request");
        }
        // and an upgrade to h2c is not taken: the answer is HTTP/1.1
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> r =
                h2.send(
                        HttpRequest.newBuilder(base.resolve("/auth/nonce")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    }

    @Test
    void oneClientSignsInAtMostAHundredTimesInFiveMinutes() throws Exception {
        // given: a client at another loopback address that signed in the default 100 times (Linux
        // routes all of 127/8 to lo; macOS needs `ifconfig lo0 alias 127.0.0.2` first)
        Credentials owner = Credentials.create(Keys.createEcKeyPair());
        InetAddress other = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 100; i++) {
            assertThat(loginFrom(other, owner)).startsWith("HTTP/1.1 200");
        }

        // when: it signs in once more
        String refused = loginFrom(other, owner);

        // then: 429 problem+json saying when to ask again, while 127.0.0.1 still signs in
        assertThat(refused)
                .startsWith("HTTP/1.1 429")
                .containsIgnoringCase("retry-after: ")
                .contains("application/problem+json")
                .contains("100 sign-ins from 127.0.0.2 in the last five minutes");
        assertThat(signIn(owner)).hasSize(64);
    }

    /** A sign-in of {@code owner} sent from the local address {@code from}: the raw answer. */
    private String loginFrom(InetAddress from, Credentials owner) throws Exception {
        String m = message(owner.getAddress(), nonce(), "localhost", Instant.now());
        byte[] body =
                JSON.writeValueAsBytes(
                        JSON.createObjectNode().put("message", m).put("signature", sign(m, owner)));
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), base.getPort(), from, 0)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST /auth/login HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: "
                                    + body.length
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The market contract, to read. */
    private static Market market() {
        var web3j = ChainAndIpfs.chain.web3j();
        return Market.load(
                ChainAndIpfs.market,
                web3j,
                new ReadonlyTransactionManager(web3j, ChainAndIpfs.market),
                new DefaultGasProvider());
    }

    /** The transaction hash a problem's detail names. */
    private static String transactionIn(HttpResponse<String> problem) throws Exception {
        var m =
                java.util.regex.Pattern.compile("0x[0-9a-f]{64}")
                        .matcher(JSON.readTree(problem.body()).path("detail").asText());
        assertThat(m.find()).as(problem.body()).isTrue();
        return m.group();
    }

    private HttpResponse<String> launch(String token, String key, String body) throws Exception {
        HttpRequest r =
                HttpRequest.newBuilder(base.resolve("/projects"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Authorization", "Bearer " + token)
                        .header("Idempotency-Key", key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBodyOfTheWrongShapeIsAProblemThatNamesTheField() throws Exception {
        Credentials owner = DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1"));

        // values of the wrong JSON type, a body that is no object, and broken JSON
        assertProblem(
                send("POST", "/projects", signIn(owner), "{\"rounds\":\"ten\"}"),
                400,
                "rounds must be an integer");
        assertProblem(
                send("POST", "/projects", signIn(owner), "{\"committee\":{}}"),
                400,
                "committee must be an array");
        assertProblem(
                send("POST", "/projects", signIn(owner), "[]"), 400, "the body must be an object");
        assertProblem(
                send("POST", "/projects", signIn(owner), "{\"rounds\": 3,\n\"quorum\": }"),
                400,
                "the body is not JSON",
                "(line 2, column 11)");
        assertProblem(
                send("POST", "/auth/login", null, "{\"message\":{},\"signature\":\"0x\"}"),
                400,
                "message must be a string");
    }

    @Test
    void aRequestThatFailsItsChecksPinsNothingAndNamesEveryProblem() throws Exception {
        Credentials owner = DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1")).getAddress();

        // a start the contract cannot hold: a 400, not a 500 after pinning the uploads
        byte[] weights = unique("weights");
        byte[] validation = unique("validation");
        ObjectNode negative =
                launchBody(evaluator)
                        .put("initialWeights", base64(weights))
                        .put("validationData", base64(validation))
                        .put("start", -1);
        negative.remove("startsIn");
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(negative)),
                400,
                "start must be seconds since the epoch (>= 0), got -1");
        ObjectNode overflow =
                launchBody(evaluator)
                        .put("initialWeights", base64(weights))
                        .put("validationData", base64(validation))
                        .put("startsIn", Long.MAX_VALUE);
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(overflow)),
                400,
                "startsIn " + Long.MAX_VALUE + " seconds from now is past the largest time");

        // a CID that is none, weights that are not base64, zero rounds: one 400 for all three
        ObjectNode bad =
                launchBody(evaluator)
                        .put("modelSpecCid", "not-a-cid")
                        .put("initialWeights", "%%%%")
                        .put("validationData", base64(validation))
                        .put("rounds", 0);
        bad.remove("modelSpec");
        // a null spec, a spec no node can build, a file given twice
        ObjectNode nullSpec = launchBody(evaluator).put("validationData", base64(validation));
        nullSpec.putNull("modelSpec");
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(nullSpec)),
                400,
                "modelSpec or modelSpecCid is required");
        ObjectNode noSpec = launchBody(evaluator).put("validationData", base64(validation));
        noSpec.putObject("modelSpec").put("name", "mlp").put("seed", 7);
        noSpec.put("initialWeightsCid", "bafkqaaa");
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(noSpec)),
                400,
                "modelSpec is no model spec",
                "give initialWeights or initialWeightsCid, not both");
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(bad)),
                400,
                "modelSpecCid is not a CID",
                "initialWeights is not base64",
                "rounds must be in [1, 10000]");

        // the largest upload (40 MiB, 56 million base64 characters) is read whole: the problem
        // is the zero rounds, not the body (Jackson's default refuses strings over 20 million)
        byte[] largest = new byte[40 << 20];
        new java.util.Random(5).nextBytes(largest);
        ObjectNode big =
                launchBody(evaluator)
                        .put("initialWeights", base64(weights))
                        .put("validationData", base64(largest))
                        .put("rounds", 0);
        // (written out before signing in: tokens last 5 s here, and the body takes a while)
        String bigBody = JSON.writeValueAsString(big);
        assertProblem(
                send("POST", "/projects", signIn(owner), bigBody),
                400,
                "rounds must be in [1, 10000]");

        // weights that are not the spec's model, a spec CID whose bytes are no spec: a project
        // nobody could train is not funded
        ObjectNode notTheModel =
                launchBody(evaluator)
                        .put("initialWeights", base64(weights))
                        .put("validationData", base64(validation));
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(notTheModel)),
                400,
                "initialWeights are not the weights of the model spec");
        Cid hello;
        try (KuboClient ipfs = KuboClient.connect(ChainAndIpfs.kubo.apiUrl())) {
            hello = ipfs.add("hello".getBytes(StandardCharsets.UTF_8));
        }
        ObjectNode notASpec =
                launchBody(evaluator)
                        .put("modelSpecCid", hello.toString())
                        .put("validationData", base64(validation));
        notASpec.remove("modelSpec");
        assertProblem(
                send("POST", "/projects", signIn(owner), JSON.writeValueAsString(notASpec)),
                400,
                "modelSpecCid " + hello + " holds no model spec");

        // then: nothing any of them carried was added to IPFS, let alone pinned
        assertNotAdded(weights, validation);
    }

    @Test
    void aLaunchWithoutSignInIsRefusedBeforeItsBodyIsRead() throws Exception {
        // given: a launch that declares a 50 MiB body, with no token and then a made-up one,
        // and sends none of it
        for (String authorization : new String[] {"", "Authorization: Bearer f00d\r\n"}) {
            try (Socket s = new Socket(base.getHost(), base.getPort())) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(
                        ("POST /projects HTTP/1.1\r\nHost: localhost\r\n"
                                        + authorization
                                        + "Content-Type: application/json\r\nContent-Length: "
                                        + (50 << 20)
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                out.flush();

                // when: the server answers (it would wait for the body to check the token)
                String answer =
                        new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

                // then: the resource's own 401 as problem+json, and the connection closed
                assertThat(answer).startsWith("HTTP/1.1 401");
                assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
                JsonNode problem = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
                assertThat(problem.path("detail").asText())
                        .contains(authorization.isEmpty() ? "sign in" : "unknown token");
            }
        }
    }

    @Test
    void signedLaunchesWithLargeBodiesBeyondTwoAreRefusedBeforeTheirBodiesAreRead()
            throws Exception {
        String token = signIn(DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1")));
        List<Socket> held = new ArrayList<>();
        try {
            // given: signed launches declaring 2 MiB that send none of it: each one the server
            // waits on (no answer within a second) holds a place
            String answer = null;
            for (int i = 0; i < 5 && answer == null; i++) {
                Socket s = launchHead(token, 2 << 20);
                s.setSoTimeout(1_000);
                try {
                    answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    s.close();
                } catch (java.net.SocketTimeoutException waiting) {
                    held.add(s);
                }
            }
            // then: two are held, the next is a 503 problem+json with Retry-After, body unread
            assertThat(held).hasSize(2);
            assertThat(answer).startsWith("HTTP/1.1 503");
            assertThat(answer.toLowerCase())
                    .contains("content-type: application/problem+json")
                    .contains("retry-after: 30");
            assertThat(answer).contains("2 launches with large bodies are in flight");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // and once they are gone, a large launch is read again: its body (no JSON) is a 400
        String later = null;
        for (int i = 0; i < 50; i++) {
            try (Socket s = launchHead(token, 2 << 20)) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write(new byte[2 << 20]);
                s.getOutputStream().flush();
                later = new String(s.getInputStream().readNBytes(12), StandardCharsets.UTF_8);
            }
            if (!later.equals("HTTP/1.1 503")) {
                break;
            }
            Thread.sleep(100);
        }
        assertThat(later).isEqualTo("HTTP/1.1 400");
    }

    @Test
    void aLargeLaunchWhoseTokenExpiresWhileItUploadsIsJudgedForItsSigner() throws Exception {
        // given: a launch of over 1 MiB (its token is checked before its body is read) with zero
        // rounds, which is a 400 once it is read (nothing is pinned or sent)
        Credentials owner = DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1"));
        String evaluator = DevKit.fundedAccount(ChainAndIpfs.chain, DevKit.ether("1")).getAddress();
        byte[] body =
                JSON.writeValueAsBytes(
                        launchBody(evaluator)
                                .put("validationData", base64(new byte[1 << 20]))
                                .put("rounds", 0));
        try (Socket s = launchHead(signIn(owner), body.length)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();

            // when: half the body, a wait past the token's 5 s, then the rest
            out.write(body, 0, body.length / 2);
            out.flush();
            Thread.sleep(5_500);
            out.write(body, body.length / 2, body.length - body.length / 2);
            out.flush();

            // then: judged on what it asks (the zero rounds), not refused as expired
            String answer = answerOf(s);
            assertThat(answer).startsWith("HTTP/1.1 400");
            assertThat(answer).contains("rounds must be in [1, 10000]");
        }
    }

    /** The HTTP/1.1 answer on {@code s}: its head and its body of Content-Length bytes. */
    private static String answerOf(Socket s) throws Exception {
        java.io.InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length =
                java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
        return head + new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    /** A socket that has sent the head of a signed launch declaring {@code declared} bytes. */
    private Socket launchHead(String token, long declared) throws Exception {
        Socket s = new Socket(base.getHost(), base.getPort());
        s.getOutputStream()
                .write(
                        ("POST /projects HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                                        + token
                                        + "\r\nContent-Type: application/json\r\nContent-Length: "
                                        + declared
                                        + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return s;
    }

    @Test
    void aBodyOverTheLimitIsRefusedAsAProblemBeforeItIsRead() throws Exception {
        // given: a launch that declares one byte more than the 64 MiB limit and sends none of it
        long declared = (64L << 20) + 1;

        // when: the server answers
        JsonNode problem = declareOnly("/projects", declared);

        // then: 413, and where large files go instead
        assertThat(problem.path("detail").asText())
                .contains("the body is " + declared + " bytes, more than the " + (64L << 20))
                .contains("IPFS");
    }

    @Test
    void aSignInLargerThanAnySignInIsRefusedBeforeItIsRead() throws Exception {
        // given: a sign-in that declares 64 KiB and one byte, far under the launch limit
        long declared = (64L << 10) + 1;

        // when: the server answers
        JsonNode problem = declareOnly("/auth/login", declared);

        // then: 413 with the endpoint's own limit, the body unread
        assertThat(problem.path("detail").asText())
                .isEqualTo(
                        "the body is "
                                + declared
                                + " bytes, more than the "
                                + (64 << 10)
                                + " this endpoint takes");
    }

    /**
     * Sends only the head of a POST declaring {@code declared} bytes of JSON and expects a 413
     * problem+json with the connection closed; returns the problem.
     */
    private JsonNode declareOnly(String path, long declared) throws Exception {
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(
                    ("POST "
                                    + path
                                    + " HTTP/1.1\r\nHost: localhost\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: "
                                    + declared
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 413");
            assertThat(answer.toLowerCase()).contains("content-type: application/problem+json");
            JsonNode problem = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertThat(problem.path("status").asInt()).isEqualTo(413);
            return problem;
        }
    }
}
