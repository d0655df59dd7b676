package io.cohort.learning.attack;

import java.util.List;

/** Hand-made rounds for the behaviour tests. */
final class Views {

    private Views() {}

    /** Round {@code round} for {@code client}, with a zero global model. */
    static RoundView of(int round, int client, List<float[]> trained, List<Behaviour> behaviours) {
        return new RoundView(
                round, client, new float[trained.get(0).length], trained, behaviours, 42);
    }

    static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }
}
