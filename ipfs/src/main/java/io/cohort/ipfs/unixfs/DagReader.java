package io.cohort.ipfs.unixfs;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentMismatchException;
import io.cohort.ipfs.IpfsException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Streams a UnixFS file from its blocks, verifying each block against its CID before any of its
 * bytes are handed out, and checking every size the DAG declares (a truncated or padded leaf is an
 * error). Interior nodes are fetched as the walk reaches them; up to {@code window} leaves ahead
 * are fetched in parallel on {@code executor} when one is given, so a remote store streams at its
 * bandwidth rather than its latency. Memory stays at {@code window} blocks.
 */
public final class DagReader extends InputStream {

    /** The largest block accepted (Kubo refuses to exchange blocks above 2 MiB). */
    public static final int MAX_BLOCK_SIZE = 2 * 1024 * 1024;

    /**
     * The most links between the root and any block. Kubo's balanced layout puts every leaf of a
     * file up to 240 TB (174^4 chunks of 256 KiB) 4 links below its root.
     */
    public static final int MAX_DEPTH = 32;

    /** Fetches a block's bytes by CID; the reader verifies them. */
    @FunctionalInterface
    public interface BlockSource {
        byte[] get(Cid cid) throws IOException;
    }

    /**
     * Opens the file's bytes as one stream in file order (Kubo's {@code cat}). The reader then
     * fetches only interior nodes as blocks and cuts the stream into leaves at the sizes those
     * nodes declare, verifying each leaf against its CID before handing it out: one connection
     * instead of one request per block.
     */
    @FunctionalInterface
    public interface SequentialSource {
        InputStream open() throws IOException;
    }

    /** A block to read: its CID, the file bytes its parent declares (-1: none), its depth. */
    private record Pending(Cid cid, long expectedSize, int depth) {}

    private record Frame(Iterator<DagPbNode.Link> links, Iterator<Long> sizes, int depth) {}

    private final String where;
    private final BlockSource source;
    private final Executor executor;
    private final int window;
    private final Deque<Frame> stack = new ArrayDeque<>();
    private final Deque<Pending> rootPending = new ArrayDeque<>();
    private final Deque<Fetch> ahead = new ArrayDeque<>();
    private byte[] current = new byte[0];
    private int currentOffset;
    private int currentEnd;
    private boolean closed;
    private long visited;
    private long produced;
    private final SequentialSource sequential;
    private InputStream stream;
    private boolean streamGone;

    private record Fetch(Pending pending, CompletableFuture<byte[]> block) {}

    /**
     * @param where names the store in errors (an endpoint or a folder)
     * @param executor runs leaf fetches ahead; null fetches each leaf when it is needed
     */
    public DagReader(String where, BlockSource source, Cid root, Executor executor, int window) {
        this(where, source, null, root, executor, window);
    }

    /**
     * A reader that takes leaves from {@code sequential} and interior nodes from {@code source}.
     */
    public DagReader(String where, BlockSource source, SequentialSource sequential, Cid root) {
        this(where, source, sequential, root, null, 1);
    }

