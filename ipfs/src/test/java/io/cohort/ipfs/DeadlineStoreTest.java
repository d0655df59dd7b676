package io.cohort.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deadline on the node's whole-file reads. Node logic only: the stalling store is a stand-in
 * for a Kubo whose {@code cat} body never comes, not a test of IPFS.
 */
class DeadlineStoreTest {

    @TempDir Path dir;

    /** Opened when the test ends, so that a stalled reader thread can finish. */
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void release() {
        never.countDown();
    }

    @Test
    void aReadThatNeverEndsFailsAtTheDeadlineNamingTheCid() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            // given: the file is there, but its read stalls
            Cid cid = real.add("model".getBytes(StandardCharsets.US_ASCII));
            ContentStore stalls = stalling(real);
            DeadlineStore store = new DeadlineStore(stalls, Duration.ofMillis(200));
            // when / then
            assertThatThrownBy(() -> store.readAllBytes(cid, 1024))
                    .isInstanceOf(DeadlineStore.TimedOutException.class)
                    .hasMessage("reading " + cid + ": no answer within PT0.2S");
            assertThatThrownBy(() -> store.has(cid))
                    .isInstanceOf(DeadlineStore.TimedOutException.class)
                    .hasMessageContaining("locally");
            assertThatThrownBy(store::reach)
                    .isInstanceOf(DeadlineStore.TimedOutException.class)
                    .hasMessage("asking for peers: no answer within PT0.2S");
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void aReadWithinTheDeadlineGivesTheBytesAndTheStoresOwnErrors() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            Cid cid = real.add("model".getBytes(StandardCharsets.US_ASCII));
            DeadlineStore store = new DeadlineStore(real, Duration.ofSeconds(30));
            assertThat(store.readAllBytes(cid, 1024))
                    .asString(StandardCharsets.US_ASCII)
                    .isEqualTo("model");
            assertThat(store.has(cid)).isTrue();
            assertThat(store.reach()).isEqualTo(ContentStore.Reach.LOCAL);
            // the store's own exceptions come through as themselves
            assertThatThrownBy(() -> store.readAllBytes(cid, 3))
                    .isInstanceOf(ContentTooLargeException.class);
            ContentStore unchecked =
                    new DeadlineStore(
                            new ForwardingStore(real) {
                                @Override
                                public byte[] readAllBytes(Cid c, int max) {
                                    throw new UncheckedIOException(new IOException("broken pipe"));
                                }
                            },
                            Duration.ofSeconds(30));
            assertThatThrownBy(() -> unchecked.readAllBytes(cid, 1024))
                    .isExactlyInstanceOf(IOException.class)
                    .hasMessage("broken pipe");
        }
    }

    @Test
    void anAddThatNeverEndsFailsAtADeadlineThatGrowsWithItsSize() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            // given: adds stall
            DeadlineStore store = new DeadlineStore(stalling(real), Duration.ofMillis(200));
            Path file = dir.resolve("model.bin");
            java.nio.file.Files.write(file, new byte[7]);
            // when / then: each fails at the deadline, naming what it added
            assertThatThrownBy(() -> store.add(new byte[5]))
                    .isInstanceOf(DeadlineStore.TimedOutException.class)
                    .hasMessage("adding 5 bytes: no answer within PT0.2S");
            assertThatThrownBy(() -> store.add(file))
                    .isInstanceOf(DeadlineStore.TimedOutException.class)
                    .hasMessage("adding model.bin (7 bytes): no answer within PT0.2S");
            // a gigabyte at 1 MiB a second: 1,024 s more
            assertThat(store.addDeadline(1L << 30)).isEqualTo(Duration.ofMillis(200 + 1_024_000));
            // and through to the store when it answers
            DeadlineStore working = new DeadlineStore(real, Duration.ofSeconds(30));
            byte[] model = "model".getBytes(StandardCharsets.US_ASCII);
            assertThat(working.add(model)).isEqualTo(real.add(model));
            assertThat(working.add(file)).isEqualTo(real.add(new byte[7]));
        }
    }

    @Test
    void anInterruptedCallerStopsWaitingAndKeepsItsInterrupt() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            Cid cid = real.add("model".getBytes(StandardCharsets.US_ASCII));
            DeadlineStore store = new DeadlineStore(stalling(real), Duration.ofMinutes(10));
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> store.readAllBytes(cid, 1024))
                        .isInstanceOf(InterruptedIOException.class);
                assertThat(Thread.currentThread().isInterrupted()).isTrue();
            } finally {
                Thread.interrupted();
            }
        }
    }

    @Test
    void aDeadlineMustBePositive() {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            assertThatThrownBy(() -> new DeadlineStore(real, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("positive");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ContentStore stalling(ContentStore real) {
        return new ForwardingStore(real) {
            @Override
            public byte[] readAllBytes(Cid c, int max) throws IOException {
                awaitNever();
                return new byte[0];
            }

            @Override
            public boolean has(Cid c) throws IOException {
                awaitNever();
                return false;
            }

            @Override
            public Reach reach() throws IOException {
                awaitNever();
                return Reach.LOCAL;
            }

            @Override
            public Cid add(byte[] bytes) throws IOException {
                awaitNever();
                return null;
            }

            @Override
            public Cid add(Path file) throws IOException {
                awaitNever();
                return null;
            }
        };
    }

    private void awaitNever() throws InterruptedIOException {
        try {
            never.await();
        } catch (InterruptedException e) {
            throw new InterruptedIOException("interrupted");
        }
    }
}
