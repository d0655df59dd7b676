package io.cohort.node.bench;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.contracts.seal.X25519KeyPair;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.Transactor;
import io.cohort.node.round.EvaluatorNode;
import io.cohort.node.round.MarketClient;
import io.cohort.node.round.TrainerNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.response.EthBlock;

/**
 * Protocol overhead per round (issue 6): everything a round costs except local training, on a real
 * Anvil and a real Kubo, with the trainer and evaluator round logic in this process.
 *
 * <p>Each trainer's round is timed by phase: loading {@code G_r} (fetch, verify), training
 * (excluded), sealing and adding to IPFS, submitting (to the receipt), and its claim of the
 * previous round. The evaluator's whole round (fetch, open, score with its reference update,
 * publish, post) is timed too. Trainers run one after another here, so each one's overhead is
 * measured without the others' CPU; on separate machines they run side by side, so a round's
 * critical path is
 *
 * <pre>
 * round = T_train + max over trainers (load + seal/add + submit + claim) + evaluator
 * overhead share = (round − T_train) / round,   T_train = 5 s (the training step)
 * </pre>
 *
 * Also the gas each trainer's transactions use per round (submit, claim). Prints a table; args:
 * {@code trainers rounds}.
 */
public final class ProtocolOverhead {

    private static final double TRAIN_SECONDS = 5.0;

    public static void main(String[] args) throws Exception {
        int trainers = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path dir = Files.createTempDirectory("cohort-overhead");
        try (DevChain chain = DevChain.start();
                KuboNode kubo = KuboNode.start();
                KuboClient ipfs = KuboClient.connect(kubo.apiUrl())) {
            run(chain, ipfs, dir, trainers, rounds);
        }
    }

    private static void run(DevChain chain, KuboClient ipfs, Path dir, int n, int rounds)
            throws Exception {
        ModelSpec spec = ModelSpec.mnistMlp(7);
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("100"));
        Market market =
                Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
        MarketClient client =
                new MarketClient(chain.web3j(), market.getContractAddress(), DevChain.CHAIN_ID);
        X25519KeyPair sealKey = X25519KeyPair.generate(new SecureRandom());
        Credentials evaluatorKey = DevKit.fundedAccount(chain, DevKit.ether("10"));
        Cid specCid = ipfs.add(spec.toJson().getBytes(StandardCharsets.UTF_8));
        Cid initialCid;
        try (DjlModel m = DjlModel.create(spec)) {
            initialCid = ipfs.add(ModelWeights.write(m.layout(), m.parameters(), Map.of()));
        }
        BigInteger reward = DevKit.ether("1");
        BigInteger stake = DevKit.ether("0.1");
        long start = chain.latestTimestamp() + 100;
        market.createProject(
                        new Market.ProjectParams(
                                DevKit.ETH,
                                reward,
                                stake,
                                DevKit.ether("0.5"),
                                DevKit.ether("0.2"),
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(600),
                                BigInteger.valueOf(rounds),
                                BigInteger.valueOf(n),
                                BigInteger.ONE,
                                List.of(evaluatorKey.getAddress()),
                                List.of(sealKey.publicKey()),
                                specCid.toBytes(),
                                initialCid.toBytes()),
                        reward.multiply(BigInteger.valueOf(rounds)))
                .send();
        BigInteger project = BigInteger.ONE;
        LabeledData train = IdxLoader.mnist(IdxLoader.dataDir()).train();
        LabeledData validation = IdxLoader.mnist(IdxLoader.dataDir()).test().slice(0, 500);
        TrainConfig local = TrainConfig.sgd(1, 16, 0.05f, 3);
        int per = Math.min(600, 7000 / n);

