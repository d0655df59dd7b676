package io.cohort.learning.sim;

import java.util.List;

/**
 * Federated averaging of updates: {@code Σ wᵢ·Δᵢ / Σ wᵢ} with the sums taken in list order in
 * double precision, so the result does not depend on threads.
 */
public final class FedAvg {

    private FedAvg() {}

    /**
     * The weighted mean of {@code updates}.
     *
     * @param weights one non-negative weight per update (sample counts, or 1 for a plain mean)
     */
    public static float[] average(List<float[]> updates, double[] weights) {
        if (updates.isEmpty()) {
            throw new IllegalArgumentException("no updates to average");
        }
        if (weights.length != updates.size()) {
            throw new IllegalArgumentException(
                    updates.size() + " updates but " + weights.length + " weights");
        }
        int n = updates.get(0).length;
        double total = 0;
        for (int k = 0; k < weights.length; k++) {
            if (!(weights[k] >= 0) || Double.isInfinite(weights[k])) {
                throw new IllegalArgumentException("weight " + k + " is " + weights[k]);
            }
            if (updates.get(k).length != n) {
                throw new IllegalArgumentException(
                        "update " + k + " has " + updates.get(k).length + " values, not " + n);
            }
            total += weights[k];
        }
        if (total == 0) {
            throw new IllegalArgumentException("the weights sum to zero");
        }
        double[] sum = new double[n];
        for (int k = 0; k < updates.size(); k++) {
            float[] u = updates.get(k);
            double w = weights[k] / total;
            for (int i = 0; i < n; i++) {
                sum[i] += w * u[i];
            }
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) sum[i];
        }
        return out;
    }
}
