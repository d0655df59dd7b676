package io.cohort.learning.attack;

import io.cohort.learning.data.LabeledData;
import java.util.SplittableRandom;

/**
 * How a simulated trainer behaves in a round: what it trains on, what it submits given its honestly
 * trained update and a {@link RoundView} of the round, and how many samples it claims. The
 * simulation first trains every client that {@link #trains()} from the global model on {@link
 * #trainingData}, then asks each for its submission, so omniscient attacks see this round's honest
 * updates. Implementations are pure given their arguments: all randomness comes from the seeded
 * generators they are handed.
 */
public interface Behaviour {

    /** A short stable name for tables and reports, e.g. {@code sign-flip(scale=4.0)}. */
    String name();

    /**
     * Whether this trainer is benign: its trained update counts among the benign updates that
     * omniscient attacks ({@link Knowledge#BENIGN}) see. False for every attack, including those
     * that only poison data.
     */
    default boolean honest() {
        return false;
    }

    /**
     * Whether the simulation trains this client at all. Behaviours that ignore their update (noise,
     * free riding) answer false; their trained update is then a zero vector and they are left out
     * of {@link RoundView#attackerUpdates()}.
     */
    default boolean trains() {
        return true;
    }

    /**
     * The data this trainer trains on in {@code round}; its honest local data unchanged unless it
     * poisons data.
     *
     * @param random seeded from (seed, round, client), for choosing which samples to poison
     */
    default LabeledData trainingData(LabeledData local, int round, SplittableRandom random) {
        return local;
    }

    /**
     * The update this trainer submits.
     *
     * @param trained its update trained honestly on {@link #trainingData} ({@code local − global}),
     *     the same array as {@code view.trained().get(view.client())}; not to be modified
     * @param view the round as this trainer sees it
     * @return the update to send; may be {@code trained} itself
     */
    float[] submit(float[] trained, RoundView view);

    /** The sample count it claims, given the size of its local data. */
    default long reportedSamples(long actual) {
        return actual;
    }

    /** This behaviour, but claiming {@code samples} samples whatever it holds (e.g. 10⁶). */
    default Behaviour claiming(long samples) {
        return new Claiming(this, samples);
    }
}
