package io.cohort.contracts;

import io.cohort.contracts.CreditTree.Leaf;
import io.cohort.contracts.generated.Market;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Convert;

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
        Market market = Market.deploy(web3j, tx(owner), gas()).send();
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
                        List.of(label("x25519 key of the evaluator")),
                        cid("model spec"),
                        cid("initial model"));
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
                as(t, address).submit(id, r, cid("update " + t.getAddress() + " " + round)).send();
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
                            cid("model after round " + round),
                            cid("report of round " + round));
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
        Credentials c = Credentials.create(Keys.createEcKeyPair());
        chain.setBalance(c.getAddress(), eth("10"));
        return c;
    }

    private Market as(Credentials who, String address) {
        return Market.load(address, web3j, tx(who), gas());
    }

    private RawTransactionManager tx(Credentials who) {
        return new RawTransactionManager(
                web3j,
                who,
                DevChain.CHAIN_ID,
                new PollingTransactionReceiptProcessor(web3j, 20, 500));
    }

    private static StaticGasProvider gas() {
        return new StaticGasProvider(
                Convert.toWei("2", Convert.Unit.GWEI).toBigInteger(),
                BigInteger.valueOf(5_000_000));
    }

    private BigInteger balance(String address) throws Exception {
        return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
    }

    private static BigInteger eth(String amount) {
        return Convert.toWei(amount, Convert.Unit.ETHER).toBigIntegerExact();
    }

    private static String fmt(BigInteger wei) {
        return new BigDecimal(wei).movePointLeft(18).stripTrailingZeros().toPlainString();
    }

    private static byte[] label(String s) {
        return Hash.sha3(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A stand-in CIDv1 (raw codec, sha2-256) of a label: the contract only stores CIDs. */
    private static byte[] cid(String s) {
        byte[] cid = new byte[36];
        cid[0] = 0x01;
        cid[1] = 0x55;
        cid[2] = 0x12;
        cid[3] = 0x20;
        System.arraycopy(Hash.sha256(s.getBytes(StandardCharsets.UTF_8)), 0, cid, 4, 32);
        return cid;
    }
}
