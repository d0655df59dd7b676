package io.cohort.ipfs.unixfs;

import io.cohort.ipfs.Cid;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a byte stream into a UnixFS file DAG exactly as {@code ipfs add --cid-version=1
 * --raw-leaves --chunker=size-262144} does (Kubo's defaults for CIDv1): fixed 256 KiB chunks stored
 * as raw leaves, the balanced layout with at most 174 links per node, dag-pb interior nodes, CIDv1
 * with sha2-256. A single chunk (and the empty file) is its own raw root.
 *
 * <p>It reads the stream once and keeps only the current chunk and one list of links per tree
 * level, so a file of any size imports in constant memory. Each block goes to a {@link BlockSink}
 * as soon as it is complete, leaves before their parents.
 */
public final class FileImporter {

    /** Chunk size of Kubo's default chunker ({@code size-262144}). */
    public static final int CHUNK_SIZE = 256 * 1024;

    /** Links per interior node of Kubo's balanced layout. */
    public static final int MAX_LINKS = 174;

    /** Receives every block of the DAG. */
    @FunctionalInterface
    public interface BlockSink {
        void put(Cid cid, byte[] block, int length) throws IOException;
    }

    /**
     * The outcome of an import.
     *
     * @param root the file's CID
     * @param size bytes of file content
     * @param blocks blocks written
     */
    public record Result(Cid root, long size, long blocks) {}

    private final InputStream in;
    private final BlockSink sink;
    private byte[] chunk = new byte[CHUNK_SIZE];
    private int chunkLength;
    private byte[] next = new byte[CHUNK_SIZE];
    private int nextLength;
    private long size;
    private long blocks;

    private FileImporter(InputStream in, BlockSink sink) {
        this.in = in;
        this.sink = sink;
    }

    /** Imports {@code in} (read to its end, not closed), writing every block to {@code sink}. */
    public static Result importFile(InputStream in, BlockSink sink) throws IOException {
        FileImporter importer = new FileImporter(in, sink);
        Child root = importer.layout();
        return new Result(root.cid(), importer.size, importer.blocks);
    }

    /** A finished child: its CID, file bytes below it and its cumulative block size. */
    private record Child(Cid cid, long fileSize, long tsize) {}

    /** Kubo's balanced layout: grow the tree one level at a time, filling each level fully. */
    private Child layout() throws IOException {
        nextLength = readChunk(next);
        Child root = leaf();
        for (int depth = 1; !done(); depth++) {
            List<Child> children = new ArrayList<>();
            children.add(root);
            root = fill(children, depth);
        }
        return root;
    }

    /** Fills a node whose first children are given with children of {@code depth - 1}. */
    private Child fill(List<Child> children, int depth) throws IOException {
        while (children.size() < MAX_LINKS && !done()) {
            if (depth == 1) {
                children.add(leaf());
            } else {
                children.add(fill(new ArrayList<>(), depth - 1));
            }
        }
        return node(children);
    }

    private boolean done() {
        return nextLength == 0;
    }

    private Child leaf() throws IOException {
        byte[] t = chunk;
        chunk = next;
        chunkLength = nextLength;
        next = t;
        nextLength = chunkLength == CHUNK_SIZE ? readChunk(next) : 0;
        Cid cid = Cid.of(Cid.RAW, chunk, 0, chunkLength);
        sink.put(cid, chunk, chunkLength);
        blocks++;
        size += chunkLength;
        return new Child(cid, chunkLength, chunkLength);
    }

    private Child node(List<Child> children) throws IOException {
        List<DagPbNode.Link> links = new ArrayList<>(children.size());
        List<Long> sizes = new ArrayList<>(children.size());
        long fileSize = 0;
        long tsize = 0;
        for (Child c : children) {
            links.add(new DagPbNode.Link(c.cid(), "", c.tsize()));
            sizes.add(c.fileSize());
            fileSize += c.fileSize();
            tsize += c.tsize();
        }
        byte[] data = new UnixFsData(UnixFsData.FILE, null, fileSize, sizes).encode();
        byte[] block = new DagPbNode(links, data).encode();
        Cid cid = Cid.of(Cid.DAG_PB, block);
        sink.put(cid, block, block.length);
        blocks++;
        return new Child(cid, fileSize, tsize + block.length);
    }

    /** Reads a full chunk unless the stream ends first; returns its length. */
    private int readChunk(byte[] into) throws IOException {
        int n = 0;
        while (n < CHUNK_SIZE) {
            int r = in.read(into, n, CHUNK_SIZE - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n;
    }
}
