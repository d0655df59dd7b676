package io.cohort.learning.bench;

import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.ScoringPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What an evaluator's restart costs before it can judge round {@code rounds + 1}: scoring the
 * {@code rounds} settled rounds again into a fresh policy (the replay, here without fetching and
 * opening the updates, which a real replay adds) against restoring the policy's saved state from a
 * file. Fashion-MNIST CNN, {@code trainers} trainers on Dirichlet(0.5), each sending the update it
 * trained in round 1 every round (the scoring's cost does not depend on what the updates hold),
 * root data 500 images trained for one epoch as the attack matrix does, validation on 2,000 test
 * images. Checks that both policies score the next round to the same report. Run by {@code
 * bench/policy-restart}.
 */
public final class PolicyRestart {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int trainers = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int restores = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        IdxLoader.Split fashion = IdxLoader.fashionMnist(IdxLoader.dataDir());
        LabeledData train = fashion.train().slice(0, 12_000);
        Partitioner.Holdout h = Partitioner.validationSplit(train, 500.0 / train.size(), 1);
        LabeledData validation = fashion.test().slice(0, 2_000);
        ModelSpec spec = ModelSpec.mnistCnn(1);
        TrainConfig local = TrainConfig.sgd(1, 32, 0.02f, 1);
        float[] global;
        List<ScoringPolicy.Received> received = new ArrayList<>();
        try (DjlModel m = DjlModel.create(spec)) {
            global = m.parameters();
            List<int[]> parts = Partitioner.dirichlet(h.train(), trainers, 0.5, 1);
            for (int t = 0; t < trainers; t++) {
                float[] u = m.updateFrom(global, h.train().subset(parts.get(t)), local.withSeed(t));
                received.add(
                        new ScoringPolicy.Received(
                                String.format(Locale.ROOT, "0x%040x", t + 1),
                                UpdateCodec.encode(u, Compression.dense()),
                                parts.get(t).length,
                                t));
            }
        }

        // the replay: every settled round scored again into a fresh policy
        ScoringPolicy kept =
                new ScoringPolicy(spec, h.heldOut(), validation, local, new CohortPolicy());
        long t0 = System.nanoTime();
        for (int r = 1; r <= rounds; r++) {
            global = kept.score(r, global, received).nextGlobal();
        }
        double replaySeconds = (System.nanoTime() - t0) / 1e9;

        // the restore: the state written to a file, read back into a fresh policy
        Path file = Files.createTempFile("policy-restart", ".state");
        try {
            long w0 = System.nanoTime();
            byte[] state = kept.saveState();
            Files.write(file, state);
            double saveSeconds = (System.nanoTime() - w0) / 1e9;
            double[] restoreSeconds = new double[restores];
            ScoringPolicy restored = null;
            for (int i = 0; i < restores; i++) {
                long r0 = System.nanoTime();
                restored =
                        new ScoringPolicy(spec, h.heldOut(), validation, local, new CohortPolicy());
                restored.restoreState(Files.readAllBytes(file));
                restoreSeconds[i] = (System.nanoTime() - r0) / 1e9;
            }
            Arrays.sort(restoreSeconds);
            double restore = restoreSeconds[restores / 2];
            byte[] expected = kept.score(rounds + 1, global, received).report();
            if (!Arrays.equals(restored.score(rounds + 1, global, received).report(), expected)) {
                throw new IllegalStateException(
                        "the restored policy scored round " + (rounds + 1) + " otherwise");
            }
            System.out.printf(
                    Locale.ROOT,
                    "restart replay %d rounds %.2f s (%.2f s a round), save %.3f s, restore %.4f s"
                            + " (median of %d), state %d bytes, replay/restore %.0fx; next round's"
                            + " report identical%n",
                    rounds,
                    replaySeconds,
                    replaySeconds / rounds,
                    saveSeconds,
                    restore,
                    restores,
                    state.length,
                    replaySeconds / restore);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
