package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.generated.Market;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.MalformedUpdateException;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import io.cohort.learning.policy.PolicyInputs;
import io.cohort.node.chain.TcpProxy;
import io.cohort.node.chain.Transactor;
import io.cohort.node.round.MarketClient;
import io.cohort.node.round.RoundRecord;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The node as separate processes ({@code java -jar quarkus-run.jar}) on a real Anvil and a real
 * Kubo: one evaluator and three trainers over four rounds of an MNIST MLP, with the faults of issue
 * 6 along the way — a trainer SIGKILLed after training, after the IPFS add, after its submission
 * was mined but before its journal recorded it, and before claiming, each time restarted; the
 * evaluator SIGKILLed before it posts (the round voids, the next settles after its restart); Kubo
 * restarted mid-round — and a fourth trainer, driven by this test, that submits NaNs, a wrong-shape
 * update and an oversize blob.
 *
 * <p>The test owns the clock: it mines the block that opens a round and the one that closes it.
 */
class NodeProcessIT {

    private static final ModelSpec MLP = ModelSpec.mnistMlp(7);
    private static final BigInteger REWARD = DevKit.ether("1");
    private static final BigInteger STAKE = DevKit.ether("0.1");
    private static final BigInteger BOND = DevKit.ether("0.5");
    private static final BigInteger PENALTY = DevKit.ether("0.2");
    private static final BigInteger FUNDS = DevKit.ether("10");
    private static final int ROUNDS = 4;

    /**
     * The evaluator's max-sealed-bytes: above an honest update (about 100 KB) and below the longest
     * valid update of the MLP sealed (357 KB), so past it is fetch:too-large, which slashes nothing
     * (past the model's bound would be seal:exceeds-model: RoundIT).
     */
    private static final int MAX_SEALED = 256 << 10;

    private static final Duration WAIT = Duration.ofSeconds(240);

    private static DevChain chain;
    private static KuboNode kubo;
    private static KuboClient ipfs;

    private final List<NodeProcess> nodes = new ArrayList<>();
    private Path dir;

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

    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void stopNodes() throws Exception {
        for (NodeProcess n : nodes) {
            n.close();
        }
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** Where the node logs stay after the run, for whoever reads a failure. */
    private static Path logDir() throws Exception {
        Path d = Path.of("target", "node-process-it");
        Files.createDirectories(d);
        return Files.createTempDirectory(d, "run");
    }

    private Map<String, String> props(String name, String market) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("cohort.rpc-url", chain.rpcUrl());
        p.put("cohort.market", market);
        p.put("cohort.ipfs-url", kubo.apiUrl().toString());
        p.put("cohort.keystore.path", dir.resolve(name + "/key.json").toString());
        p.put("cohort.state-dir", dir.resolve(name + "/state").toString());
        p.put("cohort.poll-interval", "PT0.3S");
        p.put("cohort.gas.receipt-poll", "PT0.05S");
        // events in pages of 16 blocks: the nodes' reads span several pages
        p.put("cohort.logs.max-blocks", "16");
        p.put("cohort.training.seed", "3");
        p.put("cohort.evaluator.max-sealed-bytes", Integer.toString(MAX_SEALED));
        p.put("cohort.evaluator.root.from", "2000");
        p.put("cohort.evaluator.root.to", "2500");
        // not the training epochs (1), so the record shows which one the reference used
        p.put("cohort.evaluator.reference-epochs", "2");
        return p;
    }

    /** Runs {@code keys new} for a node and returns its address and seal key. */
    private String[] newKey(String name) throws Exception {
        Files.createDirectories(dir.resolve(name));
        NodeProcess.Result r =
                NodeProcess.cli(dir, props(name, "0x" + "0".repeat(40)), "keys", "new");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(Files.getPosixFilePermissions(dir.resolve(name + "/key.json")))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        String address = r.out().replaceAll("(?s).*address (0x[0-9a-f]{40}).*", "$1");
        String sealKey = r.out().replaceAll("(?s).*seal-key (0x[0-9a-f]{64}).*", "$1");
        chain.setBalance(address, FUNDS);
        return new String[] {address, sealKey};
    }

    /** The account of a trainer this test drives itself. */
    private static Transactor transactor(Credentials key) {
        return new Transactor(
                chain.web3j(), key, DevChain.CHAIN_ID, Transactor.Options.defaults(), line -> {});
    }

    private NodeProcess node(String name, String market, String... args) throws Exception {
        NodeProcess n = NodeProcess.start(name, dir, props(name, market), args);
        nodes.add(n);
        return n;
    }

    @Test
    void fourRoundsAsSeparateProcessesThroughCrashesAndBadInputSettleAndReconcileToTheWei()
            throws Exception {
        dir = logDir();
        // given: keys made by the CLI, a market, a 4-round project whose committee is the evaluator
        String[] evaluator = newKey("evaluator");
        String[][] trainers = {newKey("trainer0"), newKey("trainer1"), newKey("trainer2")};
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("20"));
        String address = createProject(owner, List.<String[]>of(evaluator), ROUNDS, 1);
        MarketClient client = new MarketClient(chain.web3j(), address, DevChain.CHAIN_ID);
        float[] initial = initial();
        int parameters = initial.length;
        BigInteger project = BigInteger.ONE;
        BigInteger marketBefore = client.balance(address);

