package io.cohort.marketplace.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.cohort.marketplace.JsonLines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * <p>One JSON object per line ({@link JsonLines}), appended and forced to disk before the
 * transaction it names is broadcast: who asked, under which key, the SHA-256 of the request, the
 * {@code createProject} transaction and what the launch did (its project null until the transaction
 * is mined). A later line for the same asker and key replaces the earlier; one without a
 * transaction forgets the key (its transaction reverted, or can no longer be mined).
 */
final class LaunchLedger {

    /** What an {@code Idempotency-Key} may be. */
    static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    static final String FILE = "launches.jsonl";

    private static final long MAX_BYTES = 64L << 20;

    /**
     * One launch: who asked under which key, the request's SHA-256 (hex), its {@code createProject}
     * transaction (hash, nonce, and the signed bytes while it is not mined, to broadcast again if
     * the node loses it), what it did, and the hashes of the transactions it replaced at the same
     * nonce (any one of which a node may still mine; null in lines written before replacements).
     * {@code transaction} and what follows are null in a line that forgets the key.
     */
    @JsonIgnoreProperties(ignoreUnknown = true) // a line a later version wrote
    record Entry(
            String by,
            String key,
            String request,
            String transaction,
            String nonce,
            String raw,
            Launcher.Launched launched,
            // left out until there is one, so an earlier version still reads the line
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> replaced) {

        /** What {@code by} asks under {@code key}, before anything is sent. */
        static Entry asked(String by, String key, String request) {
            return new Entry(by, key, request, null, null, null, null, null);
        }

        /** Whether its transaction was mined and created the project. */
        boolean mined() {
            return launched != null && launched.project() != null;
        }

        /** The same ask with its signed transaction, not yet mined. */
        Entry sent(String transaction, String nonce, String raw, Launcher.Launched pending) {
            return new Entry(by, key, request, transaction, nonce, raw, pending, null);
        }

        /**
         * The same ask, its transaction (or one it replaced) mined: what it did, under the mined
         * one's hash (the signed bytes are let go).
         */
        Entry done(Launcher.Launched launched) {
            String mined =
                    launched.transactionHash() == null ? transaction : launched.transactionHash();
            return new Entry(by, key, request, mined, nonce, null, launched, replaced);
        }

        /** The same ask, its transaction signed again at its nonce as {@code transaction}. */
        Entry replacedBy(String transaction, String raw) {
            return new Entry(by, key, request, transaction, nonce, raw, launched, signed());
        }

        /** Every transaction signed for it, the ones it replaced first, its own last. */
        List<String> signed() {
            List<String> all = new ArrayList<>(replaced == null ? List.of() : replaced);
            all.add(transaction);
            return all;
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
        int lines =
                JsonLines.read(
                        file,
                        MAX_BYTES,
                        Entry.class,
                        "ledger entry",
                        (e, line) -> {
                            if (e.by() == null || e.key() == null || e.request() == null) {
                                throw new IOException(
                                        file + " line " + line + " lacks by, key or request");
                            }
                            if (e.transaction() != null && e.launched() == null) {
                                throw new IOException(
                                        file
                                                + " line "
                                                + line
                                                + " names a transaction but not its launch");
                            }
                            if (e.nonce() != null && !e.nonce().matches("[0-9]{1,78}")) {
                                throw new IOException(
                                        file + " line " + line + " has a nonce that is no number");
                            }
                            ledger.apply(e);
                        });
        if (lines > 2 * ledger.entries.size() + COMPACT_SLACK) {
            JsonLines.rewrite(file, ledger.entries.values());
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
     * The entries, of any key, whose transaction the operator {@code owner} signed at {@code
     * nonce}.
     */
    synchronized List<Entry> atNonce(String owner, String nonce) {
        return entries.values().stream()
                .filter(
                        e ->
                                nonce.equals(e.nonce())
                                        && e.launched() != null
                                        && owner.equalsIgnoreCase(e.launched().owner()))
                .toList();
    }

    /**
     * Records an entry on disk, forced, then in memory.
     *
     * @throws IOException if it could not be written; the file is as it was before
     */
    synchronized void put(Entry e) throws IOException {
        JsonLines.append(file, e);
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

    private static String id(String by, String key) {
        return by.toLowerCase(java.util.Locale.ROOT) + " " + key;
    }
}
