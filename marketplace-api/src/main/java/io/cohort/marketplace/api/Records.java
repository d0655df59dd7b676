package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.ContentTooLargeException;
import io.cohort.ipfs.DeadlineStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.marketplace.MarketplaceConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The round records ({@code cohort-round/1}) and models the evaluators published, read from IPFS by
 * the CIDs the chain settled (verified block by block as they are read, each whole read within
 * {@code cohort.ipfs-read-timeout}) and kept in a small cache: a settled record never changes.
 */
@ApplicationScoped
public class Records {

    /** Largest record read. */
    static final int MAX_RECORD_BYTES = io.cohort.contracts.RoundRecords.MAX_BYTES;

    /** Largest ONNX model served. */
    static final int MAX_MODEL_BYTES = 256 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject MarketplaceConfig config;

    private ContentStore ipfs;

    /**
     * The most record bytes the cache holds (their parsed trees take a few times that). Anyone can
     * create a project and settle records of up to {@link #MAX_RECORD_BYTES}: a cache bounded by
     * entries alone (256 of them) could have held gigabytes.
     */
    static final long MAX_CACHED_BYTES = 32 << 20;

    /** A cached record and the bytes it was read from. */
    private record Cached(JsonNode node, int bytes) {}

    /** Least recently used first (guarded by itself). */
    private final LinkedHashMap<String, Cached> cache = new LinkedHashMap<>(64, 0.75f, true);

    private long cachedBytes; // guarded by cache

    /**
     * The most records read from IPFS at once (each up to {@link #MAX_RECORD_BYTES}, and a few
     * times that parsed). A record too big for the cache is read again on every request, and a
     * round or trainer page needs no sign-in: without a bound a hundred parallel requests could
     * hold gigabytes. One over it is a 503 with {@code Retry-After}.
     */
    static final int MAX_LOADS = 8;

    private final java.util.concurrent.Semaphore loads =
            new java.util.concurrent.Semaphore(MAX_LOADS);

    /** How long a record IPFS could not give is answered 502 at once instead of read again. */
    static final Duration FAILED_FOR = Duration.ofSeconds(60);

    /**
     * Records IPFS could not give (a CID whose blocks are nowhere: anyone can settle one), with
     * until when they are not tried again, so that they cannot hold the places over and over;
     * eldest first, at most 1024 (guarded by itself).
     */
    private final LinkedHashMap<String, FailedRead> failed = new LinkedHashMap<>();

    private record FailedRead(long untilNanos, String detail) {}

    /** Reads under way, by CID: a second request for one waits for it instead of reading too. */
    private final java.util.concurrent.ConcurrentHashMap<
                    String, java.util.concurrent.CompletableFuture<JsonNode>>
            loading = new java.util.concurrent.ConcurrentHashMap<>();

    @PostConstruct
    void open() {
        String url = config.ipfsUrl();
        try {
            use(
                    url.startsWith("embedded:")
                            ? EmbeddedStore.open(Path.of(url.substring("embedded:".length())))
                            : KuboClient.connect(URI.create(url)));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot open IPFS at " + url + ": " + e.getMessage(), e);
        }
    }

    /** Reads from {@code store}, each whole read within {@code cohort.ipfs-read-timeout}. */
    void use(ContentStore store) {
        ipfs = new DeadlineStore(store, config.ipfsReadTimeout());
    }

    void close(@Observes ShutdownEvent ev) throws Exception {
        if (ipfs != null) {
            ipfs.close();
        }
    }

    /** The content store itself, for pinning what owners upload. */
    public ContentStore store() {
        return ipfs;
    }

    /**
     * The record at {@code cid}; a {@link Problem}: 502 if IPFS cannot give it, 503 when {@link
     * #MAX_LOADS} other records are being read.
     */
    public JsonNode record(String cid) {
        synchronized (cache) {
            Cached hit = cache.get(cid);
            if (hit != null) {
                return hit.node();
            }
        }
        synchronized (failed) {
            FailedRead f = failed.get(cid);
            if (f != null && f.untilNanos() - System.nanoTime() > 0) {
                throw new Problem(
                        502,
                        "IPFS unavailable",
                        f.detail() + " (a minute ago; not tried again yet)");
            }
            failed.remove(cid);
        }
        var mine = new java.util.concurrent.CompletableFuture<JsonNode>();
        var running = loading.putIfAbsent(cid, mine);
        if (running != null) {
            try {
                return running.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof Problem p ? p : e;
            }
        }
        try {
            JsonNode node = load(cid);
            mine.complete(node);
            return node;
        } catch (Throwable e) {
            // whatever it is (out of memory, too), the requests waiting on this read must end
            mine.completeExceptionally(e);
            throw e;
        } finally {
            loading.remove(cid, mine);
        }
    }

