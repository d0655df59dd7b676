package io.cohort.contracts;

import static io.cohort.contracts.DevKit.bytes32;
import static io.cohort.contracts.DevKit.cid;
import static io.cohort.contracts.DevKit.ether;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.CreditTree.Leaf;
import io.cohort.contracts.generated.Market;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.exceptions.ContractCallException;

/**
 * Plays one whole project through the generated web3j bindings on a real Anvil chain: create and
 * fund, three trainers register and submit, one evaluator (quorum 1) settles two rounds, a slashed
 * trainer gets back only what its leaf allows, credits and stakes are claimed, and every balance is
 * checked to the wei.
 */
class MarketIT {

    private static final BigInteger INITIAL = ether("100");

    private static DevChain chain;
    private static Web3j web3j;

    /**
     * What every account's balance must be, updated with each receipt's gas cost and each payment.
     */
    private final Map<String, BigInteger> expected = new HashMap<>();

    @BeforeAll
    static void startChain() {
        chain = DevChain.start();
        web3j = chain.web3j();
    }

    @AfterAll
    static void stopChain() {
        if (chain != null) {
            long pid = chain.pid();
            chain.close();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    @Test
    void wholeProjectPaysEveryPartyExactlyWhatItsLeafAllows() throws Exception {
        // given: an owner, one evaluator, three trainers, all with fresh keys and 100 ETH
        Credentials owner = account();
        Credentials evaluator = account();
        Credentials alice = account();
        Credentials bob = account();
        Credentials carol = account();
        Market asOwner = Market.deploy(web3j, DevKit.tx(web3j, owner), DevKit.gas()).send();
        charge(owner, asOwner.getTransactionReceipt().orElseThrow(), BigInteger.ZERO);
        String market = asOwner.getContractAddress();

        BigInteger reward = ether("1");
        BigInteger stake = ether("0.1");
        BigInteger bond = ether("0.5");
        BigInteger penalty = ether("0.2");
        long start = chain.latestTimestamp() + 100;
        long submitPeriod = 600;
        long evalPeriod = 600;
        Market.ProjectParams params =
                new Market.ProjectParams(
                        "0x0000000000000000000000000000000000000000",
                        reward,
                        stake,
                        bond,
                        penalty,
                        BigInteger.valueOf(start),
                        BigInteger.valueOf(submitPeriod),
                        BigInteger.valueOf(evalPeriod),
                        BigInteger.valueOf(2),
                        BigInteger.valueOf(10),
                        BigInteger.ONE,
                        List.of(evaluator.getAddress()),
                        List.of(bytes32("x25519 public key of the evaluator")),
                        cid("model spec"),
                        cid("initial model"));

        // when: the owner creates and funds the project
        TransactionReceipt created = asOwner.createProject(params, ether("2")).send();
        charge(owner, created, ether("2"));
        BigInteger projectId = asOwner.getProjectCreatedEvents(created).get(0).projectId;

        // then
        assertThat(projectId).isEqualTo(BigInteger.ONE);
        assertThat(asOwner.projectCount().send()).isEqualTo(BigInteger.ONE);
        assertThat(balance(market)).isEqualTo(ether("2"));

        // given: three trainers register with their stake and the evaluator bonds
        for (Credentials trainer : List.of(alice, bob, carol)) {
            charge(trainer, as(trainer, market).register(projectId, stake).send(), stake);
        }
        charge(evaluator, as(evaluator, market).bondEvaluator(projectId, bond).send(), bond);
        assertThat(balance(market))
                .isEqualTo(ether("2").add(stake.multiply(BigInteger.valueOf(3))).add(bond));

        // round 0: everyone submits, the evaluator credits alice and bob and slashes carol
        chain.mineAt(start);
        submitAll(market, projectId, 0, alice, bob, carol);
        chain.mineAt(start + submitPeriod);
        CreditTree round0 =
                CreditTree.of(
                        List.of(
                                new Leaf(alice.getAddress(), ether("0.5"), BigInteger.ZERO),
                                new Leaf(bob.getAddress(), ether("0.4"), BigInteger.ZERO),
                                new Leaf(carol.getAddress(), BigInteger.ZERO, ether("0.05"))));
        settle(market, evaluator, projectId, 0, round0, ether("0.9"), ether("0.05"));
        assertThat(asOwner.creditsRoot(projectId).send().component1()).isEqualTo(round0.root());

        // bob claims after round 0 already
        claim(market, bob, projectId, round0);

        // round 1: cumulative credits; carol is slashed her whole stake
        chain.mineAt(start + submitPeriod + evalPeriod);
        submitAll(market, projectId, 1, alice, bob, carol);
        chain.mineAt(start + 2 * submitPeriod + evalPeriod);
        CreditTree round1 =
                CreditTree.of(
                        List.of(
                                new Leaf(alice.getAddress(), ether("1.1"), BigInteger.ZERO),
                                new Leaf(bob.getAddress(), ether("0.8"), BigInteger.ZERO),
                                new Leaf(carol.getAddress(), BigInteger.ZERO, stake)));
        settle(market, evaluator, projectId, 1, round1, ether("1.9"), stake);
        assertThat(asOwner.ended(projectId).send()).isTrue();

        // then: a leaf that claims more than the tree allows is refused
        Market asCarol = as(carol, market);
        assertThatThrownBy(
                        () ->
                                asCarol.claim(
                                                projectId,
                                                carol.getAddress(),
                                                ether("1"),
                                                BigInteger.ZERO,
                                                proof(round1, carol))
                                        .send())
                .isInstanceOf(TransactionException.class);
        assertThat(asCarol.trainer(projectId, carol.getAddress()).send().component3()).isZero();
        // the failed transaction still cost carol gas: re-read her balance to keep the ledger exact
        expected.put(carol.getAddress(), balance(carol.getAddress()));

        // and the credits are paid: alice in one claim, bob only the difference to his first claim
        claim(market, alice, projectId, round1);
        claim(market, bob, projectId, round1);

        // and stakes come back minus slashes: carol's whole stake was slashed
        for (Credentials trainer : List.of(alice, bob, carol)) {
            Leaf leaf = round1.leaf(trainer.getAddress());
            BigInteger back = stake.subtract(leaf.slash().min(stake));
            TransactionReceipt receipt =
                    as(trainer, market)
                            .withdrawStake(
                                    projectId,
                                    trainer.getAddress(),
                                    leaf.credit(),
                                    leaf.slash(),
                                    proof(round1, trainer))
                            .send();
            charge(trainer, receipt, back.negate());
        }

        // and the owner gets the uncredited reward (0.1 ETH) and carol's slashed stake (0.1 ETH)
        BigInteger refund = asOwner.refundable(projectId).send();
        assertThat(refund).isEqualTo(ether("0.2"));
        charge(owner, asOwner.withdrawRefund(projectId).send(), refund.negate());
        charge(evaluator, as(evaluator, market).withdrawBond(projectId).send(), bond.negate());

        // then: the contract holds nothing and every account is right to the wei
        assertThat(balance(market)).isZero();
        for (Map.Entry<String, BigInteger> e : expected.entrySet()) {
            assertThat(balance(e.getKey())).as("balance of %s", e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(expected.get(alice.getAddress()).add(gasSpent(alice)))
                .isEqualTo(INITIAL.add(ether("1.1")));
        var accounts = asOwner.accounts(projectId).send();
        assertThat(accounts.component2()).isEqualTo(ether("1.9")); // credited
        assertThat(accounts.component3()).isEqualTo(ether("1.9")); // claimed
        assertThat(accounts.component5()).isZero(); // stakes held
        assertThatThrownBy(() -> asOwner.projectTerms(BigInteger.TEN).send())
                .isInstanceOf(ContractCallException.class);
    }

    private final Map<String, BigInteger> gas = new HashMap<>();

    private void submitAll(String market, BigInteger projectId, int round, Credentials... trainers)
            throws Exception {
        for (Credentials trainer : trainers) {
            byte[] sealedUpdate = cid("update of " + trainer.getAddress() + " in round " + round);
            charge(
                    trainer,
                    as(trainer, market)
                            .submit(projectId, BigInteger.valueOf(round), sealedUpdate)
                            .send(),
                    BigInteger.ZERO);
            assertThat(
                            as(trainer, market)
                                    .hasSubmitted(
                                            projectId,
                                            BigInteger.valueOf(round),
                                            trainer.getAddress())
                                    .send())
                    .isTrue();
        }
    }

    private void settle(
            String market,
            Credentials evaluator,
            BigInteger projectId,
            int round,
            CreditTree tree,
            BigInteger credited,
            BigInteger slashed)
            throws Exception {
        Market asEvaluator = as(evaluator, market);
        BigInteger r = BigInteger.valueOf(round);
        byte[] submissions = asEvaluator.roundState(projectId, r).send().component2();
        Market.Result result =
                new Market.Result(
                        tree.root(),
                        credited,
                        slashed,
                        BigInteger.valueOf(3),
                        submissions,
                        cid("global model after round " + round),
                        cid("audit report of round " + round));
        TransactionReceipt receipt = asEvaluator.postResult(projectId, r, result).send();
        charge(evaluator, receipt, BigInteger.ZERO);
        assertThat(asEvaluator.getRoundSettledEvents(receipt)).hasSize(1);
        assertThat(asEvaluator.roundState(projectId, r).send().component1())
                .isEqualTo(BigInteger.valueOf(3)); // RoundStatus.Settled
    }

    private void claim(String market, Credentials trainer, BigInteger projectId, CreditTree tree)
            throws Exception {
        Market asTrainer = as(trainer, market);
        Leaf leaf = tree.leaf(trainer.getAddress());
        BigInteger before = asTrainer.trainer(projectId, trainer.getAddress()).send().component3();
        TransactionReceipt receipt =
                asTrainer
                        .claim(
                                projectId,
                                trainer.getAddress(),
                                leaf.credit(),
                                leaf.slash(),
                                proof(tree, trainer))
                        .send();
        BigInteger paid = asTrainer.getCreditsClaimedEvents(receipt).get(0).amount;
        assertThat(paid).isEqualTo(leaf.credit().subtract(before));
        charge(trainer, receipt, paid.negate());
    }

    private static List<byte[]> proof(CreditTree tree, Credentials trainer) {
        return tree.proof(trainer.getAddress());
    }

    /**
     * Books a receipt's gas and the value it moved out of (positive) or into (negative) the sender.
     */
    private void charge(Credentials who, TransactionReceipt receipt, BigInteger valueOut) {
        assertThat(receipt.isStatusOK())
                .as("transaction %s", receipt.getTransactionHash())
                .isTrue();
        BigInteger cost =
                receipt.getGasUsed()
                        .multiply(
                                org.web3j.utils.Numeric.decodeQuantity(
                                        receipt.getEffectiveGasPrice()));
        expected.merge(who.getAddress(), cost.add(valueOut).negate(), BigInteger::add);
        gas.merge(who.getAddress(), cost, BigInteger::add);
    }

    private BigInteger gasSpent(Credentials who) {
        return gas.getOrDefault(who.getAddress(), BigInteger.ZERO);
    }

    private Credentials account() throws Exception {
        Credentials credentials = DevKit.fundedAccount(chain, INITIAL);
        expected.put(credentials.getAddress(), INITIAL);
        return credentials;
    }

    private static Market as(Credentials who, String market) {
        return Market.load(market, web3j, DevKit.tx(web3j, who), DevKit.gas());
    }

    private static BigInteger balance(String address) throws Exception {
        return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
    }
}
