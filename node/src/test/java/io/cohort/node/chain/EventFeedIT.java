package io.cohort.node.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.abi.EventEncoder;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.methods.response.Log;

/** {@link EventFeed} against a real Anvil and the real market's events. */
class EventFeedIT {

    private static final String PROJECT_CREATED = EventEncoder.encode(Market.PROJECTCREATED_EVENT);

    private static DevChain chain;
    private static Market market;
    private static long deployedAt;

    @TempDir Path dir;

    @BeforeAll
    static void deploy() throws Exception {
        chain = DevChain.start();
        Credentials owner = DevKit.fundedAccount(chain, DevKit.ether("100"));
        market = Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas()).send();
        deployedAt = market.getTransactionReceipt().orElseThrow().getBlockNumber().longValueExact();
    }

    @AfterAll
    static void stop() {
        if (chain != null) {
            chain.close();
        }
    }

    private static void createProject() throws Exception {
        Market.ProjectParams params =
                new Market.ProjectParams(
                        DevKit.ETH,
                        DevKit.ether("1"),
                        DevKit.ether("0.1"),
                        DevKit.ether("0.5"),
                        DevKit.ether("0.2"),
                        BigInteger.valueOf(chain.latestTimestamp() + 100),
                        BigInteger.valueOf(600),
                        BigInteger.valueOf(600),
                        BigInteger.ONE,
                        BigInteger.TEN,
                        BigInteger.ONE,
                        List.of(DevKit.fundedAccount(chain, BigInteger.ONE).getAddress()),
                        List.of(DevKit.bytes32("x25519 key")),
                        DevKit.cid("spec"),
                        DevKit.cid("g0"));
        market.createProject(params, DevKit.ether("1")).send();
    }

    private static List<BigInteger> projectIds(List<Log> logs) {
        List<BigInteger> ids = new ArrayList<>();
        for (Log log : logs) {
            if (log.getTopics().get(0).equals(PROJECT_CREATED)) {
                ids.add(new BigInteger(log.getTopics().get(1).substring(2), 16));
            }
        }
        return ids;
    }

    private EventFeed feed(Path cursor) throws IOException {
        return new EventFeed(chain.web3j(), market.getContractAddress(), cursor, deployedAt, 2, 0);
    }

    @Test
    void aRestartedFeedResumesFromItsCursorAndDeliversEachEventOnce() throws Exception {
        Path cursor = dir.resolve("market.cursor");
        List<Log> seen = new ArrayList<>();
        EventFeed first = feed(cursor);
        List<BigInteger> before = projectIds(seenAfter(first, seen));
        int existing = before.size();
        for (int i = 0; i < 3; i++) {
            createProject();
        }
        List<BigInteger> three = projectIds(seenAfter(first, seen)).subList(existing, existing + 3);
        assertThat(three.get(1)).isEqualTo(three.get(0).add(BigInteger.ONE));
        assertThat(Files.readString(cursor)).isEqualTo("next-block " + first.nextBlock() + "\n");

        // a restart: a new feed from the same file sees only what came after
        EventFeed restarted = feed(cursor);
        assertThat(restarted.nextBlock()).isEqualTo(first.nextBlock());
        createProject();
        createProject();
        List<Log> after = new ArrayList<>();
        int delivered = restarted.poll(after::add);
        assertThat(delivered).isEqualTo(after.size());
        assertThat(projectIds(after))
                .containsExactly(
                        three.get(2).add(BigInteger.ONE), three.get(2).add(BigInteger.TWO));
        assertThat(restarted.poll(after::add)).isZero();
    }

    private static List<Log> seenAfter(EventFeed feed, List<Log> seen) throws IOException {
        feed.poll(seen::add);
        return seen;
    }

    @Test
    void aHandlerThatFailsMidRangeGetsThatRangeAgain() throws Exception {
        Path cursor = dir.resolve("failing.cursor");
        createProject();
        EventFeed feed =
                new EventFeed(
                        chain.web3j(), market.getContractAddress(), cursor, deployedAt, 1000, 0);
        long start = feed.nextBlock();
        assertThatThrownBy(
                        () ->
                                feed.poll(
                                        log -> {
                                            throw new IllegalStateException("handler crashed");
                                        }))
                .hasMessage("handler crashed");
        assertThat(feed.nextBlock()).isEqualTo(start);
        List<Log> again = new ArrayList<>();
        assertThat(feed.poll(again::add)).isPositive();
        assertThat(feed.nextBlock()).isGreaterThan(start);
    }

    @Test
    void aCursorFileThatIsNotOneIsRefused() throws Exception {
        Path cursor = dir.resolve("bad.cursor");
        Files.writeString(cursor, "block twelve\n");
        assertThatThrownBy(() -> feed(cursor))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not an event cursor");
    }
}
