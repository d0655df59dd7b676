package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.CreditRule;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.learning.policy.ScoringPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the evaluator fetches one sealed update. Node logic only: the stores here are stand-ins whose
 * reads stall or fail as a Kubo node's can, not tests of IPFS.
 */
class UpdateFetcherTest {

    private static final String TRAINER = "0x" + "ab".repeat(20);

    @TempDir Path dir;

    /** Opened when the test ends, so that a stalled reader thread can finish. */
    private final CountDownLatch never = new CountDownLatch(1);

    private final List<String> log = new ArrayList<>();

    @AfterEach
    void release() {
        never.countDown();
    }

    @Test
    void anUpdateWhoseReadNeverEndsIsUnavailableAtTheDeadline() throws Exception {
        // given: the root is there, the body never comes (an interrupt wakes it)
        Cid cid = someCid();
        ContentStore stalls =
                new Stub() {
                    @Override
                    public InputStream read(Cid c) {
                        return new InputStream() {
                            @Override
                            public int read() throws IOException {
                                try {
                                    never.await();
                                } catch (InterruptedException e) {
                                    throw new java.io.InterruptedIOException("interrupted");
                                }
                                return -1;
                            }
                        };
                    }
                };
        UpdateFetcher fetcher = new UpdateFetcher(stalls, 1024, Duration.ofMillis(200), log::add);
        // when
        UpdateFetcher.Fetched f = fetcher.fetch(TRAINER, cid.toBytes(), 7);
        // then
        assertThat(f.sealed()).isNull();
        assertThat(f.flagged().unreadable()).isEqualTo("fetch:unavailable");
        assertThat(f.flagged().detail()).isEqualTo(cid + ": not retrieved from IPFS");
        assertThat(f.flagged().sequence()).isEqualTo(7);
        assertThat(log).singleElement().asString().contains(cid.toString()).contains("PT0.2S");
    }

    @Test
    void aReadThatIgnoresInterruptsStillLetsTheEvaluatorGoOn() throws Exception {
        // given: a reader deaf to interrupts
        Cid cid = someCid();
        ContentStore deaf =
                new Stub() {
                    @Override
                    public InputStream read(Cid c) {
                        return new InputStream() {
                            @Override
                            public int read() {
                                while (true) {
                                    try {
                                        never.await();
                                        return -1;
                                    } catch (InterruptedException e) {
                                        // deaf
                                    }
                                }
                            }
                        };
                    }
                };
        UpdateFetcher fetcher = new UpdateFetcher(deaf, 1024, Duration.ofMillis(200), log::add);
        // when
        UpdateFetcher.Fetched f = fetcher.fetch(TRAINER, cid.toBytes(), 0);
        // then: it returned
        assertThat(f.flagged().unreadable()).isEqualTo("fetch:unavailable");
    }

    @Test
    void theRecordGetsNoLocalErrorText() throws Exception {
        // given: Kubo's error names its local URL
        Cid cid = someCid();
        ContentStore fails =
                new Stub() {
                    @Override
                    public InputStream read(Cid c) throws IOException {
                        throw new IOException(
                                "http://127.0.0.1:5001/api/v0/cat: connection refused");
                    }
                };
        UpdateFetcher fetcher = new UpdateFetcher(fails, 1024, Duration.ofSeconds(30), log::add);
        // when
        UpdateFetcher.Fetched f = fetcher.fetch(TRAINER, cid.toBytes(), 0);
        // then: the detail is the same on every evaluator; the local reason is only logged
        assertThat(f.flagged().unreadable()).isEqualTo("fetch:unavailable");
        assertThat(f.flagged().detail())
                .isEqualTo(cid + ": not retrieved from IPFS")
                .doesNotContain("127.0.0.1")
                .doesNotContain("http");
        assertThat(log).singleElement().asString().contains("connection refused");
    }

