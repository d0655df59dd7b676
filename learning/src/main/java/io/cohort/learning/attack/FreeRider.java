package io.cohort.learning.attack;

/**
 * Contributes nothing: it does not train and sends a zero update (the global model back), or,
 * disguised, zero plus noise whose scale decays over rounds so that it looks like the shrinking
 * updates of a converging trainer [Fraboni et al., 2021]: every coordinate drawn from N(0, σ_r²)
 * with {@code σ_r = sigma0 · decay^(r−1)} in round {@code r}.
 *
 * @param sigma0 the noise in round 1, ≥ 0 and finite; 0 sends exact zeros
 * @param decay the factor per round, in (0, 1]
 */
public record FreeRider(double sigma0, double decay) implements Behaviour {

    public FreeRider {
        if (!(sigma0 >= 0) || Double.isInfinite(sigma0)) {
            throw new IllegalArgumentException(
                    "free-rider sigma0 must be non-negative and finite, got " + sigma0);
        }
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("free-rider decay must be in (0, 1], got " + decay);
        }
    }

    /** A free rider that sends exact zeros. */
    public static FreeRider plain() {
        return new FreeRider(0, 1);
    }

    @Override
    public String name() {
        return sigma0 == 0 ? "free-rider" : "free-rider(sigma0=" + sigma0 + ",decay=" + decay + ")";
    }

    @Override
    public boolean trains() {
        return false;
    }

    /** The noise scale in {@code round}: {@code sigma0 · decay^(round−1)}. */
    public double sigma(int round) {
        return sigma0 * StrictMath.pow(decay, round - 1); // as Statistics: one result on every JVM
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        float[] out = new float[trained.length];
        Statistics.addGaussian(out, sigma(view.round()), view.random());
        return out;
    }
}
