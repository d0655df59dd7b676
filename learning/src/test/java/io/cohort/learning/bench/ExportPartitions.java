package io.cohort.learning.bench;

import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.tensor.SafeTensors;
import io.cohort.learning.tensor.Tensor;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Writes the client partitions and the initial parameters of Cohort's federated simulation to
 * files, so that another framework (Flower, in {@code bench/flower_baseline.py}) trains the same
 * clients on the same data from the same model. Run by {@code bench/flower-compare}.
 *
 * <p>Arguments: {@code dataset} (mnist | fashion), {@code partition} (iid | dir:α | shards:k),
 * {@code clients}, {@code seed}, {@code output folder}, and optionally {@code train}: how many
 * training samples to share among the clients (a seeded uniform draw from the training set, as
 * {@code bench/attack-matrix}'s {@code train=}; all of them when absent or 0). Writes into the
 * folder:
 *
 * <ul>
 *   <li>{@code partitions.txt}: {@code #} comment lines, then one line per client, in client order,
 *       with that client's indices into the whole training set separated by spaces, in the order
 *       the simulation holds them ({@link LabeledData#subset}), which the local shuffle permutes;
 *   <li>{@code initial.safetensors}: {@code DjlModel.create(ModelSpec.mnistCnn(seed))}'s parameters
 *       as F32 tensors under their DJL names (conv weights {@code [out, in, kh, kw]}, dense weights
 *       {@code [out, in]}, as PyTorch's {@code state_dict}); the metadata entry {@code order} lists
 *       the names in the flat parameter order, comma-separated (safetensors itself sorts names).
 * </ul>
 */
public final class ExportPartitions {

    static final String PARTITIONS = "partitions.txt";
    static final String INITIAL = "initial.safetensors";

    private ExportPartitions() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 5 && args.length != 6) {
            throw new IllegalArgumentException(
                    "usage: ExportPartitions <mnist|fashion> <iid|dir:α|shards:k> <clients> <seed>"
                            + " <output folder> [training samples]");
        }
        String dataset = args[0];
        String partition = args[1];
        int clients = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        Path out = Path.of(args[4]);
        LabeledData train = BenchData.split(dataset).train();
        int shared = args.length == 6 ? Integer.parseInt(args[5]) : 0;
        if (shared < 0 || shared > train.size()) {
            throw new IllegalArgumentException(
                    "training samples must be 0 (all) to " + train.size() + ", got " + shared);
        }
        int[] drawn =
                shared == 0
                        ? java.util.stream.IntStream.range(0, train.size()).toArray()
                        : Arrays.copyOf(Partitioner.iid(train, 1, seed).get(0), shared);
        List<int[]> parts = new ArrayList<>();
        for (int[] p : BenchData.partition(train.subset(drawn), partition, clients, seed)) {
            parts.add(Arrays.stream(p).map(i -> drawn[i]).toArray());
        }
        Files.createDirectories(out);
        writePartitions(
                out.resolve(PARTITIONS),
                String.format(
                        Locale.ROOT,
                        "cohort partitions %s %s clients=%d seed=%d train=%d of %d",
                        dataset,
                        partition,
                        clients,
                        seed,
                        drawn.length,
                        train.size()),
                parts);
        ModelSpec spec = ModelSpec.mnistCnn(seed);
        int parameters = writeInitial(out.resolve(INITIAL), spec);
        int[] sizes = parts.stream().mapToInt(p -> p.length).toArray();
        System.out.printf(
                Locale.ROOT,
                "exported %s %s: %d clients of %s samples, %d initial parameters of %s (seed %d) to"
                        + " %s%n",
                dataset,
                partition,
                clients,
                Arrays.toString(sizes),
                parameters,
                spec.name(),
                seed,
                out);
    }

    /** Writes {@code parts} as {@code partitions.txt} does, with {@code comment} as first line. */
    static void writePartitions(Path file, String comment, List<int[]> parts) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write("# " + comment + "\n");
            for (int[] p : parts) {
                StringJoiner line = new StringJoiner(" ", "", "\n");
                for (int i : p) {
                    line.add(Integer.toString(i));
                }
                w.write(line.toString());
            }
        }
    }

    /**
     * Reads a {@code partitions.txt}: one index array per client.
     *
     * @param size the training set's size; every index must be below it and appear at most once
     * @throws IOException if the file cannot be read or an index is out of range or repeated
     */
    static List<int[]> readPartitions(Path file, int size) throws IOException {
        List<int[]> parts = new ArrayList<>();
        boolean[] seen = new boolean[size];
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.startsWith("#")) {
                continue;
            }
            String trimmed = line.strip();
            int[] p =
                    trimmed.isEmpty()
                            ? new int[0]
                            : Arrays.stream(trimmed.split(" "))
                                    .mapToInt(Integer::parseInt)
                                    .toArray();
            for (int i : p) {
                if (i < 0 || i >= size || seen[i]) {
                    throw new IOException(
                            file
                                    + ": client "
                                    + parts.size()
                                    + " lists index "
                                    + i
                                    + ", which is "
                                    + (i < 0 || i >= size
                                            ? "outside the " + size + " training samples"
                                            : "already another client's or listed twice"));
                }
                seen[i] = true;
            }
            parts.add(p);
        }
        if (parts.isEmpty()) {
            throw new IOException(file + " lists no client");
        }
        return parts;
    }

    /**
     * Writes the spec's initial parameters, named and ordered as the class doc says.
     *
     * @return how many parameters the model has
     */
    static int writeInitial(Path file, ModelSpec spec) throws IOException {
        try (DjlModel model = DjlModel.create(spec)) {
            float[] flat = model.parameters();
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            StringJoiner order = new StringJoiner(",");
            for (DjlModel.Slot s : model.layout()) {
                tensors.put(
                        s.name(),
                        new Tensor(
                                s.shape(),
                                Arrays.copyOfRange(flat, s.offset(), s.offset() + s.length())));
                order.add(s.name());
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("order", order.toString());
            metadata.put("spec", spec.name());
            metadata.put("seed", Long.toString(spec.seed()));
            SafeTensors.write(file, tensors, metadata);
            return flat.length;
        }
    }
}