    private JsonNode load(String cid) {
        if (!loads.tryAcquire()) {
            throw Problem.unavailable(
                    "Busy",
                    MAX_LOADS
                            + " round records are being read from IPFS, the most this API reads at"
                            + " once; ask again shortly",
                    HeavyReads.RETRY);
        }
        try {
            byte[] bytes = ipfs.readAllBytes(Cid.parse(cid), MAX_RECORD_BYTES);
            JsonNode node = JSON.readTree(bytes);
            cache(cid, node, bytes.length);
            return node;
        } catch (IOException | IllegalArgumentException e) {
            String detail = "cannot read the record " + cid + ": " + publicReason(e);
            if (repeats(e)) {
                synchronized (failed) {
                    failed.put(
                            cid, new FailedRead(System.nanoTime() + FAILED_FOR.toNanos(), detail));
                    if (failed.size() > 1024) {
                        failed.remove(failed.keySet().iterator().next());
                    }
                }
            }
            throw new Problem(502, "IPFS unavailable", detail);
        } finally {
            loads.release();
        }
    }

    /**
     * What a failed read says, without the address of this API's IPFS node: the Kubo client names
     * the RPC endpoint it called ({@code http://10.0.0.5:5001/api/v0/block/get}), an admin API that
     * answers to whoever reaches it, and these reasons go to anyone who asks.
     */
    static String publicReason(Exception e) {
        return String.valueOf(e.getMessage())
                .replaceAll("[a-zA-Z][a-zA-Z0-9+.-]*://[^\\s]*?/api/v0/[a-z/]+", "IPFS");
    }

    /**
     * Whether a failed read would fail the same way at once: its blocks found nowhere within the
     * deadline, too large, not what the CID names, no CID, no JSON. A connection to IPFS lost or
     * refused (Kubo restarting) is not remembered.
     */
    private static boolean repeats(Exception e) {
        return e instanceof io.cohort.ipfs.DeadlineStore.TimedOutException
                || e instanceof io.cohort.ipfs.ContentTooLargeException
                || e instanceof io.cohort.ipfs.ContentMismatchException
                || e instanceof IllegalArgumentException
                || e instanceof com.fasterxml.jackson.core.JsonProcessingException;
    }

    /** Keeps a record, dropping the least recently used past {@link #MAX_CACHED_BYTES}. */
    private void cache(String cid, JsonNode node, int size) {
        if (size > MAX_CACHED_BYTES / 4) {
            return; // one record would push out most others
        }
        synchronized (cache) {
            Cached before = cache.put(cid, new Cached(node, size));
            cachedBytes += size - (before == null ? 0 : before.bytes());
            Iterator<Map.Entry<String, Cached>> eldest = cache.entrySet().iterator();
            while (cachedBytes > MAX_CACHED_BYTES && eldest.hasNext()) {
                cachedBytes -= eldest.next().getValue().bytes();
                eldest.remove();
            }
        }
    }

    /** How many record bytes the cache holds now. */
    long cachedBytes() {
        synchronized (cache) {
            return cachedBytes;
        }
    }

    /**
     * The bytes at {@code cid}, at most {@code max}; null when reading them would fail the same way
     * again (found nowhere within the read timeout, too large, not what the CID names, no CID).
     *
     * @throws Problem 502 when IPFS itself failed (a refused or lost connection): asking again may
     *     give them
     */
    public byte[] bytesIfThere(String cid, int max) {
        return read(cid, max, true);
    }

    /**
     * How many bytes {@code cid} holds when at most {@code max}; {@code max + 1} when it holds more
     * (refused before it is read whole); null when reading it would fail the same way again (found
     * nowhere within the read timeout, not what the CID names, no CID).
     *
     * @throws Problem 502 when IPFS itself failed
     */
    public Integer lengthIfThere(String cid, int max) {
        if (max == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("max must leave room for max + 1");
        }
        try {
            return ipfs.readAllBytes(Cid.parse(cid), max).length;
        } catch (ContentTooLargeException e) {
            return max + 1;
        } catch (IOException | IllegalArgumentException e) {
            if (repeats(e)) {
                return null;
            }
            throw unreadable(cid, e);
        }
    }

    /** The bytes at {@code cid}, at most {@code max}. */
    public byte[] bytes(String cid, int max) {
        return read(cid, max, false);
    }

    /** The bytes at {@code cid}; with {@code nullIfGone}, null for a failure that repeats. */
    private byte[] read(String cid, int max, boolean nullIfGone) {
        try {
            return ipfs.readAllBytes(Cid.parse(cid), max);
        } catch (IOException | IllegalArgumentException e) {
            if (nullIfGone && repeats(e)) {
                return null;
            }
            throw unreadable(cid, e);
        }
    }

    /** The 502 of a read of {@code cid} that failed with {@code e}. */
    private static Problem unreadable(String cid, Exception e) {
        return new Problem(502, "IPFS unavailable", "cannot read " + cid + ": " + publicReason(e));
    }

    /**
     * The update {@code trainer} sealed for {@code round} at {@code cid}, opened with the content
     * key a record released ({@link io.cohort.contracts.RoundRecords.Submission#contentKeyBytes}).
     *
     * @throws SealException if the key does not open it for that context
     * @throws Problem (502) if IPFS cannot give it
     */
    public byte[] openReleased(
            String project, long round, String trainer, String cid, byte[] contentKey, int max)
            throws SealException {
        return SealedUpdate.openWithContentKey(
                bytes(cid, max),
                SealContext.of(
                        config.chainId(), config.market(), new BigInteger(project), round, trainer),
                contentKey,
                max);
    }
}
