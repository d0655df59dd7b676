package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.ForwardingStore;
import io.cohort.marketplace.MarketplaceConfig;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads of published content end within {@code cohort.ipfs-read-timeout}. The stalling store is a
 * stand-in for a Kubo whose {@code cat} body never comes: this tests the marketplace's deadline,
 * not IPFS.
 */
class RecordsTest {

    @TempDir Path dir;

    /** Opened when the test ends, so that the stalled reader thread can finish. */
    private final CountDownLatch never = new CountDownLatch(1);

    @AfterEach
    void release() {
        never.countDown();
    }

    /** A configuration whose only setting is the read timeout. */
    static MarketplaceConfig readTimeout(Duration timeout) {
        return (MarketplaceConfig)
                Proxy.newProxyInstance(
                        RecordsTest.class.getClassLoader(),
                        new Class<?>[] {MarketplaceConfig.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("ipfsReadTimeout")) {
                                return timeout;
                            }
                            throw new UnsupportedOperationException(method.getName());
                        });
    }

    @Test
    void theCacheHoldsAtMostItsBytesAndDropsTheLeastRecentlyUsed() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            java.util.concurrent.atomic.AtomicInteger reads =
                    new java.util.concurrent.atomic.AtomicInteger();
            Records records = new Records();
            records.config = readTimeout(Duration.ofSeconds(30));
            records.use(
                    new io.cohort.ipfs.ForwardingStore(real) {
                        @Override
                        public byte[] readAllBytes(Cid c, int max) throws java.io.IOException {
                            reads.incrementAndGet();
                            return super.readAllBytes(c, max);
                        }
                    });
            // records of 3 MiB each: ten fit the 32 MiB cache, a big one (9 MiB) is not kept
            java.util.List<String> cids = new java.util.ArrayList<>();
            for (int i = 0; i < 14; i++) {
                String json = "{\"n\":" + i + ",\"pad\":\"" + "x".repeat(3 << 20) + "\"}";
                cids.add(real.add(json.getBytes(StandardCharsets.US_ASCII)).toString());
                assertThat(records.record(cids.get(i)).path("n").asInt()).isEqualTo(i);
                assertThat(records.cachedBytes()).isLessThanOrEqualTo(Records.MAX_CACHED_BYTES);
            }
            assertThat(records.cachedBytes()).isGreaterThan(Records.MAX_CACHED_BYTES - (4 << 20));
            long before = records.cachedBytes();
            Cid big =
                    real.add(
                            ("{\"pad\":\"" + "x".repeat(9 << 20) + "\"}")
                                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(records.record(big.toString()).has("pad")).isTrue();
            assertThat(records.cachedBytes()).isEqualTo(before);
            // the newest is still a hit, the oldest was dropped and is read again
            int read = reads.get();
            assertThat(records.record(cids.get(13)).path("n").asInt()).isEqualTo(13);
            assertThat(reads.get()).isEqualTo(read);
            assertThat(records.record(cids.get(0)).path("n").asInt()).isZero();
            assertThat(reads.get()).isEqualTo(read + 1);
        }
    }

    @Test
    void recordsReadAtOnceAreBoundedAndOneCidIsReadOnce() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            java.util.concurrent.atomic.AtomicInteger reads =
                    new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
            CountDownLatch go = new CountDownLatch(1);
            Records records = new Records();
            records.config = readTimeout(Duration.ofSeconds(60));
            records.use(
                    new ForwardingStore(real) {
                        @Override
                        public byte[] readAllBytes(Cid c, int max) throws IOException {
                            reads.incrementAndGet();
                            entered.release();
                            try {
                                go.await();
                            } catch (InterruptedException e) {
                                throw new InterruptedIOException();
                            }
                            return super.readAllBytes(c, max);
                        }
                    });
            java.util.List<String> cids = new java.util.ArrayList<>();
            for (int i = 0; i <= Records.MAX_LOADS; i++) {
                cids.add(
                        real.add(("{\"n\":" + i + "}").getBytes(StandardCharsets.US_ASCII))
                                .toString());
            }
            var pool = java.util.concurrent.Executors.newCachedThreadPool();
            try {
                // given: as many reads of different records as the bound, all under way
                java.util.List<java.util.concurrent.Future<Integer>> running =
                        new java.util.ArrayList<>();
                for (int i = 0; i < Records.MAX_LOADS; i++) {
                    String cid = cids.get(i);
                    running.add(pool.submit(() -> records.record(cid).path("n").asInt()));
                }
                entered.acquire(Records.MAX_LOADS);
                // and one more request for the first of them
                var same = pool.submit(() -> records.record(cids.get(0)).path("n").asInt());

                // when: another record is asked for
                var another = pool.submit(() -> records.record(cids.get(Records.MAX_LOADS)));

                // then: it is refused at once (503, ask again), not left waiting
                var e =
                        catchThrowableOfType(
                                java.util.concurrent.ExecutionException.class,
                                () -> another.get(30, java.util.concurrent.TimeUnit.SECONDS));
                assertThat(e.getCause())
                        .isInstanceOfSatisfying(
                                Problem.class, p -> assertThat(p.status()).isEqualTo(503));
                // and once the reads end, every one has its record and the repeated one was read
                // once
                go.countDown();
                for (int i = 0; i < Records.MAX_LOADS; i++) {
                    assertThat(running.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS))
                            .isEqualTo(i);
                }
                assertThat(same.get(30, java.util.concurrent.TimeUnit.SECONDS)).isZero();
                assertThat(reads).hasValue(Records.MAX_LOADS);
            } finally {
                go.countDown();
                pool.shutdownNow();
            }
        }
    }

    @Test
    void aRecordThatCannotBeReadIsAnswered502AgainWithoutReadingItUnlessIpfsWasAway()
            throws Exception {
        java.util.concurrent.atomic.AtomicInteger reads =
                new java.util.concurrent.atomic.AtomicInteger();
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            String away = real.add("{}".getBytes(StandardCharsets.US_ASCII)).toString();
            String notJson = real.add("not json".getBytes(StandardCharsets.US_ASCII)).toString();
            Records records = new Records();
            records.config = readTimeout(Duration.ofSeconds(60));
            records.use(
                    new ForwardingStore(real) {
                        @Override
                        public byte[] readAllBytes(Cid c, int max) throws IOException {
                            reads.incrementAndGet();
                            if (c.toString().equals(away)) {
                                throw new java.net.ConnectException("Connection refused");
                            }
                            return super.readAllBytes(c, max);
                        }
                    });
            // a record that fails the same way every time holds one of the places once
            for (int i = 0; i < 3; i++) {
                Problem p = catchThrowableOfType(Problem.class, () -> records.record(notJson));
                assertThat(p.status()).isEqualTo(502);
                assertThat(p).hasMessageContaining("cannot read the record " + notJson);
            }
            assertThat(reads).hasValue(1);
            // IPFS away (Kubo restarting) is not remembered: the next request tries again
            for (int i = 0; i < 2; i++) {
                Problem p = catchThrowableOfType(Problem.class, () -> records.record(away));
                assertThat(p).hasMessageContaining("Connection refused");
            }
            assertThat(reads).hasValue(3);
        }
    }

    @Test
    void aRecordWhoseReadNeverEndsAnswers502AtTheDeadline() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            Cid cid = real.add("{}".getBytes(StandardCharsets.US_ASCII));
            Records records = new Records();
            records.config = readTimeout(Duration.ofMillis(200));
            records.use(stalling(real));
            Problem p = catchThrowableOfType(Problem.class, () -> records.record(cid.toString()));
            assertThat(p).isNotNull();
            assertThat(p.getMessage())
                    .isEqualTo(
                            "cannot read the record "
                                    + cid
                                    + ": reading "
                                    + cid
                                    + ": no answer within PT0.2S");
            assertThat(p.status()).isEqualTo(502);
            // a store that answers is read as before
            records.use(real);
            assertThat(records.bytes(cid.toString(), 10)).asString().isEqualTo("{}");
        }
    }

    @Test
    void contentFoundNowhereIsNullAndAFailingIpfsIsA502() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir.resolve("ipfs"))) {
            Cid cid = real.add("{}".getBytes(StandardCharsets.US_ASCII));
            Records records = new Records();
            records.config = readTimeout(Duration.ofMillis(200));
            // found nowhere within the read timeout: it would fail so again
            records.use(stalling(real));
            assertThat(records.bytesIfThere(cid.toString(), 10)).isNull();
            // IPFS itself refuses: asking again may succeed
            records.use(
                    new ForwardingStore(real) {
                        @Override
                        public byte[] readAllBytes(Cid c, int max) throws IOException {
                            throw new IOException("Connection refused");
                        }
                    });
            Problem p =
                    catchThrowableOfType(
                            Problem.class, () -> records.bytesIfThere(cid.toString(), 10));
            assertThat(p).isNotNull();
            assertThat(p.status()).isEqualTo(502);
            records.use(real);
            assertThat(records.bytesIfThere(cid.toString(), 10)).asString().isEqualTo("{}");
        }
    }

    @Test
    void aFailedReadDoesNotNameTheIpfsNodesAddress() {
        IOException refused =
                new IOException(
                        "http://10.0.0.5:5001/api/v0/block/get for bafyabc: Connection refused");
        assertThat(Records.publicReason(refused)).isEqualTo("IPFS for bafyabc: Connection refused");
        assertThat(Records.publicReason(new IOException("no answer within PT0.2S")))
                .isEqualTo("no answer within PT0.2S");
    }

    private ContentStore stalling(ContentStore real) {
        return new ForwardingStore(real) {
            @Override
            public byte[] readAllBytes(Cid c, int max) throws IOException {
                try {
                    never.await();
                } catch (InterruptedException e) {
                    throw new InterruptedIOException("interrupted");
                }
                return new byte[0];
            }
        };
    }
}
