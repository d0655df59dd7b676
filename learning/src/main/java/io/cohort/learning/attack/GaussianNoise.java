package io.cohort.learning.attack;

/**
 * Replaces its update with noise: every coordinate drawn independently from N(0, σ²). Knows nothing
 * and does not train.
 *
 * @param sigma the standard deviation, ≥ 0 and finite
 */
public record GaussianNoise(double sigma) implements Behaviour {

    public GaussianNoise {
        if (!(sigma >= 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException(
                    "noise sigma must be non-negative and finite, got " + sigma);
        }
    }

    @Override
    public String name() {
        return "gaussian(sigma=" + sigma + ")";
    }

    @Override
    public boolean trains() {
        return false;
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        float[] out = new float[trained.length];
        Statistics.addGaussian(out, sigma, view.random());
        return out;
    }
}
