package io.cohort.learning.attack;

import java.util.List;

/**
 * "A little is enough" [Baruch et al., 2019]: every attacker sends {@code μ − z·σ} coordinate by
 * coordinate, where {@code μ} and {@code σ} are the mean and sample standard deviation of the
 * updates its {@link Knowledge} gives. The shift stays within the spread of benign updates, so
 * median, trimmed mean and Krum keep it, yet it drags every coordinate the same way.
 *
 * @param z the shift in standard deviations; {@link #zMax(int, int)} gives the paper's choice
 * @param knowledge whose updates give μ and σ (the paper estimates them from the attackers' own
 *     updates; benchmarks usually give the benign ones)
 */
public record Alie(double z, Knowledge knowledge) implements Behaviour {

    public Alie {
        if (!Double.isFinite(z)) {
            throw new IllegalArgumentException("ALIE z must be finite, got " + z);
        }
        if (knowledge == null) {
            throw new IllegalArgumentException("ALIE needs a knowledge (BENIGN or COLLUDERS)");
        }
    }

    /** ALIE on the benign updates. */
    public Alie(double z) {
        this(z, Knowledge.BENIGN);
    }

    /** ALIE on the benign updates with the paper's {@code z_max} for n clients, f attackers. */
    public static Alie forCohort(int n, int f) {
        return new Alie(zMax(n, f));
    }

    /**
     * The paper's {@code z_max = Φ⁻¹((n − s)/n)} with {@code s = ⌊n/2 + 1⌋ − f}, the number of
     * benign clients the attackers need on their side for a majority.
     *
     * @throws IllegalArgumentException unless {@code 1 ≤ f ≤ ⌊n/2⌋}
     */
    public static double zMax(int n, int f) {
        int s = (n / 2 + 1) - f;
        if (n < 2 || f < 1 || s < 1) {
            throw new IllegalArgumentException(
                    "ALIE's z_max needs 1 <= f <= n/2 attackers among n >= 2 clients, got n="
                            + n
                            + ", f="
                            + f);
        }
        return inverseNormal((double) (n - s) / n);
    }

    @Override
    public String name() {
        return "alie(z=" + z + (knowledge == Knowledge.BENIGN ? "" : ",colluders") + ")";
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
        List<float[]> updates = knowledge.updates(view, "ALIE");
        double[] mean = Statistics.mean(updates);
        double[] std = Statistics.std(updates, mean);
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean[i] - z * std[i]);
        }
        return out;
    }

    /**
     * Φ⁻¹(p), the standard normal quantile, by Acklam's rational approximation (relative error
     * below 1.2·10⁻⁹).
     */
    static double inverseNormal(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("a normal quantile needs p in (0, 1), got " + p);
        }
        double[] a = {
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
            1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00
        };
        double[] b = {
            -5.447609879822406e+01,
            1.615858368580409e+02,
            -1.556989798598866e+02,
            6.680131188771972e+01,
            -1.328068155288572e+01
        };
        double[] c = {
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
            -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00
        };
        double[] d = {
            7.784695709041462e-03,
            3.224671290700398e-01,
            2.445134137142996e+00,
            3.754408661907416e+00
        };
        double low = 0.02425;
        if (p < low || p > 1 - low) {
            double q = StrictMath.sqrt(-2 * StrictMath.log(p < low ? p : 1 - p));
            double x =
                    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                            / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
            return p < low ? x : -x;
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
                * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    }
}