        // the nodes: each trainer a 600-digit slice of its own
        TcpProxy relay = new TcpProxy(URI.create(chain.rpcUrl()).getPort());
        closing.add(relay);
        NodeProcess eval = node("evaluator", address, "evaluator", "run", "--project", "1");
        List<NodeProcess> t = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = "trainer" + i;
            Map<String, String> p = props(name, address);
            p.put("cohort.trainer.data.from", Integer.toString(i * 600));
            p.put("cohort.trainer.data.to", Integer.toString(i * 600 + 600));
            if (i == 1) { // the chain through a relay the test cuts for 10 s
                p.put("cohort.rpc-url", "http://127.0.0.1:" + relay.port());
            }
            if (i == 0) { // paused after each step so that the kills land exactly there
                p.put("cohort.fault.pause-after", "trained,added,sent,submitted");
                p.put("cohort.fault.pause", "PT3S");
            }
            NodeProcess n = NodeProcess.start(name, dir, p, "trainer", "run", "--project", "1");
            nodes.add(n);
            t.add(n);
        }
        // the cheater is this test: it registers like anyone
        Credentials cheaterKey = DevKit.fundedAccount(chain, FUNDS);
        Transactor cheater = transactor(cheaterKey);
        for (String[] tr : trainers) {
            awaitTrue(() -> client.trainerInfo(project, tr[0]).registered(), "registered");
        }
        client.register(cheater, project, STAKE);
        awaitTrue(() -> client.evaluatorInfo(project, evaluator[0]).bonded(), "bonded");

        // the HTTP face while they run
        NodeProcess t0 = t.get(0);
        awaitTrue(() -> t0.get("/q/health/ready").statusCode() == 200, "ready");
        assertThat(t0.get("/status").body())
                .contains("\"role\":\"trainer\"")
                .contains(trainers[0][0]);
        assertThat(t0.get("/q/health/live").statusCode()).isEqualTo(200);
        assertThat(t0.get("/q/health/live").body()).contains("run-loop").contains("UP");
        assertThat(t0.get("/q/metrics").body()).contains("cohort_node_submitted");

        // round 0: trainer 0 killed after training; the cheater sends NaNs
        chain.mineAt(client.deadlines(project, 0)[0]);
        t0.awaitLine("round 0: training epoch 1 \\[#{10}\\] 100%", WAIT);
        t0.awaitLine("round 0: pausing after trained", WAIT);
        t0.kill();
        t0.restart();
        submitSealed(client, cheater, project, 0, nan(parameters));
        awaitSubmissions(client, project, 0, 4);
        chain.mineAt(client.deadlines(project, 0)[1]);
        awaitSettled(client, project, 0);

        // the evaluator serves Merkle proofs that verify against the settled root
        var proofAnswer = eval.get("/proofs/1/" + trainers[2][0]);
        assertThat(proofAnswer.statusCode()).as(proofAnswer.body()).isEqualTo(200);
        JsonNode proof = new ObjectMapper().readTree(proofAnswer.body());
        assertThat(proof.path("round").asLong()).isZero();
        List<byte[]> path = new ArrayList<>();
        proof.path("proof").forEach(h -> path.add(Numeric.hexStringToByteArray(h.asText())));
        assertThat(
                        CreditTree.verify(
                                client.settled(project).get(0).creditsRoot(),
                                new CreditTree.Leaf(
                                        trainers[2][0],
                                        new BigInteger(proof.path("credit").asText()),
                                        new BigInteger(proof.path("slash").asText())),
                                path))
                .isTrue();
        var unknown = eval.get("/proofs/1/0x" + "ab".repeat(20));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(eval.get("/proofs/1/nobody").statusCode()).isEqualTo(400);
        assertThat(t.get(2).get("/proofs/1/" + trainers[2][0]).statusCode()).isEqualTo(503);

        // round 1: the evaluator is killed before it posts (once it saved its policy, which holds
        // the settled round 0); trainer 0 killed after the IPFS add
        eval.awaitLine(
                "round 0: saved the scoring policy after settled round\\(s\\) \\[0\\]", WAIT);
        assertThat(savedPolicies()).hasSize(1);
        eval.kill();
        chain.mineAt(client.deadlines(project, 1)[0]);
        t0.awaitLine("round 1: pausing after added", WAIT);
        t0.kill();
        t0.restart();
        awaitSubmissions(client, project, 1, 3);
        chain.mineAt(client.deadlines(project, 1)[1]);
        chain.mineAt(client.deadlines(project, 1)[2]); // the settlement deadline passes: void
        assertThat(client.hasPosted(project, 1, evaluator[0])).isFalse();
        eval.restart();

        // round 2: trainer 0 killed once its submission is mined, before its journal records it
        // (the restart finds it on the chain and records it); Kubo restarted before the evaluator
        // fetches; the cheater sends an update of the wrong shape
        t0.awaitLine("round 2: pausing after sent", WAIT);
        t0.kill();
        assertThat(client.hasSubmitted(project, 2, trainers[0][0])).isTrue();
        t0.restart();
        t0.awaitLine("round 2: pausing after submitted", WAIT);
        submitSealed(client, cheater, project, 2, new float[parameters - 10]);
        awaitSubmissions(client, project, 2, 4);
        kubo.stop();
        kubo.restart();
        chain.mineAt(client.deadlines(project, 2)[1]);
        awaitSettled(client, project, 2);
        // the restarted evaluator took up its saved policy instead of judging round 0 again
        eval.awaitLine(
                "round 2: restored the scoring policy saved after settled round\\(s\\) \\[0\\]",
                WAIT);
        assertThat(eval.lines()).noneMatch(l -> l.contains("into the scoring policy"));

        // round 3: trainer 0 killed after submitting and kept down until the round settled (before
        // claiming); the cheater's blob is larger than the evaluator fetches (fetch:too-large)
        // and trainer 1's RPC endpoint is down for the first 10 s of it
        relay.down();
        chain.mineAt(client.deadlines(project, 3)[0]);
        Thread.sleep(10_000);
        assertThat(client.hasSubmitted(project, 3, trainers[1][0])).isFalse();
        relay.up();
        t0.awaitLine("round 3: pausing after submitted", WAIT);
        t0.kill();
        byte[] blob = new byte[MAX_SEALED + 1024];
        assertThat(
                        SealedUpdate.sealedLength(
                                UpdateCodec.maxEncodedBytes(Math.toIntExact(MLP.parameterCount())),
                                1))
                .isGreaterThan(blob.length);
        new Random(3).nextBytes(blob);
        client.submit(cheater, project, 3, ipfs.add(blob).toBytes());
        awaitSubmissions(client, project, 3, 4);
        chain.mineAt(client.deadlines(project, 3)[1]);
        awaitSettled(client, project, 3);
        t0.restart();

        // then: every node finishes the project (claims, takes back its stake or bond) and exits 0
        for (NodeProcess n : nodes) {
            assertThat(n.awaitExit(WAIT)).as(n.tail(30)).isZero();
        }
        // the evaluator's saved policy went with the project's end
        assertThat(savedPolicies()).isEmpty();

        // no double submission: one submit transaction per trainer per round that opened for it
        Map<String, List<TransactionReceipt>> txs = transactions(address);
        for (String[] tr : trainers) {
            long submits =
                    txs.get(tr[0]).stream()
                            .filter(r -> inputOf(r).startsWith(selector("submit")))
                            .count();
            assertThat(submits).as(tr[0]).isEqualTo(ROUNDS);
        }

        // each restart picked up after the step it was killed at: nothing trained, added or
        // submitted twice (the journal and the chain said it was done)
        for (int r = 0; r < ROUNDS; r++) {
            assertThat(t0.count("round " + r + ": training on ")).as("round %d", r).isEqualTo(1);
            for (String step : List.of("trained", "added", "sent", "submitted")) {
                assertThat(t0.count("round " + r + ": pausing after " + step + " "))
                        .as("round %d, %s", r, step)
                        .isEqualTo(1);
            }
        }
        assertThat(t0.count("---- restarted")).isEqualTo(4);
        // trainer 1 met the 10-s outage: as a failed tick, retried, or (when a transaction of
        // its was in flight) as receipt polls that could not reach the chain; either way it went on
        assertThat(
                        t.get(1).count("WARN .*project 1: .*retrying in")
                                + t.get(1).count("RPC unreachable"))
                .isPositive();

        // the records: accuracy rises; the cheater flagged with its reason each time
        List<MarketClient.Settled> settled = client.settled(project);
        assertThat(settled).extracting(MarketClient.Settled::round).containsExactly(0L, 2L, 3L);
        Map<Long, byte[]> records = new HashMap<>();
        for (MarketClient.Settled s : settled) {
            records.put(s.round(), ipfs.readAllBytes(Cid.fromBytes(s.reportCid()), 1 << 24));
        }
        int before;
        try (DjlModel m = DjlModel.create(MLP)) {
            m.setParameters(initial);
            Evaluation e =
                    m.evaluate(IdxLoader.mnist(IdxLoader.dataDir()).test().slice(0, 600), 600);
            before = e.correct();
        }
        int[] correct = new int[ROUNDS];
        for (long r : records.keySet()) {
            correct[(int) r] = correct(records.get(r));
        }
        assertThat(correct[0]).isGreaterThan(before);
        assertThat(correct[3]).isGreaterThan(correct[0]);
        String cheat = cheaterKey.getAddress().toLowerCase();
        assertThat(flagOf(records.get(0L), cheat)).isEqualTo("non-finite");
        assertThat(flagOf(records.get(2L), cheat)).startsWith("malformed:");
        assertThat(flagOf(records.get(3L), cheat)).isEqualTo("fetch:too-large");
        // the reference is trained for cohort.evaluator.reference-epochs, and the record says so
        JsonNode inputs = new ObjectMapper().readTree(records.get(3L)).path("inputs");
        assertThat(PolicyInputs.fromJson(inputs).referenceTraining().epochs())
                .as(inputs.toString())
                .isEqualTo(2);

        // credits are what the records' scores imply, and every trainer claimed exactly that
        List<CreditTree.Leaf> leaves = RoundRecord.credits(records.get(3L));
        CreditTree tree = CreditTree.of(leaves);
        BigInteger claimedTotal = BigInteger.ZERO;
        for (String[] tr : trainers) {
            BigInteger expected = BigInteger.ZERO;
            for (byte[] record : records.values()) {
                for (RoundRecords.Submission e : RoundRecord.submissions(record)) {
                    if (e.trainer().equalsIgnoreCase(tr[0])) {
                        assertThat(e.flag()).isNull();
                        expected =
                                expected.add(
                                        REWARD.multiply(BigInteger.valueOf(e.scoreBps()))
                                                .divide(BigInteger.valueOf(10_000)));
                    }
                }
            }
            assertThat(tree.leaf(tr[0]).credit()).isEqualTo(expected).isPositive();
            assertThat(tree.leaf(tr[0]).slash()).isZero();
            assertThat(client.claimed(project, tr[0])).isEqualTo(expected);
            assertThat(client.trainerInfo(project, tr[0]).stakeWithdrawn()).isTrue();
            claimedTotal = claimedTotal.add(expected);
        }
        // audit: the records release every opened update's content key; with it anyone opens the
        // sealed update and decodes it (the honest ones to the model's length, the NaN one refused)
        for (var rec : records.entrySet()) {
            for (RoundRecords.Submission e : RoundRecord.submissions(rec.getValue())) {
                if (e.flag() != null && e.flag().startsWith("fetch:")) {
                    assertThat(e.contentKey()).isNull();
                    continue;
                }
                byte[] update =
                        SealedUpdate.openWithContentKey(
                                ipfs.readAllBytes(Cid.parse(e.cid()), MAX_SEALED),
                                SealContext.of(
                                        DevChain.CHAIN_ID,
                                        address,
                                        project,
                                        rec.getKey(),
                                        e.trainer()),
                                Numeric.hexStringToByteArray(e.contentKey()),
                                MAX_SEALED);
                if (e.flag() == null) {
                    assertThat(UpdateCodec.decode(update, parameters)).hasSize(parameters);
                } else {
                    assertThatThrownBy(() -> UpdateCodec.decode(update, parameters))
                            .isInstanceOf(MalformedUpdateException.class);
                }
            }
        }

        // the cheater: two flags that show intent slash a quarter of the stake each; fetch:* does
        // not
        assertThat(tree.leaf(cheat).credit()).isZero();
        assertThat(tree.leaf(cheat).slash()).isEqualTo(STAKE.divide(BigInteger.TWO));

        // balances to the wei: funds - gas + credits for a trainer (its stake came back whole),
        // funds - gas for the evaluator (its bond came back whole)
        for (String[] tr : trainers) {
            assertThat(client.balance(tr[0]))
                    .as(tr[0])
                    .isEqualTo(
                            FUNDS.subtract(fees(txs.get(tr[0])))
                                    .add(client.claimed(project, tr[0])));
        }
        assertThat(client.balance(evaluator[0]))
                .isEqualTo(FUNDS.subtract(fees(txs.get(evaluator[0]))));
        // the market holds the budget less what was claimed, plus the cheater's stake
        assertThat(client.balance(address))
                .isEqualTo(marketBefore.subtract(claimedTotal).add(STAKE));

        // the nodes kept their state in a folder of this chain's market: another market's project
        // 1 gets another folder, not this one's journal
        Path state = dir.resolve("trainer0/state");
        assertThat(state.resolve("markets/31337-" + address.toLowerCase(Locale.ROOT)))
                .isDirectoryContaining("glob:**/trainer-1.journal");
        assertThat(state.resolve("trainer-1.journal")).doesNotExist();

        // the short commands against the finished project
        NodeProcess.Result status =
                NodeProcess.cli(dir, props("trainer0", address), "status", "--project", "1");
        assertThat(status.exit()).as(status.out()).isZero();
        assertThat(status.out())
                .contains("project 1: ended, 3 settled")
                .contains(
                        "trainer: claimed "
                                + Commands.eth(client.claimed(project, trainers[0][0]))
                                + ", stake withdrawn");
        NodeProcess.Result again =
                NodeProcess.cli(dir, props("trainer0", address), "withdraw", "--project", "1");
        assertThat(again.exit()).as(again.out()).isZero();
        assertThat(again.out()).contains("project 1: nothing left to withdraw");
        // after the audits: unpin the project's updates, keep its records and models
        List<Cid> updates = new ArrayList<>();
        for (long r = 0; r < client.project(project).rounds(); r++) {
            for (MarketClient.Submitted sub : client.submissions(project, r)) {
                updates.add(Cid.fromBytes(sub.cid()));
            }
        }
        assertThat(updates).isNotEmpty().allMatch(NodeProcessIT::pinned);
        NodeProcess.Result unpinned =
                NodeProcess.cli(dir, props("trainer0", address), "unpin", "--project", "1");
        assertThat(unpinned.exit()).as(unpinned.out()).isZero();
        assertThat(unpinned.out())
                .contains(
                        "project 1: unpinned "
                                + updates.size()
                                + " of "
                                + updates.size()
                                + " submitted update(s)");
        assertThat(updates).noneMatch(NodeProcessIT::pinned);
        assertThat(settled)
                .allMatch(s -> pinned(Cid.fromBytes(s.reportCid())))
                .allMatch(s -> pinned(Cid.fromBytes(s.modelCid())));
        // a bad setting: one line, exit 1
        Map<String, String> bad = props("trainer0", address);
        bad.put("cohort.logs.max-blocks", "0");
        NodeProcess.Result refused = NodeProcess.cli(dir, bad, "status", "--project", "1");
        assertThat(refused.exit()).as(refused.out()).isEqualTo(1);
        assertThat(refused.out().strip())
                .endsWith(
                        "cohort-node: cohort.logs: an eth_getLogs page must span at least 1 block,"
                                + " got 0");
        assertThat(client.balance(trainers[0][0]))
                .isEqualTo(
                        FUNDS.subtract(fees(transactions(address).get(trainers[0][0])))
                                .add(client.claimed(project, trainers[0][0])));

        // gas per trainer per round, for BENCHMARKS.md
        StringBuilder gas = new StringBuilder("account,role,transactions,gas\n");
        for (var e : txs.entrySet()) {
            long used = e.getValue().stream().mapToLong(r -> r.getGasUsed().longValueExact()).sum();
            String role =
                    e.getKey().equals(evaluator[0])
                            ? "evaluator"
                            : e.getKey().equals(cheat)
                                    ? "test-cheater"
                                    : e.getKey().equalsIgnoreCase(owner.getAddress())
                                            ? "owner"
                                            : "trainer";
            gas.append(e.getKey())
                    .append(',')
                    .append(role)
                    .append(',')
                    .append(e.getValue().size())
                    .append(',')
                    .append(used)
                    .append('\n');
        }
        Files.writeString(dir.resolve("gas.csv"), gas);
    }

    @Test
    void aTwoOfThreeCommitteeSettlesTheHonestResultAndPenalisesTheEvaluatorThatCheats()
            throws Exception {
        dir = logDir();
        // given: a one-round project with a committee of three, quorum two; one cheats
        String[] honest0 = newKey("honest0");
        String[] honest1 = newKey("honest1");
        String[] cheat = newKey("cheat");
        String[][] trainers = {newKey("trainer0"), newKey("trainer1")};
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("20"));
        String address = createProject(owner, List.of(honest0, honest1, cheat), 1, 2);
        MarketClient client = new MarketClient(chain.web3j(), address, DevChain.CHAIN_ID);
        BigInteger project = BigInteger.ONE;

        node("honest0", address, "evaluator", "run", "--project", "1");
        Map<String, String> cheating = props("cheat", address);
        cheating.put("cohort.evaluator.behaviour", "favour-first");
        nodes.add(NodeProcess.start("cheat", dir, cheating, "evaluator", "run", "--project", "1"));
        for (int i = 0; i < 2; i++) {
            Map<String, String> p = props("trainer" + i, address);
            p.put("cohort.trainer.data.from", Integer.toString(3000 + i * 600));
            p.put("cohort.trainer.data.to", Integer.toString(3600 + i * 600));
            nodes.add(NodeProcess.start("trainer" + i, dir, p, "trainer", "run", "--project", "1"));
        }
        for (String[] e : List.of(honest0, cheat)) {
            awaitTrue(() -> client.evaluatorInfo(project, e[0]).bonded(), "bonded");
        }
        NodeProcess.Result early =
                NodeProcess.cli(dir, props("honest1", address), "withdraw", "--project", "1");
        assertThat(early.exit()).isEqualTo(1);
        assertThat(early.out().strip())
                .endsWith("cohort-node: project 1 has not ended yet; nothing to withdraw");
        for (String[] tr : trainers) {
            awaitTrue(() -> client.trainerInfo(project, tr[0]).registered(), "registered");
        }
        // a third trainer, this test, wraps its update's key well for two members and as random
        // bytes for honest1: a seal no member can open alike unless each checks every wrap
        Credentials splitterKey = DevKit.fundedAccount(chain, FUNDS);
        Transactor splitter = transactor(splitterKey);
        client.register(splitter, project, STAKE);

        // when: the round runs; the honest evaluator and the cheater post one vote each, then the
        // second honest evaluator starts and posts
        chain.mineAt(client.deadlines(project, 0)[0]);
        float[] plausible = new float[initial().length];
        java.util.Random noise = new java.util.Random(11);
        for (int i = 0; i < plausible.length; i++) {
            plausible[i] = (float) (noise.nextGaussian() * 1e-3);
        }
        client.submit(
                splitter,
                project,
                0,
                ipfs.add(
                                SealedUpdate.sealWithUnlikeWrap(
                                        UpdateCodec.encode(plausible, Compression.dense()),
                                        SealContext.of(
                                                client.chainId(),
                                                client.address(),
                                                project,
                                                0,
                                                splitter.address()),
                                        client.project(project).evaluatorKeys(),
                                        1,
                                        new SecureRandom()))
                        .toBytes());
        awaitSubmissions(client, project, 0, 3);
        chain.mineAt(client.deadlines(project, 0)[1]);
        awaitTrue(
                () ->
                        client.hasPosted(project, 0, honest0[0])
                                && client.hasPosted(project, 0, cheat[0]),
                "two different votes");
        assertThat(client.settled(project)).isEmpty();
        node("honest1", address, "evaluator", "run", "--project", "1");
        awaitSettled(client, project, 0);

        // then: every node finishes; the settled record is the honest one
        for (NodeProcess n : nodes) {
            assertThat(n.awaitExit(WAIT)).as(n.tail(30)).isZero();
        }
        byte[] record =
                ipfs.readAllBytes(
                        Cid.fromBytes(client.settled(project).get(0).reportCid()), 1 << 24);
        List<RoundRecords.Submission> entries = RoundRecord.submissions(record);
        assertThat(entries).hasSize(3);
        assertThat(entries.stream().filter(e -> e.flag() == null))
                .hasSize(2)
                .allMatch(e -> e.scoreBps() > 0);
        assertThat(entries.stream().mapToInt(RoundRecords.Submission::scoreBps).sum())
                .isEqualTo(10_000);
        // both honest members refused the unlike seal alike (else they would have split)
        assertThat(flagOf(record, splitterKey.getAddress())).isEqualTo("seal:bad-wrap");

        // the cheater lost the penalty from its bond; the honest got theirs back whole
        Map<String, List<TransactionReceipt>> txs = transactions(address);
        for (String[] e : List.of(honest0, honest1)) {
            assertThat(client.balance(e[0])).isEqualTo(FUNDS.subtract(fees(txs.get(e[0]))));
        }
        assertThat(client.balance(cheat[0]))
                .isEqualTo(FUNDS.subtract(fees(txs.get(cheat[0]))).subtract(PENALTY));
        for (String[] tr : trainers) {
            assertThat(client.balance(tr[0]))
                    .isEqualTo(
                            FUNDS.subtract(fees(txs.get(tr[0])))
                                    .add(client.claimed(project, tr[0])));
        }
    }

    @Test
    void aMemberDownWhenTheLastRoundSettledEarlyPostsLateAndTakesBackItsWholeBond()
            throws Exception {
        dir = logDir();
        // given: a one-round project with a committee of three, quorum two, all bonded; the third
        // member's node is killed before the round, and a trainer this test drives submits
        String[] first = newKey("first");
        String[] second = newKey("second");
        String[] late = newKey("late");
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("20"));
        String address = createProject(owner, List.of(first, second, late), 1, 2);
        MarketClient client = new MarketClient(chain.web3j(), address, DevChain.CHAIN_ID);
        BigInteger project = BigInteger.ONE;
        node("first", address, "evaluator", "run", "--project", "1");
        node("second", address, "evaluator", "run", "--project", "1");
        NodeProcess down = node("late", address, "evaluator", "run", "--project", "1");
        for (String[] e : List.of(first, second, late)) {
            awaitTrue(() -> client.evaluatorInfo(project, e[0]).bonded(), "bonded");
        }
        down.kill();
        Transactor trainer = transactor(DevKit.fundedAccount(chain, FUNDS));
        client.register(trainer, project, STAKE);
        chain.mineAt(client.deadlines(project, 0)[0]);
        float[] update = new float[initial().length];
        java.util.Random noise = new java.util.Random(5);
        for (int i = 0; i < update.length; i++) {
            update[i] = (float) (noise.nextGaussian() * 1e-3);
        }
        submitSealed(client, trainer, project, 0, update);

        // when: the two others settle the round before its deadline, which ends the project
        chain.mineAt(client.deadlines(project, 0)[1]);
        awaitSettled(client, project, 0);
        assertThat(client.ended(project)).isTrue();
        assertThat(client.hasPosted(project, 0, late[0])).isFalse();

        // then: withdrawing now would cost the third member a penalty: the CLI refuses in one
        // line, exit 1, and the bond stays
        NodeProcess.Result early =
                NodeProcess.cli(dir, props("late", address), "withdraw", "--project", "1");
        assertThat(early.exit()).as(early.out()).isEqualTo(1);
        assertThat(early.out()).contains("round 0 settled before its deadline (");
        assertThat(early.out().strip())
                .endsWith(
                        "the bond stays until "
                                + late[0]
                                + " posts in the last round or its window closes (a settled round"
                                + " it posted nothing in costs a penalty); run the evaluator, or"
                                + " withdraw after the deadline");
        assertThat(client.evaluatorInfo(project, late[0]).bond()).isEqualTo(BOND);

        // and: restarted, its node judges the settled round, posts the same result late and
        // takes back its whole bond
        down.restart();
        for (NodeProcess n : nodes) {
            assertThat(n.awaitExit(WAIT)).as(n.tail(30)).isZero();
        }
        assertThat(client.hasPosted(project, 0, late[0])).isTrue();
        Map<String, List<TransactionReceipt>> txs = transactions(address);
        for (String[] e : List.of(first, second, late)) {
            assertThat(client.balance(e[0])).isEqualTo(FUNDS.subtract(fees(txs.get(e[0]))));
        }
        assertThat(down.count("bond withdrawn: " + BOND + " wei")).isEqualTo(1);
    }

    @Test
    void mistakesOnTheCommandLineAndOverHttpAreOneLineOrProblemJson() throws Exception {
        dir = logDir();
        // given: a market with project 1, and an evaluator's key
        String[] evaluator = newKey("evaluator");
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("20"));
        String address = createProject(owner, List.<String[]>of(evaluator), 1, 1);
        Map<String, String> props = props("evaluator", address);
        props.put("quarkus.http.port", "0"); // 'run' serves HTTP from the start

        // an unknown project: one line and exit 1, not a run loop retrying it for ever
        NodeProcess.Result unknown =
                NodeProcess.cli(dir, props, "trainer", "run", "--project", "999");
        assertThat(unknown.exit()).as(unknown.out()).isEqualTo(1);
        assertThat(unknown.out().strip())
                .endsWith("cohort-node: no project 999 on market " + address);
        NodeProcess.Result status = NodeProcess.cli(dir, props, "status", "--project", "999");
        assertThat(status.exit()).as(status.out()).isEqualTo(1);
        assertThat(status.out().strip())
                .endsWith("cohort-node: no project 999 on market " + address);
        // an id no uint256 holds is a usage error
        String huge = BigInteger.TWO.pow(256).toString();
        NodeProcess.Result beyond =
                NodeProcess.cli(dir, props, "trainer", "run", "--project", huge);
        assertThat(beyond.exit()).as(beyond.out()).isEqualTo(2);
        assertThat(beyond.out()).contains("'" + huge + "' is not a project id");
        // so is a malformed one, checked before the chain is asked (here it is not there)
        Map<String, String> noChain = new LinkedHashMap<>(props);
        noChain.put("cohort.rpc-url", "http://127.0.0.1:1");
        NodeProcess.Result malformed = NodeProcess.cli(dir, noChain, "status", "--project", "abc");
        assertThat(malformed.exit()).as(malformed.out()).isEqualTo(2);
        assertThat(malformed.out()).contains("'abc' is not a project id");
        // a trainer that comes after registration closed (the last round's submissions are over,
        // the project has not ended): one line and done, not a revert every poll for ever
        chain.mineAt(chain.latestTimestamp() + 800);
        newKey("late");
        NodeProcess.Result late =
                NodeProcess.cli(dir, props("late", address), "trainer", "run", "--project", "1");
        assertThat(late.exit()).as(late.out()).isZero();
        assertThat(late.out())
                .contains("cannot register: register(project 1): would revert: RegistrationClosed(")
                .contains("project 1: done")
                .doesNotContain("retrying in");
        // a market address with no contract (a restarted dev chain): one line, not a loop
        Map<String, String> noContract = new LinkedHashMap<>(props);
        noContract.put("cohort.market", evaluator[0]);
        NodeProcess.Result empty =
                NodeProcess.cli(dir, noContract, "trainer", "run", "--project", "1");
        assertThat(empty.exit()).as(empty.out()).isEqualTo(1);
        assertThat(empty.out().strip())
                .endsWith(
                        "cohort-node: no contract at "
                                + evaluator[0]
                                + " on chain "
                                + DevChain.CHAIN_ID
                                + " (cohort.market): a restarted dev chain, or another network?");
        // settings the first tick would refuse, every poll, with a stack trace: one line
        Map<String, String> noEpochs = new LinkedHashMap<>(props);
        noEpochs.put("cohort.training.epochs", "0");
        NodeProcess.Result epochs =
                NodeProcess.cli(dir, noEpochs, "trainer", "run", "--project", "1");
        assertThat(epochs.exit()).as(epochs.out()).isEqualTo(1);
        assertThat(epochs.out().strip().lines().reduce((a, b) -> b).orElseThrow())
                .startsWith("cohort-node: cohort.training: ");
        // a fee bump with no wait re-signs at rising fees without looking for a receipt
        Map<String, String> noWait = new LinkedHashMap<>(props);
        noWait.put("cohort.gas.bump-after", "PT0S");
        NodeProcess.Result bump = NodeProcess.cli(dir, noWait, "status", "--project", "1");
        assertThat(bump.exit()).as(bump.out()).isEqualTo(1);
        assertThat(bump.out().strip())
                .endsWith(
                        "cohort-node: cohort.gas: bump-after must be a positive duration, got PT0S");
        // a setting of the wrong type: Quarkus names it, and the exit is a usage error's
        Map<String, String> hexChain = new LinkedHashMap<>(props);
        hexChain.put("cohort.chain-id", "0x7a69");
        NodeProcess.Result typo = NodeProcess.cli(dir, hexChain, "status", "--project", "1");
        assertThat(typo.exit()).as(typo.out()).isEqualTo(2);
        assertThat(typo.out()).contains("cohort.chain-id", "0x7a69").doesNotContain("\tat ");
        // a raw private key where the keystore should be is not printed back
        String hexKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        Path rawKey = dir.resolve("raw-key");
        Files.writeString(rawKey, hexKey + "\n");
        Map<String, String> raw = new LinkedHashMap<>(props);
        raw.put("cohort.keystore.path", rawKey.toString());
        NodeProcess.Result shown = NodeProcess.cli(dir, raw, "keys", "show");
        assertThat(shown.exit()).as(shown.out()).isEqualTo(1);
        assertThat(shown.out()).doesNotContain(hexKey.substring(0, 16));
        assertThat(shown.out().strip())
                .endsWith(
                        "cohort-node: cannot read the keystore "
                                + rawKey
                                + ": no web3j V3 keystore (JSON)");
        // -h is help
        NodeProcess.Result help = NodeProcess.cli(dir, props, "-h");
        assertThat(help.exit()).as(help.out()).isZero();
        assertThat(help.out()).contains("usage: cohort-node <command> [options]");

        // the HTTP face: what the framework refuses is problem+json too
        NodeProcess eval = node("evaluator", address, "evaluator", "run", "--project", "1");
        var partial = eval.get("/proofs/1");
        var wrongMethod = eval.send("POST", "/status");
        ObjectMapper json = new ObjectMapper();
        for (var r : List.of(partial, wrongMethod)) {
            assertThat(r.headers().firstValue("content-type"))
                    .as(r.statusCode() + " " + r.body())
                    .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
            assertThat(json.readTree(r.body()).path("status").asInt()).isEqualTo(r.statusCode());
        }
        assertThat(partial.statusCode()).isEqualTo(404);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        // nobody registered: the round is said to have nothing to post, once, not a stack trace
        // a poll (the market takes no result without a leaf)
        eval.awaitLine(
                "round 0: no trainer registered before its submission deadline; nothing to judge"
                        + " or post",
                Duration.ofSeconds(60));
        assertThat(Files.readString(eval.log())).doesNotContain("at least one leaf");
    }

    private static float[] initial() {
        try (DjlModel m = DjlModel.create(MLP)) {
            return m.parameters();
        }
    }

    /** Deploys a market and creates project 1 there: the MLP, 600-second windows, ETH. */
    private static String createProject(
            Credentials owner, List<String[]> committee, int rounds, int quorum) throws Exception {
        Market market =
                Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
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
                                BOND,
                                PENALTY,
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(rounds),
                                BigInteger.TEN,
                                BigInteger.valueOf(quorum),
                                committee.stream().map(e -> e[0]).toList(),
                                committee.stream()
                                        .map(e -> Numeric.hexStringToByteArray(e[1]))
                                        .toList(),
                                specCid.toBytes(),
                                initialCid.toBytes()),
                        REWARD.multiply(BigInteger.valueOf(rounds)))
                .send();
        return market.getContractAddress();
    }

    // ---------------------------------------------------------------- the cheater's updates

    private static float[] nan(int n) {
        float[] u = new float[n];
        u[0] = 1234.5f;
        return u;
    }

    /** Seals an update as an honest trainer would; an update starting 1234.5 gets a NaN there. */
    private static void submitSealed(
            MarketClient client, Transactor who, BigInteger project, long round, float[] update)
            throws Exception {
        byte[] encoded = UpdateCodec.encode(update, Compression.dense());
        if (update[0] == 1234.5f) {
            byte[] pattern =
                    ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(1234.5f).array();
            int at = indexOf(encoded, pattern);
            ByteBuffer.wrap(encoded).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, Float.NaN);
            CRC32C crc = new CRC32C();
            crc.update(encoded, 0, encoded.length - 4);
            ByteBuffer.wrap(encoded)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(encoded.length - 4, (int) crc.getValue());
        }
        MarketClient.Project p = client.project(project);
        byte[] sealed =
                SealedUpdate.seal(
                        encoded,
                        SealContext.of(
                                client.chainId(), client.address(), project, round, who.address()),
                        p.evaluatorKeys(),
                        new SecureRandom());
        client.submit(who, project, round, ipfs.add(sealed).toBytes());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }

    // ---------------------------------------------------------------- reading back

    private static int correct(byte[] record) {
        String json = new String(record, StandardCharsets.UTF_8);
        return Integer.parseInt(json.replaceAll("(?s).*\"validation-correct\" : (\\d+).*", "$1"));
    }

    private static String flagOf(byte[] record, String trainer) throws Exception {
        return RoundRecord.submissions(record).stream()
                .filter(e -> e.trainer().equalsIgnoreCase(trainer))
                .findFirst()
                .orElseThrow()
                .flag();
    }

    /** Every transaction to or from the accounts, by sender (lower case), with its receipt. */
    private static Map<String, List<TransactionReceipt>> transactions(String market)
            throws Exception {
        Map<String, List<TransactionReceipt>> out = new HashMap<>();
        long latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        for (long b = 0; b <= latest; b++) {
            EthBlock.Block block =
                    chain.web3j()
                            .ethGetBlockByNumber(
                                    new DefaultBlockParameterNumber(BigInteger.valueOf(b)), true)
                            .send()
                            .getBlock();
            for (EthBlock.TransactionResult<?> r : block.getTransactions()) {
                var tx = (EthBlock.TransactionObject) r.get();
                TransactionReceipt receipt =
                        chain.web3j()
                                .ethGetTransactionReceipt(tx.getHash())
                                .send()
                                .getTransactionReceipt()
                                .orElseThrow();
                out.computeIfAbsent(tx.getFrom().toLowerCase(), k -> new ArrayList<>())
                        .add(receipt);
                INPUTS.put(tx.getHash(), tx.getInput());
            }
        }
        return out;
    }

    private static final Map<String, String> INPUTS = new HashMap<>();

    private static String inputOf(TransactionReceipt r) {
        return INPUTS.get(r.getTransactionHash());
    }

    private static String selector(String name) {
        return org.web3j.abi.FunctionEncoder.encode(
                        new org.web3j.abi.datatypes.Function(
                                name,
                                List.of(
                                        new org.web3j.abi.datatypes.generated.Uint256(0),
                                        new org.web3j.abi.datatypes.generated.Uint256(0),
                                        new org.web3j.abi.datatypes.DynamicBytes(new byte[1])),
                                List.of()))
                .substring(0, 10);
    }

    private static BigInteger fees(List<TransactionReceipt> receipts) {
        BigInteger total = BigInteger.ZERO;
        for (TransactionReceipt r : receipts) {
            total =
                    total.add(
                            r.getGasUsed()
                                    .multiply(Numeric.decodeQuantity(r.getEffectiveGasPrice())));
        }
        return total;
    }

    // ---------------------------------------------------------------- waiting on the chain

    private interface Check {
        boolean ok() throws Exception;
    }

    private void awaitTrue(Check check, String what) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!check.ok()) {
            for (NodeProcess n : nodes) {
                if (!n.alive() && n.count("cohort-node: ") > 0) {
                    throw new AssertionError(n.log() + " failed:\n" + n.tail(30));
                }
            }
            if (System.nanoTime() > end) {
                StringBuilder logs = new StringBuilder();
                for (NodeProcess n : nodes) {
                    logs.append("\n== ").append(n.log()).append('\n').append(n.tail(15));
                }
                throw new AssertionError("timed out waiting until " + what + logs);
            }
            Thread.sleep(200);
        }
    }

    private static boolean pinned(Cid cid) {
        try {
            return ipfs.isPinned(cid);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitSubmissions(MarketClient client, BigInteger project, long round, int n)
            throws Exception {
        awaitTrue(
                () -> client.submissions(project, round).size() >= n,
                n + " submissions in round " + round);
        assertThat(client.submissions(project, round)).hasSize(n);
    }

    private void awaitSettled(MarketClient client, BigInteger project, long round)
            throws Exception {
        awaitTrue(
                () -> client.settled(project).stream().anyMatch(s -> s.round() == round),
                "round " + round + " settled");
    }

    /** The policies the evaluator saved under its state folder ({@code policy-<project>.state}). */
    private List<Path> savedPolicies() throws IOException {
        try (var files = Files.walk(dir.resolve("evaluator/state"))) {
            return files.filter(f -> f.getFileName().toString().matches("policy-\\d+\\.state"))
                    .toList();
        }
    }
}
