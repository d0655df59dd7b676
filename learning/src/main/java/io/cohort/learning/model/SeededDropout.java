package io.cohort.learning.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.SplittableRandom;

/**
 * Dropout whose masks come from a {@link SplittableRandom} this model's training seeds, not from
 * PyTorch's process-wide generator: DJL's {@code Dropout} draws from that generator, which nothing
 * seeds, which other code in the process may draw from, and whose Bernoulli kernel differs between
 * CPUs (an MKL path on Intel, another elsewhere), so evaluators of a spec with dropout would not
 * train the same reference update. In training each element is kept with probability {@code 1 −
 * rate} and scaled by {@code 1 / (1 − rate)} (inverted dropout, as PyTorch); outside training it is
 * the identity. The draws are Java's, element by element in row-major order, batch after batch, so
 * the same seed gives the same masks on every machine.
 */
final class SeededDropout extends AbstractBlock {

    private final float rate;
    private SplittableRandom random = new SplittableRandom(0);

    SeededDropout(float rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    /** Starts the masks of a training from {@code seed}. */
    void seed(long seed) {
        random = new SplittableRandom(seed);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (!training || rate == 0) {
            return new NDList(x);
        }
        long size = x.getShape().size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dropout over " + size + " values in one batch");
        }
        float kept = 1 / (1 - rate);
        float[] mask = new float[(int) size];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = random.nextDouble() < rate ? 0f : kept;
        }
        NDArray m = x.getManager().create(mask, x.getShape());
        return new NDList(x.mul(m));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
