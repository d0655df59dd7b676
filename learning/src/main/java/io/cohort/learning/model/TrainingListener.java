package io.cohort.learning.model;

/** Progress of local training, one call per batch; the CLI draws a progress bar from it. */
@FunctionalInterface
public interface TrainingListener {

    /**
     * @param epoch the epoch, from 0
     * @param batch batches done in this epoch, from 1
     * @param batches batches per epoch
     * @param loss the mean loss of this batch
     */
    void onBatch(int epoch, int batch, int batches, float loss);

    /** A listener that ignores everything. */
    TrainingListener NONE = (epoch, batch, batches, loss) -> {};
}
