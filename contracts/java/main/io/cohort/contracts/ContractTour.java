package io.cohort.contracts;

import io.cohort.contracts.CreditTree.Leaf;
import io.cohort.contracts.generated.Market;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * The demo of what exists so far: starts Anvil on a free loopback port, deploys the market and
 * plays one project of two rounds with one evaluator and three trainers, printing each step and who
 * was paid what. Training, IPFS and the nodes come with later issues; here the CIDs are labels and
 * the evaluator's scores are fixed by the tour.
 */
public final class ContractTour {

    private static final PrintStream OUT = System.out;
    private static final BigInteger STAKE = eth("0.1");

    private final DevChain chain;
    private final Web3j web3j;

    private ContractTour(DevChain chain) {
        this.chain = chain;
        this.web3j = chain.web3j();
    }

    public static void main(String[] args) throws Exception {
        try (DevChain chain = DevChain.start()) {
            OUT.printf("anvil        %s (pid %d)%n", chain.rpcUrl(), chain.pid());
            new ContractTour(chain).run();
        }
        OUT.println("anvil stopped; tour finished");
    }

    private void run() throws Exception {
        Credentials owner = account();
        Credentials evaluator = account();
        List<Credentials> trainers = List.of(account(), account(), account());
        Market market = Market.deploy(web3j, DevKit.tx(web3j, owner), DevKit.gas()).send();
        String address = market.getContractAddress();
        OUT.printf("market       deployed at %s%n", address);

        long start = chain.latestTimestamp() + 60;
        var params =
                new Market.ProjectParams(
                        "0x0000000000000000000000000000000000000000",
                        eth("1"),
                        STAKE,
                        eth("0.5"),
                        eth("0.2"),
                        BigInteger.valueOf(start),
                        BigInteger.valueOf(600),
                        BigInteger.valueOf(600),
                        BigInteger.TWO,
                        BigInteger.TEN,
                        BigInteger.ONE,
                        List.of(evaluator.getAddress()),
                        List.of(DevKit.bytes32("x25519 key of the evaluator")),
                        DevKit.cid("model spec"),
                        DevKit.cid("initial model"));
        var created = market.createProject(params, eth("2")).send();
        BigInteger id = market.getProjectCreatedEvents(created).get(0).projectId;
        OUT.printf("project %s    2 rounds of 1 ETH escrowed by %s%n", id, owner.getAddress());
        as(evaluator, address).bondEvaluator(id, eth("0.5")).send();
        for (Credentials t : trainers) {
            as(t, address).register(id, STAKE).send();
            OUT.printf("register     trainer %s staked 0.1 ETH%n", t.getAddress());
        }

        // Cumulative credits and slashes after each round; the third trainer poisons round 1.
        BigInteger[][] credits = {
            {eth("0.5"), eth("0.4"), eth("0")}, {eth("1.1"), eth("0.8"), eth("0")}
        };
        BigInteger[] slashes = {BigInteger.ZERO, STAKE};
        CreditTree tree = null;
        for (int round = 0; round < 2; round++) {
            BigInteger r = BigInteger.valueOf(round);
            chain.mineAt(start + round * 1200L);
            for (Credentials t : trainers) {
                as(t, address)
                        .submit(id, r, DevKit.cid("update " + t.getAddress() + " " + round))
                        .send();
            }
            chain.mineAt(start + round * 1200L + 600);
            List<Leaf> leaves =
                    List.of(
                            new Leaf(
                                    trainers.get(0).getAddress(),
                                    credits[round][0],
                                    BigInteger.ZERO),
                            new Leaf(
                                    trainers.get(1).getAddress(),
                                    credits[round][1],
                                    BigInteger.ZERO),
                            new Leaf(
                                    trainers.get(2).getAddress(),
                                    credits[round][2],
                                    slashes[round]));
            tree = CreditTree.of(leaves);
            Market asEvaluator = as(evaluator, address);
            byte[] submissions = asEvaluator.roundState(id, r).send().component2();
            var result =
                    new Market.Result(
                            tree.root(),
                            credits[round][0].add(credits[round][1]),
                            slashes[round],
                            BigInteger.valueOf(3),
                            submissions,
                            DevKit.cid("model after round " + round),
                            DevKit.cid("report of round " + round));
            asEvaluator.postResult(id, r, result).send();
            OUT.printf(
                    "round %d      3 submissions, settled with root %s%n", round, tree.rootHex());
            for (Leaf leaf : leaves) {
                OUT.printf(
                        "             %s credit %s ETH, slash %s ETH%n",
                        leaf.trainer(), fmt(leaf.credit()), fmt(leaf.slash()));
            }
        }

        for (Credentials t : trainers) {
            Leaf leaf = tree.leaf(t.getAddress());
            Market asTrainer = as(t, address);
            List<byte[]> proof = tree.proof(t.getAddress());
            if (leaf.credit().signum() > 0) {
                asTrainer.claim(id, t.getAddress(), leaf.credit(), leaf.slash(), proof).send();
            }
            asTrainer.withdrawStake(id, t.getAddress(), leaf.credit(), leaf.slash(), proof).send();
        }
        BigInteger refund = market.refundable(id).send();
        market.withdrawRefund(id).send();
        as(evaluator, address).withdrawBond(id).send();
        OUT.printf(
                "payouts      owner refunded %s ETH (uncredited reward + forfeited stake)%n",
                fmt(refund));
        for (Credentials t : trainers) {
            OUT.printf(
                    "             %s now holds %s ETH%n",
                    t.getAddress(), fmt(balance(t.getAddress())));
        }
        OUT.printf("market       holds %s ETH after everyone withdrew%n", fmt(balance(address)));
    }

    private Credentials account() throws Exception {
        return DevKit.fundedAccount(chain, eth("10"));
    }

    private Market as(Credentials who, String address) {
        return Market.load(address, web3j, DevKit.tx(web3j, who), DevKit.gas());
    }

    private BigInteger balance(String address) throws Exception {
        return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
    }

    private static BigInteger eth(String amount) {
        return DevKit.ether(amount);
    }

    private static String fmt(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }
}
