package io.cohort.learning.data;

import java.util.SplittableRandom;

/**
 * Draws from the symmetric Dirichlet(α) distribution by normalising independent Gamma(α, 1) draws,
 * sampled with the method of Marsaglia and Tsang ("A simple method for generating gamma variables",
 * ACM TOMS 26(3), 2000), boosted for α &lt; 1 by Gamma(α) = Gamma(α + 1) · U^(1/α).
 */
final class Dirichlet {

    private Dirichlet() {}

    /**
     * {@code k} proportions summing to 1. When every Gamma draw underflows to zero (α tiny), one
     * client chosen uniformly gets everything: the limit of Dirichlet(α) as α → 0.
     */
    static double[] draw(int k, double alpha, SplittableRandom random) {
        double[] g = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            g[i] = gamma(alpha, random);
            sum += g[i];
        }
        if (sum == 0) {
            g[random.nextInt(k)] = 1;
            sum = 1;
        }
        for (int i = 0; i < k; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /** One Gamma(α, 1) draw, α &gt; 0. */
    static double gamma(double alpha, SplittableRandom random) {
        if (alpha < 1) {
            return gamma(alpha + 1, random) * Math.pow(random.nextDouble(), 1 / alpha);
        }
        double d = alpha - 1.0 / 3;
        double c = 1 / Math.sqrt(9 * d);
        while (true) {
            double x;
            double v;
            do {
                x = normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = random.nextDouble();
            if (u < 1 - 0.0331 * x * x * x * x
                    || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
                return d * v;
            }
        }
    }

    /** A standard normal draw (Box–Muller; one of the pair is enough). */
    private static double normal(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
