package io.cohort.learning.attack;

import io.cohort.learning.aggregate.Vectors;
import java.util.List;
import java.util.Locale;

/**
 * Min-max [Shejwalkar and Houmansadr, NDSS 2021], AGR-agnostic: sends {@code μ + γ·p}, where {@code
 * μ} is the mean of the updates its {@link Knowledge} gives, {@code p} a perturbation direction,
 * and {@code γ} the largest value for which the malicious update's largest distance to any of those
 * updates is at most the largest distance between two of them:
 *
 * <pre>{@code
 * max_i ‖μ + γ·p − ∇_i‖₂  ≤  max_{i,j} ‖∇_i − ∇_j‖₂
 * }</pre>
 *
 * The left side is convex in γ and holds at γ = 0, so the feasible γ form an interval [0, γ*]; γ*
 * is bracketed by doubling from {@code bound / ‖p‖} and then bisected until the bracket is within
 * {@code tolerance} relative to its upper end. The update sent is the last feasible one, checked as
 * the float vector that is sent.
 *
 * @param perturbation the direction p
 * @param knowledge whose updates give μ, p and the bound (the paper's full-knowledge setting is
 *     {@link Knowledge#BENIGN})
 * @param tolerance relative width at which the search stops, in (0, 0.01]
 */
public record MinMax(Perturbation perturbation, Knowledge knowledge, double tolerance)
        implements Behaviour {

    /** The perturbation directions of the paper. */
    public enum Perturbation {
        /** Inverse unit vector: {@code −μ / ‖μ‖}. */
        UNIT_VECTOR,
        /** Inverse standard deviation: {@code −σ}, coordinate-wise sample standard deviation. */
        STD,
        /** Inverse sign: {@code −sign(μ)}. */
        SIGN
    }

    /** At most this many bisection steps, whatever the tolerance. */
    static final int MAX_STEPS = 200;

    public MinMax {
        if (perturbation == null || knowledge == null) {
            throw new IllegalArgumentException(
                    "min-max needs a perturbation (UNIT_VECTOR, STD, SIGN) and a knowledge");
        }
        if (!(tolerance > 0 && tolerance <= 0.01)) {
            throw new IllegalArgumentException(
                    "min-max tolerance must be in (0, 0.01], got " + tolerance);
        }
    }

    /** Min-max with the inverse standard deviation on the benign updates, tolerance 10⁻⁶. */
    public MinMax() {
        this(Perturbation.STD, Knowledge.BENIGN, 1e-6);
    }

    @Override
    public String name() {
        return "min-max("
                + perturbation.name().toLowerCase(Locale.ROOT)
                + (knowledge == Knowledge.BENIGN ? "" : ",colluders")
                + ")";
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
        return craft(knowledge.updates(view, "min-max"), perturbation, tolerance).update();
    }

    /**
     * What the search found.
     *
     * @param update {@code μ + γ·p} as sent
     * @param gamma γ
     * @param bound the largest pairwise distance among the updates
     */
    record Crafted(float[] update, double gamma, double bound) {}

    static Crafted craft(List<float[]> updates, Perturbation perturbation, double tolerance) {
        double[] mean = Statistics.mean(updates);
        double[] p = direction(updates, mean, perturbation);
        double bound = 0;
        for (int i = 0; i < updates.size(); i++) {
            for (int j = i + 1; j < updates.size(); j++) {
                bound = Math.max(bound, Vectors.distance(updates.get(i), updates.get(j)));
            }
        }
        double pNorm = Statistics.norm(p);
        if (pNorm == 0 || bound == 0) {
            return new Crafted(Statistics.toFloats(mean), 0, bound);
        }
        double lo = 0;
        double hi = bound / pNorm;
        for (int k = 0; k < 64 && feasible(mean, p, hi, updates, bound); k++) {
            lo = hi;
            hi *= 2;
        }
        for (int k = 0; k < MAX_STEPS && hi - lo > tolerance * hi; k++) {
            double mid = lo + (hi - lo) / 2;
            if (feasible(mean, p, mid, updates, bound)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Crafted(candidate(mean, p, lo), lo, bound);
    }

    private static boolean feasible(
            double[] mean, double[] p, double gamma, List<float[]> updates, double bound) {
        float[] m = candidate(mean, p, gamma);
        for (float[] u : updates) {
            if (Vectors.distance(m, u) > bound) {
                return false;
            }
        }
        return true;
    }

    private static float[] candidate(double[] mean, double[] p, double gamma) {
        float[] m = new float[mean.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (mean[i] + gamma * p[i]);
        }
        return m;
    }

    private static double[] direction(
            List<float[]> updates, double[] mean, Perturbation perturbation) {
        double[] p = new double[mean.length];
        switch (perturbation) {
            case UNIT_VECTOR -> {
                double n = Statistics.norm(mean);
                if (n > 0) {
                    for (int i = 0; i < p.length; i++) {
                        p[i] = -mean[i] / n;
                    }
                }
            }
            case STD -> {
                double[] std = Statistics.std(updates, mean);
                for (int i = 0; i < p.length; i++) {
                    p[i] = -std[i];
                }
            }
            case SIGN -> {
                for (int i = 0; i < p.length; i++) {
                    p[i] = -Math.signum(mean[i]);
                }
            }
        }
        return p;
    }
}
