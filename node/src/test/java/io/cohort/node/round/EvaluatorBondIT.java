package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.node.chain.Transactor;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * An evaluator taking back its bond at the end of a project, against a real Anvil chain: the market
 * keeps one penalty for every settled round the member posted no result in, and the node says so.
 * The rounds are settled by the other members' posts sent straight to the market (the judging is
 * RoundIT's), so nothing here reads IPFS.
 */
class EvaluatorBondIT {

    private static final BigInteger BOND = DevKit.ether("0.5");
    private static final BigInteger PENALTY = DevKit.ether("0.2");

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
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        Market market =
                Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
        List<Credentials> members = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            members.add(DevKit.fundedAccount(chain, DevKit.ether("10")));
        }
        long start = chain.latestTimestamp() + 100;
        long window = 600;
        market.createProject(
                        new Market.ProjectParams(
                                DevKit.ETH,
                                DevKit.ether("1"),
                                DevKit.ether("0.1"),
                                BOND,
                                PENALTY,
                                BigInteger.valueOf(start),
                                BigInteger.valueOf(window),
                                BigInteger.valueOf(window),
                                BigInteger.valueOf(3),
                                BigInteger.TEN,
                                BigInteger.TWO,
                                members.stream().map(Credentials::getAddress).toList(),
                                List.of(
                                        DevKit.bytes32("key 0"),
                                        DevKit.bytes32("key 1"),
                                        DevKit.bytes32("key 2")),
                                DevKit.cid("model spec"),
                                DevKit.cid("initial model")),
                        DevKit.ether("3"))
                .send();
        BigInteger project = BigInteger.ONE;
        for (Credentials m : members) {
            as(m, market).bondEvaluator(project, BOND).send();
        }
        for (int round = 0; round < 3; round++) {
            chain.mineAt(start + round * 2 * window + window);
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
        chain.mineAt(start + 6 * window);
        Credentials absent = members.get(2);
        MarketClient client =
                new MarketClient(chain.web3j(), market.getContractAddress(), DevChain.CHAIN_ID);
        assertThat(client.absences(project, absent.getAddress()))
                .isEqualTo(new MarketClient.Absences(1, PENALTY));
        BigInteger before = balance(absent.getAddress());

        // when
        EvaluatorNode node =
                new EvaluatorNode(
                        client,
                        null,
                        transactor(absent),
                        null,
                        null,
                        new EvaluatorNode.Config(dir, 1024),
                        log::add);
        assertThat(node.finish(project)).isTrue();

        // then: the bond less one penalty came back (less the gas of the call), the log says
        // why, and the penalty joined what the owner can take back
        BigInteger back = BOND.subtract(PENALTY);
        BigInteger gain = balance(absent.getAddress()).subtract(before);
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
        EvaluatorNode present =
                new EvaluatorNode(
                        client,
                        null,
                        transactor(members.get(1)),
                        null,
                        null,
                        new EvaluatorNode.Config(dir.resolve("present"), 1024),
                        log::add);
        assertThat(present.finish(project)).isTrue();
        assertThat(log).contains("bond withdrawn: " + BOND + " wei");
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
                chain.web3j(),
                key,
                DevChain.CHAIN_ID,
                new Transactor.Options(
                        20,
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(3),
                        25,
                        Duration.ofMillis(20)),
                log::add);
    }

    private static BigInteger balance(String address) throws Exception {
        return chain.web3j()
                .ethGetBalance(address, DefaultBlockParameterName.LATEST)
                .send()
                .getBalance();
    }
}
