package io.cohort.ipfs.unixfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentMismatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class UnixFsTest {

    private static final HexFormat HEX = HexFormat.of();

    /** 256 KiB + 1 bytes, byte i = i mod 251. */
    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    private static Map<Cid, byte[]> importInto(byte[] content, Cid[] root) throws IOException {
        Map<Cid, byte[]> blocks = new HashMap<>();
        FileImporter.Result r =
                FileImporter.importFile(
                        new ByteArrayInputStream(content),
                        (cid, block, length) ->
                                blocks.put(cid, java.util.Arrays.copyOf(block, length)));
        root[0] = r.root();
        assertThat(r.size()).isEqualTo(content.length);
        assertThat(r.blocks()).isGreaterThanOrEqualTo(blocks.size()); // equal leaves are one block
        return blocks;
    }

    @Test
    void twoChunkFileHasKubosRootBlockByteForByte() throws IOException {
        // Kubo 0.42.0: `ipfs add -Q --cid-version=1 --raw-leaves` then `ipfs block get <root> |
        // xxd`
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(pattern(262_145), root);
        assertThat(root[0].toString())
                .isEqualTo("bafybeiexg2oqkfnj56l7fcmawswqbijt5shq4b5rg6a546uwpkqqzwjioi");
        assertThat(HEX.formatHex(blocks.get(root[0])))
                .isEqualTo(
                        "122c0a240155122031a1f9dea0169551092d05e8bf4a446228c8c3eb4c9b713c66adcb7fd53c89be"
                                + "120018808010122a0a240155122018ac3e7343f016890c510e93f935261169d9e3f565436429"
                                + "830faf0934f4f8e4120018010a0c080218818010208080102001");
        assertThat(blocks).hasSize(3);
    }

    @Test
    void rootBlockDecodesIntoItsLinksAndSizes() throws IOException {
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(pattern(262_145), root);
        DagPbNode node = DagPbNode.decode(blocks.get(root[0]));
        assertThat(node.links()).extracting(DagPbNode.Link::tsize).containsExactly(262_144L, 1L);
        assertThat(node.links()).extracting(DagPbNode.Link::name).containsExactly("", "");
        UnixFsData fs = UnixFsData.decode(node.data(), 2);
        assertThat(fs.type()).isEqualTo(UnixFsData.FILE);
        assertThat(fs.fileSize()).isEqualTo(262_145);
        assertThat(fs.blockSizes()).containsExactly(262_144L, 1L);
        assertThat(node.encode()).isEqualTo(blocks.get(root[0]));
    }

    @Test
    void singleChunkAndEmptyFilesAreTheirOwnRawRoot() throws IOException {
        Cid[] root = new Cid[1];
        assertThat(importInto(new byte[0], root)).hasSize(1);
        assertThat(root[0].toString())
                .isEqualTo("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assertThat(importInto(pattern(FileImporter.CHUNK_SIZE), root)).hasSize(1);
        assertThat(root[0].codec()).isEqualTo(Cid.RAW);
    }

    @Test
    void balancedLayoutAddsALevelAfter174Chunks() throws IOException {
        Cid[] root = new Cid[1];
        // 175 chunks: one full node of 174 leaves plus a second node of one leaf under a new root
        Map<Cid, byte[]> blocks = importInto(new byte[175 * FileImporter.CHUNK_SIZE], root);
        DagPbNode top = DagPbNode.decode(blocks.get(root[0]));
        assertThat(top.links()).hasSize(2);
        assertThat(DagPbNode.decode(blocks.get(top.links().get(0).cid())).links()).hasSize(174);
        assertThat(DagPbNode.decode(blocks.get(top.links().get(1).cid())).links()).hasSize(1);
        // every leaf of zeros is the same block: 1 leaf + 2 interior + 1 root
        assertThat(blocks).hasSize(4);
    }

    @Test
    void readerStreamsTheFileBack() throws IOException {
        byte[] content = pattern(3 * FileImporter.CHUNK_SIZE + 17);
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(content, root);
        try (InputStream in = new DagReader("test", blocks::get, root[0], null, 1)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void readerRefusesATamperedLeafBeforeHandingOutItsBytes() throws IOException {
        byte[] content = pattern(2 * FileImporter.CHUNK_SIZE);
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(content, root);
        Cid second = DagPbNode.decode(blocks.get(root[0])).links().get(1).cid();
        blocks.get(second)[5] ^= 1;
        try (InputStream in = new DagReader("test", blocks::get, root[0], null, 1)) {
            assertThat(in.readNBytes(FileImporter.CHUNK_SIZE))
                    .isEqualTo(java.util.Arrays.copyOf(content, FileImporter.CHUNK_SIZE));
            assertThatThrownBy(in::read)
                    .isInstanceOf(ContentMismatchException.class)
                    .hasMessageContaining(second.toString())
                    .hasMessageContaining("does not hash to its CID");
        }
    }

    @Test
    void readerRefusesALeafOfAnotherSizeThanItsParentDeclares() throws IOException {
        // a forged root that links a 1-byte leaf but declares 2 bytes for it
        byte[] leaf = {42};
        Cid leafCid = Cid.of(Cid.RAW, leaf);
        byte[] data = new UnixFsData(UnixFsData.FILE, null, 2, List.of(2L)).encode();
        byte[] rootBlock =
                new DagPbNode(List.of(new DagPbNode.Link(leafCid, "", 1)), data).encode();
        Cid rootCid = Cid.of(Cid.DAG_PB, rootBlock);
        Map<Cid, byte[]> blocks = Map.of(leafCid, leaf, rootCid, rootBlock);
        try (InputStream in = new DagReader("test", blocks::get, rootCid, null, 1)) {
            assertThatThrownBy(in::readAllBytes)
                    .hasMessageContaining("holds 1 file bytes, its parent declares 2");
        }
    }

    @Test
    void streamedReaderCutsLeavesAtDeclaredSizesAndVerifiesEach() throws IOException {
        byte[] content = pattern(2 * FileImporter.CHUNK_SIZE + 9);
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(content, root);
        try (InputStream in =
                new DagReader(
                        "test", blocks::get, () -> new ByteArrayInputStream(content), root[0])) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        byte[] tampered = content.clone();
        tampered[FileImporter.CHUNK_SIZE + 3] ^= 1;
        try (InputStream in =
                new DagReader(
                        "test", blocks::get, () -> new ByteArrayInputStream(tampered), root[0])) {
            assertThat(in.readNBytes(FileImporter.CHUNK_SIZE)).hasSize(FileImporter.CHUNK_SIZE);
            assertThatThrownBy(in::read).isInstanceOf(ContentMismatchException.class);
        }
        byte[] shorter = java.util.Arrays.copyOf(content, content.length - 1);
        try (InputStream in =
                new DagReader(
                        "test", blocks::get, () -> new ByteArrayInputStream(shorter), root[0])) {
            // Kubo ends a stream early when it misses a block (the error is in a trailer): the
            // reader takes the rest block by block and still gets the whole verified file
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        InputStream broken =
                new java.io.SequenceInputStream(
                        new ByteArrayInputStream(content, 0, 10),
                        new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("connection reset");
                            }
                        });
        try (InputStream in = new DagReader("test", blocks::get, () -> broken, root[0])) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
        // with the block missing too, the error names the missing block, not tampering
        Cid lastLeaf = DagPbNode.decode(blocks.get(root[0])).links().get(2).cid();
        DagReader.BlockSource missing =
                c -> {
                    if (c.equals(lastLeaf)) {
                        throw new IOException("block " + c + " not found");
                    }
                    return blocks.get(c);
                };
        try (InputStream in =
                new DagReader("test", missing, () -> new ByteArrayInputStream(shorter), root[0])) {
            assertThatThrownBy(in::readAllBytes)
                    .isNotInstanceOf(ContentMismatchException.class)
                    .hasMessage("block " + lastLeaf + " not found");
        }
        byte[] longer = java.util.Arrays.copyOf(content, content.length + 1);
        try (InputStream in =
                new DagReader(
                        "test", blocks::get, () -> new ByteArrayInputStream(longer), root[0])) {
            assertThatThrownBy(in::readAllBytes)
                    .hasMessageContaining("more bytes than the DAG declares");
        }
    }

    /** A dag-pb file node linking {@code child} {@code fanOut} times, each link declaring size. */
    private static byte[] fileNode(Cid child, int fanOut, long blockSize) {
        List<DagPbNode.Link> links = new ArrayList<>(fanOut);
        List<Long> sizes = new ArrayList<>(fanOut);
        for (int i = 0; i < fanOut; i++) {
            links.add(new DagPbNode.Link(child, "", blockSize));
            sizes.add(blockSize);
        }
        long fileSize = blockSize * fanOut;
        return new DagPbNode(links, new UnixFsData(UnixFsData.FILE, null, fileSize, sizes).encode())
                .encode();
    }

    @Test
    @Timeout(
            value = 10,
            threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // unfixed, the read never ended
    void readerRefusesALinkThatDeclaresNoBytes() throws IOException {
        // given: the report's zero-size bomb, root -> 8,192 x M -> 8,192 x N -> 8,192 x an empty
        // leaf; every hash and every size is consistent, and a walk would visit 5.5e11 leaves
        Map<Cid, byte[]> blocks = new HashMap<>();
        Cid leaf = Cid.of(Cid.RAW, new byte[0]);
        blocks.put(leaf, new byte[0]);
        Cid below = leaf;
        for (int level = 0; level < 3; level++) {
            byte[] node = fileNode(below, DagPbNode.MAX_LINKS, 0);
            below = Cid.of(Cid.DAG_PB, node);
            blocks.put(below, node);
        }
        Cid root = below;
        // when / then: refused at the root, before any child is fetched
        AtomicLong fetched = new AtomicLong();
        DagReader.BlockSource source =
                cid -> {
                    fetched.incrementAndGet();
                    return blocks.get(cid);
                };
        try (InputStream in = new DagReader("test", source, root, null, 1)) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOf(ContentMismatchException.class)
                    .hasMessageContaining(root.toString())
                    .hasMessageContaining("declares 0 bytes for link 0");
        }
        assertThat(fetched).hasValue(1);
    }

    @Test
    void readerRefusesBlockSizesWhoseSumOverflows() throws IOException {
        // given: four links of 2^62 (+1) bytes, whose sum wraps to 1 and matches the filesize 1
        byte[] leaf = {7};
        Cid leafCid = Cid.of(Cid.RAW, leaf);
        long quarter = 1L << 62;
        List<Long> sizes = List.of(quarter, quarter, quarter, quarter + 1);
        List<DagPbNode.Link> links = new ArrayList<>();
        for (long size : sizes) {
            links.add(new DagPbNode.Link(leafCid, "", size));
        }
        byte[] rootBlock =
                new DagPbNode(links, new UnixFsData(UnixFsData.FILE, null, 1, sizes).encode())
                        .encode();
        Cid rootCid = Cid.of(Cid.DAG_PB, rootBlock);
        Map<Cid, byte[]> blocks = Map.of(leafCid, leaf, rootCid, rootBlock);
        // when / then
        try (InputStream in = new DagReader("test", blocks::get, rootCid, null, 1)) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOf(ContentMismatchException.class)
                    .hasMessageContaining("block sizes that sum past 2^63");
        }
    }

    @Test
    void readerStillReadsTheEmptyFileAsADagPbRoot() throws IOException {
        // given: Kubo's CIDv0 empty file, a dag-pb root with no links and filesize 0
        byte[] rootBlock =
                new DagPbNode(
                                List.of(),
                                new UnixFsData(UnixFsData.FILE, null, 0, List.of()).encode())
                        .encode();
        assertThat(HEX.formatHex(rootBlock)).isEqualTo("0a0408021800");
        Cid rootCid = Cid.of(Cid.DAG_PB, rootBlock);
        // Kubo 0.42.0: `ipfs add -Q` of an empty file, then `ipfs block get` of it
        assertThat(Cid.parse("QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH").toV1())
                .isEqualTo(rootCid);
        // when / then
        try (InputStream in =
                new DagReader("test", Map.of(rootCid, rootBlock)::get, rootCid, null, 1)) {
            assertThat(in.readAllBytes()).isEmpty();
        }
    }

    /** A chain of single-link file nodes {@code depth} links above a one-byte leaf. */
    private static Cid chain(int depth, Map<Cid, byte[]> blocks) {
        byte[] leaf = {42};
        Cid below = Cid.of(Cid.RAW, leaf);
        blocks.put(below, leaf);
        for (int i = 0; i < depth; i++) {
            byte[] node = fileNode(below, 1, 1);
            below = Cid.of(Cid.DAG_PB, node);
            blocks.put(below, node);
        }
        return below;
    }

    @Test
    void readerRefusesADagDeeperThanTheLimit() throws IOException {
        // given: a leaf MAX_DEPTH links below the root reads; one more level is refused
        Map<Cid, byte[]> blocks = new HashMap<>();
        Cid deepest = chain(DagReader.MAX_DEPTH, blocks);
        Cid tooDeep = chain(DagReader.MAX_DEPTH + 1, blocks);
        // when / then
        try (InputStream in = new DagReader("test", blocks::get, deepest, null, 1)) {
            assertThat(in.readAllBytes()).containsExactly(42);
        }
        try (InputStream in = new DagReader("test", blocks::get, tooDeep, null, 1)) {
            assertThatThrownBy(in::readAllBytes)
                    .isInstanceOf(ContentMismatchException.class)
                    .hasMessageContaining("more than " + DagReader.MAX_DEPTH + " links below");
        }
    }

    @Test
    void readerReadsKubosTwoLevelLayoutAheadInParallel() throws IOException {
        // given: 175 chunks, so a root over two interior nodes, read with leaves fetched ahead
        byte[] content = pattern(175 * FileImporter.CHUNK_SIZE + 3);
        Cid[] root = new Cid[1];
        Map<Cid, byte[]> blocks = importInto(content, root);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        // when / then
        try (InputStream in = new DagReader("test", blocks::get, root[0], pool, 8)) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void decodersRefuseLengthsBeyondTheBlock() {
        // field 2 (links) claiming 100 bytes when 2 remain
        assertThatThrownBy(() -> DagPbNode.decode(HEX.parseHex("12640a00")))
                .hasMessageContaining("claims 100 bytes, 2 remain");
        // wire type 5 (fixed32) is not part of dag-pb
        assertThatThrownBy(() -> DagPbNode.decode(HEX.parseHex("0d00000000")))
                .hasMessageContaining("unsupported protobuf wire type 5");
        assertThatThrownBy(() -> DagPbNode.decode(HEX.parseHex("1a00")))
                .hasMessageContaining("unknown field 3");
        assertThatThrownBy(() -> UnixFsData.decode(HEX.parseHex("1801"), 0))
                .hasMessageContaining("without a type");
        assertThatThrownBy(() -> UnixFsData.decode(HEX.parseHex("08022001"), 0))
                .hasMessageContaining("more block sizes than links");
    }
}
