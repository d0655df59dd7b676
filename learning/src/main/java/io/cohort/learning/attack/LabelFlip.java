package io.cohort.learning.attack;

import io.cohort.learning.data.LabeledData;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Trains on relabelled data and submits what it trained [Tolpegin et al., 2020]: every label {@code
 * y} becomes {@code map[y]}, by default {@code C − 1 − y} for C classes (9 − y on MNIST). Knows
 * only its own data.
 */
public final class LabelFlip implements Behaviour {

    private final int[] map;

    /** Relabels {@code y} as {@code C − 1 − y}. */
    public LabelFlip() {
        this.map = null;
    }

    /**
     * Relabels {@code y} as {@code map[y]}.
     *
     * @param map one target per class; its length must be the data's number of classes
     */
    public LabelFlip(int[] map) {
        if (map == null || map.length == 0) {
            throw new IllegalArgumentException("a label map needs one entry per class");
        }
        this.map = map.clone();
    }

    @Override
    public String name() {
        return map == null ? "label-flip" : "label-flip(" + Arrays.toString(map) + ")";
    }

    /** {@code data} with every label mapped (features shared, labels copied). */
    public LabeledData relabel(LabeledData data) {
        int classes = data.numClasses();
        if (map != null && map.length != classes) {
            throw new IllegalArgumentException(
                    "label map "
                            + Arrays.toString(map)
                            + " has "
                            + map.length
                            + " entries, the data has "
                            + classes
                            + " classes");
        }
        if (map != null) {
            for (int m : map) {
                if (m < 0 || m >= classes) {
                    throw new IllegalArgumentException(
                            "label map "
                                    + Arrays.toString(map)
                                    + " sends a class to "
                                    + m
                                    + ", outside [0, "
                                    + classes
                                    + ")");
                }
            }
        }
        int[] y = new int[data.size()];
        for (int i = 0; i < y.length; i++) {
            int label = data.labels()[i];
            y[i] = map == null ? classes - 1 - label : map[label];
        }
        return new LabeledData(data.features(), y, data.sampleShape(), classes);
    }

    @Override
    public LabeledData trainingData(LabeledData local, int round, SplittableRandom random) {
        return relabel(local);
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        return trained;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelFlip l && Arrays.equals(map, l.map);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(map);
    }

    @Override
    public String toString() {
        return name();
    }
}
