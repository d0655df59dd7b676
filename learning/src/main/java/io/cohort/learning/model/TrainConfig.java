package io.cohort.learning.model;

/**
 * How a trainer trains locally.
 *
 * @param epochs passes over the local data (≥ 1)
 * @param batchSize samples per step (≥ 1)
 * @param learningRate step size (> 0)
 * @param optimizer SGD (with {@code momentum}) or Adam
 * @param momentum SGD momentum in [0, 1); ignored by Adam
 * @param seed seed of the per-epoch shuffle
 */
public record TrainConfig(
        int epochs,
        int batchSize,
        float learningRate,
        Optimizer optimizer,
        float momentum,
        long seed) {

    /** The optimizers a trainer can use. */
    public enum Optimizer {
        SGD,
        ADAM
    }

    public TrainConfig {
        if (epochs < 1 || epochs > 1000) {
            throw new IllegalArgumentException("epochs must be in 1..1000, got " + epochs);
        }
        if (batchSize < 1 || batchSize > 65536) {
            throw new IllegalArgumentException("batchSize must be in 1..65536, got " + batchSize);
        }
        if (!(learningRate > 0 && learningRate < 100)) {
            throw new IllegalArgumentException(
                    "learningRate must be in (0, 100), got " + learningRate);
        }
        if (optimizer == null) {
            throw new IllegalArgumentException("optimizer is required (SGD or ADAM)");
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
    }

    /** SGD with momentum 0.9, the federated default. */
    public static TrainConfig sgd(int epochs, int batchSize, float learningRate, long seed) {
        return new TrainConfig(epochs, batchSize, learningRate, Optimizer.SGD, 0.9f, seed);
    }

    /** The same configuration with another seed (local training per trainer and round). */
    public TrainConfig withSeed(long newSeed) {
        return new TrainConfig(epochs, batchSize, learningRate, optimizer, momentum, newSeed);
    }

    /** The same configuration with another number of epochs. */
    public TrainConfig withEpochs(int newEpochs) {
        return new TrainConfig(newEpochs, batchSize, learningRate, optimizer, momentum, seed);
    }

    /** Adam. */
    public static TrainConfig adam(int epochs, int batchSize, float learningRate, long seed) {
        return new TrainConfig(epochs, batchSize, learningRate, Optimizer.ADAM, 0f, seed);
    }
}