    private DagReader(
            String where,
            BlockSource source,
            SequentialSource sequential,
            Cid root,
            Executor executor,
            int window) {
        this.where = where;
        this.source = source;
        this.sequential = sequential;
        this.executor = executor;
        this.window = Math.max(1, window);
        rootPending.add(new Pending(root, -1, 0));
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException(where + ": stream closed");
        }
        if (len == 0) {
            return 0;
        }
        while (currentOffset == currentEnd) {
            if (!advance()) {
                return -1;
            }
        }
        int n = Math.min(len, currentEnd - currentOffset);
        System.arraycopy(current, currentOffset, b, off, n);
        currentOffset += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        for (Fetch f : ahead) {
            f.block().cancel(true);
        }
        ahead.clear();
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // nothing more will be read from it
            }
        }
    }

    /** Moves to the next piece of file data; false at the end of the file. */
    private boolean advance() throws IOException {
        fillAhead();
        Fetch fetch = ahead.poll();
        if (fetch == null) {
            if (stream != null && stream.read() >= 0) {
                throw new IpfsException(
                        where + ": the stream holds more bytes than the DAG declares");
            }
            return false;
        }
        byte[] block = await(fetch);
        Pending p = fetch.pending();
        verify(p.cid(), block);
        visited++;
        if (p.cid().codec() == Cid.RAW) {
            checkSize(p, block.length);
            setCurrent(block, 0, block.length);
            checkWork(p);
            return true;
        }
        DagPbNode node;
        UnixFsData fs;
        try {
            node = DagPbNode.decode(block);
            if (node.data() == null) {
                throw new IllegalArgumentException("dag-pb node without UnixFS data");
            }
            fs = UnixFsData.decode(node.data(), node.links().size());
        } catch (IllegalArgumentException e) {
            throw new ContentMismatchException(
                    where, p.cid(), "is not a UnixFS file node: " + e.getMessage());
        }
        if (fs.type() != UnixFsData.FILE && fs.type() != UnixFsData.RAW) {
            throw new ContentMismatchException(
                    where, p.cid(), "is UnixFS type " + fs.type() + ", not a file");
        }
        if (fs.blockSizes().size() != node.links().size()) {
            throw new ContentMismatchException(
                    where,
                    p.cid(),
                    "declares "
                            + fs.blockSizes().size()
                            + " block sizes for "
                            + node.links().size()
                            + " links");
        }
        long inline = fs.data() == null ? 0 : fs.data().length;
        long declared = inline;
        for (int i = 0; i < fs.blockSizes().size(); i++) {
            long size = fs.blockSizes().get(i);
            // A link to no bytes is never written by Kubo (only a whole file may be empty), and
            // allowing it lets a small DAG of empty leaves make a read walk 8192^3 blocks and
            // produce nothing.
            if (size <= 0) {
                throw new ContentMismatchException(
                        where, p.cid(), "declares " + size + " bytes for link " + i);
            }
            if (declared > Long.MAX_VALUE - size) {
                throw new ContentMismatchException(
                        where, p.cid(), "declares block sizes that sum past 2^63 bytes");
            }
            declared += size;
        }
        if (fs.fileSize() >= 0 && fs.fileSize() != declared) {
            throw new ContentMismatchException(
                    where,
                    p.cid(),
                    "declares file size " + fs.fileSize() + " but its parts sum to " + declared);
        }
        checkSize(p, declared);
        if (!node.links().isEmpty()) {
            if (p.depth() == MAX_DEPTH) {
                throw new ContentMismatchException(
                        where,
                        p.cid(),
                        "links to blocks more than " + MAX_DEPTH + " links below the root");
            }
            stack.push(
                    new Frame(node.links().iterator(), fs.blockSizes().iterator(), p.depth() + 1));
        }
        if (inline > 0) {
            if (sequential != null && !streamGone) {
                // the stream carries the inline bytes too: they must be the same
                byte[] streamed = streamBytes(p, fs.data().length);
                if (streamed != null && !java.util.Arrays.equals(streamed, fs.data())) {
                    throw new ContentMismatchException(
                            where, p.cid(), "inline data differs from the stream");
                }
            }
            setCurrent(fs.data(), 0, fs.data().length);
        }
        checkWork(p);
        return true; // with no data in this node itself, the caller loops to its children
    }

    /** Queues fetches of the next blocks in file order, up to the window (interior nodes too). */
    private void fillAhead() {
        while (ahead.size() < window) {
            Pending next = nextPending();
            if (next == null) {
                return;
            }
            CompletableFuture<byte[]> f;
            if (executor == null) {
                f = new CompletableFuture<>();
                f.complete(null); // fetched lazily in await
            } else {
                try {
                    f = CompletableFuture.supplyAsync(() -> fetch(next.cid()), executor);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the client was closed under this reader: a read error, not an unchecked one
                    f =
                            CompletableFuture.failedFuture(
                                    new java.io.UncheckedIOException(
                                            new IpfsException(
                                                    where
                                                            + ": the client was closed while the"
                                                            + " file was read (at "
                                                            + next.cid()
                                                            + ")")));
                }
            }
            ahead.add(new Fetch(next, f));
            if (next.cid().codec() == Cid.DAG_PB) {
                return; // its children are only known once it arrives
            }
        }
    }

    private Pending nextPending() {
        if (!rootPending.isEmpty()) {
            return rootPending.poll();
        }
        if (!ahead.isEmpty() && ahead.peekLast().pending().cid().codec() == Cid.DAG_PB) {
            return null; // wait for that node before walking past it
        }
        while (!stack.isEmpty()) {
            Frame top = stack.peek();
            if (top.links().hasNext()) {
                return new Pending(top.links().next().cid(), top.sizes().next(), top.depth());
            }
            stack.pop();
        }
        return null;
    }

    private byte[] fetch(Cid cid) {
        try {
            return source.get(cid);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private byte[] await(Fetch fetch) throws IOException {
        try {
            byte[] block = fetch.block().get();
            if (block != null) {
                return block;
            }
            Pending p = fetch.pending();
            if (sequential != null
                    && !streamGone
                    && p.cid().codec() == Cid.RAW
                    && p.expectedSize() >= 0) {
                byte[] streamed = streamBytes(p, p.expectedSize());
                if (streamed != null) {
                    return streamed;
                }
            }
            return source.get(p.cid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(
                    where + ": interrupted reading " + fetch.pending().cid());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.io.UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IpfsException(
                    where + ": reading " + fetch.pending().cid() + " failed: " + cause, cause);
        }
    }

    /**
     * The next {@code size} bytes of the sequential stream (the leaf {@code p}), or null when the
     * stream failed or ended early: Kubo reports an error met mid-stream (a block it cannot find)
     * only in a trailer, so a short stream says nothing about the content. The stream is then
     * dropped and this and every later block is fetched on its own, where a missing block gets its
     * own clear error.
     */
    private byte[] streamBytes(Pending p, long size) throws IOException {
        if (size > MAX_BLOCK_SIZE) {
            throw new ContentMismatchException(
                    where, p.cid(), "is declared " + size + " bytes, above the 2 MiB block limit");
        }
        byte[] bytes;
        try {
            if (stream == null) {
                stream = sequential.open();
            }
            bytes = stream.readNBytes((int) size);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            bytes = null;
        }
        if (bytes == null || bytes.length < size) {
            streamGone = true;
            if (stream != null) {
                try {
                    stream.close();
                } catch (IOException e) {
                    // dropped either way
                }
                stream = null;
            }
            return null;
        }
        return bytes;
    }

    private void verify(Cid cid, byte[] block) throws IOException {
        if (block.length > MAX_BLOCK_SIZE) {
            throw new ContentMismatchException(
                    where, cid, "is " + block.length + " bytes, above the 2 MiB block limit");
        }
        if (!cid.matches(block, block.length)) {
            throw new ContentMismatchException(
                    where, cid, "does not hash to its CID (tampered or truncated)");
        }
    }

    private void checkSize(Pending p, long actual) throws IOException {
        if (p.expectedSize() >= 0 && p.expectedSize() != actual) {
            throw new ContentMismatchException(
                    where,
                    p.cid(),
                    "holds " + actual + " file bytes, its parent declares " + p.expectedSize());
        }
    }

    /**
     * A backstop that keeps the work of a read linear in what it produces. With every link
     * declaring at least one byte, each block is a leaf that yields a byte or one of at most {@link
     * #MAX_DEPTH} ancestors of the next such leaf, so no DAG the checks above accept can trip it;
     * it stays in case they are ever loosened.
     */
    private void checkWork(Pending p) throws IOException {
        if (visited > (MAX_DEPTH + 1L) * (produced + 1)) {
            throw new ContentMismatchException(
                    where,
                    p.cid(),
                    "is block " + visited + " read for " + produced + " bytes of file");
        }
    }

    private void setCurrent(byte[] bytes, int from, int to) {
        produced += to - from;
        current = bytes;
        currentOffset = from;
        currentEnd = to;
    }
}
