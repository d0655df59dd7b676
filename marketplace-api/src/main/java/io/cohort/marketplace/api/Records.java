package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
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
    static final int MAX_RECORD_BYTES = 16 << 20;

    /** Largest ONNX model served. */
    static final int MAX_MODEL_BYTES = 256 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject MarketplaceConfig config;

    private ContentStore ipfs;

    private final Map<String, JsonNode> cache =
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, JsonNode> eldest) {
                    return size() > 256;
                }
            };

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

    /** The record at {@code cid}; a {@link Problem} (502) if IPFS cannot give it. */
    public JsonNode record(String cid) {
        synchronized (cache) {
            JsonNode hit = cache.get(cid);
            if (hit != null) {
                return hit;
            }
        }
        JsonNode node;
        try {
            node = JSON.readTree(ipfs.readAllBytes(Cid.parse(cid), MAX_RECORD_BYTES));
        } catch (IOException | IllegalArgumentException e) {
            throw new Problem(
                    502,
                    "IPFS unavailable",
                    "cannot read the record " + cid + ": " + e.getMessage());
        }
        synchronized (cache) {
            cache.put(cid, node);
        }
        return node;
    }

    /** The bytes at {@code cid}, at most {@code max}. */
    public byte[] bytes(String cid, int max) {
        try {
            return ipfs.readAllBytes(Cid.parse(cid), max);
        } catch (IOException | IllegalArgumentException e) {
            throw new Problem(
                    502, "IPFS unavailable", "cannot read " + cid + ": " + e.getMessage());
        }
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
