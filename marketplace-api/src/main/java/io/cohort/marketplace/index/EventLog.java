package io.cohort.marketplace.index;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.ipfs.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * The indexer's persistent state, in its folder: {@code events.jsonl}, every market log indexed so
 * far with its block's hash (one JSON object per line, forced to disk before the cursor moves), and
 * {@code cursor}, the next block to read with the time and hash of the last one read ({@code
 * next-block <n> time <t> hash <h>}, replaced atomically). A restarted indexer replays the log into
 * memory and goes on from the cursor, without reading the chain from the start. A crash between the
 * two writes makes the next range come again: the index skips logs it already has.
 */
final class EventLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path events;
    private final Path cursor;
    private final FileChannel out;

    private EventLog(Path dir) throws IOException {
        Files.createDirectories(dir);
        this.events = dir.resolve("events.jsonl");
        this.cursor = dir.resolve("cursor");
        this.out =
                FileChannel.open(
                        events,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
    }

    static EventLog open(Path dir) throws IOException {
        return new EventLog(dir);
    }

    /**
     * The longest line read: a log's data is bounded by a block's gas (a few MB, twice that in
     * hex), so a longer line is damage, refused before it is held.
     */
    static final int MAX_LINE_BYTES = 16 << 20;

    /** What {@link #scan} does with one complete line; false stops the scan before it. */
    private interface LineVisitor {
        boolean line(String line, long lineNo) throws IOException;
    }

    /**
     * Visits the complete lines of {@code events.jsonl} in order, reading it in chunks (it is never
     * held whole), until {@code visit} says stop.
     *
     * @return where the line it stopped before begins, or else where the last complete line ends (a
     *     torn line after it is not visited)
     */
    private long scan(LineVisitor visit) throws IOException {
        try (FileChannel in = FileChannel.open(events, StandardOpenOption.READ)) {
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
            long consumed = 0;
            long lineStart = 0;
            long lineNo = 0;
            while (in.read(chunk) > 0) {
                byte[] a = chunk.array();
                int n = chunk.position();
                int from = 0;
                for (int i = 0; i < n; i++) {
                    if (a[i] != '\n') {
                        continue;
                    }
                    lineNo++;
                    append(line, a, from, i - from, lineNo);
                    if (!visit.line(line.toString(StandardCharsets.UTF_8), lineNo)) {
                        return lineStart;
                    }
                    line.reset();
                    lineStart = consumed + i + 1;
                    from = i + 1;
                }
                append(line, a, from, n - from, lineNo + 1);
                consumed += n;
                chunk.clear();
            }
            return lineStart;
        }
    }

    private void append(java.io.ByteArrayOutputStream line, byte[] a, int from, int length, long no)
            throws IOException {
        if (line.size() + (long) length > MAX_LINE_BYTES) {
            throw new IOException(
                    events + " line " + no + " is longer than " + MAX_LINE_BYTES + " bytes");
        }
        line.write(a, from, length);
    }

    /** The logs written so far, in order; a torn last line (a crash mid-write) is left out. */
    List<Log> read() throws IOException {
        List<Log> logs = new ArrayList<>();
        long complete =
                scan(
                        (line, lineNo) -> {
                            if (!line.isEmpty()) {
                                logs.add(parse(line, lineNo));
                            }
                            return true;
                        });
        if (complete < Files.size(events)) {
            out.truncate(complete); // drop the torn line so the next append starts clean
        }
        return logs;
    }

    private Log parse(String line, long lineNo) throws IOException {
        try {
            JsonNode n = JSON.readTree(line);
            if (n == null
                    || !n.path("block").canConvertToExactIntegral()
                    || n.path("block").asLong(-1) < 0
                    || !n.path("index").canConvertToExactIntegral()
                    || n.path("index").asLong(-1) < 0
                    || !n.path("tx").isTextual()
                    || !n.path("data").isTextual()
                    || !n.path("topics").isArray()
                    || n.path("topics").isEmpty()) {
                // a line that lost a field would be applied as block 0 with no event
                throw new IOException(
                        "a log needs block, index, tx, data and topics: " + abbreviate(line));
            }
            Log log = new Log();
            log.setBlockNumber(
                    Numeric.toHexStringWithPrefix(
                            java.math.BigInteger.valueOf(n.path("block").asLong())));
            log.setLogIndex(
                    Numeric.toHexStringWithPrefix(
                            java.math.BigInteger.valueOf(n.path("index").asLong())));
            log.setTransactionHash(n.path("tx").asText());
            log.setData(n.path("data").asText());
            if (n.path("hash").isTextual()) { // lines written before hashes were kept lack it
                log.setBlockHash(n.path("hash").asText());
            }
            List<String> topics = new ArrayList<>();
            n.path("topics").forEach(t -> topics.add(t.asText()));
            log.setTopics(topics);
            return log;
        } catch (IOException e) {
            throw new IOException(events + " line " + lineNo + " is not an indexed log", e);
        }
    }

    private static String abbreviate(String line) {
        return line.length() <= 120 ? line : line.substring(0, 117) + "...";
    }

    /** Appends logs and forces them to disk. */
    void append(List<Log> logs) throws IOException {
        if (logs.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Log log : logs) {
            ObjectNode n = JSON.createObjectNode();
            n.put("block", log.getBlockNumber().longValueExact());
            n.put("index", log.getLogIndex().longValueExact());
            n.put("tx", log.getTransactionHash());
            n.putPOJO("topics", log.getTopics());
            n.put("data", log.getData());
            n.put("hash", log.getBlockHash());
            b.append(JSON.writeValueAsString(n)).append('\n');
        }
        ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            out.write(buf);
        }
        out.force(false);
    }

    /** The next block to read, or {@code start} if there is no cursor yet. */
    long cursor(long start) throws IOException {
        if (!Files.exists(cursor)) {
            return start;
        }
        return cursorLine().next();
    }

    /**
     * The timestamp of the last block read as the cursor records it (seconds), or 0 if it records
     * none (no cursor, or one written before the time was kept).
     */
    long cursorTime() throws IOException {
        return Files.exists(cursor) ? cursorLine().time() : 0;
    }

    private record CursorLine(long next, long time, String hash) {}

    private static final java.util.regex.Pattern CURSOR =
            java.util.regex.Pattern.compile(
                    "next-block (\\d{1,18})(?: time (\\d{1,18}))?(?: hash (0x[0-9a-f]{64}))?");

    private CursorLine cursorLine() throws IOException {
        String text = Files.readString(cursor, StandardCharsets.US_ASCII).strip();
        var m = CURSOR.matcher(text);
        if (!m.matches()) {
            throw new IOException(cursor + " is not a cursor: '" + text + "'");
        }
        return new CursorLine(
                Long.parseLong(m.group(1)),
                m.group(2) == null ? 0 : Long.parseLong(m.group(2)),
                m.group(3));
    }

    /**
     * The hash of the last block read as the cursor records it, or null if it records none (no
     * cursor, nothing read yet, or one written before hashes were kept).
     */
    String cursorHash() throws IOException {
        return Files.exists(cursor) ? cursorLine().hash() : null;
    }

    /**
     * Records that blocks up to {@code next} - 1 are read, the last of them at {@code time} with
     * {@code hash} (null: none read).
     */
    void moveCursor(long next, long time, String hash) throws IOException {
        AtomicFile.write(
                cursor,
                ("next-block "
                                + next
                                + " time "
                                + time
                                + (hash == null ? "" : " hash " + hash.toLowerCase())
                                + "\n")
                        .getBytes(StandardCharsets.US_ASCII),
                false);
    }

    /**
     * Drops the logs of blocks after {@code block} (all of them for -1), cutting the file where the
     * first of them begins: logs are written in block order.
     */
    void dropAfter(long block) throws IOException {
        long at =
                scan(
                        (line, lineNo) -> {
                            JsonNode n = line.isEmpty() ? null : JSON.readTree(line);
                            return n == null || n.path("block").asLong(-1) <= block;
                        });
        if (at < Files.size(events)) {
            out.truncate(at);
            out.force(false);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
