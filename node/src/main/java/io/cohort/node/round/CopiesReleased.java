package io.cohort.node.round;

import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.RoundView;

/**
 * A dishonest trainer for demos and tests of the evaluators' copy check: it trains nothing and
 * sends, sealed in its own name, the best-scored unflagged update of another trainer in the last
 * settled round, opened with the content key that round's record released ({@link TrainerNode} does
 * the copying; docs/node.md, "Copies of earlier rounds"). Until a round settled it has nothing to
 * send and does not submit ({@link TrainerNode.Result#NOTHING_TO_COPY}).
 */
public record CopiesReleased() implements Behaviour {

    @Override
    public String name() {
        return "copier";
    }

    @Override
    public boolean trains() {
        return false;
    }

    /** Never asked: {@link TrainerNode} sends the copied bytes themselves. */
    @Override
    public float[] submit(float[] trained, RoundView view) {
        throw new UnsupportedOperationException("a copier sends a released update, not its own");
    }
}
