package io.cohort.ipfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Content-addressed storage of files: Kubo ({@link io.cohort.ipfs.kubo.KuboClient}) or a folder on
 * disk ({@link EmbeddedStore}). Both build the same UnixFS DAG for the same bytes (256 KiB chunks,
 * raw leaves, balanced layout, CIDv1, sha2-256), so a CID names the same content in either.
 *
 * <p>Reads verify every block against its CID before its bytes are handed out: a tampered or
 * truncated block raises {@link ContentMismatchException}, never data.
 */
public interface ContentStore extends AutoCloseable {

    /**
     * Adds the stream's bytes (read to the end, not closed) and pins them; returns the root CID.
     */
    Cid add(InputStream in) throws IOException;

    /** Adds {@code bytes} and pins them. */
    default Cid add(byte[] bytes) throws IOException {
        return add(new java.io.ByteArrayInputStream(bytes));
    }

    /** Adds a file's bytes and pins them. */
    default Cid add(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return add(in);
        }
    }

    /** The file's bytes as a stream, verified block by block as they are read. */
    InputStream read(Cid cid) throws IOException;

    /**
     * Reads a whole file into memory (for small content: models of a few MB, reports).
     *
     * @throws ContentTooLargeException if it holds more than {@code maxBytes}
     */
    default byte[] readAllBytes(Cid cid, int maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException(
                    "maxBytes must be 0 or more, not " + maxBytes + " (reading " + cid + ")");
        }
        try (InputStream in = read(cid)) {
            byte[] bytes = in.readNBytes(maxBytes);
            // one byte more says it is too large (maxBytes + 1 would overflow at the int limit)
            if (in.read() >= 0) {
                throw new ContentTooLargeException(cid, maxBytes);
            }
            return bytes;
        }
    }

    /** Pins the file (recursively) so it is kept. */
    void pin(Cid cid) throws IOException;

    /** Removes the file's pin; its blocks may then be collected. */
    void unpin(Cid cid) throws IOException;

    /** Whether the root block is stored here (without fetching it from anywhere). */
    boolean has(Cid cid) throws IOException;

    /**
     * Whether this store can get content from other nodes now. The default, for a store that holds
     * only what was added to it, is {@link Reach#LOCAL}.
     */
    default Reach reach() throws IOException {
        return Reach.LOCAL;
    }

    /** What a read of content added elsewhere can hope for. */
    enum Reach {
        /**
         * Only what was added here is readable: a folder on disk, a Kubo daemon started {@code
         * --offline}. A CID not held here is nowhere this store can look.
         */
        LOCAL,
        /** Online and connected to at least one peer: content may be fetched from others. */
        CONNECTED,
        /**
         * Online but connected to no peer: content added elsewhere cannot arrive until the node
         * finds peers again.
         */
        ISOLATED
    }

    /** The root block's size and the file size it declares. */
    Stat stat(Cid cid) throws IOException;

    /**
     * What {@link #stat} knows about a stored root block.
     *
     * @param cid the block
     * @param blockSize bytes of the block itself
     * @param fileSize bytes of file content below it
     */
    record Stat(Cid cid, long blockSize, long fileSize) {}

    @Override
    void close() throws IOException;
}
