package io.cohort.ipfs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
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
        write(file, out -> out.write(bytes), force);
    }

    /** What {@link #write(Path, Content, boolean)} streams into the temporary file. */
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes what {@code content} streams as the whole of {@code file}, without holding it in
     * memory (a large file: an evaluator's saved policy).
     *
     * @param force as for {@link #write(Path, byte[], boolean)}
     */
    public static void write(Path file, Content content, boolean force) throws IOException {
        Path tmp = temporary(file);
        try (FileChannel channel =
                        FileChannel.open(
                                tmp,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE,
                                StandardOpenOption.TRUNCATE_EXISTING);
                OutputStream out =
                        new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
            content.writeTo(out);
            out.flush();
            if (force) {
                channel.force(true);
            }
        }
        try {
            Files.move(
                    tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** The temporary {@code <file>.tmp} a write goes to before it is moved over {@code file}. */
    public static Path temporary(Path file) {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }
}
