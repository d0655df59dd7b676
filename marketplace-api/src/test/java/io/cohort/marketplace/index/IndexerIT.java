package io.cohort.marketplace.index;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import io.cohort.marketplace.MarketplaceConfig;
import io.cohort.marketplace.TestConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.DefaultBlockParameterNumber;

/**
 * The indexer's clock on a real Anvil, stepped by hand: statuses are computed at the time of the
 * last block indexed, not at the head's, so a lagging index never shows a round past a deadline
 * whose blocks it has not read.
 */
class IndexerIT {

    private static DevChain chain;
    private static String market;

    @BeforeAll
    static void startChain() throws Exception {
        chain = DevChain.start();
        var deployer = DevKit.fundedAccount(chain, DevKit.ether("10"));
        market =
                Market.deploy(chain.web3j(), DevKit.tx(chain.web3j(), deployer), DevKit.gas())
                        .send()
                        .getContractAddress();
    }

    @AfterAll
    static void stopChain() {
        if (chain != null) {
            chain.close();
        }
    }

    /** The settings the indexer reads, as the application would have them. */
    private static MarketplaceConfig config(Path dir, int maxRange) {
        return config(dir, maxRange, chain.rpcUrl());
    }

    private static MarketplaceConfig config(Path dir, int maxRange, String rpcUrl) {
        return config(dir, maxRange, rpcUrl, 0);
    }

    private static MarketplaceConfig config(
            Path dir, int maxRange, String rpcUrl, long startBlock) {
        MarketplaceConfig.Index index =
                TestConfig.of(
                        MarketplaceConfig.Index.class,
                        Map.of(
                                "dir",
                                dir,
                                "startBlock",
                                startBlock,
                                "maxRange",
                                maxRange,
                                "confirmations",
                                0,
                                "poll",
                                Duration.ofMillis(100)));
        return TestConfig.of(
                MarketplaceConfig.class,
                Map.of("rpcUrl", rpcUrl, "market", market, "index", index));
    }

    private static long timeOf(long block) throws Exception {
        return chain.web3j()
                .ethGetBlockByNumber(
                        new DefaultBlockParameterNumber(BigInteger.valueOf(block)), false)
                .send()
                .getBlock()
                .getTimestamp()
                .longValueExact();
    }

    private static Indexer opened(Path dir, int maxRange) throws Exception {
        Indexer indexer = new Indexer();
        indexer.config = config(dir, maxRange);
        indexer.open();
        return indexer;
    }

    @Test
    void aRestartReplaysProjectsWithoutTheChainFromTheTermsItKept(@TempDir Path dir)
            throws Exception {
        // given: a project created on the chain and indexed
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        Market m =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        var receipt =
                m.createProject(
                                new Market.ProjectParams(
                                        DevKit.ETH,
                                        DevKit.ether("1"),
                                        DevKit.ether("0.1"),
                                        DevKit.ether("0.5"),
                                        DevKit.ether("0.2"),
                                        BigInteger.valueOf(chain.latestTimestamp() + 10_000),
                                        BigInteger.valueOf(600),
                                        BigInteger.valueOf(700),
                                        BigInteger.TWO,
                                        BigInteger.valueOf(7),
                                        BigInteger.ONE,
                                        List.of(evaluator.getAddress()),
                                        List.of(new byte[32]),
                                        DevKit.cid("spec"),
                                        DevKit.cid("weights")),
                                DevKit.ether("2"))
                        .send();
        BigInteger project = Market.getProjectCreatedEvents(receipt).get(0).projectId;
        Indexer live = opened(dir, 2000);
        try {
            while (live.step()) {}
        } finally {
            live.stop(null);
        }
        assertThat(dir.resolve(TermsCache.FILE)).exists();

        // when: restarted with the chain's RPC unreachable (a closed loopback port)
        int closed;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Indexer restarted = new Indexer();
        restarted.config = config(dir, 2000, "http://127.0.0.1:" + closed);
        try {
            restarted.open();

            // then: the project is back with its terms, read from the file, and its status at
            // the last indexed block's time (the cursor keeps it)
            assertThat(restarted.now()).isEqualTo(chain.latestTimestamp());
            var p =
                    restarted
                            .index()
                            .read(ix -> ix.project(project, restarted.now()))
                            .orElseThrow();
            assertThat(p.evalPeriod()).isEqualTo(700);
            assertThat(p.maxTrainers()).isEqualTo(7);
            assertThat(p.status()).isEqualTo("scheduled");
        } finally {
            restarted.stop(null);
        }
    }

