package io.cohort.ipfs.kubo;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.IpfsException;
import io.cohort.ipfs.unixfs.DagReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.SequenceInputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A client of Kubo's RPC API ({@code /api/v0}). Adds use Kubo's CIDv1 defaults spelled out ({@code
 * cid-version=1, raw-leaves, chunker=size-262144, hash=sha2-256}) so the CIDs equal those of {@link
 * io.cohort.ipfs.EmbeddedStore}; uploads and downloads stream, so no file is ever held in memory.
 * Reads take the interior nodes with {@code block/get} and the leaves from one {@code cat} stream,
 * cut at the sizes the nodes declare, and verify every block against its CID before handing out its
 * bytes.
 *
 * <p>Calls that can be repeated safely (reads, pins, stats, and adds from a file or byte array) are
 * retried on connection errors, at most {@link Options#attempts} times with doubling backoff; an
 * add from a stream cannot be replayed and fails at once. Every error names the endpoint and the
 * CID.
 */
public final class KuboClient implements ContentStore {

    /**
     * Timeouts and retries.
     *
     * @param connectTimeout to open a connection
     * @param callTimeout until the response headers of a small call (everything but add and reads)
     * @param attempts tries of a repeatable call on connection errors (1 = no retry)
     * @param backoff wait before the first retry, doubled for each next one
     * @param readAhead leaves fetched in parallel ahead of the reader
     */
    public record Options(
            Duration connectTimeout,
            Duration callTimeout,
            int attempts,
            Duration backoff,
            int readAhead) {
        public static Options defaults() {
            return new Options(
                    Duration.ofSeconds(5), Duration.ofSeconds(60), 4, Duration.ofMillis(200), 8);
        }
    }

    private static final String ADD_OPTIONS =
            "cid-version=1&raw-leaves=true&chunker=size-262144&hash=sha2-256&pin=true&quieter=true&progress=false";

    /**
     * The most bytes read of an answer that is neither a block nor a file. The JSON the calls here
     * get back (add of one file with {@code quieter}, pins, stats, id, version) is a few KiB at
     * most; errors are one line.
     */
    static final int MAX_ANSWER_BYTES = 1024 * 1024;

    /** The start of swarm/peers' answer: no peer ({@code null}, {@code []}) or a first one. */
    private static final Pattern PEERS =
            Pattern.compile("\"Peers\"\\s*:\\s*(null|\\[\\s*]|\\[\\s*\\{)");

    private static final Pattern PINNED =
            Pattern.compile("\"Type\"\\s*:\\s*\"(recursive|direct)\"");
    private static final Pattern HASH = Pattern.compile("\"Hash\"\\s*:\\s*\"([^\"]+)\"");

    private final URI api;
    private final Options options;
    private final HttpClient http;
    private final ExecutorService fetchers;

    private KuboClient(URI api, Options options) {
        this.api = api;
        this.options = options;
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(options.connectTimeout())
                        .build();
        this.fetchers =
                Executors.newFixedThreadPool(
                        Math.max(1, options.readAhead()),
                        r -> {
                            Thread t = new Thread(r, "kubo-fetch");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /** A client of the API at {@code api} (for example {@code http://127.0.0.1:5001}). */
    public static KuboClient connect(URI api) {
        return connect(api, Options.defaults());
    }

    public static KuboClient connect(URI api, Options options) {
        return new KuboClient(api, options);
    }

    /** Kubo's version string ({@code /api/v0/version}). */
    public String version() throws IOException {
        return field(callString("version", null, ""), "Version");
    }

    /** The node's peer id ({@code /api/v0/id}). */
    public String id() throws IOException {
        return field(callString("id", null, ""), "ID");
    }

    /** Adds a stream; not retried (a consumed stream cannot be replayed). */
    @Override
    public Cid add(InputStream in) throws IOException {
        return addOnce(in);
    }

    /** Adds bytes, retried on connection errors. */
    @Override
    public Cid add(byte[] bytes) throws IOException {
        return retrying("add", null, () -> addOnce(new ByteArrayInputStream(bytes)));
    }

    /** Adds a file, streamed from disk, retried on connection errors. */
    @Override
    public Cid add(Path file) throws IOException {
        return retrying(
                "add",
                null,
                () -> {
                    try (InputStream in = Files.newInputStream(file)) {
                        return addOnce(in);
                    }
                });
    }

    /**
     * One {@code add} of {@code in}, read to its end and left open. The part is always named {@code
     * data}: a file's name plays no part in its CID, and Kubo un-escapes and cleans the name, so
     * one holding {@code %2F} would be added as a directory.
     */
    private Cid addOnce(InputStream in) throws IOException {
        String boundary = "cohort-" + UUID.randomUUID();
        String head =
                "--"
                        + boundary
                        + "\r\n"
                        + "Content-Disposition: form-data; name=\"file\"; filename=\"data\""
                        + "\r\n"
                        + "Content-Type: application/octet-stream\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest request =
                HttpRequest.newBuilder(endpoint("add", ADD_OPTIONS))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                HttpRequest.BodyPublishers.ofInputStream(
                                        () ->
                                                new SequenceInputStream(
                                                        Collections.enumeration(
                                                                List.of(
                                                                        new ByteArrayInputStream(
                                                                                head.getBytes(
                                                                                        StandardCharsets
                                                                                                .UTF_8)),
                                                                        keptOpen(in),
                                                                        new ByteArrayInputStream(
                                                                                tail.getBytes(
                                                                                        StandardCharsets
                                                                                                .UTF_8)))))))
                        .build();
        String body = send("add", null, request);
        Matcher m = HASH.matcher(body);
        String hash = null;
        while (m.find()) {
            hash = m.group(1);
        }
        if (hash == null) {
            throw new IpfsException(where("add") + " answered without a Hash: " + abbreviate(body));
        }
        return Cid.parse(hash);
    }

    /** {@code in} behind a close that does nothing: the HTTP client closes what it sends. */
    private static InputStream keptOpen(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public void close() {
                // the caller's stream: it closes it
            }
        };
    }

    @Override
    public InputStream read(Cid cid) throws IOException {
        // fail early and clearly when the root is absent, instead of on the first read()
        byte[] root = getBlock(cid);
        // the root was just fetched: hand it to the reader (which verifies it) instead of asking
        // twice
        DagReader.BlockSource blocks = c -> c.equals(cid) ? root : getBlock(c);
        return new DagReader(where("cat"), blocks, () -> catUnverified(cid), cid);
    }

    /**
     * The file's bytes fetched block by block ({@code block/get}, leaves fetched ahead in
     * parallel), each verified: slower than {@link #read} over one {@code cat} stream, but it needs
     * nothing but blocks.
     */
    public InputStream readByBlocks(Cid cid) throws IOException {
        getBlock(cid);
        return new DagReader(
                where("block/get"), this::getBlock, cid, fetchers, options.readAhead());
    }

    /** The raw bytes of one block ({@code block/get}), unverified; {@link #read} verifies. */
    public byte[] getBlock(Cid cid) throws IOException {
        return retrying(
                "block/get",
                cid,
                () -> {
                    HttpRequest request = post("block/get", "arg=" + cid, options.callTimeout());
                    HttpResponse<InputStream> response = exchange("block/get", cid, request);
                    try (InputStream body = response.body()) {
                        if (response.statusCode() != 200) {
                            throw failure(
                                    "block/get",
                                    cid,
                                    response.statusCode(),
                                    new String(
                                            readBody("block/get", cid, body, 4096),
                                            StandardCharsets.UTF_8));
                        }
                        long declared =
                                response.headers().firstValueAsLong("Content-Length").orElse(-1);
                        if (declared > DagReader.MAX_BLOCK_SIZE) {
                            throw new IpfsException(
                                    where("block/get")
                                            + ": block "
                                            + cid
                                            + " is "
                                            + declared
                                            + " bytes, above the 2 MiB limit");
                        }
                        byte[] block =
                                readBody("block/get", cid, body, DagReader.MAX_BLOCK_SIZE + 1);
                        if (block.length > DagReader.MAX_BLOCK_SIZE) {
                            throw new IpfsException(
                                    where("block/get")
                                            + ": block "
                                            + cid
                                            + " is above the 2 MiB limit");
                        }
                        return block;
                    }
                });
    }

    /** The file's bytes as Kubo's {@code cat} streams them: fast, but not verified here. */
    public InputStream catUnverified(Cid cid) throws IOException {
        HttpRequest request = post("cat", "arg=" + cid, null);
        HttpResponse<InputStream> response = exchange("cat", cid, request);
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                throw failure(
                        "cat",
                        cid,
                        response.statusCode(),
                        new String(body.readNBytes(4096), StandardCharsets.UTF_8));
            }
        }
        return response.body();
    }

    @Override
    public void pin(Cid cid) throws IOException {
        retrying("pin/add", cid, () -> callString("pin/add", cid, "arg=" + cid));
    }

    @Override
    public void unpin(Cid cid) throws IOException {
        retrying("pin/rm", cid, () -> callString("pin/rm", cid, "arg=" + cid));
    }

    /** Whether Kubo holds a recursive (or direct) pin on {@code cid}. */
    public boolean isPinned(Cid cid) throws IOException {
        try {
            String body =
                    retrying(
                            "pin/ls",
                            cid,
                            () -> callString("pin/ls", cid, "arg=" + cid + "&type=all"));
            // a block of a pinned file is listed too, pinned "indirect through" its root
            return PINNED.matcher(body).find();
        } catch (KuboCallException e) {
            if (e.getMessage().contains("is not pinned")) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean has(Cid cid) throws IOException {
        try {
            // offline: look in the local repository only, never ask the network
            retrying(
                    "block/stat",
                    cid,
                    () -> callString("block/stat", cid, "arg=" + cid + "&offline=true"));
            return true;
        } catch (KuboCallException e) {
            if (e.getMessage().contains("not found")) {
                return false;
            }
            throw e;
        }
    }

    /**
     * {@link Reach#LOCAL} for a daemon started {@code --offline} (Kubo refuses {@code swarm/peers}
     * there), else {@link Reach#CONNECTED} or {@link Reach#ISOLATED} by whether it has a peer now.
     * Only the start of the answer is read: a node with thousands of peers answers megabytes.
     */
    @Override
    public Reach reach() throws IOException {
        return retrying(
                "swarm/peers",
                null,
                () -> {
                    HttpRequest request = post("swarm/peers", "", options.callTimeout());
                    HttpResponse<InputStream> response = exchange("swarm/peers", null, request);
                    String head;
                    try (InputStream body = response.body()) {
                        head = new String(body.readNBytes(512), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw lost("swarm/peers", null, e);
                    }
                    if (response.statusCode() != 200) {
                        String message = errorMessage(head);
                        if (message != null && message.contains("online mode")) {
                            return Reach.LOCAL;
                        }
                        throw failure("swarm/peers", null, response.statusCode(), head);
                    }
                    Matcher m = PEERS.matcher(head);
                    if (!m.find()) {
                        throw new IpfsException(
                                where("swarm/peers")
                                        + " answered without Peers: "
                                        + abbreviate(head));
                    }
                    return m.group(1).endsWith("{") ? Reach.CONNECTED : Reach.ISOLATED;
                });
    }

    @Override
    public Stat stat(Cid cid) throws IOException {
        String blockStat =
                retrying(
                        "block/stat",
                        cid,
                        () -> callString("block/stat", cid, "arg=" + cid + "&offline=true"));
        String size = field(blockStat, "Size");
        if (!size.matches("[0-9]{1,18}")) { // Long.parseLong would throw unchecked on 2^63
            throw new IpfsException(
                    where("block/stat")
                            + " answered a Size that is no block size: "
                            + abbreviate(size));
        }
        long blockSize = Long.parseLong(size);
        byte[] root = getBlock(cid);
        if (!cid.matches(root, root.length)) {
            throw new io.cohort.ipfs.ContentMismatchException(
                    where("block/get"), cid, "does not hash to its CID");
        }
        long fileSize = blockSize;
        if (cid.codec() == Cid.DAG_PB) {
            try {
                var node = io.cohort.ipfs.unixfs.DagPbNode.decode(root);
                if (node.data() == null) {
                    throw new IllegalArgumentException("no UnixFS data");
                }
                fileSize =
                        io.cohort.ipfs.unixfs.UnixFsData.decode(node.data(), node.links().size())
                                .fileSize();
            } catch (IllegalArgumentException e) {
                throw new io.cohort.ipfs.ContentMismatchException(
                        where("block/get"), cid, "is not a UnixFS node: " + e.getMessage());
            }
        }
        return new Stat(cid, blockSize, fileSize);
    }

    /** The API endpoint this client talks to. */
    public URI api() {
        return api;
    }

    @Override
    public void close() {
        // queued fetches still run (each bounded by the call timeout for its headers), so a reader
        // waiting on one gets its block or its error; later ones are refused as IOExceptions
        fetchers.shutdown();
    }

    // ------------------------------------------------------------------ plumbing

    /** A call Kubo answered with an error (not a connection problem): never retried. */
    public static final class KuboCallException extends IpfsException {
        private static final long serialVersionUID = 1L;

        KuboCallException(String message) {
            super(message);
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws IOException;
    }

    private <T> T retrying(String command, Cid cid, Call<T> call) throws IOException {
        long wait = options.backoff().toMillis();
        for (int attempt = 1; ; attempt++) {
            try {
                return call.run();
            } catch (ConnectionLost e) {
                if (attempt >= options.attempts()) {
                    throw new IpfsException(
                            e.getMessage() + " (gave up after " + attempt + " attempts)",
                            e.getCause());
                }
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(where(command) + ": interrupted while retrying");
            }
            wait *= 2;
        }
    }

    /** Connection refused, reset or timed out: the call may be repeated. */
    private static final class ConnectionLost extends IpfsException {
        private static final long serialVersionUID = 1L;

        ConnectionLost(String message, IOException cause) {
            super(message, cause);
        }
    }

    /**
     * Up to {@code max} bytes of an answer's body; a connection lost while reading it may be
     * retried like one lost before the answer.
     */
    private byte[] readBody(String command, Cid cid, InputStream body, int max) throws IOException {
        try {
            return body.readNBytes(max);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            throw lost(command, cid, e);
        }
    }

    private String callString(String command, Cid cid, String query) throws IOException {
        return send(command, cid, post(command, query, options.callTimeout()));
    }

    private String send(String command, Cid cid, HttpRequest request) throws IOException {
        HttpResponse<InputStream> response = exchange(command, cid, request);
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = readBody(command, cid, in, MAX_ANSWER_BYTES + 1);
        }
        boolean tooLarge = bytes.length > MAX_ANSWER_BYTES;
        String body =
                new String(
                        bytes, 0, Math.min(bytes.length, MAX_ANSWER_BYTES), StandardCharsets.UTF_8);
        if (response.statusCode() != 200) {
            throw failure(command, cid, response.statusCode(), body);
        }
        if (tooLarge) {
            throw new IpfsException(
                    where(command)
                            + " answered more than "
                            + MAX_ANSWER_BYTES
                            + " bytes"
                            + about(cid)
                            + "; no answer to this call is that large");
        }
        return body;
    }

    private HttpResponse<InputStream> exchange(String command, Cid cid, HttpRequest request)
            throws IOException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(where(command) + ": interrupted" + about(cid));
        } catch (IOException e) {
            throw lost(command, cid, e);
        }
    }

    private IpfsException lost(String command, Cid cid, IOException e) {
        String what =
                e instanceof HttpConnectTimeoutException
                        ? "connection timed out"
                        : e instanceof HttpTimeoutException
                                ? "no answer in time"
                                : e instanceof ConnectException
                                        ? "connection refused"
                                        : "connection lost ("
                                                + e.getClass().getSimpleName()
                                                + (e.getMessage() == null
                                                        ? ""
                                                        : ": " + e.getMessage())
                                                + ")";
        String message = where(command) + ": " + what + about(cid);
        if (e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException)) {
            return new IpfsException(message, e);
        }
        return new ConnectionLost(message, e);
    }

    private KuboCallException failure(String command, Cid cid, int status, String body) {
        String message = errorMessage(body);
        String reason = abbreviate(message != null ? message : body);
        return new KuboCallException(
                where(command) + " answered " + status + about(cid) + ": " + reason);
    }

    /**
     * The {@code Message} string of Kubo's error answer ({@code {"Message":…,"Code":…,"Type":…}}),
     * unescaped, or null when there is none. A plain scan rather than a regular expression: a
     * repeated alternation in {@code java.util.regex} recurses once per character and overflows the
     * stack on a long message. Only the start of a long message is kept.
     */
    private static String errorMessage(String json) {
        for (int key = json.indexOf("\"Message\""); key >= 0; ) {
            int i = skipSpaces(json, key + "\"Message\"".length());
            if (i < json.length() && json.charAt(i) == ':') {
                i = skipSpaces(json, i + 1);
                if (i < json.length() && json.charAt(i) == '"') {
                    return jsonString(json, i + 1);
                }
            }
            key = json.indexOf("\"Message\"", key + 1);
        }
        return null;
    }

    private static int skipSpaces(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** The JSON string starting after its opening quote at {@code from}, its first 1,000 chars. */
    private static String jsonString(String json, int from) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < json.length() && out.length() <= 1000; i++) {
            char c = json.charAt(i);
            if (c == '"') {
                return out.toString();
            }
            if (c != '\\' || i + 1 == json.length()) {
                out.append(c);
                continue;
            }
            char e = json.charAt(++i);
            switch (e) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    try {
                        out.append((char) HexFormat.fromHexDigits(json, i + 1, i + 5));
                        i += 4;
                    } catch (IllegalArgumentException | IndexOutOfBoundsException notHex) {
                        out.append("\\u"); // malformed: kept as it came
                    }
                }
                default -> out.append(e); // \" \\ \/
            }
        }
        return out.append("...").toString(); // cut here or by the answer's size limit
    }

    private HttpRequest post(String command, String query, Duration timeout) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(endpoint(command, query))
                        .POST(HttpRequest.BodyPublishers.noBody());
        if (timeout != null) {
            b.timeout(timeout);
        }
        return b.build();
    }

    private URI endpoint(String command, String query) {
        String q = query == null || query.isEmpty() ? "" : "?" + query;
        return api.resolve("/api/v0/" + command + q);
    }

    private String where(String command) {
        return api.resolve("/api/v0/" + command).toString();
    }

    private static String about(Cid cid) {
        return cid == null ? "" : " for " + cid;
    }

    private String field(String json, String name) throws IpfsException {
        Matcher m =
                Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*(\"([^\"]*)\"|(\\d+))")
                        .matcher(json);
        if (!m.find()) {
            throw new IpfsException(api + " answered without " + name + ": " + abbreviate(json));
        }
        return m.group(2) != null ? m.group(2) : m.group(3);
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() <= 200 ? one : one.substring(0, 197) + "...";
    }
}
