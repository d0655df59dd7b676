package io.cohort.ipfs.kubo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.InvalidCidException;
import io.cohort.ipfs.IpfsException;
import io.cohort.ipfs.TestContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ipfs module against a real Kubo (built by ./setup) started on free loopback ports by the test
 * itself: round trips, pins as Kubo reports them, CID parity with the embedded store and the {@code
 * ipfs} CLI, and faults.
 */
class KuboIT {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    private static KuboNode node;
    private static KuboClient client;

    @TempDir static Path tmp;

    @BeforeAll
    static void startKubo() {
        node = KuboNode.start();
        client = KuboClient.connect(node.apiUrl());
    }

    @AfterAll
    static void stopKubo() {
        if (client != null) {
            client.close();
        }
        if (node != null) {
            long pid = node.pid();
            Path repo = node.repo();
            node.close();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(repo).doesNotExist();
        }
    }

    @Test
    void talksToTheNode() throws IOException {
        assertThat(client.version()).isEqualTo("0.42.0");
        assertThat(client.id()).startsWith("12D3");
    }

    /** 0 B, 1 B, 256 KiB, 256 KiB + 1, 10 MiB and 200 MiB, streamed both ways. */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 256 * KIB, 256 * KIB + 1, 10 * MIB, 200 * MIB})
    void roundTripsPinsAndAgreesWithTheEmbeddedStoreAndTheCli(long size) throws IOException {
        long seed = 1000 + size;
        // Kubo through the Java client, streamed from a generator: nothing is held in memory
        Cid cid = client.add(new TestContent(size, seed));
        String expected = TestContent.sha256(size, seed);
        assertThat(TestContent.sha256(client.read(cid))).isEqualTo(expected);
        assertThat(TestContent.sha256(client.readByBlocks(cid))).isEqualTo(expected);
        assertThat(client.stat(cid).fileSize()).isEqualTo(size);

        // the pin as Kubo itself lists it
        assertThat(node.cli("pin", "ls", "--type=recursive", cid.toString()))
                .contains(cid + " recursive");
        client.unpin(cid);
        assertThatThrownBy(() -> node.cli("pin", "ls", "--type=recursive", cid.toString()))
                .hasMessageContaining("is not pinned");
        client.pin(cid);
        assertThat(client.isPinned(cid)).isTrue();

        // the embedded store computes the same CID, and so does the CLI, independently
        assertThat(EmbeddedStore.cidOf(new TestContent(size, seed))).isEqualTo(cid);
        assertThat(cliCid(size, seed)).isEqualTo(cid.toString());
    }

    @Test
    void aReaderWhoseClientIsClosedFailsWithAnIoException() throws IOException {
        // given: a 10 MiB file (40 blocks) read block by block through a client of its own
        Cid cid = client.add(new TestContent(10 * MIB, 77));
        KuboClient own = KuboClient.connect(node.apiUrl());
        java.io.InputStream in = own.readByBlocks(cid);
        assertThat(in.read(new byte[1000])).isPositive();
        // when: the client is closed under the reader
        own.close();
        // then: reading on is an IOException naming the cause, not an unchecked rejection
        assertThatThrownBy(() -> in.transferTo(java.io.OutputStream.nullOutputStream()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the client was closed while the file was read");
    }

    @Test
    void randomContentHasTheSameCidEverywhere() throws IOException {
        java.util.SplittableRandom sizes = new java.util.SplittableRandom(7);
        try (EmbeddedStore embedded = EmbeddedStore.open(tmp.resolve("parity"))) {
            for (int i = 0; i < 8; i++) {
                long size = sizes.nextLong(3 * MIB);
                Cid kubo = client.add(new TestContent(size, i));
                Cid local = embedded.add(new TestContent(size, i));
                assertThat(local).as("size %d", size).isEqualTo(kubo);
                // content moves between them unchanged
                assertThat(TestContent.sha256(embedded.read(kubo)))
                        .isEqualTo(TestContent.sha256(client.read(local)));
            }
        }
    }

    @Test
    void aFileIsAddedAsItsBytesWhateverItsName() throws IOException {
        // Kubo un-escapes a part's file name: "a%2Fb.bin" sent as a name would become a directory
        byte[] bytes = {1, 2, 3};
        Path file = Files.write(tmp.resolve("a%2Fb+c.bin"), bytes);
        assertThat(client.add(file))
                .isEqualTo(EmbeddedStore.cidOf(new java.io.ByteArrayInputStream(bytes)));
        assertThat(client.readAllBytes(client.add(file), 3)).isEqualTo(bytes);
    }

    @Test
    void aBlockOfAPinnedFileIsNotPinnedItself() throws IOException {
        // given: a two-leaf file, pinned recursively by add
        Cid root = client.add(new TestContent(256 * KIB + 1, 77));
        Cid firstLeaf =
                io.cohort.ipfs.unixfs.DagPbNode.decode(client.getBlock(root)).links().get(0).cid();
        // then: Kubo lists the leaf "indirect through" the root, which is no pin of its own
        assertThat(node.cli("pin", "ls", firstLeaf.toString())).contains("indirect");
        assertThat(client.isPinned(root)).isTrue();
        assertThat(client.isPinned(firstLeaf)).isFalse();
    }

    @Test
    void contentMovesFromTheEmbeddedStoreToKuboUnchanged() throws IOException {
        try (EmbeddedStore embedded = EmbeddedStore.open(tmp.resolve("move"))) {
            Cid local = embedded.add(new TestContent(MIB + 3, 42));
            Cid remote;
            try (InputStream in = embedded.read(local)) {
                remote = client.add(in);
            }
            assertThat(remote).isEqualTo(local);
        }
    }

    @Test
    void aKuboKilledDuringAnAddGivesAClearErrorAndTheRetryAfterRestartSucceeds() throws Exception {
        long size = 64 * MIB;
        TestContent content = new TestContent(size, 99);
        CompletableFuture<Cid> add =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return client.add(content);
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
        while (content.consumed() < 8 * MIB && !add.isDone()) {
            Thread.sleep(5);
        }
        node.kill();
        assertThatThrownBy(() -> add.get(60, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .cause()
                .isInstanceOf(IpfsException.class)
                .hasMessageContaining(node.apiUrl() + "/api/v0/add");

        node.restart();
        Cid retried = client.add(new TestContent(size, 99));
        assertThat(retried).isEqualTo(EmbeddedStore.cidOf(new TestContent(size, 99)));
        assertThat(TestContent.sha256(client.read(retried)))
                .isEqualTo(TestContent.sha256(size, 99));
    }

    @Test
    void repeatableCallsRetryAndThenNameTheEndpoint() throws IOException {
        int closedPort = KuboNode.freePort();
        URI nowhere = URI.create("http://127.0.0.1:" + closedPort);
        var options =
                new KuboClient.Options(
                        Duration.ofMillis(500), Duration.ofSeconds(2), 3, Duration.ofMillis(10), 2);
        Cid cid = Cid.parse("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        try (KuboClient dead = KuboClient.connect(nowhere, options)) {
            assertThatThrownBy(() -> dead.pin(cid))
                    .isInstanceOf(IpfsException.class)
                    .hasMessage(
                            nowhere
                                    + "/api/v0/pin/add: connection refused for "
                                    + cid
                                    + " (gave up after 3 attempts)");
        }
    }

    @Test
    void absentContentAndBadCidsAreClearErrors() throws IOException {
        Cid absent = Cid.of(Cid.RAW, "never added".getBytes());
        assertThat(client.has(absent)).isFalse();
        assertThatThrownBy(() -> Cid.parse("bafy-not-a-cid"))
                .isInstanceOf(InvalidCidException.class)
                .hasMessage(
                        "invalid CID 'bafy-not-a-cid': character '-' at 3 is not lower-case base32");
        Cid present = client.add(new byte[] {1, 2, 3});
        assertThat(client.has(present)).isTrue();
    }

    @Test
    void reachTellsAnOfflineNodeFromAnIsolatedOneAndAConnectedOne() throws Exception {
        // an offline daemon holds only what was added to it
        assertThat(client.reach()).isEqualTo(ContentStore.Reach.LOCAL);
        try (KuboNode a = KuboNode.startOnline();
                KuboNode b = KuboNode.startOnline();
                KuboClient ipfsA = KuboClient.connect(a.apiUrl());
                KuboClient ipfsB = KuboClient.connect(b.apiUrl())) {
            // online, but no bootstrap peers: nobody to fetch from
            assertThat(ipfsA.reach()).isEqualTo(ContentStore.Reach.ISOLATED);
            // when
            a.connect(b);
            // then: connected both ways, and content added to one is read through the other
            assertThat(ipfsA.reach()).isEqualTo(ContentStore.Reach.CONNECTED);
            // the other side sees the connection a moment later
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ipfsB.reach() != ContentStore.Reach.CONNECTED && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertThat(ipfsB.reach()).isEqualTo(ContentStore.Reach.CONNECTED);
            byte[] bytes = new TestContent(300 * KIB, 41).readAllBytes();
            Cid cid = ipfsB.add(bytes);
            assertThat(ipfsA.has(cid)).isFalse();
            assertThat(ipfsA.readAllBytes(cid, bytes.length)).isEqualTo(bytes);
        }
    }

    /** {@code ipfs add --only-hash} of the same bytes, from a file, by the CLI. */
    private static String cliCid(long size, long seed) throws IOException {
        Path file = Files.createTempFile(tmp, "content-", ".bin");
        try {
            try (InputStream in = new TestContent(size, seed);
                    OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            return node.cli(
                            "add",
                            "--only-hash",
                            "-Q",
                            "--cid-version=1",
                            "--raw-leaves",
                            "--chunker=size-262144",
                            file.toString())
                    .strip();
        } finally {
            Files.delete(file);
        }
    }
}
