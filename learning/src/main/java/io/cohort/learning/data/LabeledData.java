package io.cohort.learning.data;

import java.util.Arrays;

/**
 * Samples with integer class labels, held as one row-major float array: sample {@code i} occupies
 * {@code features[i * sampleSize() .. (i + 1) * sampleSize())}. Images are scaled to [0, 1] with
 * shape {@code [channels, height, width]} (MNIST: {@code [1, 28, 28]}).
 *
 * @param features the samples, row-major
 * @param labels one class in {@code [0, numClasses)} per sample
 * @param sampleShape the shape of one sample
 * @param numClasses how many classes the labels range over
 */
public record LabeledData(float[] features, int[] labels, int[] sampleShape, int numClasses) {

    public LabeledData {
        sampleShape = sampleShape.clone();
        long per = 1;
        for (int d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException(
                        "sample shape "
                                + Arrays.toString(sampleShape)
                                + " has a non-positive dimension");
            }
            per *= d; // at most (2^31 - 1)^2 here: the check below keeps it under 2^31
            if (per > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "sample shape "
                                + Arrays.toString(sampleShape)
                                + " holds more than 2^31 - 1 values per sample");
            }
        }
        if ((long) labels.length * per != features.length) {
            throw new IllegalArgumentException(
                    features.length
                            + " feature values do not hold "
                            + labels.length
                            + " samples of shape "
                            + Arrays.toString(sampleShape));
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException(
                        "label "
                                + labels[i]
                                + " of sample "
                                + i
                                + " is outside [0, "
                                + numClasses
                                + ")");
            }
        }
    }

    /** Number of samples. */
    public int size() {
        return labels.length;
    }

    /** Values per sample (the product of the sample shape). */
    public int sampleSize() {
        int per = 1;
        for (int d : sampleShape) {
            per *= d;
        }
        return per;
    }

    /** The samples at {@code indices}, in that order (copied). */
    public LabeledData subset(int[] indices) {
        int per = sampleSize();
        float[] f = new float[indices.length * per];
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            int i = indices[k];
            if (i < 0 || i >= labels.length) {
                throw new IndexOutOfBoundsException("sample " + i + " of " + labels.length);
            }
            System.arraycopy(features, i * per, f, k * per, per);
            l[k] = labels[i];
        }
        return new LabeledData(f, l, sampleShape, numClasses);
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive). */
    public LabeledData slice(int from, int to) {
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = from + i;
        }
        return subset(idx);
    }
}
