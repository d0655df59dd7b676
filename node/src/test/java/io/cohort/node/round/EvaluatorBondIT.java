package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.node.chain.Transactor;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;

/**
 * An evaluator taking back its bond at the end of a project, against a real Anvil chain: the market
 * keeps one penalty for every settled round the member posted no result in, and the node says so.
 * The rounds are settled by the other members' posts sent straight to the market (the judging is
 * RoundIT's), so nothing here reads IPFS.
 */
class EvaluatorBondIT {

    private static final BigInteger BOND = DevKit.ether("0.5");
    private static final BigInteger PENALTY = DevKit.ether("0.2");
    private static final long WINDOW = 600;

    private static DevChain chain;

    @TempDir Path dir;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        chain = DevChain.start();
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.close();
        }
    }

    @Test
    void aMemberThatPostedNothingInASettledRoundGetsItsBondLessAPenaltyAndSaysWhy()
            throws Exception {
        // given: a project of three rounds with a committee of three (quorum 2), all bonded; the
        // first two members settle rounds 0 and 1, the third posts in round 1 only, round 2 is
        // void (only the first member posts)
        Market market = deploy();
        List<Credentials> members = funded(3);
        long start = chain.latestTimestamp() + 100;
        BigInteger project = create(market, members, 2, 3, start);
        for (int round = 0; round < 3; round++) {
            chain.mineAt(start + round * 2 * WINDOW + WINDOW);
            List<Credentials> posting =
                    switch (round) {
                        case 0 -> members.subList(0, 2);
                        case 1 -> members;
                        default -> members.subList(0, 1);
                    };
            for (Credentials m : posting) {
                post(as(m, market), project, round);
            }
        }
        chain.mineAt(start + 6 * WINDOW);
        Credentials absent = members.get(2);
        MarketClient client =
                new MarketClient(chain.web3j(), market.getContractAddress(), DevChain.CHAIN_ID);
        assertThat(client.absences(project, absent.getAddress()))
                .isEqualTo(new MarketClient.Absences(1, PENALTY));
        BigInteger before = client.balance(absent.getAddress());

        // when
        assertThat(evaluator(client, absent, "absent").finish(project)).isTrue();

        // then: the bond less one penalty came back (less the gas of the call), the log says
        // why, and the penalty joined what the owner can take back
        BigInteger back = BOND.subtract(PENALTY);
        BigInteger gain = client.balance(absent.getAddress()).subtract(before);
        assertThat(gain).isLessThan(back).isGreaterThan(back.subtract(DevKit.ether("0.001")));
        assertThat(log)
                .contains(
                        "bond withdrawn: "
                                + back
                                + " wei (the market kept "
                                + PENALTY
                                + " wei for 1 settled round(s) this evaluator posted no result"
                                + " in)");
        assertThat(market.accounts(project).send().component7()).isEqualTo(PENALTY);
        assertThat(client.evaluatorInfo(project, absent.getAddress()).bond()).isZero();
        // a member that posted in every settled round says nothing more than the amount
        log.clear();
        assertThat(evaluator(client, members.get(1), "present").finish(project)).isTrue();
        assertThat(log).contains("bond withdrawn: " + BOND + " wei");
    }

    @Test
    void afterAnEarlyEndAMemberPostsInTheLastRoundBeforeTakingBackItsBond() throws Exception {
        // given: a one-round project with a committee of five (quorum 3); three members settle
        // the round early, which ends the project while its window is still open
        Market market = deploy();
        List<Credentials> members = funded(5);
        long start = chain.latestTimestamp() + 100;
        BigInteger project = create(market, members, 3, 1, start);
        chain.mineAt(start + WINDOW);
        for (Credentials m : members.subList(0, 3)) {
            post(as(m, market), project, 0);
        }
        MarketClient client =
                new MarketClient(chain.web3j(), market.getContractAddress(), DevChain.CHAIN_ID);
        assertThat(client.ended(project)).isTrue();

        // when: the fourth member's node is asked to finish
        EvaluatorNode late = evaluator(client, members.get(3), "late");
        boolean finished = late.finish(project);

        // then: it keeps the bond in the market and says why, once however often it is asked
        assertThat(finished).isFalse();
        assertThat(late.finish(project)).isFalse();
        assertThat(client.evaluatorInfo(project, members.get(3).getAddress()).bond())
                .isEqualTo(BOND);
        assertThat(log)
                .singleElement()
                .asString()
                .startsWith("round 0 settled before its deadline (")
                .endsWith(
                        "which ended the project: this evaluator takes back its bond once it posted"
                                + " in that round or the deadline passed, as a settled round it posted"
                                + " nothing in costs a penalty");

        // and: once it posted, it takes back its whole bond
        post(as(members.get(3), market), project, 0);
        log.clear();
        assertThat(late.finish(project)).isTrue();
        assertThat(log).contains("bond withdrawn: " + BOND + " wei");

        // and: the fifth, which never posts, takes back its bond less a penalty once the window
        // closed
        chain.mineAt(start + 2 * WINDOW);
        log.clear();
        assertThat(evaluator(client, members.get(4), "silent").finish(project)).isTrue();
        assertThat(log)
                .contains(
                        "bond withdrawn: "
                                + BOND.subtract(PENALTY)
                                + " wei (the market kept "
                                + PENALTY
                                + " wei for 1 settled round(s) this evaluator posted no result"
                                + " in)");
    }

    private static Market deploy() throws Exception {
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        return Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
    }

    private static List<Credentials> funded(int n) throws Exception {
        List<Credentials> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(DevKit.fundedAccount(chain, DevKit.ether("10")));
        }
        return out;
    }

    /**
     * Creates an ETH project on {@code market} (its owner's account) of {@code rounds} rounds of
     * {@link #WINDOW} s each phase, judged by {@code members} with {@code quorum}, bond {@link
     * #BOND} and penalty {@link #PENALTY}, every member bonded; returns its id.
     */
    private static BigInteger create(
            Market market, List<Credentials> members, int quorum, int rounds, long start)
            throws Exception {
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            keys.add(DevKit.bytes32("key " + i));
        }
        market.createProject(
                        new Market.ProjectParams(
                                DevKit.ETH,
                                DevKit.ether("1"),
                                DevKit.ether("0.1"),
                                BOND,
                                PENALTY,
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(WINDOW),
                                BigInteger.valueOf(WINDOW),
                                BigInteger.valueOf(rounds),
                                BigInteger.TEN,
                                BigInteger.valueOf(quorum),
                                members.stream().map(Credentials::getAddress).toList(),
                                keys,
                                DevKit.cid("model spec"),
                                DevKit.cid("initial model")),
                        DevKit.ether("1").multiply(BigInteger.valueOf(rounds)))
                .send();
        BigInteger project = market.projectCount().send();
        for (Credentials m : members) {
            as(m, market).bondEvaluator(project, BOND).send();
        }
        return project;
    }

    /** The node of evaluator {@code key}, its data in {@code name} under the test's folder. */
    private EvaluatorNode evaluator(MarketClient client, Credentials key, String name) {
        return new EvaluatorNode(
                client,
                null,
                transactor(key),
                null,
                null,
                new EvaluatorNode.Config(dir.resolve(name), 1024),
                log::add);
    }

    private static Market as(Credentials who, Market market) {
        return Market.load(
                market.getContractAddress(),
                chain.web3j(),
                DevKit.tx(chain.web3j(), who),
                DevKit.gas());
    }

    /** Posts the same placeholder result for {@code round} as every other member does. */
    private static void post(Market asMember, BigInteger project, int round) throws Exception {
        BigInteger r = BigInteger.valueOf(round);
        byte[] submissions = asMember.roundState(project, r).send().component2();
        asMember.postResult(
                        project,
                        r,
                        new Market.Result(
                                DevKit.bytes32("credits root of round " + round),
                                BigInteger.ZERO,
                                BigInteger.ZERO,
                                BigInteger.ZERO,
                                submissions,
                                DevKit.cid("model of round " + round),
                                DevKit.cid("report of round " + round)))
                .send();
    }

    private Transactor transactor(Credentials key) {
        return new Transactor(
                chain.web3j(), key, DevChain.CHAIN_ID, Transactor.Options.defaults(), log::add);
    }
}
