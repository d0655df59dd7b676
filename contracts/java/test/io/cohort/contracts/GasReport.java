package io.cohort.contracts;

import io.cohort.contracts.CreditTree.Leaf;
import io.cohort.contracts.generated.Market;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.LongSummaryStatistics;
import java.util.Map;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Convert;

/**
 * Measures the gas of every market call from real receipts on Anvil and writes {@code docs/gas.md}:
 * ten rounds of a project for 3, 10 and 50 trainers, with a committee of one (quorum 1) and of
 * three (quorum 2, all three posting).
 *
 * <p>Run with {@code mvn -Pgas-report -pl contracts verify} (see docs/gas.md).
 */
public final class GasReport {

    private static final int ROUNDS = 10;
    private static final long TARGET_PER_TRAINER_ROUND = 60_000;
    private static final BigInteger FUNDS =
            Convert.toWei("1000", Convert.Unit.ETHER).toBigInteger();

    private final DevChain chain;
    private final Web3j web3j;
    private final String market;

    private GasReport(DevChain chain, String market) {
        this.chain = chain;
        this.web3j = chain.web3j();
        this.market = market;
    }

    /** One scenario's gas, by call. */
    record Scenario(
            int trainers, int committee, int quorum, Map<String, LongSummaryStatistics> calls) {
        long total(String call) {
            LongSummaryStatistics s = calls.get(call);
            return s == null ? 0 : s.getSum();
        }

        /** submit + result posts + one claim per trainer, over trainers x rounds. */
        double perTrainerRound() {
            return (total("submit")
                            + total("postResult (settling)")
                            + total("postResult (other)")
                            + total("claim"))
                    / (double) (trainers * ROUNDS);
        }

        /** The same plus register and withdrawStake, once per trainer per project. */
        double perTrainerRoundWithEntryAndExit() {
            return perTrainerRound()
                    + (total("register") + total("withdrawStake")) / (double) (trainers * ROUNDS);
        }
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "docs/gas.md");
        List<Scenario> scenarios = new ArrayList<>();
        try (DevChain chain = DevChain.start()) {
            Credentials deployer = fresh(chain);
            Market deployed =
                    Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), deployer), DevKit.gas())
                            .send();
            GasReport report = new GasReport(chain, deployed.getContractAddress());
            long deploy =
                    deployed.getTransactionReceipt().orElseThrow().getGasUsed().longValueExact();
            for (int trainers : new int[] {3, 10, 50}) {
                scenarios.add(report.run(trainers, 1, 1));
                scenarios.add(report.run(trainers, 3, 2));
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, render(deploy, scenarios), StandardCharsets.UTF_8);
        }
        System.out.println("wrote " + out);
    }

    private Scenario run(int trainerCount, int committeeSize, int quorum) throws Exception {
        Map<String, LongSummaryStatistics> calls = new LinkedHashMap<>();
        Credentials owner = fresh(chain);
        List<Credentials> evaluators = new ArrayList<>();
        List<Credentials> trainers = new ArrayList<>();
        for (int i = 0; i < committeeSize; i++) {
            evaluators.add(fresh(chain));
        }
        for (int i = 0; i < trainerCount; i++) {
            trainers.add(fresh(chain));
        }
        BigInteger reward = Convert.toWei("1", Convert.Unit.ETHER).toBigInteger();
        BigInteger stake = Convert.toWei("0.01", Convert.Unit.ETHER).toBigInteger();
        BigInteger bond = Convert.toWei("0.1", Convert.Unit.ETHER).toBigInteger();
        long start = chain.latestTimestamp() + 60;
        long submitPeriod = 3600;
        long evalPeriod = 3600;
        Market.ProjectParams params =
                new Market.ProjectParams(
                        "0x0000000000000000000000000000000000000000",
                        reward,
                        stake,
                        bond,
                        bond.divide(BigInteger.TWO),
                        BigInteger.valueOf(start),
                        BigInteger.valueOf(submitPeriod),
                        BigInteger.valueOf(evalPeriod),
                        BigInteger.valueOf(ROUNDS),
                        BigInteger.valueOf(trainerCount),
                        BigInteger.valueOf(quorum),
                        evaluators.stream().map(Credentials::getAddress).toList(),
                        evaluators.stream().map(e -> Hash.sha3(e.getAddress().getBytes())).toList(),
                        cid("spec"),
                        cid("g0"));
        Market asOwner = as(owner);
        TransactionReceipt created =
                asOwner.createProject(params, reward.multiply(BigInteger.valueOf(ROUNDS))).send();
        record(calls, "createProject", created);
        BigInteger id = asOwner.getProjectCreatedEvents(created).get(0).projectId;
        for (Credentials t : trainers) {
            record(calls, "register", as(t).register(id, stake).send());
        }
        for (Credentials e : evaluators) {
            record(calls, "bondEvaluator", as(e).bondEvaluator(id, bond).send());
        }
        CreditTree tree = null;
        for (int round = 0; round < ROUNDS; round++) {
            BigInteger r = BigInteger.valueOf(round);
            chain.mineAt(start + round * (submitPeriod + evalPeriod));
            for (Credentials t : trainers) {
                record(calls, "submit", as(t).submit(id, r, cid(t.getAddress() + round)).send());
            }
            chain.mineAt(start + round * (submitPeriod + evalPeriod) + submitPeriod);
            // every trainer earns an equal share of every round, rounded down
            BigInteger share = reward.divide(BigInteger.valueOf(trainerCount));
            BigInteger cumulative = share.multiply(BigInteger.valueOf(round + 1L));
            List<Leaf> leaves = new ArrayList<>();
            for (Credentials t : trainers) {
                leaves.add(new Leaf(t.getAddress(), cumulative, BigInteger.ZERO));
            }
            tree = CreditTree.of(leaves);
            byte[] submissions = asOwner.roundState(id, r).send().component2();
            Market.Result result =
                    new Market.Result(
                            tree.root(),
                            cumulative.multiply(BigInteger.valueOf(trainerCount)),
                            BigInteger.ZERO,
                            BigInteger.valueOf(trainerCount),
                            submissions,
                            cid("model" + round),
                            cid("report" + round));
            for (Credentials e : evaluators) {
                Market asEvaluator = as(e);
                TransactionReceipt posted = asEvaluator.postResult(id, r, result).send();
                boolean settling = !asEvaluator.getRoundSettledEvents(posted).isEmpty();
                record(calls, settling ? "postResult (settling)" : "postResult (other)", posted);
            }
        }
        for (Credentials t : trainers) {
            Leaf leaf = tree.leaf(t.getAddress());
            List<byte[]> proof = tree.proof(t.getAddress());
            record(
                    calls,
                    "claim",
                    as(t).claim(id, t.getAddress(), leaf.credit(), leaf.slash(), proof).send());
            record(
                    calls,
                    "withdrawStake",
                    as(t).withdrawStake(id, t.getAddress(), leaf.credit(), leaf.slash(), proof)
                            .send());
        }
        if (asOwner.refundable(id).send().signum() > 0) {
            record(calls, "withdrawRefund", asOwner.withdrawRefund(id).send());
        }
        for (Credentials e : evaluators) {
            record(calls, "withdrawBond", as(e).withdrawBond(id).send());
        }
        System.out.printf(
                "%d trainers, quorum %d of %d: %.0f gas per trainer per round%n",
                trainerCount,
                quorum,
                committeeSize,
                new Scenario(trainerCount, committeeSize, quorum, calls).perTrainerRound());
        return new Scenario(trainerCount, committeeSize, quorum, calls);
    }

    private static void record(
            Map<String, LongSummaryStatistics> calls, String call, TransactionReceipt receipt) {
        if (!receipt.isStatusOK()) {
            throw new IllegalStateException(call + " failed: " + receipt.getTransactionHash());
        }
        calls.computeIfAbsent(call, k -> new LongSummaryStatistics())
                .accept(receipt.getGasUsed().longValueExact());
    }

    private static String render(long deploy, List<Scenario> scenarios) {
        StringBuilder md = new StringBuilder();
        md.append("# Gas of the market contract\n\n")
                .append(
                        "Measured from real transaction receipts (intrinsic 21,000 gas and calldata included) ")
                .append(
                        "on Anvil (forge/anvil 1.7.1, solc 0.8.30, optimizer 10,000 runs, EVM cancun), ")
                .append("on ")
                .append(LocalDate.now())
                .append(".\nProduced by:\n\n```\n")
                .append("./setup && mvn -Pgas-report -pl contracts verify\n```\n\n")
                .append("Each scenario runs one ETH project of ")
                .append(ROUNDS)
                .append(" rounds on a market that already holds the earlier scenarios' projects: ")
                .append("every trainer registers, submits in every round, claims once at the end ")
                .append("and withdraws its stake; every committee member bonds and posts the same ")
                .append(
                        "result every round (so with a committee of 3 and quorum 2 the second post ")
                .append("settles and the third is a late matching post).\n\n")
                .append("Deployment: ")
                .append(String.format("%,d", deploy))
                .append(" gas.\n\n");
        md.append("## Gas per trainer per round\n\n")
                .append("(submit + result posts + one claim per trainer) / (trainers × rounds); ")
                .append("the last column adds register and withdrawStake amortised the same way. ")
                .append("Target: ≤ ")
                .append(String.format("%,d", TARGET_PER_TRAINER_ROUND))
                .append(".\n\n")
                .append(
                        "| trainers | committee | quorum | per trainer per round | vs target | with register + withdrawStake |\n")
                .append("|---:|---:|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            double per = s.perTrainerRound();
            md.append(
                    String.format(
                            "| %d | %d | %d | %,.0f | %+,.0f | %,.0f |%n",
                            s.trainers(),
                            s.committee(),
                            s.quorum(),
                            per,
                            per - TARGET_PER_TRAINER_ROUND,
                            s.perTrainerRoundWithEntryAndExit()));
        }
        md.append("\n## Gas of each call\n\n")
                .append("| trainers | committee/quorum | call | count | min | mean | max |\n")
                .append("|---:|---:|---|---:|---:|---:|---:|\n");
        for (Scenario s : scenarios) {
            for (Map.Entry<String, LongSummaryStatistics> e : s.calls().entrySet()) {
                LongSummaryStatistics st = e.getValue();
                md.append(
                        String.format(
                                "| %d | %d/%d | %s | %d | %,d | %,.0f | %,d |%n",
                                s.trainers(),
                                s.committee(),
                                s.quorum(),
                                e.getKey(),
                                st.getCount(),
                                st.getMin(),
                                st.getAverage(),
                                st.getMax()));
            }
        }
        md.append(ANALYSIS);
        return md.toString();
    }

    private static final String ANALYSIS =
            """

            ## Reading the figures

            See the section "Where the gas goes" in docs/contracts.md for what each call writes and
            what would lower the per-trainer cost further.
            """;

    private Market as(Credentials who) {
        return Market.load(market, web3j, DevKit.tx(web3j, who), DevKit.gas());
    }

    private static Credentials fresh(DevChain chain) throws Exception {
        return DevKit.fundedAccount(chain, FUNDS);
    }

    private static byte[] cid(String label) {
        return DevKit.cid(label);
    }
}
