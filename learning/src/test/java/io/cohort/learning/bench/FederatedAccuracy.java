package io.cohort.learning.bench;

import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.ErrorFeedback;
import io.cohort.learning.codec.MalformedUpdateException;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy per round of federated training (FedAvg) of the MNIST CNN with the in-process
 * simulation, or of the same model trained centrally (the ceiling). Run by {@code
 * bench/learning-accuracy}.
 *
 * <p>Arguments: {@code dataset} (mnist | fashion), {@code partition} (iid | dir:α | shards:k |
 * central), {@code clients}, {@code rounds} (epochs when central), {@code local epochs}, {@code
 * batch}, {@code learning rate}, {@code seed}, and optionally {@code topk:F} to send every update
 * compressed (top-F, 8-bit, with error feedback).
 */
public final class FederatedAccuracy {

    public static void main(String[] args) throws Exception {
        String dataset = args[0];
        String partition = args[1];
        int clients = Integer.parseInt(args[2]);
        int rounds = Integer.parseInt(args[3]);
        int epochs = Integer.parseInt(args[4]);
        int batch = Integer.parseInt(args[5]);
        float lr = Float.parseFloat(args[6]);
        long seed = Long.parseLong(args[7]);
        IdxLoader.Split split = BenchData.split(dataset);
        ModelSpec spec = ModelSpec.mnistCnn(seed);
        TrainConfig local = TrainConfig.sgd(epochs, batch, lr, seed);
        System.out.printf(
                Locale.ROOT,
                "# %s %s clients=%d rounds=%d epochs=%d batch=%d lr=%s seed=%d%n",
                dataset,
                partition,
                clients,
                rounds,
                epochs,
                batch,
                lr,
                seed);
        List<Simulation.Round> result;
        if (partition.equals("central")) {
            result =
                    Simulation.central(
                            spec, split.train(), split.test(), local, rounds, System.out);
        } else {
            List<int[]> parts = BenchData.partition(split.train(), partition, clients, seed);
            List<LabeledData> data = new ArrayList<>();
            for (int[] p : parts) {
                data.add(split.train().subset(p));
            }
            Simulation.UpdateTransform transform = Simulation.UpdateTransform.NONE;
            long[] sent = new long[2]; // bytes, updates
            int parameters;
            try (DjlModel probe = DjlModel.create(spec)) {
                parameters = probe.parameterCount();
            }
            if (args.length > 8 && args[8].startsWith("topk:")) {
                Compression compression =
                        Compression.topK8Bit(Double.parseDouble(args[8].substring(5)));
                ErrorFeedback[] feedback = new ErrorFeedback[clients];
                for (int c = 0; c < clients; c++) {
                    feedback[c] = new ErrorFeedback(parameters);
                }
                System.out.printf(Locale.ROOT, "# compression %s%n", compression);
                transform =
                        (client, round, update) -> {
                            byte[] bytes = feedback[client].encode(update, compression);
                            sent[0] += bytes.length;
                            sent[1]++;
                            try {
                                return UpdateCodec.decode(bytes, update.length);
                            } catch (MalformedUpdateException e) {
                                throw new IllegalStateException(e);
                            }
                        };
            }
            result =
                    new Simulation(spec, data, split.test(), local, transform, System.out)
                            .run(rounds);
            if (sent[1] > 0) {
                long mean = sent[0] / sent[1];
                System.out.printf(
                        Locale.ROOT,
                        "update bytes %d (dense fp32 %d, %.1fx smaller) over %d updates%n",
                        mean,
                        4L * parameters,
                        4.0 * parameters / mean,
                        sent[1]);
            }
        }
        double best = result.stream().mapToDouble(r -> r.test().accuracy()).max().orElse(0);
        Simulation.Round last = result.get(result.size() - 1);
        System.out.printf(
                Locale.ROOT,
                "final %s %s accuracy %.4f best %.4f after %d%n",
                dataset,
                partition,
                last.test().accuracy(),
                best,
                result.size());
    }
}
