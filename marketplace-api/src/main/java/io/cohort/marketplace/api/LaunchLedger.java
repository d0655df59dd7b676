package io.cohort.marketplace.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The launches asked with an {@code Idempotency-Key}, kept on disk so that a client that lost an
 * answer (a receipt wait that timed out, a dropped connection, a restarted API) can ask again and
 * learn what its first request did, instead of funding a second project.
 *
 * <p>One JSON object per line, appended and forced to disk before the transaction it names is
 * broadcast: who asked, under which key, the SHA-256 of the request, the {@code createProject}
 * transaction and what the launch did (its project null until the transaction is mined). A later
 * line for the same asker and key replaces the earlier; one without a transaction forgets the key
 * (its transaction reverted, or can no longer be mined). A crash can tear only the last line, which
 * is cut off when the ledger is opened; any other unreadable line is an error naming the file and
 * line.
 */
final class LaunchLedger {

    /** What an {@code Idempotency-Key} may be. */
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    static final String FILE = "launches.jsonl";

    private static final long MAX_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One launch: who asked under which key, the request's SHA-256 (hex), its {@code createProject}
     * transaction (hash, nonce, and the signed bytes while it is not mined, to broadcast again if
     * the node loses it) and what it did. {@code transaction} and what follows are null in a line
     * that forgets the key.
     */
    record Entry(
            String by,
            String key,
            String request,
            String transaction,
            String nonce,
            String raw,
            Launcher.Launched launched) {

        /** What {@code by} asks under {@code key}, before anything is sent. */
        static Entry asked(String by, String key, String request) {
            return new Entry(by, key, request, null, null, null, null);
        }

        /** Whether its transaction was mined and created the project. */
        boolean mined() {
            return launched != null && launched.project() != null;
        }

        /** The same ask with its signed transaction, not yet mined. */
        Entry sent(String transaction, String nonce, String raw, Launcher.Launched pending) {
            return new Entry(by, key, request, transaction, nonce, raw, pending);
        }

        /** The same ask, its transaction mined: what it did (the signed bytes are let go). */
        Entry done(Launcher.Launched launched) {
            return new Entry(by, key, request, transaction, nonce, null, launched);
        }
    }

    private final Path file;
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private LaunchLedger(Path file) {
        this.file = file;
    }

    /**
     * Reads the ledger at {@code file}, or starts an empty one if there is none. A file with many
     * more lines than keys is rewritten with one line per key.
     */
    static LaunchLedger open(Path file) throws IOException {
        LaunchLedger ledger = new LaunchLedger(file);
        if (!Files.exists(file)) {
            return ledger;
        }
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new IOException(
                    file
                            + " is "
                            + size
                            + " bytes, more than a launch ledger may be ("
                            + MAX_BYTES
                            + ")");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            boolean torn = i == lines.size() - 1 && !text.endsWith("\n");
            Entry e;
            try {
                e = JSON.readValue(lines.get(i), Entry.class);
            } catch (JsonProcessingException ex) {
                if (torn) { // a crash mid-append: cut it off, so the next line starts clean
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                        ch.truncate(
                                text.substring(0, text.lastIndexOf('\n') + 1)
                                        .getBytes(StandardCharsets.UTF_8)
                                        .length);
                    }
                    break;
                }
                throw new IOException(file + " line " + (i + 1) + " is no ledger entry", ex);
            }
            if (e.by() == null || e.key() == null || e.request() == null) {
                throw new IOException(file + " line " + (i + 1) + " lacks by, key or request");
            }
            ledger.apply(e);
            if (torn) { // whole but for its newline
                Files.writeString(file, "\n", StandardOpenOption.APPEND);
            }
        }
        if (lines.size() > 2 * ledger.entries.size() + COMPACT_SLACK) {
            ledger.compact();
        }
        return ledger;
    }

    /** Lines beyond two per key that a ledger may hold before it is rewritten on open. */
    static final int COMPACT_SLACK = 64;

    /** The launch {@code by} asked under {@code key}, if any. */
    synchronized Optional<Entry> find(String by, String key) {
        return Optional.ofNullable(entries.get(id(by, key)));
    }

    /**
     * Records an entry on disk, forced, then in memory.
     *
     * @throws IOException if it could not be written; the file is as it was before
     */
    synchronized void put(Entry e) throws IOException {
        append(e);
        apply(e);
    }

    /** Forgets what {@code by} asked under {@code key}: the key may launch afresh. */
    synchronized void forget(Entry e) throws IOException {
        put(Entry.asked(e.by(), e.key(), e.request()));
    }

    /** How many lines the file holds now. */
    synchronized long lines() throws IOException {
        try (var l = Files.lines(file)) {
            return l.count();
        }
    }

    private void apply(Entry e) {
        if (e.transaction() == null) {
            entries.remove(id(e.by(), e.key()));
        } else {
            entries.put(id(e.by(), e.key()), e);
        }
    }

    private static byte[] line(Entry e) throws IOException {
        return (JSON.writeValueAsString(e) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private void append(Entry e) throws IOException {
        byte[] line = line(e);
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
            } catch (IOException ex) {
                try {
                    out.truncate(before); // no half line for the next append to join
                } catch (IOException cut) {
                    ex.addSuppressed(cut);
                }
                throw ex;
            }
        }
    }

    /** Rewrites the file with one line per key, in their first order. */
    private void compact() throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        for (Entry e : entries.values()) {
            all.write(line(e));
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel out =
                FileChannel.open(
                        tmp,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(all.toByteArray());
            while (b.hasRemaining()) {
                out.write(b);
            }
            out.force(true);
        }
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String id(String by, String key) {
        return by.toLowerCase(java.util.Locale.ROOT) + " " + key;
    }
}
