package io.cohort.marketplace;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.ipfs.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Append-only files of one JSON object per line, as the marketplace keeps its launch ledger and
 * projects' terms. An append is one write of the line and its newline, forced to disk before it
 * returns; if it fails, the file is cut back to where it was. So a line without its newline was
 * never acknowledged (a crash mid-append): reading drops it and cuts it off, and the next append
 * starts clean. Any other line that does not parse is an error naming the file and line.
 */
public final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {}

    /** What is done with each line read. */
    @FunctionalInterface
    public interface Each<T> {
        /**
         * @param line its line number, from 1
         * @throws IOException to refuse the file (name the line)
         */
        void accept(T value, int line) throws IOException;
    }

    /**
     * Reads every acknowledged line of {@code file} (none if there is no file) as a {@code type},
     * in order, and cuts off a torn last line.
     *
     * @param what what a line holds, for the error about one that does not parse
     * @return how many lines there were
     * @throws IOException if the file is over {@code maxBytes} or a line does not parse
     */
    public static <T> int read(Path file, long maxBytes, Class<T> type, String what, Each<T> each)
            throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw new IOException(file + " is " + size + " bytes, more than " + maxBytes);
        }
        byte[] all = Files.readAllBytes(file);
        int complete = all.length;
        while (complete > 0 && all[complete - 1] != '\n') {
            complete--;
        }
        String text = new String(all, 0, complete, StandardCharsets.UTF_8);
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            T value;
            try {
                value = JSON.readValue(line, type);
            } catch (JsonProcessingException e) {
                throw new IOException(file + " line " + n + " is no " + what, e);
            }
            if (value == null) {
                throw new IOException(file + " line " + n + " is no " + what);
            }
            each.accept(value, n);
        }
        if (complete < all.length) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(complete);
            }
        }
        return text.isEmpty() ? 0 : n;
    }

    /**
     * Appends {@code value} as one line and forces it to disk.
     *
     * @throws IOException if it could not; the file is then as it was
     */
    public static void append(Path file, Object value) throws IOException {
        byte[] line = line(value);
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (FileChannel out =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long before = out.size();
            try {
                ByteBuffer b = ByteBuffer.wrap(line);
                long at = before;
                while (b.hasRemaining()) {
                    at += out.write(b, at);
                }
                out.force(true);
            } catch (IOException e) {
                try {
                    out.truncate(before); // no half line for the next append to join
                } catch (IOException cut) {
                    e.addSuppressed(cut);
                }
                throw e;
            }
        }
    }

    /**
     * Replaces {@code file} with {@code values}, one per line: written to a temporary file beside
     * it, forced, and moved into place, so a crash leaves the old file or the new.
     */
    public static void rewrite(Path file, Iterable<?> values) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Object v : values) {
            all.write(line(v));
        }
        AtomicFile.write(file, all.toByteArray(), true);
    }

    private static byte[] line(Object value) throws IOException {
        return (JSON.writeValueAsString(value) + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
