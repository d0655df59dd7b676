package io.cohort.learning.attack;

import io.cohort.learning.data.LabeledData;
import java.util.SplittableRandom;

/** A behaviour that lies about its sample count; see {@link Behaviour#claiming(long)}. */
record Claiming(Behaviour inner, long samples) implements Behaviour {

    Claiming {
        if (samples < 0) {
            throw new IllegalArgumentException(
                    "a trainer claims a non-negative number of samples, got " + samples);
        }
    }

    @Override
    public String name() {
        return inner.name() + "+claims(" + samples + ")";
    }

    @Override
    public boolean trains() {
        return inner.trains();
    }

    @Override
    public LabeledData trainingData(LabeledData local, int round, SplittableRandom random) {
        return inner.trainingData(local, round, random);
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        return inner.submit(trained, view);
    }

    @Override
    public long reportedSamples(long actual) {
        return samples;
    }
}
