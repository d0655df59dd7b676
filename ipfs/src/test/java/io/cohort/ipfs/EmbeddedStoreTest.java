package io.cohort.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.unixfs.FileImporter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoreTest {

    @TempDir Path dir;

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void addReadStatPinAndUnpin() throws IOException {
        byte[] content = random(3 * FileImporter.CHUNK_SIZE + 5, 1);
        try (EmbeddedStore store = EmbeddedStore.open(dir)) {
            Cid cid = store.add(content);
            assertThat(store.has(cid)).isTrue();
            assertThat(store.isPinned(cid)).isTrue();
            assertThat(store.readAllBytes(cid, content.length)).isEqualTo(content);
            assertThat(store.stat(cid).fileSize()).isEqualTo(content.length);
            assertThat(EmbeddedStore.cidOf(new java.io.ByteArrayInputStream(content)))
                    .isEqualTo(cid);
            store.unpin(cid);
            assertThat(store.isPinned(cid)).isFalse();
            assertThatThrownBy(() -> store.unpin(cid)).hasMessageContaining("is not pinned");
            // adding the same bytes again stores nothing new and gives the same CID
            assertThat(store.add(content)).isEqualTo(cid);
        }
    }

    @Test
    void aCrashsTemporaryBlockFilesGoWhenTheStoreIsOpenedAgainOnceStale() throws IOException {
        // given: a store with a block, and two writes a crash interrupted, one long ago
        Path folder = dir.resolve("crashed");
        Cid cid;
        try (EmbeddedStore store = EmbeddedStore.open(folder)) {
            cid = store.add(random(100, 7));
        }
        Path tmp = folder.resolve("tmp");
        Path old = Files.write(tmp.resolve(".put-1.tmp"), new byte[] {1});
        Files.setLastModifiedTime(
                old,
                java.nio.file.attribute.FileTime.from(
                        java.time.Instant.now().minus(EmbeddedStore.STALE_AFTER).minusSeconds(60)));
        Path recent = Files.write(tmp.resolve(".put-2.tmp"), new byte[] {2});
        // when
        try (EmbeddedStore store = EmbeddedStore.open(folder)) {
            // then: the old one is gone, the recent one (perhaps a write in progress) stays
            assertThat(old).doesNotExist();
            assertThat(recent).exists();
            assertThat(store.readAllBytes(cid, 1000)).isEqualTo(random(100, 7));
        }
    }

    @Test
    void readingWholeContentOverTheLimitIsContentTooLarge() throws IOException {
        byte[] content = random(1000, 4);
        try (EmbeddedStore store = EmbeddedStore.open(dir)) {
            Cid cid = store.add(content);
            assertThat(store.readAllBytes(cid, 1000)).isEqualTo(content);
            assertThatThrownBy(() -> store.readAllBytes(cid, 999))
                    .isInstanceOf(ContentTooLargeException.class)
                    .hasMessage(cid + " is larger than 999 bytes");
            // the largest bound an int holds works (maxBytes + 1 would overflow), a negative one
            // is refused by name
            assertThat(store.readAllBytes(cid, Integer.MAX_VALUE)).isEqualTo(content);
            assertThatThrownBy(() -> store.readAllBytes(cid, -1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxBytes must be 0 or more, not -1 (reading " + cid + ")");
        }
    }

    @Test
    void aCorruptedBlockOnDiskIsDetectedOnRead() throws IOException {
        byte[] content = random(2 * FileImporter.CHUNK_SIZE, 2);
        try (EmbeddedStore store = EmbeddedStore.open(dir)) {
            Cid cid = store.add(content);
            Cid firstLeaf = Cid.of(Cid.RAW, content, 0, FileImporter.CHUNK_SIZE);
            Path block = store.blockPath(firstLeaf);
            byte[] bytes = Files.readAllBytes(block);
            bytes[1000] ^= 0x40;
            Files.write(block, bytes);
            try (InputStream in = store.read(cid)) {
                assertThatThrownBy(in::readAllBytes)
                        .isInstanceOf(ContentMismatchException.class)
                        .hasMessageContaining(firstLeaf.toString());
            }
            // adding the same bytes again repairs the damaged block
            assertThat(store.add(content)).isEqualTo(cid);
            assertThat(store.readAllBytes(cid, content.length)).isEqualTo(content);
        }
    }

    @Test
    void aTruncatedBlockOnDiskIsDetectedOnRead() throws IOException {
        byte[] content = random(100, 3);
        try (EmbeddedStore store = EmbeddedStore.open(dir)) {
            Cid cid = store.add(content);
            Path block = store.blockPath(cid);
            Files.write(block, java.util.Arrays.copyOf(content, 99));
            assertThatThrownBy(() -> store.readAllBytes(cid, 1000))
                    .isInstanceOf(ContentMismatchException.class)
                    .hasMessageContaining("does not hash to its CID");
        }
    }

    @Test
    void unknownContentIsAClearError() throws IOException {
        try (EmbeddedStore store = EmbeddedStore.open(dir)) {
            Cid absent = Cid.of(Cid.RAW, new byte[] {1, 2, 3});
            assertThat(store.has(absent)).isFalse();
            assertThatThrownBy(() -> store.read(absent)).hasMessageContaining("is not stored here");
            assertThatThrownBy(() -> store.pin(absent)).hasMessageContaining("not stored here");
        }
    }
}
