package io.cohort.learning.sim;

import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.model.TrainingListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Federated rounds in one process, without chain or IPFS: every client trains locally from the
 * global model on its partition, sends {@code local − global}, the updates are transformed (for
 * example compressed and decoded) and averaged with FedAvg weighted by sample counts, and the new
 * global model is evaluated on the test set. Prints one table row per round. This is what the
 * aggregation and attack work builds on.
 */
public final class Simulation {

    /**
     * What happens to a client's update between training and aggregation (compression, an attack).
     * Called once per client per round, in client order.
     */
    @FunctionalInterface
    public interface UpdateTransform {
        float[] apply(int client, int round, float[] update);

        UpdateTransform NONE = (client, round, update) -> update;
    }

    /**
     * One round's outcome.
     *
     * @param round from 1
     * @param test the global model on the test set after the round
     * @param seconds wall time of the round
     */
    public record Round(int round, Evaluation test, double seconds) {}

    private final ModelSpec spec;
    private final List<LabeledData> clients;
    private final LabeledData test;
    private final TrainConfig local;
    private final UpdateTransform transform;
    private final PrintStream out;

    /**
     * @param clients each client's local data (a partition of the training set)
     * @param local how each client trains in a round (its seed is varied per client and round)
     * @param out where the table goes (null: nowhere)
     */
    public Simulation(
            ModelSpec spec,
            List<LabeledData> clients,
            LabeledData test,
            TrainConfig local,
            UpdateTransform transform,
            PrintStream out) {
        if (clients.isEmpty()) {
            throw new IllegalArgumentException("a simulation needs at least one client");
        }
        this.spec = spec;
        this.clients = List.copyOf(clients);
        this.test = test;
        this.local = local;
        this.transform = transform;
        this.out = out;
    }

    /** Runs {@code rounds} rounds from the spec's initial model. */
    public List<Round> run(int rounds) {
        List<Round> results = new ArrayList<>();
        try (DjlModel model = DjlModel.create(spec)) {
            float[] global = model.parameters();
            print(
                    String.format(
                            Locale.ROOT,
                            "%-6s %-9s %-8s %-8s",
                            "round",
                            "accuracy",
                            "loss",
                            "seconds"));
            for (int r = 1; r <= rounds; r++) {
                long t0 = System.nanoTime();
                List<float[]> updates = new ArrayList<>(clients.size());
                double[] weights = new double[clients.size()];
                for (int c = 0; c < clients.size(); c++) {
                    model.setParameters(global);
                    TrainConfig cfg =
                            new TrainConfig(
                                    local.epochs(),
                                    local.batchSize(),
                                    local.learningRate(),
                                    local.optimizer(),
                                    local.momentum(),
                                    local.seed() * 1_000_003L + r * 1009L + c);
                    model.train(clients.get(c), cfg, TrainingListener.NONE, () -> false);
                    float[] trained = model.parameters();
                    float[] update = new float[trained.length];
                    for (int i = 0; i < update.length; i++) {
                        update[i] = trained[i] - global[i];
                    }
                    updates.add(transform.apply(c, r, update));
                    weights[c] = clients.get(c).size();
                }
                float[] avg = FedAvg.average(updates, weights);
                for (int i = 0; i < global.length; i++) {
                    global[i] += avg[i];
                }
                model.setParameters(global);
                Evaluation e = model.evaluate(test, 500);
                double seconds = (System.nanoTime() - t0) / 1e9;
                results.add(new Round(r, e, seconds));
                print(
                        String.format(
                                Locale.ROOT,
                                "%-6d %-9.4f %-8.4f %-8.1f",
                                r,
                                e.accuracy(),
                                e.loss(),
                                seconds));
            }
        }
        return results;
    }

    /**
     * Trains one model on all the data for {@code epochs} epochs: the ceiling of federated runs.
     */
    public static List<Round> central(
            ModelSpec spec,
            LabeledData train,
            LabeledData test,
            TrainConfig config,
            int epochs,
            PrintStream out) {
        List<Round> results = new ArrayList<>();
        try (DjlModel model = DjlModel.create(spec)) {
            for (int e = 1; e <= epochs; e++) {
                long t0 = System.nanoTime();
                TrainConfig one =
                        new TrainConfig(
                                1,
                                config.batchSize(),
                                config.learningRate(),
                                config.optimizer(),
                                config.momentum(),
                                config.seed() + e);
                model.train(train, one, TrainingListener.NONE, () -> false);
                Evaluation ev = model.evaluate(test, 500);
                results.add(new Round(e, ev, (System.nanoTime() - t0) / 1e9));
                if (out != null) {
                    out.printf(
                            Locale.ROOT,
                            "central epoch %d: accuracy %.4f loss %.4f%n",
                            e,
                            ev.accuracy(),
                            ev.loss());
                }
            }
        }
        return results;
    }

    private void print(String line) {
        if (out != null) {
            out.println(line);
            out.flush();
        }
    }
}
