package io.cohort.learning.aggregate;

import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The checks every rule runs on its input, and the order in which rules sum submissions. */
final class Submissions {

    private Submissions() {}

    /**
     * Checks the submissions against the context and returns each update's L2 norm, in input order.
     *
     * @throws IllegalArgumentException naming the rule and the submission when the list is empty,
     *     an entry or update is missing, the lengths are mixed or differ from {@code G_r}, or a
     *     value is not finite
     */
    static double[] checkAndMeasure(
            String rule, List<Submission> submissions, AggregationContext context) {
        Objects.requireNonNull(submissions, "submissions");
        Objects.requireNonNull(context, "context");
        if (submissions.isEmpty()) {
            throw new IllegalArgumentException(rule + ": no submissions to aggregate");
        }
        float[] global = context.global();
        if (global == null) {
            throw new IllegalArgumentException(
                    rule
                            + ": context.global() is null; the rule needs G_r to check update lengths");
        }
        if (global.length == 0) {
            throw new IllegalArgumentException(rule + ": the global model has no parameters");
        }
        int n = submissions.size();
        for (int k = 0; k < n; k++) {
            Submission s = submissions.get(k);
            if (s == null || s.update() == null) {
                throw new IllegalArgumentException(
                        rule + ": submission " + k + (s == null ? " is null" : " has no update"));
            }
        }
        float[] first = submissions.get(0).update();
        for (int k = 1; k < n; k++) {
            float[] u = submissions.get(k).update();
            if (u.length != first.length) {
                throw new IllegalArgumentException(
                        rule
                                + ": submissions have mixed lengths: "
                                + describe(submissions, 0)
                                + " has "
                                + first.length
                                + " values, "
                                + describe(submissions, k)
                                + " has "
                                + u.length);
            }
        }
        if (first.length != global.length) {
            throw new IllegalArgumentException(
                    rule
                            + ": the updates have "
                            + first.length
                            + " values but the global model has "
                            + global.length
                            + "; an update is W_local − G_r in the model's parameter order");
        }
        double[] norms = new double[n];
        for (int k = 0; k < n; k++) {
            float[] u = submissions.get(k).update();
            norms[k] = Vectors.norm(u);
            if (!Double.isFinite(norms[k])) {
                throw new IllegalArgumentException(
                        rule + ": " + describe(submissions, k) + ": " + nonFinite(u));
            }
        }
        return norms;
    }

    /** The reference update checked like a submission; its L2 norm. */
    static double checkReference(String rule, float[] reference, int length) {
        double norm = referenceNorm(rule, reference, length);
        if (!Double.isFinite(norm)) {
            throw new IllegalArgumentException(
                    rule + ": the reference update: " + nonFinite(reference));
        }
        return norm;
    }

    /**
     * The reference update's L2 norm, not finite when a value is not.
     *
     * @throws IllegalArgumentException if its length is not the model's
     */
    static double referenceNorm(String rule, float[] reference, int length) {
        if (reference.length != length) {
            throw new IllegalArgumentException(
                    rule
                            + ": the reference update has "
                            + reference.length
                            + " values but the global model has "
                            + length);
        }
        return Vectors.norm(reference);
    }

    /**
     * The order in which rules sum over submissions: ascending L2 norm, ties by lower index. It
     * depends on the updates, not on their positions, so a permuted input gives the bit-identical
     * aggregate unless two different updates have exactly the same norm.
     */
    static int[] canonicalOrder(double[] norms) {
        Integer[] order = new Integer[norms.length];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        Arrays.sort(
                order,
                Comparator.<Integer>comparingDouble(k -> norms[k])
                        .thenComparingInt(Integer::intValue));
        int[] out = new int[order.length];
        for (int k = 0; k < out.length; k++) {
            out[k] = order[k];
        }
        return out;
    }

    /** The result as the contract wants it: the lists and maps read-only. */
    static Aggregation result(
            float[] update,
            double[] weights,
            List<Rejection> rejections,
            Map<String, Object> metrics) {
        return new Aggregation(
                update, weights, List.copyOf(rejections), Collections.unmodifiableMap(metrics));
    }

    static String describe(List<Submission> submissions, int k) {
        String trainer = submissions.get(k).trainer();
        return trainer == null ? "submission " + k : "submission " + k + " (" + trainer + ")";
    }

    private static String nonFinite(float[] u) {
        for (int i = 0; i < u.length; i++) {
            if (!Float.isFinite(u[i])) {
                return "value "
                        + i
                        + " is "
                        + u[i]
                        + "; updates must be finite (the decoder rejects non-finite ones)";
            }
        }
        return "its norm overflows";
    }
}
