package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.generated.Market;
import io.cohort.contracts.generated.MockERC20;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.contracts.seal.X25519KeyPair;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.FailingEndpoint;
import io.cohort.node.chain.Transactor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * Two rounds of a project on a real Anvil and a real Kubo, the trainer and evaluator round logic in
 * this process: three honest trainers, one that submits a copy of another's CID, one that submits
 * garbage; a round voided by a committee of two, whose released update a copier sends again in the
 * next round; and a committee of three whose member outvoted by the settled record starts its
 * policy afresh. (The nodes as separate processes, with faults: NodeProcessIT.)
 */
class RoundIT {

    private static final ModelSpec MLP = ModelSpec.mnistMlp(7);

    private static int mlpParameters() {
        try (DjlModel m = DjlModel.create(MLP)) {
            return m.parameterCount();
        }
    }

    private static final BigInteger REWARD = DevKit.ether("1");
    private static final BigInteger STAKE = DevKit.ether("0.1");

    private static DevChain chain;
    private static KuboNode kubo;
    private static KuboClient ipfs;

    @TempDir Path dir;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        chain = DevChain.start();
        kubo = KuboNode.start();
        ipfs = KuboClient.connect(kubo.apiUrl());
    }

    @AfterAll
    static void stop() throws Exception {
        if (ipfs != null) {
            ipfs.close();
        }
        if (kubo != null) {
            kubo.close();
        }
        if (chain != null) {
            chain.close();
        }
    }

    private Transactor transactor(Credentials key) {
        return transactor(chain.web3j(), key);
    }

    private Transactor transactor(Web3j web3j, Credentials key) {
        return new Transactor(
                web3j,
                key,
                DevChain.CHAIN_ID,
                new Transactor.Options(
                        20,
                        Duration.ofSeconds(60),
                        // a transaction behind a nonce gap (the reorganisation below) is found at
                        // its first re-send
                        Duration.ofSeconds(3),
                        25,
                        Duration.ofMillis(20)),
                log::add);
    }

    private static Credentials funded() throws Exception {
        return DevKit.fundedAccount(chain, DevKit.ether("10"));
    }

    /** An account with ETH for gas, and with {@code coin} (when there is one) to stake. */
    private static Credentials funded(MockERC20 coin) throws Exception {
        Credentials c = funded();
        if (coin != null) {
            coin.mint(c.getAddress(), DevKit.ether("10")).send();
        }
        return c;
    }

    /**
     * An endpoint whose reads ({@code eth_call}) answer from block {@code block}, behind the head,
     * as a lagging node behind a load balancer does; everything else reaches the chain as it is.
     */
    private static Web3j readsAt(Web3j real, long block) {
        return (Web3j)
                Proxy.newProxyInstance(
                        Web3j.class.getClassLoader(),
                        new Class<?>[] {Web3j.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("ethCall")) {
                                args[1] = DefaultBlockParameter.valueOf(BigInteger.valueOf(block));
                            }
                            try {
                                return method.invoke(real, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
    }

    /** A client of the market whose reads answer from {@code block} (see {@link #readsAt}). */
    private static MarketClient behindHead(String market, long deployed, long block) {
        return new MarketClient(
                readsAt(chain.web3j(), block),
                market,
                DevChain.CHAIN_ID,
                new MarketClient.LogRange(deployed, 2),
                1);
    }

    private static Market deploy(Credentials owner) throws Exception {
        return Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
    }

    private static long deployedAt(Market market) {
        return market.getTransactionReceipt().orElseThrow().getBlockNumber().longValueExact();
    }

    /**
     * A client of {@code market} reading its events from its deployment block on, {@code
     * pageBlocks} blocks a page, with a rescan of one block.
     */
    private static MarketClient clientOf(Market market, long pageBlocks) {
        return new MarketClient(
                chain.web3j(),
                market.getContractAddress(),
                DevChain.CHAIN_ID,
                new MarketClient.LogRange(deployedAt(market), pageBlocks),
                1);
    }

    private static BigInteger nonce(String address) throws Exception {
        return chain.web3j()
                .ethGetTransactionCount(address, DefaultBlockParameterName.LATEST)
                .send()
                .getTransactionCount();
    }

    private static BigInteger balance(String address) throws Exception {
        return chain.web3j()
                .ethGetBalance(address, DefaultBlockParameterName.LATEST)
                .send()
                .getBalance();
    }

    @ParameterizedTest(name = "paid in {0}")
    @ValueSource(strings = {"ETH", "an ERC-20 token"})
    void twoRoundsSettleCreditTheHonestFlagTheCopierAndTheGarbageAndPayClaims(String money)
            throws Exception {
        // given: a market, a project of 2 rounds with one evaluator, data for everyone
        Credentials owner = funded();
        Market market = deploy(owner);
        // a rescan of one block: this test's rounds are fewer blocks than the default depth, and
        // the claims of round 1 must come from an incremental read of the settlements; events are
        // read from the market's deployment block in pages of 2 blocks, so every read spans pages
        long deployed = deployedAt(market);
        MarketClient client = clientOf(market, 2);
        MockERC20 coin =
                money.equals("ETH")
                        ? null
                        : MockERC20.deploy(
                                        chain.web3j(),
                                        DevKit.tx(chain.web3j(), owner),
                                        DevKit.gas(),
                                        "Test Coin",
                                        "TC")
                                .send();
        String token = coin == null ? DevKit.ETH : coin.getContractAddress();
        BigInteger budget = DevKit.ether("2");
        if (coin != null) {
            coin.mint(owner.getAddress(), budget).send();
            coin.approve(market.getContractAddress(), budget).send();
        }
        X25519KeyPair sealKey = X25519KeyPair.generate(new SecureRandom());
        Credentials evaluatorKey = funded(coin);
        Cid specCid = ipfs.add(MLP.toJson().getBytes(StandardCharsets.UTF_8));
        float[] initial;
        Cid initialCid;
        try (DjlModel m = DjlModel.create(MLP)) {
            initial = m.parameters();
            initialCid = ipfs.add(ModelWeights.write(m.layout(), initial, Map.of()));
        }
        long start = chain.latestTimestamp() + 100;
        market.createProject(
                        new Market.ProjectParams(
                                token,
                                REWARD,
                                STAKE,
                                DevKit.ether("0.5"),
                                DevKit.ether("0.2"),
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(600),
                                BigInteger.TWO,
                                BigInteger.TEN,
                                BigInteger.ONE,
                                List.of(evaluatorKey.getAddress()),
                                List.of(sealKey.publicKey()),
                                specCid.toBytes(),
                                initialCid.toBytes()),
                        coin == null ? budget : BigInteger.ZERO)
                .send();
        BigInteger project = BigInteger.ONE;
        assertThat(client.project(project).inToken()).isEqualTo(coin != null);
        if (coin != null) {
            // no tokens, no stake: nothing is sent, the node says why and retries later
            Transactor broke = transactor(funded());
            assertThatThrownBy(() -> client.register(broke, project, token, STAKE))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("holds 0 of token " + token + "; the stake is " + STAKE);
        }

        IdxLoader.Split mnist = IdxLoader.mnist(IdxLoader.dataDir());
        LabeledData train = mnist.train();
        LabeledData validation = mnist.test().slice(0, 500);
        TrainConfig local = TrainConfig.sgd(1, 16, 0.05f, 3);
        List<TrainerNode> honest = new ArrayList<>();
        List<Transactor> honestKeys = new ArrayList<>();
        List<String> registered = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Credentials key = funded(coin);
            Transactor t = transactor(key);
            honestKeys.add(t);
            client.register(t, project, token, STAKE);
            registered.add(t.address().toLowerCase(Locale.ROOT));
            int from = i * 600;
            honest.add(
                    new TrainerNode(
                            client,
                            ipfs,
                            t,
                            train.slice(from, from + 600),
                            new TrainerNode.Config(
                                    dir.resolve("trainer" + i), local, Compression.dense()),
                            log::add));
        }
        Transactor copier = transactor(funded(coin));
        Transactor garbage = transactor(funded(coin));
        // the registrations are read incrementally: a first read, then one of the blocks since
        assertThat(client.trainers(project)).containsExactlyElementsOf(registered);
        client.register(copier, project, token, STAKE);
        client.register(garbage, project, token, STAKE);
        registered.add(copier.address().toLowerCase(Locale.ROOT));
        registered.add(garbage.address().toLowerCase(Locale.ROOT));
        assertThat(client.trainers(project)).containsExactlyElementsOf(registered);
        // a reorganisation deeper than the rescan (1 block here) drops a registration four
        // blocks down: the incremental read would not read that block again, but the block below
        // its range (its anchor) has another hash now, so everything is read again
        Transactor dropped = transactor(funded(coin));
        String beforeRegistration = chain.snapshot();
        client.register(dropped, project, token, STAKE);
        long at = chain.latestTimestamp();
        for (int i = 1; i <= 3; i++) {
            chain.mineAt(at + i);
        }
        assertThat(client.trainers(project)).hasSize(registered.size() + 1);
        chain.revert(beforeRegistration);
        for (int i = 1; i <= 6; i++) {
            chain.mineAt(at + i);
        }
        assertThat(client.trainers(project)).containsExactlyElementsOf(registered);
        assertThat(client.deepReorganisations()).isEqualTo(1);
        // the evaluator sends through an endpoint that can be told to refuse
        FailingEndpoint evaluatorEndpoint = new FailingEndpoint(chain.rpcUrl());
        Transactor evaluatorTx = transactor(Web3j.build(evaluatorEndpoint), evaluatorKey);
        client.bond(evaluatorTx, project, token, DevKit.ether("0.5"));
        if (coin != null) {
            // the market holds the budget, five stakes and the bond, all in the token, and no ETH
            assertThat(coin.balanceOf(market.getContractAddress()).send())
                    .isEqualTo(
                            budget.add(STAKE.multiply(BigInteger.valueOf(5)))
                                    .add(DevKit.ether("0.5")));
            assertThat(
                            chain.web3j()
                                    .ethGetBalance(
                                            market.getContractAddress(),
                                            org.web3j.protocol.core.DefaultBlockParameterName
                                                    .LATEST)
                                    .send()
                                    .getBalance())
                    .isZero();
        }
        LabeledData root = train.slice(2000, 2500);
        Supplier<ScoringPolicy> policies =
                () -> new ScoringPolicy(MLP, root, validation, local, new CohortPolicy());
        EvaluatorNode evaluator =
                new EvaluatorNode(
                        client,
                        ipfs,
                        evaluatorTx,
                        sealKey,
                        policies,
                        new EvaluatorNode.Config(dir.resolve("evaluator"), 16 << 20),
                        log::add);

        int before;
        try (DjlModel m = DjlModel.create(MLP)) {
            m.setParameters(initial);
            Evaluation e = m.evaluate(validation, 500);
            before = e.correct();
        }
        int[] correct = new int[2];
        Transactor late = null;
        MarketClient.Settled firstPost = null;
        for (long round = 0; round < 2; round++) {
            long[] d = client.deadlines(project, round);
            // when: before the round opens nothing happens; then every trainer submits
            assertThat(honest.get(0).round(project, round))
                    .isEqualTo(TrainerNode.Result.NOT_OPEN_YET);
            chain.mineAt(d[0]);
            for (int i = 0; i < honest.size(); i++) {
                TrainerNode t = honest.get(i);
                if (round == 0 && i == 2) {
                    // a reorganisation drops this trainer's submission after its journal recorded
                    // it: its next run finds no submission of its own on the chain, and sends it
                    // again
                    String beforeSubmit = chain.snapshot();
                    assertThat(t.round(project, round)).isEqualTo(TrainerNode.Result.SUBMITTED);
                    chain.revert(beforeSubmit);
                    assertThat(client.hasSubmitted(project, round, t.address())).isFalse();
                    assertThat(log).noneMatch(l -> l.contains("submitting again"));
                }
                assertThat(t.round(project, round)).isEqualTo(TrainerNode.Result.SUBMITTED);
            }
            if (round == 0) {
                assertThat(log).anyMatch(l -> l.contains("reorganisation dropped it"));
            }
            List<MarketClient.Submitted> submitted = client.submissions(project, round);
            if (round == 0) {
                // trainer 0 again, through an endpoint whose reads lag one block behind its
                // submission: it sees none and tries again; the estimate, at the head, refuses
                // with UpdateAlreadySubmitted, and the trainer takes that as its answer and sends
                // nothing
                Transactor alice = honestKeys.get(0);
                long behind = submitted.get(0).sequence() / 1_000_000L - 1;
                MarketClient lagging = behindHead(market.getContractAddress(), deployed, behind);
                assertThat(lagging.hasSubmitted(project, round, alice.address())).isFalse();
                BigInteger nonce = nonce(alice.address());
                TrainerNode again =
                        new TrainerNode(
                                lagging,
                                ipfs,
                                alice,
                                train.slice(0, 600),
                                new TrainerNode.Config(
                                        dir.resolve("trainer0"), local, Compression.dense()),
                                log::add);
                assertThat(again.round(project, round))
                        .isEqualTo(TrainerNode.Result.ALREADY_SUBMITTED);
                assertThat(log).anyMatch(l -> l.contains("submission after all"));
                assertThat(nonce(alice.address())).isEqualTo(nonce);
            }
            // a second run of the same round is a no-op: no double submission
            assertThat(honest.get(1).round(project, round))
                    .isEqualTo(TrainerNode.Result.ALREADY_SUBMITTED);
            byte[] aliceCid = submitted.get(0).cid();
            // round 0's submissions are read from the deployment on, round 1's from the block
            // that settled round 0 (less the rescan depth), which is before its first submission
            long from = client.submissionsFrom(project, round);
            if (round == 0) {
                assertThat(from).isEqualTo(deployed);
            } else {
                assertThat(from).isGreaterThan(deployed);
            }
            assertThat(from).isLessThanOrEqualTo(submitted.get(0).sequence() / 1_000_000L);
            client.submit(copier, project, round, aliceCid);
            // round 0: noise longer than any sealed update of this model could be, refused
            // before it is read whole (seal:exceeds-model, slashed) though under
            // max-sealed-bytes (16 MiB)
            byte[] junk =
                    new byte
                            [round == 0
                                    ? Math.toIntExact(
                                            EvaluatorNode.modelBound(mlpParameters(), 1) + 1)
                                    : 5000];
            new Random(round).nextBytes(junk);
            if (round == 1) {
                // sealed for the committee and an outsider: the evaluator could open it, but a
                // member left out of such a seal could not, so every member refuses it alike
                junk =
                        SealedUpdate.seal(
                                junk,
                                SealContext.of(
                                        client.chainId(),
                                        market.getContractAddress(),
                                        project,
                                        round,
                                        garbage.address()),
                                List.of(
                                        sealKey.publicKey(),
                                        X25519KeyPair.generate(new SecureRandom()).publicKey()),
                                new SecureRandom());
            }
            Cid junkCid = ipfs.add(junk);
            client.submit(garbage, project, round, junkCid.toBytes());
            assertThat(evaluator.round(project, round))
                    .isEqualTo(EvaluatorNode.Result.SUBMISSIONS_OPEN);
            // two trainers drop their pins after submitting (one honest, one garbage): the
            // evaluator keeps what it opened, for audits and its own replays, and not the rest
            Cid leaving = Cid.fromBytes(submitted.get(1).cid());
            ipfs.unpin(leaving);
            ipfs.unpin(junkCid);

            // then: after the deadline the evaluator judges, publishes and posts; quorum 1 settles
            chain.mineAt(d[1]);
            if (round == 0) {
                // a trainer registers in the evaluation window, before the evaluator judges: an
                // evaluator that judged before it would not count it, so none does in round 0;
                // its (empty) leaf comes with round 1
                late = transactor(funded(coin));
                client.register(late, project, token, STAKE);
                assertThat(client.trainers(project)).hasSize(registered.size() + 1);
                assertThat(client.trainersRegisteredBefore(project, d[1]))
                        .containsExactlyElementsOf(registered);
            }
            if (round == 1) {
                // a reorganisation drops the block that settled round 1: the settlements' read
                // drops it too, and the evaluator, finding no post of its own on the chain, posts
                // again
                String beforePost = chain.snapshot();
                assertThat(evaluator.round(project, round)).isEqualTo(EvaluatorNode.Result.POSTED);
                assertThat(client.settled(project)).hasSize(2);
                firstPost = client.settled(project).get(1);
                chain.revert(beforePost);
                Path saved = dir.resolve("evaluator").resolve("policy-" + project + ".state");
                assertThat(saved).exists();
                if (coin == null) {
                    // a saved policy whose round 0 has another record (as after a reorganisation)
                    // is not used: the rebuilt policy replays round 0
                    MarketClient.Settled zero = client.settled(project).get(0);
                    byte[] otherCid = zero.reportCid().clone();
                    otherCid[otherCid.length - 1] ^= 1;
                    PolicyCheckpoint.write(
                            saved,
                            List.of(
                                    new MarketClient.Settled(
                                            0, zero.creditsRoot(), zero.modelCid(), otherCid)),
                            out -> out.write(1));
                }
                chain.mineAt(d[1] + 1);
                assertThat(client.settled(project)).hasSize(1);
                assertThat(client.lastSettledBefore(project, 2))
                        .get()
                        .extracting(MarketClient.Settled::round)
                        .isEqualTo(0L);
            }
            long headBeforePost =
                    chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            if (round == 0) {
                // the node refuses the post once, after the evaluator judged: the next try
                // publishes and posts that judgment, without rebuilding the policy to judge again
                evaluatorEndpoint.fail("eth_sendRawTransaction", 1, "txpool is full");
                long r0 = round;
                assertThatThrownBy(() -> evaluator.round(project, r0))
                        .isInstanceOf(ChainException.class)
                        .hasMessageContaining("txpool is full");
            }
            assertThat(evaluator.round(project, round)).isEqualTo(EvaluatorNode.Result.POSTED);
            if (round == 0) {
                assertThat(log).anyMatch(l -> l.startsWith("round 0: judged already"));
                assertThat(log).noneMatch(l -> l.startsWith("round 0: the policy holds"));
            }
            assertThat(ipfs.isPinned(leaving)).isTrue();
            assertThat(ipfs.isPinned(junkCid)).isFalse();
            if (round == 0) {
                // the evaluator again, through an endpoint whose reads lag behind its post: it
                // judges the round again, and the estimate's ResultAlreadyPosted is its answer
                MarketClient lagging =
                        behindHead(market.getContractAddress(), deployed, headBeforePost);
                assertThat(lagging.hasPosted(project, round, evaluatorTx.address())).isFalse();
                BigInteger nonce = nonce(evaluatorTx.address());
                EvaluatorNode again =
                        new EvaluatorNode(
                                lagging,
                                ipfs,
                                evaluatorTx,
                                sealKey,
                                policies,
                                new EvaluatorNode.Config(dir.resolve("evaluator"), 16 << 20),
                                log::add);
                assertThat(again.round(project, round))
                        .isEqualTo(EvaluatorNode.Result.ALREADY_POSTED);
                assertThat(log).anyMatch(l -> l.contains("evaluator's post after all"));
                assertThat(nonce(evaluatorTx.address())).isEqualTo(nonce);
            }
            if (round == 1) {
                // the policy, which held round 1 already, was rebuilt from round 0, and the post,
                // whose first nonce the dropped one left a gap under, moved into the gap
                assertThat(log).anyMatch(l -> l.contains("rebuilding the policy"));
                if (coin == null) {
                    // its replay of round 0 matched the settled record, checked against it
                    assertThat(log)
                            .contains(
                                    "round 1: the saved scoring policy holds round(s) [0], which"
                                            + " are no longer the first settled rounds;"
                                            + " replaying");
                    assertThat(log).anyMatch(l -> l.contains("replayed 1 settled round(s)"));
                    assertThat(log).noneMatch(l -> l.contains("differs from the settled record"));
                } else {
                    // the policy saved after round 0 took its place, without judging it again
                    assertThat(log)
                            .contains(
                                    "round 1: restored the scoring policy saved after settled"
                                            + " round(s) [0]");
                    assertThat(log).noneMatch(l -> l.contains("replayed"));
                }
                // either way, round 1 is judged as before the reorganisation: the same model,
                // the same credits
                MarketClient.Settled again = client.settled(project).get(1);
                assertThat(again.modelCid()).isEqualTo(firstPost.modelCid());
                assertThat(again.creditsRoot()).isEqualTo(firstPost.creditsRoot());
                assertThat(log).anyMatch(l -> l.contains("waits behind a gap"));
            }
            assertThat(evaluator.round(project, round))
                    .isEqualTo(EvaluatorNode.Result.ALREADY_POSTED);
            // the round settled: the policy is saved, for a restart before the next round
            assertThat(log)
                    .contains(
                            "round "
                                    + round
                                    + ": saved the scoring policy after settled round(s) "
                                    + (round == 0 ? "[0]" : "[0, 1]"));
            List<MarketClient.Settled> settled = client.settled(project);
            assertThat(settled).hasSize((int) round + 1);
            byte[] record =
                    ipfs.readAllBytes(Cid.fromBytes(settled.get((int) round).reportCid()), 1 << 24);
            assertThat(RoundRecord.credits(record))
                    .extracting(CreditTree.Leaf::trainer)
                    .containsExactlyElementsOf(registered);
            if (round == 0) {
                registered.add(late.address().toLowerCase(Locale.ROOT));
            }
            List<RoundRecords.Submission> entries = RoundRecord.submissions(record);
            assertThat(entries).hasSize(5);
            assertThat(entries.get(3).flag()).isEqualTo("seal:wrong-context");
            assertThat(entries.get(4).flag())
                    .isEqualTo(round == 0 ? "seal:exceeds-model" : "seal:not-the-committee");
            assertThat(
                            entries.subList(0, 3).stream()
                                    .mapToInt(RoundRecords.Submission::scoreBps)
                                    .sum())
                    .isEqualTo(10_000);
            assertThat(entries.subList(0, 3)).allMatch(e -> e.flag() == null && e.scoreBps() > 0);
            String json = new String(record, StandardCharsets.UTF_8);
            correct[(int) round] =
                    Integer.parseInt(
                            json.replaceAll("(?s).*\"validation-correct\" : (\\d+).*", "$1"));
        }
        // accuracy rises over the initial model and from round to round
        assertThat(correct[0]).isGreaterThan(before);
        assertThat(correct[1]).isGreaterThan(correct[0]);

        // the registrations, read again after two rounds and a reorganisation
        assertThat(client.trainers(project)).containsExactlyElementsOf(registered);
        // credits: each honest trainer's two rounds, the copier and the garbage slashed twice
        // (round 0's noise longer than the model allows shows intent like any other)
        byte[] last =
                ipfs.readAllBytes(
                        Cid.fromBytes(client.settled(project).get(1).reportCid()), 1 << 24);
        var leaves = RoundRecord.credits(last);
        BigInteger total =
                leaves.stream().map(l -> l.credit()).reduce(BigInteger.ZERO, BigInteger::add);
        assertThat(total).isLessThanOrEqualTo(REWARD.multiply(BigInteger.TWO));
        assertThat(total).isGreaterThan(REWARD.multiply(BigInteger.TWO).subtract(BigInteger.TEN));
        CreditTree credits = CreditTree.of(leaves);
        assertThat(credits.leaf(late.address()).credit()).isZero();
        assertThat(credits.leaf(late.address()).slash()).isZero();
        for (Transactor bad : List.of(copier, garbage)) {
            var leaf = credits.leaf(bad.address());
            assertThat(leaf.credit()).isZero();
            assertThat(leaf.slash()).isEqualTo(STAKE.divide(BigInteger.TWO));
        }
        // claims pay exactly the leaf, once
        for (TrainerNode t : honest) {
            var leaf = credits.leaf(t.address());
            assertThat(leaf.credit()).isPositive();
            BigInteger held = coin == null ? null : coin.balanceOf(t.address()).send();
            assertThat(t.claim(project)).isEqualTo(leaf.credit());
            assertThat(client.claimed(project, t.address())).isEqualTo(leaf.credit());
            assertThat(t.claim(project)).isZero();
            if (coin != null) {
                // paid in the token
                assertThat(coin.balanceOf(t.address()).send()).isEqualTo(held.add(leaf.credit()));
            }
        }
        assertThat(IntStream.of(correct).min().orElseThrow()).isPositive();

        // the project ended with round 1's settlement. The owner settles an honest trainer's stake
        // while its address refuses ETH (code that always reverts): the market keeps the return,
        // and the trainer's node collects it once the address takes payments again
        assertThat(client.ended(project)).isTrue();
        if (coin == null) {
            TrainerNode t = honest.get(0);
            chain.setCode(t.address(), "0x60006000fd");
            market.withdrawStake(
                            project,
                            t.address(),
                            credits.leaf(t.address()).credit(),
                            BigInteger.ZERO,
                            credits.proof(t.address()))
                    .send();
            assertThat(client.stakeOwed(project, t.address())).isEqualTo(STAKE);
            // while it still refuses, the node says so and does not fail
            assertThat(t.finish(project)).isTrue();
            assertThat(log)
                    .anyMatch(l -> l.contains("the market keeps " + STAKE + " wei of the stake"));
            chain.setCode(t.address(), "0x");
            BigInteger held = balance(t.address());
            assertThat(t.finish(project)).isTrue();
            assertThat(client.stakeOwed(project, t.address())).isZero();
            assertThat(balance(t.address()))
                    .isGreaterThan(held.add(STAKE).subtract(DevKit.ether("0.01")));
            assertThat(log).anyMatch(l -> l.contains("stake collected (" + STAKE + " wei"));
        }
    }

    @Test
    void copiesOfReleasedUpdatesOfAVoidAndOfASettledRoundAreFlaggedAndTheOwnersResendIsNot()
            throws Exception {
        // given: a project of 3 rounds judged by a committee of 2 with quorum 2, two honest
        // trainers and a copier
        Credentials owner = funded();
        Market market = deploy(owner);
        MarketClient client = clientOf(market, 100);
        List<Credentials> evaluatorKeys = List.of(funded(), funded());
        List<X25519KeyPair> sealKeys =
                List.of(
                        X25519KeyPair.generate(new SecureRandom()),
                        X25519KeyPair.generate(new SecureRandom()));
        BigInteger project = committeeProject(market, 3, 2, evaluatorKeys, sealKeys);
        LabeledData train = IdxLoader.mnist(IdxLoader.dataDir()).train();
        LabeledData validation = IdxLoader.mnist(IdxLoader.dataDir()).test().slice(0, 500);
        TrainConfig local = TrainConfig.sgd(1, 16, 0.05f, 3);
        List<TrainerNode> honest = honestTrainers(client, project, train, 2, local);
        Transactor copier = transactor(funded());
        client.register(copier, project, STAKE);
        LabeledData root = train.slice(2000, 2500);
        List<EvaluatorNode> committee = new ArrayList<>();
        for (int e = 0; e < 2; e++) {
            Transactor key = transactor(evaluatorKeys.get(e));
            client.bond(key, project, BigInteger.ZERO);
            committee.add(
                    new EvaluatorNode(
                            client,
                            ipfs,
                            key,
                            sealKeys.get(e),
                            () ->
                                    new ScoringPolicy(
                                            MLP, root, validation, local, new CohortPolicy()),
                            new EvaluatorNode.Config(dir.resolve("evaluator" + e), 16 << 20),
                            log::add));
        }

        // round 0: both honest trainers submit, only the first evaluator posts (its record
        // releases the content keys), no quorum: the round is void at the next one's opening
        long[] d0 = client.deadlines(project, 0);
        chain.mineAt(d0[0]);
        for (TrainerNode t : honest) {
            assertThat(t.round(project, 0)).isEqualTo(TrainerNode.Result.SUBMITTED);
        }
        List<MarketClient.Submitted> voided = client.submissions(project, 0);
        chain.mineAt(d0[1]);
        assertThat(committee.get(0).round(project, 0)).isEqualTo(EvaluatorNode.Result.POSTED);
        long[] d1 = client.deadlines(project, 1);
        chain.mineAt(d1[0]);
        assertThat(client.settled(project)).isEmpty();
        assertThat(committee.get(1).round(project, 0)).isEqualTo(EvaluatorNode.Result.MISSED);

        // the copier reads the posted record, opens the second trainer's update with the key it
        // released and sends it as its own in round 1 (sealed in its own name, so the seal is fine)
        String posted =
                log.stream().filter(l -> l.startsWith("round 0: posted")).findFirst().orElseThrow();
        byte[] record =
                ipfs.readAllBytes(
                        Cid.parse(posted.substring(posted.lastIndexOf(' ') + 1)), 1 << 24);
        RoundRecords.Submission original = RoundRecord.submissions(record).get(1);
        assertThat(original.trainer()).isEqualTo(honest.get(1).address().toLowerCase(Locale.ROOT));
        assertThat(voided.get(1).cid()).isEqualTo(Cid.parse(original.cid()).toBytes());
        byte[] stolen = open(market, project, 0, original);

        // when: round 1 (G is still the initial model): both honest trainers train again (the
        // first one's update may equal its own void one), the copier submits the stolen update,
        // and both evaluators judge
        for (TrainerNode t : honest) {
            assertThat(t.round(project, 1)).isEqualTo(TrainerNode.Result.SUBMITTED);
        }
        byte[] resealed = seal(market, project, 1, copier, stolen, sealKeys);
        client.submit(copier, project, 1, ipfs.add(resealed).toBytes());
        chain.mineAt(d1[1]);
        for (EvaluatorNode e : committee) {
            assertThat(e.round(project, 1)).isEqualTo(EvaluatorNode.Result.POSTED);
        }

        // then: the two agree, so round 1 settles; the copier is flagged, paid nothing and
        // slashed a quarter of its stake; the honest trainers share the round
        List<MarketClient.Settled> settled = client.settled(project);
        assertThat(settled).extracting(MarketClient.Settled::round).containsExactly(1L);
        byte[] round1 = ipfs.readAllBytes(Cid.fromBytes(settled.get(0).reportCid()), 1 << 24);
        RoundRecords.Submission copy = copyIn(round1, copier, original.trainer(), "void round 0");
        // its key is released: anyone opens the copy and finds the stolen bytes
        assertThat(open(market, project, 1, copy)).isEqualTo(stolen);
        assertThat(CreditTree.of(RoundRecord.credits(round1)).leaf(copier.address()).slash())
                .isEqualTo(STAKE.divide(BigInteger.valueOf(4)));
        assertThat(log)
                .anyMatch(
                        l ->
                                l.toLowerCase(Locale.ROOT)
                                        .contains(
                                                copier.address().toLowerCase(Locale.ROOT)
                                                        + " flagged: cosine"));

        // and: in round 2 (trained from round 1's model) the copier sends the first trainer's
        // update of the settled round 1, read from its record: flagged too
        long[] d2 = client.deadlines(project, 2);
        chain.mineAt(d2[0]);
        for (TrainerNode t : honest) {
            assertThat(t.round(project, 2)).isEqualTo(TrainerNode.Result.SUBMITTED);
        }
        RoundRecords.Submission settledOriginal = RoundRecord.submissions(round1).get(0);
        assertThat(settledOriginal.trainer())
                .isEqualTo(honest.get(0).address().toLowerCase(Locale.ROOT));
        byte[] stale = open(market, project, 1, settledOriginal);
        client.submit(
                copier,
                project,
                2,
                ipfs.add(seal(market, project, 2, copier, stale, sealKeys)).toBytes());
        chain.mineAt(d2[1]);
        for (EvaluatorNode e : committee) {
            assertThat(e.round(project, 2)).isEqualTo(EvaluatorNode.Result.POSTED);
        }
        // the first post, estimated as a vote, carried gas enough to settle the round as the
        // second did: committee members finish alike, and on a chain that estimates against the
        // latest block (not Anvil's pending one) two posts estimated at once land in one block,
        // where the second completes the quorum
        List<String> posts =
                log.stream()
                        .filter(l -> l.startsWith("postResult(project 1, round 2): sent "))
                        .map(l -> l.split(" ")[5])
                        .toList();
        assertThat(posts).hasSize(2);
        BigInteger voteLimit =
                chain.web3j().ethGetTransactionByHash(posts.get(0)).send().getResult().getGas();
        BigInteger settleUsed =
                chain.web3j()
                        .ethGetTransactionReceipt(posts.get(1))
                        .send()
                        .getResult()
                        .getGasUsed();
        assertThat(voteLimit).isGreaterThan(settleUsed);
        settled = client.settled(project);
        assertThat(settled).extracting(MarketClient.Settled::round).containsExactly(1L, 2L);
        byte[] round2 = ipfs.readAllBytes(Cid.fromBytes(settled.get(1).reportCid()), 1 << 24);
        copyIn(round2, copier, settledOriginal.trainer(), "settled round 1");
        CreditTree.Leaf leaf = CreditTree.of(RoundRecord.credits(round2)).leaf(copier.address());
        assertThat(leaf.credit()).isZero();
        assertThat(leaf.slash()).isEqualTo(STAKE.divide(BigInteger.TWO));
    }

    @Test
    void anEvaluatorWhoseJudgmentDiffersFromTheSettledRecordRebuildsItsPolicyAndJudgesOn()
            throws Exception {
        // given: a project of 2 rounds judged by a committee of 3 with quorum 2 whose first
        // evaluator holds other root data than the two others (so its reference, and its scores,
        // differ), and three honest trainers
        Market market = deploy(funded());
        MarketClient client = clientOf(market, 100);
        List<Credentials> evaluatorKeys = List.of(funded(), funded(), funded());
        List<X25519KeyPair> sealKeys =
                IntStream.range(0, 3)
                        .mapToObj(i -> X25519KeyPair.generate(new SecureRandom()))
                        .toList();
        BigInteger project = committeeProject(market, 2, 2, evaluatorKeys, sealKeys);
        LabeledData train = IdxLoader.mnist(IdxLoader.dataDir()).train();
        LabeledData validation = IdxLoader.mnist(IdxLoader.dataDir()).test().slice(0, 500);
        TrainConfig local = TrainConfig.sgd(1, 16, 0.05f, 3);
        List<TrainerNode> trainers = honestTrainers(client, project, train, 3, local);
        List<String> ownLog = new CopyOnWriteArrayList<>();
        List<EvaluatorNode> committee = new ArrayList<>();
        for (int e = 0; e < 3; e++) {
            Transactor key = transactor(evaluatorKeys.get(e));
            client.bond(key, project, BigInteger.ZERO);
            LabeledData root = e == 0 ? train.slice(2500, 3000) : train.slice(2000, 2500);
            committee.add(
                    new EvaluatorNode(
                            client,
                            ipfs,
                            key,
                            sealKeys.get(e),
                            () ->
                                    new ScoringPolicy(
                                            MLP, root, validation, local, new CohortPolicy()),
                            new EvaluatorNode.Config(dir.resolve("evaluator" + e), 16 << 20),
                            e == 0 ? ownLog::add : log::add));
        }
        EvaluatorNode dissenter = committee.get(0);
        Path saved = PolicyCheckpoint.file(dir.resolve("evaluator0"), project);

        // round 0: the first evaluator posts its judgment, then the two others theirs, which
        // settle the round
        long[] d0 = client.deadlines(project, 0);
        chain.mineAt(d0[0]);
        for (TrainerNode t : trainers) {
            assertThat(t.round(project, 0)).isEqualTo(TrainerNode.Result.SUBMITTED);
        }
        chain.mineAt(d0[1]);
        for (EvaluatorNode e : committee) {
            assertThat(e.round(project, 0)).isEqualTo(EvaluatorNode.Result.POSTED);
        }
        List<MarketClient.Settled> settled = client.settled(project);
        assertThat(settled).extracting(MarketClient.Settled::round).containsExactly(0L);
        String posted =
                ownLog.stream()
                        .filter(l -> l.startsWith("round 0: posted"))
                        .findFirst()
                        .orElseThrow();
        List<Integer> own =
                RoundRecord.submissions(
                                ipfs.readAllBytes(
                                        Cid.parse(posted.substring(posted.lastIndexOf(' ') + 1)),
                                        1 << 24))
                        .stream()
                        .map(RoundRecords.Submission::scoreBps)
                        .toList();
        List<Integer> record =
                RoundRecord.submissions(
                                ipfs.readAllBytes(
                                        Cid.fromBytes(settled.get(0).reportCid()), 1 << 24))
                        .stream()
                        .map(RoundRecords.Submission::scoreBps)
                        .toList();
        assertThat(own).hasSize(3).isNotEqualTo(record);

        // when: its run loop asks about round 0 again, now settled
        assertThat(dissenter.round(project, 0)).isEqualTo(EvaluatorNode.Result.ALREADY_POSTED);

        // then: it finds its judgment differs from the settled record and drops its policy,
        // saving nothing of it
        assertThat(ownLog)
                .anyMatch(
                        l ->
                                l.startsWith(
                                        "round 0: this evaluator's judgment differs from the"
                                                + " settled record in "));
        assertThat(ownLog).noneMatch(l -> l.contains("saved the scoring policy"));
        assertThat(saved).doesNotExist();

        // and: in round 1 it replays round 0 into a fresh policy (differing again, said), saves
        // that, and judges round 1 on the settled model
        long[] d1 = client.deadlines(project, 1);
        chain.mineAt(d1[0]);
        for (TrainerNode t : trainers) {
            assertThat(t.round(project, 1)).isEqualTo(TrainerNode.Result.SUBMITTED);
        }
        chain.mineAt(d1[1]);
        for (EvaluatorNode e : committee) {
            assertThat(e.round(project, 1)).isEqualTo(EvaluatorNode.Result.POSTED);
        }
        assertThat(ownLog)
                .anyMatch(
                        l -> l.startsWith("round 0: replayed, this evaluator's judgment differs"));
        assertThat(ownLog)
                .contains(
                        "replayed 1 settled round(s) into the scoring policy",
                        "round 1: saved the scoring policy after settled round(s) [0]");
        assertThat(PolicyCheckpoint.read(saved).orElseThrow().rounds())
                .extracting(PolicyCheckpoint.Round::round)
                .containsExactly(0L);
        assertThat(client.settled(project))
                .extracting(MarketClient.Settled::round)
                .containsExactly(0L, 1L);
    }

    /**
     * {@code n} honest trainers registered for {@code project}, each with 600 samples of its own.
     */
    private List<TrainerNode> honestTrainers(
            MarketClient client, BigInteger project, LabeledData train, int n, TrainConfig local)
            throws Exception {
        List<TrainerNode> trainers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Transactor t = transactor(funded());
            client.register(t, project, STAKE);
            trainers.add(
                    new TrainerNode(
                            client,
                            ipfs,
                            t,
                            train.slice(i * 600, (i + 1) * 600),
                            new TrainerNode.Config(
                                    dir.resolve("trainer" + i), local, Compression.dense()),
                            log::add));
        }
        return trainers;
    }

    /**
     * Creates the market's first project, paid in ETH without evaluator bonds: {@code rounds}
     * rounds of the MLP from its initial weights, judged by {@code evaluatorKeys} (sealed to {@code
     * sealKeys}) with {@code quorum}; the first round opens 100 s from the latest block, each
     * window 600 s.
     */
    private static BigInteger committeeProject(
            Market market,
            int rounds,
            int quorum,
            List<Credentials> evaluatorKeys,
            List<X25519KeyPair> sealKeys)
            throws Exception {
        Cid specCid = ipfs.add(MLP.toJson().getBytes(StandardCharsets.UTF_8));
        Cid initialCid;
        try (DjlModel m = DjlModel.create(MLP)) {
            initialCid = ipfs.add(ModelWeights.write(m.layout(), m.parameters(), Map.of()));
        }
        long start = chain.latestTimestamp() + 100;
        market.createProject(
                        new Market.ProjectParams(
                                DevKit.ETH,
                                REWARD,
                                STAKE,
                                BigInteger.ZERO,
                                BigInteger.ZERO,
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(rounds),
                                BigInteger.TEN,
                                BigInteger.valueOf(quorum),
                                evaluatorKeys.stream().map(Credentials::getAddress).toList(),
                                sealKeys.stream().map(X25519KeyPair::publicKey).toList(),
                                specCid.toBytes(),
                                initialCid.toBytes()),
                        REWARD.multiply(BigInteger.valueOf(rounds)))
                .send();
        return BigInteger.ONE;
    }

    /**
     * Checks a settled record of three submissions: the honest two share the round, the copier's
     * (the third) is flagged as a copy of {@code original}'s update in {@code where}, scored 0.
     */
    private static RoundRecords.Submission copyIn(
            byte[] record, Transactor copier, String original, String where) throws Exception {
        List<RoundRecords.Submission> entries = RoundRecord.submissions(record);
        assertThat(entries).hasSize(3);
        RoundRecords.Submission copy = entries.get(2);
        assertThat(copy.trainer()).isEqualTo(copier.address().toLowerCase(Locale.ROOT));
        assertThat(copy.flag()).isEqualTo(RoundRecords.EARLIER_ROUND_COPY);
        assertThat(copy.scoreBps()).isZero();
        assertThat(new String(record, StandardCharsets.UTF_8))
                .contains("to the update of " + original + " in " + where);
        assertThat(entries.subList(0, 2)).allMatch(e -> e.flag() == null && e.scoreBps() > 0);
        assertThat(entries.get(0).scoreBps() + entries.get(1).scoreBps()).isEqualTo(10_000);
        return copy;
    }

    /** Opens a judged submission of {@code round} with the content key its record released. */
    private static byte[] open(
            Market market, BigInteger project, long round, RoundRecords.Submission judged)
            throws Exception {
        return SealedUpdate.openWithContentKey(
                ipfs.readAllBytes(Cid.parse(judged.cid()), 1 << 24),
                SealContext.of(
                        DevChain.CHAIN_ID,
                        market.getContractAddress(),
                        project,
                        round,
                        judged.trainer()),
                judged.contentKeyBytes(),
                1 << 24);
    }

    /** Seals {@code update} in {@code trainer}'s name for {@code round}'s committee. */
    private static byte[] seal(
            Market market,
            BigInteger project,
            long round,
            Transactor trainer,
            byte[] update,
            List<X25519KeyPair> committee) {
        return SealedUpdate.seal(
                update,
                SealContext.of(
                        DevChain.CHAIN_ID,
                        market.getContractAddress(),
                        project,
                        round,
                        trainer.address()),
                committee.stream().map(X25519KeyPair::publicKey).toList(),
                new SecureRandom());
    }
}
