package io.cohort.learning.attack;

/**
 * Inner-product manipulation [Xie et al., 2020, "Fall of Empires"]: sends {@code −ε · μ}, where
 * {@code μ} is the mean of the updates its {@link Knowledge} gives (the benign ones in the paper),
 * so that the aggregate's inner product with the true mean turns negative. Small ε (0.1) slips past
 * median and Krum; large ε (10–100) overwhelms a plain mean.
 *
 * @param epsilon positive and finite
 * @param knowledge whose updates it averages
 */
public record Ipm(double epsilon, Knowledge knowledge) implements Behaviour {

    public Ipm {
        if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException(
                    "IPM epsilon must be positive and finite, got " + epsilon);
        }
        if (knowledge == null) {
            throw new IllegalArgumentException("IPM needs a knowledge (BENIGN or COLLUDERS)");
        }
    }

    /** IPM on the benign updates, as in the paper. */
    public Ipm(double epsilon) {
        this(epsilon, Knowledge.BENIGN);
    }

    @Override
    public String name() {
        return "ipm(epsilon=" + epsilon + (knowledge == Knowledge.BENIGN ? "" : ",colluders") + ")";
    }

    /**
     * Trains only to pool its own update with colluders; on the benign updates it never reads it.
     */
    @Override
    public boolean trains() {
        return knowledge == Knowledge.COLLUDERS;
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        double[] mean = Statistics.mean(knowledge.updates(view, "IPM"));
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (-epsilon * mean[i]);
        }
        return out;
    }
}