    @Test
    void storedBytesComeBackAndTooManyAreFlagged() throws Exception {
        // given
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("ipfs"))) {
            Cid cid = store.add("sealed".getBytes(StandardCharsets.US_ASCII));
            // when
            UpdateFetcher.Fetched ok =
                    new UpdateFetcher(store, 1024, Duration.ofSeconds(30), log::add)
                            .fetch(TRAINER, cid.toBytes(), 0);
            UpdateFetcher.Fetched large =
                    new UpdateFetcher(store, 3, Duration.ofSeconds(30), log::add)
                            .fetch(TRAINER, cid.toBytes(), 0);
            UpdateFetcher.Fetched bad =
                    new UpdateFetcher(store, 1024, Duration.ofSeconds(30), log::add)
                            .fetch(TRAINER, new byte[] {1, 2, 3}, 0);
            // then
            assertThat(ok.sealed()).asString(StandardCharsets.US_ASCII).isEqualTo("sealed");
            assertThat(ok.flagged()).isNull();
            assertThat(large.flagged().unreadable()).isEqualTo("fetch:too-large");
            assertThat(bad.flagged().unreadable()).isEqualTo("fetch:bad-cid");
        }
    }

    @Test
    void pastTheModelsBoundIsExceedsModelAndPastTheEvaluatorsOwnIsTooLarge() throws Exception {
        // given: 6 bytes stored
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("bounds"))) {
            List<UpdateFetcher.Request> one =
                    List.of(
                            new UpdateFetcher.Request(
                                    TRAINER,
                                    store.add("sealed".getBytes(StandardCharsets.US_ASCII))
                                            .toBytes(),
                                    0));
            // when: the model's bound is the smaller, then the evaluator's
            ScoringPolicy.Received model =
                    new UpdateFetcher(store, 1024, Duration.ofSeconds(30), log::add)
                            .fetchAll(one, 5)
                            .get(0)
                            .flagged();
            ScoringPolicy.Received own =
                    new UpdateFetcher(store, 5, Duration.ofSeconds(30), log::add)
                            .fetchAll(one, 1024)
                            .get(0)
                            .flagged();
            UpdateFetcher.Fetched fits =
                    new UpdateFetcher(store, 6, Duration.ofSeconds(30), log::add)
                            .fetchAll(one, 6)
                            .get(0);
            // then: only the first says the sender sent what no valid update is
            assertThat(model.unreadable()).isEqualTo(UpdateFetcher.EXCEEDS_MODEL);
            assertThat(model.detail()).endsWith("is larger than 5 bytes");
            assertThat(own.unreadable()).isEqualTo("fetch:too-large");
            assertThat(fits.flagged()).isNull();
            assertThat(CreditRule.slashes(model.unreadable())).isTrue();
            assertThat(CreditRule.slashes(own.unreadable())).isFalse();
        }
    }

    @Test
    void aRoundsUpdatesAreFetchedAtOnceAndComeBackInOrder() throws Exception {
        // given: each read waits until all eight have started, so one at a time would time out
        List<Cid> cids = new ArrayList<>();
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("many"))) {
            for (int i = 0; i < UpdateFetcher.PARALLEL; i++) {
                cids.add(store.add(("update " + i).getBytes(StandardCharsets.US_ASCII)));
            }
            CountDownLatch allStarted = new CountDownLatch(UpdateFetcher.PARALLEL);
            ContentStore waits =
                    new Stub() {
                        @Override
                        public InputStream read(Cid c) throws IOException {
                            allStarted.countDown();
                            try {
                                allStarted.await();
                            } catch (InterruptedException e) {
                                throw new java.io.InterruptedIOException("interrupted");
                            }
                            return store.read(c);
                        }
                    };
            List<UpdateFetcher.Request> requests = new ArrayList<>();
            for (int i = 0; i < cids.size(); i++) {
                requests.add(new UpdateFetcher.Request(TRAINER, cids.get(i).toBytes(), i));
            }
            UpdateFetcher fetcher =
                    new UpdateFetcher(waits, 1024, Duration.ofSeconds(20), log::add);
            // when
            List<UpdateFetcher.Fetched> fetched = fetcher.fetchAll(requests);
            // then
            assertThat(log).isEmpty();
            assertThat(fetched).hasSize(UpdateFetcher.PARALLEL);
            for (int i = 0; i < fetched.size(); i++) {
                assertThat(fetched.get(i).flagged()).isNull();
                assertThat(fetched.get(i).sealed())
                        .asString(StandardCharsets.US_ASCII)
                        .isEqualTo("update " + i);
            }
        }
    }

    @Test
    void aLocalNodeThatIsDownFlagsNothing() throws Exception {
        // given: every call to the local node is refused
        Cid cid = someCid();
        ContentStore down =
                new Stub() {
                    @Override
                    public InputStream read(Cid c) throws IOException {
                        throw new IOException("cat: connection refused");
                    }

                    @Override
                    public boolean has(Cid c) throws IOException {
                        throw new IOException("block/stat: connection refused");
                    }
                };
        UpdateFetcher fetcher = new UpdateFetcher(down, 1024, Duration.ofSeconds(30), log::add);
        // when / then: the round fails (to be tried again) instead of flagging an honest update
        assertThatThrownBy(
                        () ->
                                fetcher.fetchAll(
                                        List.of(
                                                new UpdateFetcher.Request(
                                                        TRAINER, cid.toBytes(), 0))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the local IPFS node does not answer")
                .hasMessageContaining("block/stat: connection refused")
                .hasMessageContaining("nothing flagged");
        assertThat(log).isEmpty();
    }

    @Test
    void aLocalNodeThatDoesNotAnswerFlagsNothing() throws Exception {
        // given: the read stalls and so does the local question
        Cid cid = someCid();
        ContentStore hangs =
                new Stub() {
                    @Override
                    public InputStream read(Cid c) throws IOException {
                        awaitNever();
                        return InputStream.nullInputStream();
                    }

                    @Override
                    public boolean has(Cid c) throws IOException {
                        awaitNever();
                        return false;
                    }
                };
        UpdateFetcher fetcher = new UpdateFetcher(hangs, 1024, Duration.ofMillis(200), log::add);
        // when / then
        assertThatThrownBy(() -> fetcher.fetch(TRAINER, cid.toBytes(), 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the local IPFS node does not answer either")
                .hasMessageContaining("locally: no answer within PT0.2S")
                .hasMessageContaining("nothing flagged");
        assertThat(log).isEmpty();
    }

    @Test
    void aLocalNodeWithNoPeerFlagsNothingAndOneWithPeersFlags() throws Exception {
        Cid cid = someCid();
        for (ContentStore.Reach reach : ContentStore.Reach.values()) {
            // given: the read fails as a fetch nobody answers does; the local node is up
            ContentStore store =
                    new Stub() {
                        @Override
                        public InputStream read(Cid c) throws IOException {
                            throw new IOException("cat: context deadline exceeded");
                        }

                        @Override
                        public Reach reach() {
                            return reach;
                        }
                    };
            UpdateFetcher fetcher =
                    new UpdateFetcher(store, 1024, Duration.ofSeconds(30), log::add);
            List<UpdateFetcher.Request> one =
                    List.of(new UpdateFetcher.Request(TRAINER, cid.toBytes(), 0));
            if (reach == ContentStore.Reach.ISOLATED) {
                // then: the evaluator's own node is cut off: the round is tried again
                assertThatThrownBy(() -> fetcher.fetchAll(one))
                        .isInstanceOf(IOException.class)
                        .hasMessageContaining("connected to no peer")
                        .hasMessageContaining("context deadline exceeded")
                        .hasMessageContaining("nothing flagged");
            } else {
                // then: the update is nowhere this node can look, or its peers do not have it
                assertThat(fetcher.fetchAll(one).get(0).flagged().unreadable())
                        .as("reach %s", reach)
                        .isEqualTo(UpdateFetcher.UNAVAILABLE);
            }
        }
    }

    private static ContentStore unread() {
        return new Stub() {
            @Override
            public InputStream read(Cid c) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void aParallelismOutsideOneToSixtyFourIsRefused() throws Exception {
        ContentStore none = unread();
        for (int p : new int[] {0, -1, 65}) {
            assertThatThrownBy(
                            () -> new UpdateFetcher(none, 1024, Duration.ofSeconds(1), p, log::add))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cohort.evaluator.fetch-parallel must be 1 to 64");
        }
    }

    @Test
    void aSizeBoundBelowOneIsRefused() {
        for (int max : new int[] {0, -1}) {
            assertThatThrownBy(
                            () ->
                                    new UpdateFetcher(
                                            unread(), max, Duration.ofSeconds(1), 1, log::add))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cohort.evaluator.max-sealed-bytes must be at least 1");
        }
    }

    private void awaitNever() throws IOException {
        try {
            never.await();
        } catch (InterruptedException e) {
            throw new java.io.InterruptedIOException("interrupted");
        }
    }

    private Cid someCid() throws IOException {
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("cids"))) {
            return store.add("x".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A store whose only working call is the one a test overrides. */
    private abstract static class Stub implements ContentStore {
        @Override
        public Cid add(InputStream in) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void pin(Cid cid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void unpin(Cid cid) {
            throw new UnsupportedOperationException();
        }

        /** The local node answers: it does not hold the root. */
        @Override
        public boolean has(Cid cid) throws IOException {
            return false;
        }

        @Override
        public Stat stat(Cid cid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
