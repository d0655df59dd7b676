package io.cohort.learning.aggregate;

import java.util.Arrays;
import java.util.List;

/**
 * The vector arithmetic the rules share, in double precision and a fixed order. Products of two
 * floats are exact in double, and {@code a − b} rounds the same as {@code −(b − a)}, so dot
 * products and distances are symmetric bit for bit. The norm, the distance and the cosine are
 * public: the attack simulators, the evaluator's copy check and the tests measure updates with the
 * same arithmetic as the rules.
 */
public final class Vectors {

    private Vectors() {}

    static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (double) a[i] * b[i];
        }
        return sum;
    }

    /** The L2 norm {@code √Σ aᵢ²}; finite for every finite {@code a}. */
    public static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** The L2 distance {@code √Σ (aᵢ − bᵢ)²}. */
    public static double distance(float[] a, float[] b) {
        return Math.sqrt(distanceSquared(a, b));
    }

    /** {@code Σ (aᵢ − bᵢ)²}. */
    static double distanceSquared(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double difference = (double) a[i] - b[i];
            sum += difference * difference;
        }
        return sum;
    }

    /**
     * {@code ⟨a, b⟩ / (‖a‖·‖b‖)} clamped to [−1, 1], with the norms given; 0 when either norm is 0
     * (a zero vector points nowhere).
     */
    public static double cosine(float[] a, float[] b, double normA, double normB) {
        if (normA == 0 || normB == 0) {
            return 0;
        }
        double cosine = dot(a, b) / (normA * normB);
        return Math.max(-1, Math.min(1, cosine));
    }

    /** The median: the middle value, or the mean of the two middle values for an even count. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /**
     * {@code Σ cₖ·uₖ} over the submissions in {@code order}, accumulated in double and rounded to
     * float once; submissions with coefficient 0 are skipped.
     */
    static float[] combine(
            List<Submission> submissions, double[] coefficients, int[] order, int length) {
        double[] sum = new double[length];
        for (int k : order) {
            double c = coefficients[k];
            if (c == 0) {
                continue;
            }
            float[] u = submissions.get(k).update();
            for (int i = 0; i < length; i++) {
                sum[i] += c * u[i];
            }
        }
        return toFloats(sum);
    }

    static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** {@code Σ values[k]} over {@code order}. */
    static double sum(double[] values, int[] order) {
        double sum = 0;
        for (int k : order) {
            sum += values[k];
        }
        return sum;
    }
}
