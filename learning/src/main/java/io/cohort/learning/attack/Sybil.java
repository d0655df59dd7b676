package io.cohort.learning.attack;

import io.cohort.learning.aggregate.Vectors;
import io.cohort.learning.data.LabeledData;
import java.util.SplittableRandom;

/**
 * Sybil clones: one attacker behind several identities, all sending nearly the same poisoned
 * update. Give one instance to every identity of the group (typically 5); {@link RoundView#group()}
 * finds them. Each identity computes the {@code inner} behaviour's submission as the group's
 * lowest-indexed member (the leader) makes it, from the leader's trained update and with the
 * leader's random draws, so all members start from the same malicious update {@code m}; each then
 * adds its own independent noise N(0, σ²) per coordinate with {@code σ = relativeNoise · ‖m‖₂ / √d}
 * (so the noise's norm is about {@code relativeNoise · ‖m‖}), or {@code σ = relativeNoise} when
 * {@code m} is zero. The clones are near-identical but never bit-identical.
 *
 * @param inner what the group sends (e.g. {@link SignFlip}, {@link LabelFlip}, {@link Backdoor});
 *     it also decides the training data and the claimed sample count
 * @param relativeNoise the noise relative to the update, positive and finite (e.g. 10⁻⁴)
 */
public record Sybil(Behaviour inner, double relativeNoise) implements Behaviour {

    public Sybil {
        if (inner == null) {
            throw new IllegalArgumentException("a Sybil group needs the behaviour it clones");
        }
        if (!(relativeNoise > 0) || Double.isInfinite(relativeNoise)) {
            throw new IllegalArgumentException(
                    "Sybil relative noise must be positive and finite, got " + relativeNoise);
        }
    }

    /** Clones of {@code inner} with noise 10⁻⁴ relative to the update. */
    public Sybil(Behaviour inner) {
        this(inner, 1e-4);
    }

    @Override
    public String name() {
        return "sybil(" + inner.name() + ")";
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
    public long reportedSamples(long actual) {
        return inner.reportedSamples(actual);
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        RoundView leader = view.as(view.group()[0]);
        float[] out = inner.submit(leader.own(), leader).clone();
        double rms = Vectors.norm(out) / Math.sqrt(Math.max(1, out.length));
        // split(): a stream distinct from the one the inner behaviour drew from as the leader.
        Statistics.addGaussian(out, relativeNoise * (rms > 0 ? rms : 1), view.random().split());
        return out;
    }
}