        Map<String, long[]> stamps = new HashMap<>(); // trainer -> [start, loaded, trained, added]
        List<TrainerNode> nodes = new ArrayList<>();
        List<Transactor> keys = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Transactor key = transactor(chain, DevKit.fundedAccount(chain, DevKit.ether("10")));
            client.register(key, project, stake);
            keys.add(key);
            String who = key.address();
            nodes.add(
                    new TrainerNode(
                            client,
                            ipfs,
                            key,
                            train.slice(i * per, (i + 1) * per),
                            new TrainerNode.Config(
                                    dir.resolve("t" + i),
                                    local,
                                    Compression.dense(),
                                    (round, step) -> {
                                        long[] s = stamps.get(who);
                                        switch (step) {
                                            case "loaded" -> s[1] = System.nanoTime();
                                            case "trained" -> s[2] = System.nanoTime();
                                            case "added" -> s[3] = System.nanoTime();
                                            default -> {}
                                        }
                                    }),
                            line -> {}));
        }
        Transactor evaluatorTx = transactor(chain, evaluatorKey);
        client.bond(evaluatorTx, project, DevKit.ether("0.5"));
        EvaluatorNode evaluator =
                new EvaluatorNode(
                        client,
                        ipfs,
                        evaluatorTx,
                        sealKey,
                        () ->
                                new ScoringPolicy(
                                        spec,
                                        train.slice(7000, 7500),
                                        validation,
                                        local,
                                        new CohortPolicy()),
                        new EvaluatorNode.Config(dir.resolve("e"), 16 << 20),
                        line -> {});

        System.out.printf(
                Locale.ROOT,
                "%d trainers x %d samples, MNIST MLP (%s), %d rounds; training timed and replaced by"
                        + " %.0f s%n",
                n,
                per,
                "dense update",
                rounds,
                TRAIN_SECONDS);
        System.out.println(
                "round  train_s(max)  trainer_overhead_s(max)  evaluator_s  round_s  overhead_%");
        double[] shares = new double[rounds];
        double[] claimSeconds = new double[n];
        for (int r = 0; r < rounds; r++) {
            long[] d = client.deadlines(project, r);
            chain.mineAt(d[0]);
            double maxOverhead = 0;
            double maxTrain = 0;
            for (int i = 0; i < n; i++) {
                String who = keys.get(i).address();
                long[] s = new long[4];
                stamps.put(who, s);
                s[0] = System.nanoTime();
                nodes.get(i).round(project, r);
                long end = System.nanoTime();
                double trainS = (s[2] - s[1]) / 1e9;
                double overhead = (end - s[0]) / 1e9 - trainS + claimSeconds[i];
                maxOverhead = Math.max(maxOverhead, overhead);
                maxTrain = Math.max(maxTrain, trainS);
            }
            chain.mineAt(d[1]);
            long e0 = System.nanoTime();
            evaluator.round(project, r);
            double evalS = (System.nanoTime() - e0) / 1e9;
            // claims of this round, counted into each trainer's next round
            for (int i = 0; i < n; i++) {
                long c0 = System.nanoTime();
                nodes.get(i).claim(project);
                claimSeconds[i] = (System.nanoTime() - c0) / 1e9;
            }
            double round = TRAIN_SECONDS + maxOverhead + evalS;
            shares[r] = 100 * (round - TRAIN_SECONDS) / round;
            System.out.printf(
                    Locale.ROOT,
                    "%5d  %12.3f  %23.3f  %11.3f  %7.3f  %10.1f%n",
                    r,
                    maxTrain,
                    maxOverhead,
                    evalS,
                    round,
                    shares[r]);
        }
        Arrays.sort(shares);
        System.out.printf(
                Locale.ROOT,
                "overhead share: median %.1f %%, p95 %.1f %% (goal <= 10 %%)%n",
                percentile(shares, 0.5),
                percentile(shares, 0.95));

        // gas per trainer per round: every transaction of trainer 0, by function
        Map<String, String> names = new HashMap<>();
        for (String sig :
                List.of(
                        "register(uint256)",
                        "submit(uint256,uint256,bytes)",
                        "claim(uint256,address,uint128,uint128,bytes32[])")) {
            names.put(
                    org.web3j.crypto.Hash.sha3String(sig).substring(0, 10),
                    sig.substring(0, sig.indexOf('(')));
        }
        Map<String, long[]> gas = new java.util.TreeMap<>(); // name -> [count, total]
        long latest = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        for (long b = 0; b <= latest; b++) {
            var block =
                    chain.web3j()
                            .ethGetBlockByNumber(
                                    new DefaultBlockParameterNumber(BigInteger.valueOf(b)), true)
                            .send()
                            .getBlock();
            for (var t : block.getTransactions()) {
                var tx = (EthBlock.TransactionObject) t.get();
                if (!tx.getFrom().equalsIgnoreCase(keys.get(0).address())) {
                    continue;
                }
                String name = names.getOrDefault(tx.getInput().substring(0, 10), "other");
                long used =
                        chain.web3j()
                                .ethGetTransactionReceipt(tx.getHash())
                                .send()
                                .getTransactionReceipt()
                                .orElseThrow()
                                .getGasUsed()
                                .longValueExact();
                long[] g = gas.computeIfAbsent(name, k -> new long[2]);
                g[0]++;
                g[1] += used;
            }
        }
        long perRound = 0;
        for (var e : gas.entrySet()) {
            System.out.printf(
                    Locale.ROOT,
                    "gas %-8s %2d tx, mean %,d%n",
                    e.getKey(),
                    e.getValue()[0],
                    e.getValue()[1] / e.getValue()[0]);
            if (!e.getKey().equals("register")) {
                perRound += e.getValue()[1];
            }
        }
        System.out.printf(
                Locale.ROOT,
                "gas per trainer per round (submit + claim): %,d; registration once: %,d%n",
                perRound / rounds,
                gas.containsKey("register") ? gas.get("register")[1] : 0);
    }

    private static double percentile(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static Transactor transactor(DevChain chain, Credentials key) {
        return new Transactor(
                chain.web3j(),
                key,
                DevChain.CHAIN_ID,
                new Transactor.Options(
                        20,
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(30),
                        25,
                        Duration.ofMillis(20)),
                line -> {});
    }
}
