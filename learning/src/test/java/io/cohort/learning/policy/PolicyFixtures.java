package io.cohort.learning.policy;

import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Small real inputs for policy tests: MNIST digits, a small MLP, honestly trained updates. */
final class PolicyFixtures {

    static final ModelSpec MLP = ModelSpec.mnistMlp(7);

    static final TrainConfig LOCAL = TrainConfig.sgd(1, 16, 0.05f, 3);

    final LabeledData train;
    final LabeledData root;
    final LabeledData validation;
    final List<LabeledData> clients = new ArrayList<>();

    PolicyFixtures(int samples, int clientCount, long seed) throws IOException {
        IdxLoader.Split mnist = IdxLoader.mnist(IdxLoader.dataDir());
        LabeledData all = mnist.train().slice(0, samples);
        Partitioner.Holdout h = Partitioner.validationSplit(all, 0.1, seed);
        this.train = h.train();
        this.root = h.heldOut();
        this.validation = mnist.test().slice(0, 500);
        for (int[] p : Partitioner.dirichlet(train, clientCount, 0.5, seed)) {
            clients.add(train.subset(p));
        }
    }

    ScoringPolicy policy() {
        return new ScoringPolicy(
                MLP, root, validation, LOCAL, new io.cohort.learning.aggregate.CohortPolicy());
    }

    /** {@code local − global} after one local epoch of client {@code c} from {@code global}. */
    float[] honestUpdate(float[] global, int c, int round) {
        try (DjlModel m = DjlModel.create(MLP)) {
            return m.updateFrom(global, clients.get(c), LOCAL.withSeed(1000L * round + c));
        }
    }

    static float[] initial() {
        try (DjlModel m = DjlModel.create(MLP)) {
            return m.parameters();
        }
    }

    static byte[] dense(float[] update) {
        return UpdateCodec.encode(update, Compression.dense());
    }
}
