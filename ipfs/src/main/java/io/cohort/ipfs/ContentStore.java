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
        try (InputStream in = read(cid)) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
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