    /**
     * Creates a one-round ETH project of 1 ether starting at {@code start}, no bond, and returns
     * its id.
     */
    private static BigInteger oneRound(
            Market asOwner, String evaluator, long start, BigInteger stake, int maxTrainers)
            throws Exception {
        var receipt =
                asOwner.createProject(
                                new Market.ProjectParams(
                                        DevKit.ETH,
                                        DevKit.ether("1"),
                                        stake,
                                        BigInteger.ZERO,
                                        BigInteger.ZERO,
                                        BigInteger.valueOf(start),
                                        BigInteger.valueOf(600),
                                        BigInteger.valueOf(700),
                                        BigInteger.ONE,
                                        BigInteger.valueOf(maxTrainers),
                                        BigInteger.ONE,
                                        List.of(evaluator),
                                        List.of(new byte[32]),
                                        DevKit.cid("spec"),
                                        DevKit.cid("weights")),
                                DevKit.ether("1"))
                        .send();
        return Market.getProjectCreatedEvents(receipt).get(0).projectId;
    }

    @Test
    void aReorganisationDropsTheLogsOfTheBlocksItReplacedAndTheirProjectsTerms(@TempDir Path dir)
            throws Exception {
        // given: an index that read a project created after a snapshot of the chain
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        Market asOwner =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        long start = chain.latestTimestamp() + 10_000;
        Indexer indexer = opened(dir, 2000);
        try {
            oneRound(asOwner, evaluator.getAddress(), start, BigInteger.ZERO, 7);
            while (indexer.step()) {}
            long events = indexer.index().events();
            String before = chain.snapshot();
            BigInteger gone = oneRound(asOwner, evaluator.getAddress(), start, BigInteger.ZERO, 5);
            chain.mine();
            while (indexer.step()) {}
            assertThat(indexer.index().read(ix -> ix.project(gone, 0)).orElseThrow().maxTrainers())
                    .isEqualTo(5);
            long withGone = indexer.index().events();
            assertThat(withGone).isGreaterThan(events);

            // when: the chain drops those blocks (and is shorter than what was read)
            chain.revert(before);
            while (indexer.step()) {}

            // then: the project is gone from the index
            Optional<ProjectView> none = indexer.index().read(ix -> ix.project(gone, 0));
            assertThat(none).isEmpty();
            assertThat(indexer.index().events()).isEqualTo(events);

            // when: it grows another branch past them, where the same id is another project
            for (int i = 0; i < 3; i++) {
                chain.mine();
            }
            BigInteger other = oneRound(asOwner, evaluator.getAddress(), start, BigInteger.ZERO, 9);
            assertThat(other).isEqualTo(gone);
            while (indexer.step()) {}

            // then: the index holds the new branch's project with its own terms, once
            assertThat(indexer.index().read(ix -> ix.project(other, 0)).orElseThrow().maxTrainers())
                    .isEqualTo(9);
            assertThat(indexer.index().events()).isEqualTo(withGone);

            // and a restart from the folder agrees: the dropped log and terms are gone from it
            indexer.stop(null);
            indexer = opened(dir, 2000);
            assertThat(indexer.index().read(ix -> ix.project(other, 0)).orElseThrow().maxTrainers())
                    .isEqualTo(9);
            assertThat(indexer.index().events()).isEqualTo(withGone);
        } finally {
            indexer.stop(null);
        }
    }

    /**
     * A loopback JSON-RPC endpoint that passes every call on to the chain, and runs {@code before}
     * once, ahead of passing on the first call whose body contains {@code trigger}.
     */
    private static final class Interposer implements AutoCloseable {
        private final HttpServer server;
        private final HttpClient client = HttpClient.newHttpClient();
        private final AtomicReference<String> trigger = new AtomicReference<>();
        private volatile Runnable before;

