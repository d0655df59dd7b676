package io.cohort.marketplace.api;

import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.model.ModelSpec;
import io.cohort.marketplace.MarketplaceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Part of the audit: holds every {@code seal:*} flag of a settled record to the checks anyone can
 * make of the sealed update it names. An evaluator releases no content key for an update it could
 * not open, so nothing else in the audit looks at such a flag, and all but {@code
 * seal:not-a-recipient} slash a quarter of the stake: a committee could flag an honest update
 * {@code seal:bad-magic} and keep its key. Before it tries its own key, every member checks the
 * update's layout, its context (chain, market, project, round, sender) and that it is sealed for
 * exactly the committee ({@link SealedUpdate#requireCommittee}); the audit repeats that check. A
 * flag for one of those reasons must be the reason the check gives; a flag for a reason only a
 * member's key shows ({@code bad-wrap}, {@code bad-key}, {@code authentication-failed}, {@code
 * not-a-recipient}) must come after a check that passes, and beyond that rests on the committee's
 * word. {@code too-large} depends on the evaluator's own bound and is not held to anything.
 *
 * <p>{@code seal:exceeds-model} says the update is longer than any valid update of the project's
 * model sealed for its committee can be ({@code SealedUpdate.sealedLength(UpdateCodec
 * .maxEncodedBytes(parameters), members)}, the parameters counted from the model spec): the audit
 * reads the update up to that bound, and a flagged update that fits within it is a false flag. One
 * found nowhere, or longer than this API reads, rests on the committee's word like the others.
 */
@ApplicationScoped
public class SealClaims {

    /** The reasons the public check gives, and so the flags it can confirm or refute. */
    static final Set<String> PUBLIC =
            Set.of(
                    "truncated",
                    "bad-magic",
                    "unsupported-version",
                    "bad-recipient-count",
                    "length-mismatch",
                    "bad-context",
                    "wrong-context",
                    "not-the-committee");

    /** The flag of an update longer than any valid one of the project's model sealed. */
    static final String EXCEEDS_MODEL = "seal:exceeds-model";

    /** The most verdicts {@link #verdicts} keeps. */
    static final int CACHED = 1024;

    @Inject Records records;
    @Inject MarketplaceConfig config;

    /** The verdicts computed, by project, round, trainer, CID and flag ("" when it holds). */
    private final Map<String, String> verdicts = Kept.atMost(CACHED);

    /**
     * Why the {@code seal:*} flags of round {@code round}'s {@code judged} submissions do not hold;
     * empty when they all do. {@code committee} (the project's sealing keys) and {@code parameters}
     * (how many its model has; it may throw {@link Problem} or {@link IllegalArgumentException} for
     * a spec that cannot be read) are asked for only when there is a flag to check.
     */
    List<String> problems(
            String project,
            long round,
            List<RoundRecords.Submission> judged,
            Supplier<List<byte[]>> committee,
            LongSupplier parameters) {
        List<String> out = new ArrayList<>();
        for (RoundRecords.Submission e : judged) {
            String flag = e.flag();
            if (flag == null || !flag.startsWith("seal:") || flag.equals("seal:too-large")) {
                continue;
            }
            String key =
                    String.join(" ", project, Long.toString(round), e.trainer(), e.cid(), flag);
            String verdict = verdicts.get(key);
            if (verdict == null) {
                List<byte[]> keys = committee.get(); // the chain failing is the audit's 502
                try {
                    verdict =
                            flag.equals(EXCEEDS_MODEL)
                                    ? exceedsVerdict(e.cid(), parameters.getAsLong(), keys.size())
                                    : publicVerdict(project, round, e, flag, keys);
                } catch (IllegalArgumentException bad) {
                    out.add(
                            e.trainer()
                                    + " flagged "
                                    + flag
                                    + ": cannot be checked: "
                                    + bad.getMessage());
                    continue;
                } catch (Problem p) {
                    if (p.status() == 503) {
                        throw p;
                    }
                    // this API's IPFS failed: the flag is not checked now, and says so
                    out.add(
                            e.trainer()
                                    + " flagged "
                                    + flag
                                    + ": cannot be checked now: "
                                    + p.getMessage());
                    continue;
                }
                if (verdict == null) {
                    // found nowhere in time (no evaluator keeps an update it could not open, and
                    // its trainer may have dropped it): the flag rests on the committee's word,
                    // as a private one does, rather than leaving an honest audit a mismatch
                    continue;
                }
                verdicts.put(key, verdict);
            }
            if (!verdict.isEmpty()) {
                out.add(e.trainer() + " flagged " + flag + ", but " + verdict);
            }
        }
        return out;
    }

