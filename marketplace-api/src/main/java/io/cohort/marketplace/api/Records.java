package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.CreditTree;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The round records ({@code cohort-round/1}) and models the evaluators published, read from IPFS by
 * the CIDs the chain settled (verified block by block as they are read) and kept in a small cache:
 * a settled record never changes.
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
            ipfs =
                    url.startsWith("embedded:")
                            ? EmbeddedStore.open(Path.of(url.substring("embedded:".length())))
                            : KuboClient.connect(URI.create(url));
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot open IPFS at " + url + ": " + e.getMessage(), e);
        }
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

    /** A record whose credits cannot be leaves of the credits tree; the message says which. */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    /** The most leaves a record may hold: the market's trainer index is 16 bits. */
    static final int MAX_LEAVES = 1 << 16;

    /**
     * The cumulative credits tree leaves a {@code cohort-round/1} record holds, in its order. A
     * record is whatever an evaluator published, so every leaf is checked: an address, and a credit
     * and a slash that are decimal integers a leaf holds (unsigned, 128 bits); anything else is
     * {@link Malformed}.
     */
    public static List<CreditTree.Leaf> credits(JsonNode record) {
        JsonNode credits = record.path("credits");
        if (!credits.isArray()) {
            throw new Malformed("its credits are not a list");
        }
        if (credits.size() > MAX_LEAVES) {
            throw new Malformed(
                    "it holds " + credits.size() + " credit leaves, more than " + MAX_LEAVES);
        }
        List<CreditTree.Leaf> out = new ArrayList<>();
        for (int i = 0; i < credits.size(); i++) {
            JsonNode l = credits.get(i);
            String trainer = l.path("trainer").asText("");
            if (!trainer.matches("0x[0-9a-fA-F]{40}")) {
                throw new Malformed("credit leaf " + i + " names no address");
            }
            BigInteger credit = amount(l, "credit", i);
            BigInteger slash = amount(l, "slash", i);
            try {
                out.add(new CreditTree.Leaf(trainer, credit, slash));
            } catch (IllegalArgumentException e) {
                throw new Malformed("credit leaf " + i + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static BigInteger amount(JsonNode leaf, String field, int i) {
        JsonNode v = leaf.path(field);
        String text = v.isTextual() ? v.asText() : "";
        if (!text.matches("[0-9]{1,78}")) { // 2^256 has 78 digits
            throw new Malformed(
                    "credit leaf " + i + "'s " + field + " is not a decimal integer: " + v);
        }
        return new BigInteger(text);
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
}
