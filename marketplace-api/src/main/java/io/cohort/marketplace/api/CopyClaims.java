package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealException;
import io.cohort.learning.aggregate.SybilDefence;
import io.cohort.learning.aggregate.Vectors;
import io.cohort.learning.codec.MalformedUpdateException;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Part of the audit: checks every {@code copy:earlier-round} flag of a settled round against the
 * two updates it names. The evaluator flags an update that copies another trainer's update of an
 * earlier round whose content keys were public (docs/node.md, "Copies of earlier rounds"); the copy
 * is scored 0 and its sender slashed, so a false flag takes an honest trainer's pay and stake. Both
 * updates' keys are released, so the audit opens both and holds the flag to what the evaluator
 * wrote: the named update is another trainer's, of a round whose keys were public when the round
 * opened (the last settled one before it or a void one since), settled or void as it says, and the
 * cosine of the two recomputes to the recorded one and reaches {@link #THRESHOLD}.
 */
@ApplicationScoped
public class CopyClaims {

    /**
     * The cosine from which an update is a copy: the evaluator's, the Sybil defence's clone one.
     */
    static final double THRESHOLD = SybilDefence.DEFAULT_CLONE_THRESHOLD;

    /**
     * The most parameters an update may declare before it is decoded: a global model file holds at
     * most {@link Records#MAX_MODEL_BYTES}, four bytes a parameter.
     */
    static final int MAX_PARAMETERS = Records.MAX_MODEL_BYTES / Float.BYTES;

    /** The most cosines {@link #cosines} keeps. */
    static final int CACHED_COSINES = 1024;

    @Inject Records records;

    /**
     * The cosines computed, by the two updates' seal contexts, CIDs and content keys, which fix
     * them, so an audit opens and decodes the two updates of a copy flag once, not on every GET.
     * Only computed cosines are kept, never a failure to fetch or open.
     */
    private final Map<String, Double> cosines = Kept.atMost(CACHED_COSINES);

    /**
     * Why the copy flags of {@code r}'s {@code record}, a round of project {@code project}, do not
     * hold; empty when all do.
     */
    List<String> problems(
            String project,
            List<ProjectView.RoundView> rounds,
            ProjectView.RoundView r,
            JsonNode record,
            List<RoundRecords.Submission> judged) {
        List<String> out = new ArrayList<>();
        for (RoundRecords.Submission e : judged) {
            if (!RoundRecords.EARLIER_ROUND_COPY.equals(e.flag())) {
                continue;
            }
            String detail = RoundRecords.reportDetail(record, e.trainer());
            String problem;
            try {
                problem =
                        check(
                                project,
                                rounds,
                                r,
                                e,
                                RoundRecords.EarlierCopy.parse(detail),
                                detail);
            } catch (RoundRecords.Malformed ex) {
                problem = ex.getMessage();
            }
            if (problem != null) {
                out.add(e.trainer() + " flagged " + e.flag() + ": " + problem);
            }
        }
        return out;
    }

    /** Why {@code claim} about {@code copy} does not hold, or null when it does. */
    private String check(
            String project,
            List<ProjectView.RoundView> rounds,
            ProjectView.RoundView r,
            RoundRecords.Submission copy,
            RoundRecords.EarlierCopy claim,
            String detail) {
        Optional<ProjectView.RoundView> named =
                rounds.stream().filter(v -> v.round() == claim.round()).findFirst();
        String placed =
                placement(
                        copy.trainer(),
                        RoundRecords.CopyWindow.of(r.round(), lastSettledBefore(rounds, r.round())),
                        claim,
                        named.map(v -> v.settled() != null).orElse(false));
        if (placed != null) {
            return placed;
        }
        if (named.isEmpty()) { // every round before a settled one has started: not expected
            return "round " + claim.round() + " is not among the project's rounds";
        }
        MarketIndex.Submission original =
                named.get().submissions().stream()
                        .filter(s -> s.trainer().equalsIgnoreCase(claim.original()))
                        .findFirst()
                        .orElse(null);
        if (original == null) {
            return "round " + claim.round() + " has no submission of " + claim.original();
        }
        byte[] key;
        try {
            key = releasedKey(named.get(), original);
        } catch (Problem ex) {
            if (ex.status() == 503) {
                throw ex;
            }
            return "cannot be checked: " + ex.getMessage();
        }
        if (key == null) {
            return "no record of round "
                    + claim.round()
                    + " released the content key of "
                    + claim.original()
                    + "'s update";
        }
        byte[] copyKey = copy.contentKeyBytes();
        if (copyKey == null) {
            return "the record does not release the flagged update's content key";
        }
        // the seal context (project, round, trainer) is part of what opens: it is part of the key
        String pair =
                String.join(
                        " ",
                        project,
                        Long.toString(r.round()),
                        copy.trainer().toLowerCase(Locale.ROOT),
                        copy.cid(),
                        HexFormat.of().formatHex(copyKey),
                        Long.toString(claim.round()),
                        original.trainer().toLowerCase(Locale.ROOT),
                        original.cid(),
                        HexFormat.of().formatHex(key));
        Double known = cosines.get(pair);
        if (known != null) {
            return againstCosine(claim, detail, known);
        }
        float[] a;
        float[] b;
        try {
            byte[] copied =
                    records.openReleased(
                            project,
                            r.round(),
                            copy.trainer(),
                            copy.cid(),
                            copyKey,
                            Recomputer.MAX_SEALED_BYTES);
            byte[] earlier =
                    records.openReleased(
                            project,
                            claim.round(),
                            original.trainer(),
                            original.cid(),
                            key,
                            Recomputer.MAX_SEALED_BYTES);
            int n = UpdateCodec.declaredLength(copied);
            if (n > MAX_PARAMETERS) {
                return "the flagged update declares "
                        + n
                        + " parameters, more than a model file holds ("
                        + MAX_PARAMETERS
                        + ")";
            }
            a = UpdateCodec.decode(copied, n);
            b = UpdateCodec.decode(earlier, n);
        } catch (SealException | MalformedUpdateException | Problem ex) {
            return "cannot be checked: " + ex.getMessage();
        }
        double cosine = Vectors.cosine(a, b, Vectors.norm(a), Vectors.norm(b));
        cosines.put(pair, cosine);
        return againstCosine(claim, detail, cosine);
    }

    /**
     * Why the round {@code claim} names cannot be the one {@code copier}'s update of {@code
     * window}'s round copied, or null when it can: another trainer's update, of a round of the
     * window, settled or void as the claim says ({@code namedSettled}, as the chain has it).
     */
    static String placement(
            String copier,
            RoundRecords.CopyWindow window,
            RoundRecords.EarlierCopy claim,
            boolean namedSettled) {
        if (claim.original().equalsIgnoreCase(copier)) {
            return "it names the trainer's own update of round "
                    + claim.round()
                    + ", which a trainer may send again";
        }
        if (!window.contains(claim.round())) {
            return "round "
                    + claim.round()
                    + "'s updates were not the released ones when round "
                    + window.round()
                    + " opened ("
                    + window.describe()
                    + ")";
        }
        if (claim.settled() != namedSettled) {
            return "it calls round "
                    + claim.round()
                    + (claim.settled() ? " settled" : " void")
                    + ", the chain has it "
                    + (namedSettled ? "settled" : "void");
        }
        return null;
    }

    /**
     * Why the recomputed {@code cosine} does not bear out {@code claim}, whose report entry is
     * {@code detail}, or null when it does: it reaches {@link #THRESHOLD} and the detail rebuilt
     * from it is the recorded one.
     */
    static String againstCosine(RoundRecords.EarlierCopy claim, String detail, double cosine) {
        String again =
                new RoundRecords.EarlierCopy(
                                claim.original(), claim.settled(), claim.round(), cosine)
                        .detail(THRESHOLD);
        if (cosine < THRESHOLD) {
            return String.format(
                    Locale.ROOT,
                    "the two updates' cosine is %.6f, under the threshold %.2f; the record says"
                            + " %.6f",
                    cosine,
                    THRESHOLD,
                    claim.cosine());
        }
        if (!again.equals(detail)) {
            return "the record says \"" + detail + "\", the updates give \"" + again + "\"";
        }
        return null;
    }

    private static Optional<Long> lastSettledBefore(
            List<ProjectView.RoundView> rounds, long round) {
        return rounds.stream()
                .filter(v -> v.round() < round && v.settled() != null)
                .map(ProjectView.RoundView::round)
                .max(Long::compare);
    }

    /**
     * The content key of {@code original} as a record of {@code round} released it: the settled
     * record, or for a void round any record an evaluator posted. Null when every record was read
     * and none did; the {@link Problem} of a record that could not be read (IPFS down, its blocks
     * nowhere) when the others did not either, since that one may have.
     */
    private byte[] releasedKey(ProjectView.RoundView round, MarketIndex.Submission original) {
        List<String> cids = new ArrayList<>();
        if (round.settled() != null) {
            cids.add(round.settled().reportCid());
        }
        round.posts().forEach(post -> cids.add(post.reportCid()));
        Problem unread = null;
        for (String cid : cids) {
            try {
                for (RoundRecords.Submission s : RoundRecords.submissions(records.record(cid))) {
                    if (s.trainer().equalsIgnoreCase(original.trainer())
                            && s.cid().equals(original.cid())
                            && s.contentKey() != null) {
                        return s.contentKeyBytes();
                    }
                }
            } catch (Problem ex) {
                if (ex.status() == 503) {
                    throw ex; // busy: "released nothing" would accuse an honest copy flag
                }
                unread =
                        new Problem(
                                ex.status(),
                                ex.title(),
                                "round "
                                        + round.round()
                                        + "'s record "
                                        + cid
                                        + " cannot be read: "
                                        + ex.getMessage());
            } catch (RoundRecords.Malformed ex) {
                // a malformed record releases nothing; try the next
            }
        }
        if (unread != null) {
            throw unread;
        }
        return null;
    }
}
