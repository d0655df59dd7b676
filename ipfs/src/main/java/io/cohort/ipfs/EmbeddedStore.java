package io.cohort.ipfs;

import io.cohort.ipfs.unixfs.DagPbNode;
import io.cohort.ipfs.unixfs.DagReader;
import io.cohort.ipfs.unixfs.FileImporter;
import io.cohort.ipfs.unixfs.UnixFsData;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;

/**
 * A content store in a folder, for running without Kubo. It builds the same DAG as {@code ipfs add
 * --cid-version=1 --raw-leaves} and stores each block as a file named by its CID under {@code
 * blocks/<two characters>/}; pins are empty files under {@code pins/}. Blocks are written to a
 * temporary file and moved into place, so a crash never leaves a half-written block under a CID's
 * name; a block damaged on disk afterwards is caught when it is read. The temporary files (in
 * {@code tmp/}) a crash leaves behind are deleted when the store is next opened, once they are
 * older than {@link #STALE_AFTER} (a younger one may be another process's write in progress).
 *
 * <p>Unpinning removes the pin only; blocks stay until the folder is deleted (there is no garbage
 * collector).
 */
public final class EmbeddedStore implements ContentStore {

    private final Path root;
    private final Path blocks;
    private final Path pins;

    /** Where blocks are written before they are moved into place. */
    private final Path unfinished;

    private EmbeddedStore(Path root) {
        this.root = root;
        this.blocks = root.resolve("blocks");
        this.pins = root.resolve("pins");
        this.unfinished = root.resolve("tmp");
    }

    /** How old a block's temporary file must be to be taken as a crash's leftover. */
    static final Duration STALE_AFTER = Duration.ofMinutes(10);

    /**
     * Opens (creating if needed) the store in {@code folder}, deleting the temporary files of block
     * writes a crash interrupted.
     */
    public static EmbeddedStore open(Path folder) throws IOException {
        EmbeddedStore store = new EmbeddedStore(folder.toAbsolutePath());
        Files.createDirectories(store.blocks);
        Files.createDirectories(store.pins);
        Files.createDirectories(store.unfinished);
        store.deleteStaleTemporaries(Instant.now().minus(STALE_AFTER));
        return store;
    }

    /**
     * Deletes the blocks' temporary files (all in {@code tmp/}, so this reads that folder only)
     * last written before {@code before}, as far as it can: a leftover that cannot be listed or
     * deleted (a read-only folder) stays, and the store opens all the same.
     */
    private void deleteStaleTemporaries(Instant before) {
        try (DirectoryStream<Path> tmps = Files.newDirectoryStream(unfinished, ".put-*.tmp")) {
            for (Path tmp : tmps) {
                deleteIfBefore(tmp, before);
            }
        } catch (IOException | DirectoryIteratorException e) {
            // every leftover stays
        }
    }

    private static void deleteIfBefore(Path tmp, Instant before) {
        try {
            if (Files.getLastModifiedTime(tmp, LinkOption.NOFOLLOW_LINKS)
                    .toInstant()
                    .isBefore(before)) {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            // gone meanwhile (its writer moved it into place), or not deletable: it stays
        }
    }

    /** The folder of the store. */
    public Path folder() {
        return root;
    }

    @Override
    public Cid add(InputStream in) throws IOException {
        FileImporter.Result result = FileImporter.importFile(in, this::putBlock);
        pin(result.root());
        return result.root();
    }

    /** Computes the CID of the stream's bytes without storing anything ({@code ipfs add -n}). */
    public static Cid cidOf(InputStream in) throws IOException {
        return FileImporter.importFile(in, (cid, block, length) -> {}).root();
    }

    @Override
    public InputStream read(Cid cid) throws IOException {
        if (!has(cid)) {
            throw new IpfsException(where() + ": " + cid + " is not stored here");
        }
        return new DagReader(where(), this::getBlock, cid, null, 1);
    }

    @Override
    public void pin(Cid cid) throws IOException {
        if (!has(cid)) {
            throw new IpfsException(where() + ": cannot pin " + cid + ": not stored here");
        }
        try {
            Files.createFile(pins.resolve(cid.toV1().toString()));
        } catch (FileAlreadyExistsException already) {
            // pinned twice is pinned
        }
    }

    @Override
    public void unpin(Cid cid) throws IOException {
        try {
            Files.delete(pins.resolve(cid.toV1().toString()));
        } catch (NoSuchFileException e) {
            throw new IpfsException(where() + ": " + cid + " is not pinned");
        }
    }

    /** Whether {@code cid} is pinned here. */
    public boolean isPinned(Cid cid) {
        return Files.exists(pins.resolve(cid.toV1().toString()));
    }

    @Override
    public boolean has(Cid cid) {
        return Files.exists(blockPath(cid));
    }

    @Override
    public Stat stat(Cid cid) throws IOException {
        byte[] block = getBlock(cid);
        if (!cid.matches(block, block.length)) {
            throw new ContentMismatchException(
                    where(), cid, "does not hash to its CID (tampered or truncated)");
        }
        if (cid.codec() == Cid.RAW) {
            return new Stat(cid, block.length, block.length);
        }
        try {
            DagPbNode node = DagPbNode.decode(block);
            UnixFsData fs =
                    UnixFsData.decode(
                            node.data() == null ? new byte[0] : node.data(), node.links().size());
            return new Stat(cid, block.length, fs.fileSize());
        } catch (IllegalArgumentException e) {
            throw new ContentMismatchException(
                    where(), cid, "is not a UnixFS node: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        // nothing held open
    }

    /** The file that holds a block (for tests that damage one on purpose). */
    public Path blockPath(Cid cid) {
        String name = cid.toV1().toString();
        return blocks.resolve(name.substring(name.length() - 3, name.length() - 1)).resolve(name);
    }

    private void putBlock(Cid cid, byte[] block, int length) throws IOException {
        Path target = blockPath(cid);
        if (Files.exists(target) && intact(cid, target)) {
            return;
        }
        // absent, or damaged on disk: adding the same bytes again repairs it
        Files.createDirectories(target.getParent());
        // in tmp/ (the same file system as the blocks, so the move stays atomic)
        Path tmp = Files.createTempFile(unfinished, ".put-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(block, 0, length);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static boolean intact(Cid cid, Path file) {
        try {
            if (Files.size(file) > DagReader.MAX_BLOCK_SIZE) {
                return false;
            }
            byte[] held = Files.readAllBytes(file);
            return cid.matches(held, held.length);
        } catch (IOException e) {
            return false;
        }
    }

    private byte[] getBlock(Cid cid) throws IOException {
        Path path = blockPath(cid);
        long size;
        try {
            size = Files.size(path);
        } catch (NoSuchFileException e) {
            throw new IpfsException(where() + ": block " + cid + " is missing");
        }
        if (size > DagReader.MAX_BLOCK_SIZE) {
            throw new ContentMismatchException(
                    where(), cid, "is " + size + " bytes, above the 2 MiB block limit");
        }
        return Files.readAllBytes(path);
    }

    private String where() {
        return "embedded store " + root;
    }
}
