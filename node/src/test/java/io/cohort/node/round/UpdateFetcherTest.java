package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
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

        @Override
        public boolean has(Cid cid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Stat stat(Cid cid) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
