package io.cohort.learning.attack;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Coordinate-wise statistics and Gaussian draws the attacks share. Sums run in double, in list
 * order; Gaussians come from Box–Muller with {@link StrictMath}, so results do not depend on the
 * JVM.
 */
final class Statistics {

    private Statistics() {}

    /** The coordinate-wise mean. */
    static double[] mean(List<float[]> updates) {
        if (updates.isEmpty()) {
            throw new IllegalArgumentException("no updates to take statistics of");
        }
        int d = updates.get(0).length;
        double[] sum = new double[d];
        for (int k = 0; k < updates.size(); k++) {
            float[] u = updates.get(k);
            if (u.length != d) {
                throw new IllegalArgumentException(
                        "update " + k + " has " + u.length + " values, not " + d);
            }
            for (int i = 0; i < d; i++) {
                sum[i] += u[i];
            }
        }
        for (int i = 0; i < d; i++) {
            sum[i] /= updates.size();
        }
        return sum;
    }

    /**
     * The coordinate-wise sample standard deviation ({@code k − 1} in the denominator, as {@code
     * torch.std}); zero for a single update.
     */
    static double[] std(List<float[]> updates, double[] mean) {
        int k = updates.size();
        double[] out = new double[mean.length];
        if (k < 2) {
            return out;
        }
        for (float[] u : updates) {
            for (int i = 0; i < mean.length; i++) {
                double e = u[i] - mean[i];
                out[i] += e * e;
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.sqrt(out[i] / (k - 1));
        }
        return out;
    }

    static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    /** Adds N(0, σ²) to every coordinate of {@code target}, drawing in coordinate order. */
    static void addGaussian(float[] target, double sigma, SplittableRandom random) {
        if (sigma == 0) {
            return;
        }
        for (int i = 0; i < target.length; i += 2) {
            // Box–Muller: one pair of uniforms gives two independent standard normals.
            double u1 = 1.0 - random.nextDouble();
            double u2 = random.nextDouble();
            double r = StrictMath.sqrt(-2.0 * StrictMath.log(u1));
            double a = 2.0 * StrictMath.PI * u2;
            target[i] = (float) (target[i] + sigma * r * StrictMath.cos(a));
            if (i + 1 < target.length) {
                target[i + 1] = (float) (target[i + 1] + sigma * r * StrictMath.sin(a));
            }
        }
    }
}
