package io.cohort.learning.model;

import io.cohort.learning.data.LabeledData;

/**
 * A model's result on a dataset. {@code correct} is an exact integer count; {@code lossSum} is the
 * sum of per-sample cross-entropy losses added in sample order (deterministic for a fixed thread
 * count).
 *
 * @param samples samples evaluated
 * @param correct samples whose arg-max logit is the label (ties go to the lowest class)
 * @param lossSum sum of the per-sample softmax cross-entropy
 */
public record Evaluation(int samples, int correct, double lossSum) {

    /** Accuracy in [0, 1]. */
    public double accuracy() {
        return samples == 0 ? 0 : (double) correct / samples;
    }

    /** Mean loss. */
    public double loss() {
        return samples == 0 ? 0 : lossSum / samples;
    }

    /** Scores a batch of logits (row-major, {@code classes} per sample) against labels. */
    public static Evaluation of(float[] logits, int[] labels, int from, int count, int classes) {
        int correct = 0;
        double lossSum = 0;
        for (int i = 0; i < count; i++) {
            int base = i * classes;
            int best = 0;
            float max = logits[base];
            boolean finite = Float.isFinite(max);
            for (int c = 1; c < classes; c++) {
                finite &= Float.isFinite(logits[base + c]);
                if (logits[base + c] > max) {
                    max = logits[base + c];
                    best = c;
                }
            }
            if (!finite) {
                best = -1; // NaN compares false everywhere, which made it class 0: never correct
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp((double) logits[base + c] - max);
            }
            int label = labels[from + i];
            lossSum += Math.log(sum) - ((double) logits[base + label] - max);
            if (best == label) {
                correct++;
            }
        }
        return new Evaluation(count, correct, lossSum);
    }

    /** A model's logits for the samples {@code from} (inclusive) to {@code to} (exclusive). */
    @FunctionalInterface
    public interface Logits {
        float[] of(LabeledData data, int from, int to);
    }

    /**
     * Scores {@code data} in batches of {@code batchSize}, in sample order, with the logits of a
     * model that has {@code classes} outputs.
     */
    public static Evaluation inBatches(LabeledData data, int batchSize, int classes, Logits model) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        Evaluation total = new Evaluation(0, 0, 0);
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            total =
                    total.plus(
                            of(model.of(data, from, to), data.labels(), from, to - from, classes));
        }
        return total;
    }

    /** The sum of two evaluations (in this order). */
    public Evaluation plus(Evaluation other) {
        return new Evaluation(
                samples + other.samples, correct + other.correct, lossSum + other.lossSum);
    }
}