        Interposer() throws Exception {
            server =
                    HttpServer.create(
                            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext(
                    "/",
                    exchange -> {
                        byte[] body = exchange.getRequestBody().readAllBytes();
                        String text = new String(body, StandardCharsets.UTF_8);
                        String t = trigger.get();
                        if (t != null && text.contains(t) && trigger.compareAndSet(t, null)) {
                            before.run();
                        }
                        try {
                            HttpResponse<byte[]> answer =
                                    client.send(
                                            HttpRequest.newBuilder(URI.create(chain.rpcUrl()))
                                                    .header("Content-Type", "application/json")
                                                    .POST(
                                                            HttpRequest.BodyPublishers.ofByteArray(
                                                                    body))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofByteArray());
                            exchange.getResponseHeaders().add("Content-Type", "application/json");
                            exchange.sendResponseHeaders(answer.statusCode(), answer.body().length);
                            try (OutputStream out = exchange.getResponseBody()) {
                                out.write(answer.body());
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            exchange.sendResponseHeaders(502, -1);
                        }
                    });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        void once(String trigger, Runnable before) {
            this.before = before;
            this.trigger.set(trigger);
        }

        boolean fired() {
            return trigger.get() == null;
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    @Test
    void aReorganisationBetweenTheAncestryCheckAndTheRangeReadIsCaughtNotJoined(@TempDir Path dir)
            throws Exception {
        // given: an index, read through a relay, whose last block read created a project
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        Market asOwner =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        long start = chain.latestTimestamp() + 10_000;
        try (Interposer relay = new Interposer()) {
            Indexer indexer = new Indexer();
            indexer.config = config(dir, 2, relay.url());
            indexer.open();
            try {
                String before = chain.snapshot();
                BigInteger gone =
                        oneRound(asOwner, evaluator.getAddress(), start, BigInteger.ZERO, 5);
                while (indexer.step()) {}
                long last = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
                for (int i = 0; i < 3; i++) {
                    chain.mine();
                }

                // when: the chain replaces that block just after the indexer checked it, before
                // it reads block last + 2, the end of its next range (two blocks a range)
                relay.once(
                        "\"0x" + Long.toHexString(last + 2) + "\"",
                        () -> {
                            chain.revert(before);
                            try {
                                oneRound(
                                        asOwner, evaluator.getAddress(), start, BigInteger.ZERO, 9);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            for (int i = 0; i < 4; i++) {
                                chain.mine();
                            }
                        });
                boolean caught = false;
                for (int polls = 0; polls < 20; polls++) {
                    try {
                        if (!indexer.step() && relay.fired()) {
                            break;
                        }
                    } catch (IOException e) {
                        assertThat(e).hasMessageContaining("the chain reorganised while blocks");
                        caught = true;
                    }
                }

                // then: the range read across the switch is refused, the index rewinds, and it
                // holds the new branch's project under the id, not the replaced one
                assertThat(relay.fired()).isTrue();
                assertThat(
                                indexer.index()
                                        .read(ix -> ix.project(gone, 0))
                                        .orElseThrow()
                                        .maxTrainers())
                        .isEqualTo(9);
                assertThat(caught).isTrue();
            } finally {
                indexer.stop(null);
            }
        }
    }

    @Test
    void logsPastTheCursorAreReadAgainNotReplayed(@TempDir Path dir) throws Exception {
        // given: a project indexed, then the cursor put back before its block, as a crash between
        // writing the logs and moving the cursor leaves it
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        Market asOwner =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        long block = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        BigInteger project =
                oneRound(
                        asOwner,
                        evaluator.getAddress(),
                        chain.latestTimestamp() + 10_000,
                        BigInteger.ZERO,
                        3);
        Indexer first = opened(dir, 2000);
        try {
            while (first.step()) {}
        } finally {
            first.stop(null);
        }
        Files.writeString(dir.resolve("cursor"), "next-block " + (block + 1) + "\n");

        // when: reopened
        Indexer again = opened(dir, 2000);
        try {
            // then: the logs past the cursor and their project's terms are dropped, not replayed
            Optional<ProjectView> none = again.index().read(ix -> ix.project(project, 0));
            assertThat(none).isEmpty();
            assertThat(Files.readString(dir.resolve(TermsCache.FILE)))
                    .doesNotContain("\"" + project + "\"");
            // and read again from the chain
            while (again.step()) {}
            assertThat(again.index().read(ix -> ix.project(project, 0)).orElseThrow().maxTrainers())
                    .isEqualTo(3);
        } finally {
            again.stop(null);
        }
    }

    @Test
    void eventsOfAProjectCreatedBeforeTheFirstBlockAreStoredOnceAndSkipped(@TempDir Path dir)
            throws Exception {
        // given: a project, and bob registered in it a block after its creation
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var bob = DevKit.fundedAccount(chain, DevKit.ether("1"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        BigInteger stake = DevKit.ether("0.1");
        Market asOwner =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        BigInteger project =
                oneRound(
                        asOwner,
                        evaluator.getAddress(),
                        chain.latestTimestamp() + 10_000,
                        stake,
                        7);
        long created = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), bob), DevKit.gas())
                .register(project, stake)
                .send();

        // when: an index that starts after the creation reads it, and is polled once more
        Indexer indexer = new Indexer();
        indexer.config = config(dir, 2000, chain.rpcUrl(), created + 1);
        indexer.open();
        try {
            while (indexer.step()) {}
            indexer.step();

            // then: the registration is stored once, skipped and counted, and the project is
            // not indexed
            try (EventLog file = EventLog.open(dir)) {
                assertThat(file.read()).hasSize(1);
            }
            assertThat(indexer.index().skipped()).isOne();
            assertThat(indexer.index().skippedWhy())
                    .startsWith(
                            "an event of project "
                                    + project
                                    + ", whose creation is before the index's first block");
            Optional<ProjectView> view =
                    indexer.index().read(ix -> ix.project(project, indexer.now()));
            assertThat(view).isEmpty();
            assertThat(indexer.next()).isGreaterThan(created + 1);
        } finally {
            indexer.stop(null);
        }
        // and a restart replays the file without failing
        Indexer restarted = new Indexer();
        restarted.config = config(dir, 2000, chain.rpcUrl(), created + 1);
        try {
            restarted.open();
            assertThat(restarted.index().skipped()).isOne();
        } finally {
            restarted.stop(null);
        }
    }

    @Test
    void aStakeReturnATrainerRefusedIsIndexedAsOwedUntilCollected(@TempDir Path dir)
            throws Exception {
        // given: a one-round project that ended with nothing settled, and bob registered in it
        var owner = DevKit.fundedAccount(chain, DevKit.ether("10"));
        var bob = DevKit.fundedAccount(chain, DevKit.ether("1"));
        var evaluator = DevKit.fundedAccount(chain, DevKit.ether("1"));
        BigInteger stake = DevKit.ether("0.1");
        long start = chain.latestTimestamp() + 100;
        Market asOwner =
                Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), owner), DevKit.gas());
        BigInteger project = oneRound(asOwner, evaluator.getAddress(), start, stake, 7);
        Market.load(market, chain.web3j(), DevKit.tx(chain.web3j(), bob), DevKit.gas())
                .register(project, stake)
                .send();
        chain.mineAt(start + 600 + 700 + 1);

        // when: bob's address refuses ETH (code that always reverts) as the owner settles his
        // stake, and then takes it again when anyone collects it
        chain.setCode(bob.getAddress(), "0x60006000fd");
        asOwner.withdrawStake(
                        project, bob.getAddress(), BigInteger.ZERO, BigInteger.ZERO, List.of())
                .send();
        Indexer indexer = opened(dir, 2000);
        try {
            while (indexer.step()) {}
            MarketIndex.TrainerStanding owed =
                    indexer.index().read(ix -> ix.trainers(project)).get(0);

            // then: the stake is settled and owed to him
            assertThat(owed.stakeWithdrawn()).isTrue();
            assertThat(owed.stakeReturned()).isEqualTo(stake);
            assertThat(owed.stakeOwed()).isEqualTo(stake);

            // and once collected, nothing is owed and bob has it
            chain.setCode(bob.getAddress(), "0x");
            BigInteger before =
                    chain.web3j()
                            .ethGetBalance(bob.getAddress(), DefaultBlockParameterName.LATEST)
                            .send()
                            .getBalance();
            asOwner.collectStake(project, bob.getAddress()).send();
            while (indexer.step()) {}
            assertThat(indexer.index().read(ix -> ix.trainers(project)).get(0).stakeOwed())
                    .isZero();
            assertThat(
                            chain.web3j()
                                    .ethGetBalance(
                                            bob.getAddress(), DefaultBlockParameterName.LATEST)
                                    .send()
                                    .getBalance())
                    .isEqualTo(before.add(stake));
        } finally {
            indexer.stop(null);
        }
    }

    @Test
    void statusesAreAtTheLastIndexedBlocksTimeWhileTheIndexCatchesUp(@TempDir Path dir)
            throws Exception {
        // given: blocks a day apart beyond the deployment
        long t = chain.latestTimestamp();
        for (int i = 1; i <= 3; i++) {
            chain.mineAt(t + i * 86_400L);
        }
        long head = chain.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
        Indexer indexer = opened(dir, 1);
        try {
            // when: it reads one block of many
            assertThat(indexer.step()).isTrue();

            // then: its clock is that block's, not the head's a day or more later
            assertThat(indexer.next()).isEqualTo(1);
            assertThat(indexer.now()).isEqualTo(timeOf(0)).isLessThan(timeOf(head));

            // and: caught up, the head's
            while (indexer.step()) {
                assertThat(indexer.now()).isEqualTo(timeOf(indexer.next() - 1));
            }
            assertThat(indexer.now()).isEqualTo(timeOf(head));
        } finally {
            indexer.stop(null);
        }

        // and: restarted on the same folder with nothing new, the cursor's block's time
        Indexer again = opened(dir, 1);
        try {
            assertThat(again.now()).isEqualTo(timeOf(head)); // from the cursor, before any step
            assertThat(again.step()).isFalse();
            assertThat(again.now()).isEqualTo(timeOf(head));
        } finally {
            again.stop(null);
        }
    }
}
