package io.cohort.learning.aggregate;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small inputs for the aggregation tests. */
final class AggregationFixtures {

    private AggregationFixtures() {}

    /** Trainers {@code t0, t1, …} with 100 reported samples each. */
    static List<Submission> submissions(float[]... updates) {
        List<Submission> out = new ArrayList<>();
        for (int k = 0; k < updates.length; k++) {
            out.add(new Submission("t" + k, updates[k], 100));
        }
        return out;
    }

    static float[] v(float... values) {
        return values;
    }

    /** Round 1, {@code G_r} of {@code length} zeros, no reference. */
    static AggregationContext context(int length) {
        return new AggregationContext(1, new float[length], null, 0);
    }

    static AggregationContext context(int length, float[] reference) {
        return new AggregationContext(1, new float[length], reference, 0);
    }

    static AggregationContext round(int round, int length) {
        return new AggregationContext(round, new float[length], null, 0);
    }

    static float[] gaussian(SplittableRandom random, int length, double scale) {
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = (float) (scale * gaussian(random));
        }
        return out;
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    static double sum(double[] values) {
        double s = 0;
        for (double x : values) {
            s += x;
        }
        return s;
    }
}
