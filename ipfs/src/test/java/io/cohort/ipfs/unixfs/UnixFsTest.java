package io.cohort.ipfs.unixfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentMismatchException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
            assertThatThrownBy(in::readAllBytes)
                    .hasMessageContaining("the stream ended 1 bytes early");
        }
        byte[] longer = java.util.Arrays.copyOf(content, content.length + 1);
        try (InputStream in =
                new DagReader(
                        "test", blocks::get, () -> new ByteArrayInputStream(longer), root[0])) {
            assertThatThrownBy(in::readAllBytes)
                    .hasMessageContaining("more bytes than the DAG declares");
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