    /**
     * The verdict on a flag of a public reason (or one only a member's key shows) on the update at
     * {@code e.cid()}; null when it is found nowhere.
     */
    private String publicVerdict(
            String project,
            long round,
            RoundRecords.Submission e,
            String flag,
            List<byte[]> committee) {
        byte[] sealed = records.bytesIfThere(e.cid(), Recomputer.MAX_SEALED_BYTES);
        if (sealed == null) {
            return null;
        }
        SealContext context =
                SealContext.of(
                        config.chainId(),
                        config.market(),
                        new BigInteger(project),
                        round,
                        e.trainer());
        return verdict(flag.substring("seal:".length()), sealed, context, committee);
    }

    /**
     * The verdict on a {@code seal:exceeds-model} flag on the update at {@code cid}, read up to the
     * model's bound (at most what this API reads); null when it is found nowhere, or is longer than
     * this API reads but the bound is longer still.
     */
    private String exceedsVerdict(String cid, long parameters, int members) {
        long bound = modelBound(parameters, members);
        int limit = (int) Math.min(Recomputer.MAX_SEALED_BYTES, bound);
        Integer length = records.lengthIfThere(cid, limit);
        if (length == null || length > limit && limit < bound) {
            return null;
        }
        return exceedsVerdict(length, bound);
    }

    /**
     * The most bytes a valid update of a model of {@code parameters} sealed for {@code members}
     * takes, as every member bounds its fetch.
     *
     * @throws IllegalArgumentException if the model has more parameters than any spec allows
     */
    static long modelBound(long parameters, int members) {
        if (parameters > ModelSpec.MAX_PARAMETERS) {
            throw new IllegalArgumentException(
                    "the model has "
                            + parameters
                            + " parameters, above "
                            + ModelSpec.MAX_PARAMETERS);
        }
        return SealedUpdate.sealedLength(UpdateCodec.maxEncodedBytes((int) parameters), members);
    }

    /**
     * Why a {@code seal:exceeds-model} flag on a sealed update of {@code length} bytes (more than
     * {@code bound} when it is longer) does not hold, or "" when it does.
     */
    static String exceedsVerdict(long length, long bound) {
        return length > bound
                ? ""
                : "its sealed update is "
                        + length
                        + " bytes, within the "
                        + bound
                        + " any valid update of the project's model sealed for its committee can"
                        + " take";
    }

    /**
     * Why a flag of {@code reason} on {@code sealed} does not hold, or "" when it does (or cannot
     * be told without a member's key).
     */
    static String verdict(
            String reason, byte[] sealed, SealContext context, List<byte[]> committee) {
        String found;
        try {
            SealedUpdate.requireCommittee(sealed, context, committee, Recomputer.MAX_SEALED_BYTES);
            found = null;
        } catch (SealException e) {
            found = e.reason();
        }
        if (found == null) {
            return PUBLIC.contains(reason)
                    ? "its sealed update passes the checks anyone can make (its layout, its context,"
                            + " sealed for exactly the committee)"
                    : "";
        }
        if (found.equals(reason) || found.equals("too-large")) {
            return "";
        }
        return "the checks anyone can make, which every member makes first, fail with seal:"
                + found;
    }
}
