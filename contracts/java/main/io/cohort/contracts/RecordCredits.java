package io.cohort.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The cumulative credits a round record ({@code cohort-round/1}) holds: the leaves its credits root
 * is built from. A record is whatever an evaluator published, so every leaf is checked before it is
 * used, and the one reader serves the node (the next round's credits, a trainer's proof) and the
 * marketplace (the audit, the trainer view) alike.
 */
public final class RecordCredits {

    /** The most leaves a record may hold: the market's trainer index is 16 bits. */
    public static final int MAX_LEAVES = 1 << 16;

    private RecordCredits() {}

    /** A record whose credits cannot be leaves of the credits tree; the message says which. */
    public static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message);
        }
    }

    /**
     * The leaves of {@code record}'s {@code credits}, in its order: each an address, and a credit
     * and a slash that are decimal integers in quotes that a leaf holds (unsigned, 128 bits).
     *
     * @throws Malformed naming the first thing wrong
     */
    public static List<CreditTree.Leaf> of(JsonNode record) {
        JsonNode credits = record.path("credits");
        if (!credits.isArray()) {
            throw new Malformed("its credits are not a list");
        }
        if (credits.size() > MAX_LEAVES) {
            throw new Malformed(
                    "it holds " + credits.size() + " credit leaves, more than " + MAX_LEAVES);
        }
        List<CreditTree.Leaf> out = new ArrayList<>(credits.size());
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
}
