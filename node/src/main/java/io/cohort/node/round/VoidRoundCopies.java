package io.cohort.node.round;

import io.cohort.contracts.RoundRecords;
import io.cohort.learning.aggregate.SybilDefence;
import java.util.List;
import java.util.Locale;

/**
 * Finds an update that copies another trainer's update of a void round.
 *
 * <p>A round that did not settle leaves {@code G} where it was, so the next round trains from the
 * same model as the void one, and a committee member that posted a record for the void round
 * released its content keys: anyone can read those updates. A trainer that sends one of them again
 * as its own, exactly or with a little noise, would be paid for another trainer's work. The
 * evaluator therefore compares each update of round r with every update of the void rounds since
 * the last settled one (all trained from {@code G_r}) and flags {@link
 * RoundRecords#VOID_ROUND_COPY} when the cosine to another trainer's update reaches {@link
 * #THRESHOLD}. A trainer sending its own void update again is not a copy. The threshold is the
 * Sybil defence's grouping threshold: honest trainers on different data stay below it
 * (docs/scoring-policy.md).
 */
final class VoidRoundCopies {

    /** Cosine at or above which an update is a copy. */
    static final double THRESHOLD = SybilDefence.DEFAULT_CLONE_THRESHOLD;

    /** An update of a void round, decoded. */
    record Earlier(long round, String trainer, float[] update) {}

    private VoidRoundCopies() {}

    /**
     * What {@code update} of {@code trainer} copies: the report's detail naming the earlier update
     * and the cosine, or null when it copies none. The first match in {@code earlier}'s order wins.
     */
    static String copyOf(String trainer, float[] update, List<Earlier> earlier) {
        double norm = Math.sqrt(dot(update, update));
        if (norm == 0) {
            return null; // nothing to compare; the policy judges a zero update on its own
        }
        for (Earlier e : earlier) {
            if (e.trainer().equalsIgnoreCase(trainer) || e.update().length != update.length) {
                continue;
            }
            double other = Math.sqrt(dot(e.update(), e.update()));
            if (other == 0) {
                continue;
            }
            double cosine = dot(update, e.update()) / (norm * other);
            if (cosine >= THRESHOLD) {
                return String.format(
                        Locale.ROOT,
                        "cosine %.6f (threshold %.2f) to the update of %s in void round %d",
                        cosine,
                        THRESHOLD,
                        e.trainer().toLowerCase(Locale.ROOT),
                        e.round());
            }
        }
        return null;
    }

    /** In index order, in double: the same sum on every machine. */
    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }
}
