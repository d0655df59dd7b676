package io.cohort.node.round;

import io.cohort.contracts.RoundRecords;
import io.cohort.learning.aggregate.SybilDefence;
import io.cohort.learning.aggregate.Vectors;
import java.util.List;

/**
 * Finds an update that copies another trainer's update of an earlier round whose content keys may
 * be public.
 *
 * <p>A round's record releases the content keys of its updates when it is posted, before the next
 * round opens. The updates of the last settled round before r and of the void rounds since (a void
 * round leaves {@code G} where it was) are therefore readable while round r takes submissions: a
 * trainer could send one of them again as its own, exactly or with a little noise, and be paid for
 * another trainer's work (a void round's update was even trained from {@code G_r} itself; a settled
 * round's is one model behind, still worth something to the policy). The evaluator compares each
 * update of round r with each of those and flags {@link RoundRecords#EARLIER_ROUND_COPY} when the
 * cosine to another trainer's update reaches {@link #THRESHOLD}. A trainer sending its own earlier
 * update again is not a copy. The threshold is the one at which the Sybil defence rejects a clone:
 * honest trainers on different data stay below it, and a copy with enough noise to pass it is
 * judged by the policy as any other update (docs/node.md, "Copies of earlier rounds").
 */
final class EarlierCopies {

    /** Cosine at or above which an update is a copy. */
    static final double THRESHOLD = SybilDefence.DEFAULT_CLONE_THRESHOLD;

    /**
     * An update of an earlier round, decoded.
     *
     * @param settled whether its round settled (else it is void)
     * @param norm its L2 norm
     */
    record Earlier(long round, boolean settled, String trainer, float[] update, double norm) {

        Earlier(long round, boolean settled, String trainer, float[] update) {
            this(round, settled, trainer, update, Vectors.norm(update));
        }

        /** The same update, as one of a round that settled or not. */
        Earlier in(boolean isSettled) {
            return new Earlier(round, isSettled, trainer, update, norm);
        }
    }

    private EarlierCopies() {}

    /**
     * What {@code update} of {@code trainer} copies: the report's detail naming the earlier update
     * and the cosine, or null when it copies none. The first match in {@code earlier}'s order wins.
     */
    static String copyOf(String trainer, float[] update, List<Earlier> earlier) {
        double norm = Vectors.norm(update);
        for (Earlier e : earlier) {
            if (e.trainer().equalsIgnoreCase(trainer) || e.update().length != update.length) {
                continue;
            }
            // 0 when either is a zero update: nothing to compare, the policy judges it on its own
            double cosine = Vectors.cosine(update, e.update(), norm, e.norm());
            if (cosine >= THRESHOLD) {
                return new RoundRecords.EarlierCopy(e.trainer(), e.settled(), e.round(), cosine)
                        .detail(THRESHOLD);
            }
        }
        return null;
    }
}
