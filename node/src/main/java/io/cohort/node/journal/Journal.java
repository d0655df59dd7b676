package io.cohort.node.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A node's local journal for one project: what it already did in each round, so a restarted node
 * skips work it has done (training, an IPFS add) and checks the chain before repeating a
 * transaction. The chain is the truth; the journal only saves work.
 *
 * <p>One append-only text file per project, one record per line: {@code <round> <step> <value>},
 * written and forced to disk before {@link #record} returns. A crash can leave at most a torn last
 * line without its newline; it is ignored on open and overwritten by the next record. Any other
 * malformed line is an error naming the file and line: a journal someone edited is not guessed at.
 */
public final class Journal implements AutoCloseable {

    private static final Pattern STEP = Pattern.compile("[a-z][a-z0-9-]{0,63}");
    private static final Pattern VALUE = Pattern.compile("[\\x21-\\x7e]{1,1024}");
    private static final long MAX_BYTES = 64L << 20;

    private final Path file;
    private final FileChannel channel;
    private final Map<Long, Map<String, String>> rounds = new LinkedHashMap<>();

    private Journal(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /**
     * Opens (or creates) the journal of {@code project} in {@code directory}.
     *
     * @param project a name of letters, digits, '.', '_' or '-' (a project id, say)
     * @throws JournalCorruptException if a line other than a torn last one is malformed
     */
    public static Journal open(Path directory, String project) throws IOException {
        if (!project.matches("[A-Za-z0-9._-]{1,100}") || project.startsWith(".")) {
            throw new IllegalArgumentException("not a project name for a journal: " + project);
        }
        Files.createDirectories(directory);
        Path file = directory.resolve(project + ".journal");
        FileChannel channel =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
        Journal journal = new Journal(file, channel);
        try {
            journal.load();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        return journal;
    }

    private void load() throws IOException {
        long size = channel.size();
        if (size > MAX_BYTES) {
            throw new JournalCorruptException(
                    file
                            + ": "
                            + size
                            + " bytes, more than a journal ever holds ("
                            + MAX_BYTES
                            + ")");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) >= 0) {
            // read it all
        }
        String text = new String(buffer.array(), StandardCharsets.US_ASCII);
        int complete = text.lastIndexOf('\n') + 1; // bytes of whole lines; the rest is torn
        String[] lines = text.substring(0, complete).split("\n", -1);
        for (int i = 0; i < lines.length - 1; i++) {
            String[] f = lines[i].split(" ", -1);
            if (f.length != 3
                    || !f[0].matches("\\d{1,18}")
                    || !STEP.matcher(f[1]).matches()
                    || !VALUE.matcher(f[2]).matches()) {
                throw new JournalCorruptException(
                        file
                                + " line "
                                + (i + 1)
                                + " is not '<round> <step> <value>': "
                                + lines[i]);
            }
            rounds.computeIfAbsent(Long.parseLong(f[0]), r -> new LinkedHashMap<>())
                    .put(f[1], f[2]);
        }
        channel.truncate(complete);
        channel.position(complete);
    }

    /** The value recorded for {@code step} of {@code round}, if any (the latest, if several). */
    public synchronized Optional<String> find(long round, String step) {
        Map<String, String> steps = rounds.get(round);
        return Optional.ofNullable(steps == null ? null : steps.get(step));
    }

    /** Whether {@code step} of {@code round} was recorded. */
    public boolean done(long round, String step) {
        return find(round, step).isPresent();
    }

    /**
     * Records {@code value} for {@code step} of {@code round} unless it is already the latest
     * recorded there: a step retried every poll (a post that keeps failing) adds no line each time.
     */
    public synchronized void recordIfChanged(long round, String step, String value) {
        if (!find(round, step).filter(value::equals).isPresent()) {
            record(round, step, value);
        }
    }

    /** The highest round with a record, or -1. */
    public synchronized long lastRound() {
        return rounds.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    /**
     * Appends a record and forces it to disk.
     *
     * @param step lower-case letters, digits and '-' (e.g. {@code trained}, {@code added})
     * @param value printable ASCII without spaces, at most 1024 characters (a CID, a hash)
     */
    public synchronized void record(long round, String step, String value) {
        if (round < 0) {
            throw new IllegalArgumentException("round must be non-negative, got " + round);
        }
        if (!STEP.matcher(step).matches()) {
            throw new IllegalArgumentException("not a journal step name: " + step);
        }
        if (!VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "a journal value is 1 to 1024 printable characters without spaces: " + value);
        }
        byte[] line = (round + " " + step + " " + value + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the journal " + file, e);
        }
        rounds.computeIfAbsent(round, r -> new LinkedHashMap<>()).put(step, value);
    }

    /** The journal's file. */
    public Path file() {
        return file;
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }
}
