package io.cohort.learning.bench;

import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.model.TrainingListener;
import java.util.Locale;

/**
 * Training throughput of the MNIST CNN (2 conv + 2 dense) with DJL on PyTorch: one untimed warm-up
 * epoch, then {@code epochs} timed epochs over the 8,000 MNIST training digits, SGD with momentum,
 * batch 64, the intra-op thread count of {@code ai.djl.pytorch.num_threads}. Prints samples per
 * second. Run by {@code bench/training-throughput}, beside the same model in PyTorch.
 */
public final class TrainingThroughput {

    public static void main(String[] args) throws Exception {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 64;
        LabeledData train = IdxLoader.mnist(IdxLoader.dataDir()).train();
        try (DjlModel model = DjlModel.create(ModelSpec.mnistCnn(1))) {
            model.train(
                    train, TrainConfig.sgd(1, batch, 0.05f, 1), TrainingListener.NONE, () -> false);
            long t0 = System.nanoTime();
            model.train(
                    train,
                    TrainConfig.sgd(epochs, batch, 0.05f, 2),
                    TrainingListener.NONE,
                    () -> false);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "djl samples_per_s %.0f threads %s%n",
                    epochs * train.size() / seconds,
                    System.getProperty("ai.djl.pytorch.num_threads"));
        }
    }
}
