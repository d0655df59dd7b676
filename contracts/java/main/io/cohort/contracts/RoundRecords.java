package io.cohort.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a round record ({@code cohort-round/1}) says, read for use: its judged submissions and the
 * cumulative credits its credits root is built from. A record is whatever an evaluator published,
 * so every entry is checked before it is used, and the one reader serves the node (the next round's
 * credits, a trainer's proof) and the marketplace (the audit, its rerun, the record view) alike.
 */
public final class RoundRecords {

    /** The format name a record carries as {@code format}. */
    public static final String FORMAT = "cohort-round/1";

    /**
     * The largest record read, in bytes: the same bound for every reader (a node taking the
     * previous credits or a trainer's proof, the marketplace's audit), so a record one of them uses
     * is never one another cannot read. A record of 4,096 trainers is about 2 MiB.
     */
    public static final int MAX_BYTES = 16 << 20;

    /** The most leaves or submissions a record may hold: the market's MAX_TRAINERS. */
    public static final int MAX_LEAVES = 4096;

    /**
     * The flag of a submission the evaluator found to copy another trainer's update of an earlier
     * round whose keys were released (docs/node.md, "Copies of earlier rounds"): not a judgement of
     * the scoring policy, so an auditor's rerun takes it as recorded; the copy's content key is
     * released all the same.
     */
    public static final String EARLIER_ROUND_COPY = "copy:earlier-round";

    /**
     * What a {@link #EARLIER_ROUND_COPY} flag claims, as its detail in the policy report (the
     * trainer's {@code decode} entry) states it: the copy's cosine to {@code original}'s update of
     * {@code round}, a settled or a void round. The evaluator writes it, the marketplace's audit
     * reads it back and checks it against both released updates.
     *
     * @param original the trainer whose update was copied, as written (lower case)
     */
    public record EarlierCopy(String original, boolean settled, long round, double cosine) {

        private static final Pattern DETAIL =
                Pattern.compile(
                        "cosine ([0-9]\\.[0-9]{6}) \\(threshold [0-9]\\.[0-9]{2}\\) to the update of"
                                + " (0x[0-9a-f]{40}) in (settled|void) round ([0-9]{1,18})");

        /** The detail as the report holds it, with the threshold the cosine was held against. */
        public String detail(double threshold) {
            return String.format(
                    Locale.ROOT,
                    "cosine %.6f (threshold %.2f) to the update of %s in %s round %d",
                    cosine,
                    threshold,
                    original.toLowerCase(Locale.ROOT),
                    settled ? "settled" : "void",
                    round);
        }

        /**
         * Reads a detail written by {@link #detail}.
         *
         * @throws Malformed if {@code detail} is not one
         */
        public static EarlierCopy parse(String detail) {
            Matcher m = detail == null ? null : DETAIL.matcher(detail);
            if (m == null || !m.matches()) {
                throw new Malformed(
                        "a "
                                + EARLIER_ROUND_COPY
                                + " flag's detail names no earlier update and cosine: "
                                + detail);
            }
            return new EarlierCopy(
                    m.group(2),
                    m.group(3).equals("settled"),
                    Long.parseLong(m.group(4)),
                    Double.parseDouble(m.group(1)));
        }
    }

    /**
     * The earlier rounds whose updates a trainer of {@code round} could copy: those whose content
     * keys were public when {@code round} opened, the last round before it that settled ({@code
     * first}; round 0 when none did) and the void rounds after it, up to {@code round - 1}. The one
     * rule the evaluator checks submissions against and the audit holds its copy flags to.
     *
     * @param firstSettled whether {@code first} settled (false when no round before did)
     */
    public record CopyWindow(long round, long first, boolean firstSettled) {

        /**
         * The window of {@code round}, given the last round before it that settled, if any.
         *
         * @throws IllegalArgumentException if that round is not before {@code round}
         */
        public static CopyWindow of(long round, Optional<Long> lastSettledBefore) {
            long first = lastSettledBefore.orElse(0L);
            if (first < 0 || (lastSettledBefore.isPresent() && first >= round)) {
                throw new IllegalArgumentException(
                        "round " + first + " is not a settled round before round " + round);
            }
            return new CopyWindow(round, first, lastSettledBefore.isPresent());
        }

        /** Whether a copy of {@code round}'s updates can be flagged. */
        public boolean contains(long earlier) {
            return earlier >= first && earlier < round;
        }

        /** Whether {@code earlier}, a round of the window, is its settled one. */
        public boolean settled(long earlier) {
            return firstSettled && earlier == first;
        }

        /** "round 2" or "rounds 2 to 4"; "no round" for round 0, which has none before it. */
        public String describe() {
            if (first >= round) {
                return "no round";
            }
            return first == round - 1 ? "round " + first : "rounds " + first + " to " + (round - 1);
        }
    }

    /**
     * The detail the policy report of {@code record} gives for {@code trainer} (its {@code decode}
     * entry: why an update was not read, or what a copy copies), or null when it gives none.
     */
    public static String reportDetail(JsonNode record, String trainer) {
        for (JsonNode t : record.path("policy-report").path("trainers")) {
            if (t.path("trainer").asText().equalsIgnoreCase(trainer)) {
                JsonNode d = t.path("decode");
                return d.isTextual() ? d.asText() : null;
            }
        }
        return null;
    }

    /** The longest CID or flag a record may hold, in characters. */
    static final int MAX_TEXT = 256;

    private RoundRecords() {}

    /**
     * One submission as judged.
     *
     * @param flag the reason it was flagged; null when it was not
     * @param scoreBps its score in basis points, 0 to 10,000
     * @param contentKey the sealed update's AES content key (hex), released for audit; null when
     *     the update could not be opened
     */
    public record Submission(
            String trainer, String cid, String flag, int scoreBps, String contentKey) {

        /** The content key's 32 bytes, or null when none was released. */
        public byte[] contentKeyBytes() {
            return contentKey == null
                    ? null
                    : HexFormat.of().parseHex(contentKey.replaceFirst("^0x", ""));
        }
    }

    /** A record whose entries cannot be used as they are; the message says which and why. */
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
    public static List<CreditTree.Leaf> credits(JsonNode record) {
        JsonNode credits = record.path("credits");
        if (!credits.isArray()) {
            throw new Malformed("its credits are not a list");
        }
        if (credits.size() > MAX_LEAVES) {
            throw new Malformed(
                    "it holds " + credits.size() + " credit leaves, more than " + MAX_LEAVES);
        }
        if (credits.isEmpty()) { // no credit tree has no leaf, and no result has no tree
            throw new Malformed("its credits are empty");
        }
        List<CreditTree.Leaf> out = new ArrayList<>(credits.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < credits.size(); i++) {
            JsonNode l = credits.get(i);
            String trainer = l.path("trainer").asText("");
            if (!trainer.matches("0x[0-9a-fA-F]{40}")) {
                throw new Malformed("credit leaf " + i + " names no address");
            }
            // one leaf per trainer: readers that keep the last of two would show a credit no
            // proof can back
            if (!seen.add(trainer.toLowerCase(Locale.ROOT))) {
                throw new Malformed("credit leaf " + i + " repeats trainer " + trainer);
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

    /**
     * The judged submissions of {@code record}, in chain order: each names an address and a CID,
     * has a score of 0 to 10,000 basis points, and at most a flag and a 32-byte content key; the
     * scores add up to at most 10,000.
     *
     * @throws Malformed naming the first thing wrong
     */
    public static List<Submission> submissions(JsonNode record) {
        JsonNode judged = record.path("submissions");
        if (!judged.isArray()) {
            throw new Malformed("its submissions are not a list");
        }
        if (judged.size() > MAX_LEAVES) {
            throw new Malformed(
                    "it holds " + judged.size() + " submissions, more than " + MAX_LEAVES);
        }
        List<Submission> out = new ArrayList<>(judged.size());
        Set<String> seen = new HashSet<>();
        long total = 0;
        for (int i = 0; i < judged.size(); i++) {
            JsonNode s = judged.get(i);
            String trainer = s.path("trainer").asText("");
            if (!trainer.matches("0x[0-9a-fA-F]{40}")) {
                throw new Malformed("submission " + i + " names no address");
            }
            // the chain takes one submission per trainer and round
            if (!seen.add(trainer.toLowerCase(Locale.ROOT))) {
                throw new Malformed("submission " + i + " repeats trainer " + trainer);
            }
            String cid = text(s, "cid", i);
            if (cid == null) {
                throw new Malformed("submission " + i + " has no cid");
            }
            JsonNode score = s.path("score-bps");
            if (!score.isIntegralNumber()
                    || !score.canConvertToInt()
                    || score.asInt() < 0
                    || score.asInt() > 10_000) {
                throw new Malformed(
                        "submission " + i + "'s score-bps is not 0 to 10,000: " + score);
            }
            total += score.asInt();
            String key = text(s, "content-key", i);
            if (key != null && !key.matches("(0x)?[0-9a-fA-F]{64}")) {
                throw new Malformed("submission " + i + "'s content-key is not 32 bytes of hex");
            }
            out.add(new Submission(trainer, cid, text(s, "flag", i), score.asInt(), key));
        }
        if (total > 10_000) {
            throw new Malformed("its scores add up to " + total + " bps, more than 10,000");
        }
        return out;
    }

    /** A field that is absent (null) or a non-empty string of at most {@link #MAX_TEXT}. */
    private static String text(JsonNode entry, String field, int i) {
        if (!entry.has(field)) {
            return null;
        }
        JsonNode v = entry.get(field);
        if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > MAX_TEXT) {
            throw new Malformed(
                    "submission "
                            + i
                            + "'s "
                            + field
                            + " is not a string of 1 to "
                            + MAX_TEXT
                            + " characters");
        }
        return v.asText();
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
