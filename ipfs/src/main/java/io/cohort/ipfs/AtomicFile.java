package io.cohort.ipfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file whole: the bytes go to {@code <file>.tmp} beside it, which is then moved over the
 * file, so a crash leaves either the old content or the new, never a torn mix. A file system
 * without atomic moves gets a plain replacing move. One writer per file at a time (the fixed
 * temporary name is what lets a crash's leftover be overwritten rather than pile up): the node's
 * journals, the marketplace's ledgers and index cursor. {@link EmbeddedStore}, whose blocks may be
 * put by several threads at once and are never replaced, keeps its own unique temporaries.
 */
public final class AtomicFile {

    private AtomicFile() {}

    /**
     * Writes {@code bytes} as the whole of {@code file}.
     *
     * @param force whether the bytes reach the disk before the move, for files whose loss after a
     *     power cut costs more than a redone step (a transaction in flight)
     */
    public static void write(Path file, byte[] bytes, boolean force) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out =
                FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            if (force) {
                out.force(true);
            }
        }
        try {
            Files.move(
                    tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
