package io.cohort.learning.bench;

import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import java.io.IOException;
import java.util.List;

/** The datasets and partitions the benchmark drivers name on their command lines. */
final class BenchData {

    private BenchData() {}

    /** The dataset's training and test sets: {@code mnist} or {@code fashion}. */
    static IdxLoader.Split split(String dataset) throws IOException {
        return switch (dataset) {
            case "mnist" -> IdxLoader.mnist(IdxLoader.dataDir());
            case "fashion" -> IdxLoader.fashionMnist(IdxLoader.dataDir());
            default ->
                    throw new IllegalArgumentException(
                            "dataset must be mnist or fashion, got " + dataset);
        };
    }

    /** {@code iid}, {@code dir:α} (Dirichlet label skew) or {@code shards:k} (k per client). */
    static List<int[]> partition(LabeledData train, String partition, int clients, long seed) {
        if (partition.equals("iid")) {
            return Partitioner.iid(train, clients, seed);
        }
        if (partition.startsWith("dir:")) {
            return Partitioner.dirichlet(
                    train, clients, Double.parseDouble(partition.substring(4)), seed);
        }
        if (partition.startsWith("shards:")) {
            return Partitioner.shards(
                    train, clients, Integer.parseInt(partition.substring(7)), seed);
        }
        throw new IllegalArgumentException(
                "partition must be iid, dir:<alpha> or shards:<per client>, got " + partition);
    }
}
