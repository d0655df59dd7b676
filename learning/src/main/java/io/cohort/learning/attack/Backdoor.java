package io.cohort.learning.attack;

import io.cohort.learning.data.LabeledData;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Model-replacement backdoor [Bagdasaryan et al., 2020]: trains on its data with a fraction of the
 * samples carrying the {@link Trigger} and relabelled to {@code target}, then sends its update
 * scaled by {@code boost}. With n trainers averaged with server learning rate η, {@code boost =
 * n/η} ({@link #replacementBoost}) makes the new global model approximately its local model: the
 * benign updates nearly cancel out once the model has converged. Knows only its own data.
 *
 * @param target the class triggered inputs should be classified as
 * @param trigger the pattern
 * @param fraction the share of its samples it poisons each round, in (0, 1]; the poisoned samples
 *     are a fresh uniform choice of {@code round(fraction · size)} of them every round
 * @param boost the factor its update is multiplied by, positive and finite (1: no replacement)
 */
public record Backdoor(int target, Trigger trigger, double fraction, double boost)
        implements Behaviour {

    public Backdoor {
        if (target < 0) {
            throw new IllegalArgumentException("backdoor target must be a class, got " + target);
        }
        if (trigger == null) {
            throw new IllegalArgumentException("a backdoor needs a trigger");
        }
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException(
                    "backdoor fraction must be in (0, 1], got " + fraction);
        }
        if (!(boost > 0) || Double.isInfinite(boost)) {
            throw new IllegalArgumentException(
                    "backdoor boost must be positive and finite, got " + boost);
        }
    }

    /** A backdoor that poisons half of its samples. */
    public Backdoor(int target, Trigger trigger, double boost) {
        this(target, trigger, 0.5, boost);
    }

    /** The paper's boost {@code n/η} for {@code n} trainers and server learning rate η. */
    public static double replacementBoost(int n, double eta) {
        if (n < 1 || !(eta > 0)) {
            throw new IllegalArgumentException(
                    "replacement boost needs n >= 1 and eta > 0, got n=" + n + ", eta=" + eta);
        }
        return n / eta;
    }

    @Override
    public String name() {
        return "backdoor(target=" + target + ",fraction=" + fraction + ",boost=" + boost + ")";
    }

    /** The backdoor test set of {@code test}; see {@link Trigger#testSet}. */
    public LabeledData testSet(LabeledData test) {
        return trigger.testSet(test, target);
    }

    @Override
    public LabeledData trainingData(LabeledData local, int round, SplittableRandom random) {
        int n = local.size();
        int k = (int) Math.round(fraction * n);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // The first k positions of a partial Fisher–Yates shuffle: a uniform k-subset.
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] chosen = Arrays.copyOf(order, k);
        Arrays.sort(chosen);
        return trigger.stamp(local, chosen, target);
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        float[] out = new float[trained.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (boost * trained[i]);
        }
        return out;
    }
}
