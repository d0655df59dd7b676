package io.cohort.learning.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.LayerSpec;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingCacheTest {

    private static final ModelSpec SPEC =
            new ModelSpec(
                    "tiny",
                    new int[] {8},
                    3,
                    3,
                    List.of(LayerSpec.dense(16), LayerSpec.relu(), LayerSpec.dense(3)));
    private static final TrainConfig CONFIG = TrainConfig.sgd(1, 16, 0.05f, 4);

    @TempDir Path dir;

    /** Three separable classes of 8 features. */
    private static LabeledData data(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int j = 0; j < 8; j++) {
                x[i * 8 + j] = (float) (r.nextDouble() * 0.6 + (j % 3 == y[i] ? 0.5 : 0));
            }
        }
        return new LabeledData(x, y, new int[] {8}, 3);
    }

    @Test
    void givesBackWhatTrainingGivesAndOnlyForTheSameInputs() {
        LabeledData data = data(200, 1);
        TrainingCache cache = new TrainingCache(dir);
        try (DjlModel model = DjlModel.create(SPEC)) {
            float[] global = model.parameters();
            float[] first = cache.updateFrom(model, global, data, CONFIG);
            assertThat(cache.misses()).isEqualTo(1);
            assertThat(cache.hits()).isZero();

            float[] again = cache.updateFrom(model, global, data, CONFIG);
            assertThat(cache.hits()).isEqualTo(1);
            assertThat(again).containsExactly(first);
            // what training again gives, to the bit: the premise of the cache
            assertThat(model.updateFrom(global, data, CONFIG)).containsExactly(first);

            float[] moved = global.clone();
            moved[5] += 1e-3f;
            cache.updateFrom(model, moved, data, CONFIG);
            cache.updateFrom(model, global, data, CONFIG.withSeed(5));
            int[] labels = data.labels().clone();
            labels[0] = (labels[0] + 1) % 3;
            cache.updateFrom(
                    model,
                    global,
                    new LabeledData(data.features(), labels, new int[] {8}, 3),
                    CONFIG);
            float[] features = data.features().clone();
            features[17] += 0.25f;
            cache.updateFrom(
                    model,
                    global,
                    new LabeledData(features, data.labels(), new int[] {8}, 3),
                    CONFIG);
            assertThat(cache.misses()).isEqualTo(5);
            assertThat(cache.hits()).isEqualTo(1);
        }
    }

    @Test
    void aStoredUpdateOfTheWrongSizeIsTrainedAgain() throws IOException {
        LabeledData data = data(100, 2);
        TrainingCache cache = new TrainingCache(dir);
        try (DjlModel model = DjlModel.create(SPEC)) {
            float[] global = model.parameters();
            float[] first = cache.updateFrom(model, global, data, CONFIG);
            Path file = cache.file(cache.key(model, global, data, CONFIG));
            assertThat(Files.size(file)).isEqualTo(4L * global.length);
            Files.write(file, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});

            float[] second = cache.updateFrom(model, global, data, CONFIG);
            assertThat(cache.misses()).isEqualTo(2);
            assertThat(second).containsExactly(first);
            assertThat(Files.size(file)).isEqualTo(4L * global.length);
        }
    }

    @Test
    void trimDeletesTheLeastRecentlyUsedFirst() throws IOException {
        Path old = Files.write(dir.resolve("old.f32"), new byte[100]);
        Path middle = Files.write(dir.resolve("middle.f32"), new byte[100]);
        Path recent = Files.write(dir.resolve("recent.f32"), new byte[100]);
        Files.setLastModifiedTime(old, FileTime.fromMillis(1_000_000));
        Files.setLastModifiedTime(middle, FileTime.fromMillis(2_000_000));
        Files.setLastModifiedTime(recent, FileTime.fromMillis(3_000_000));

        assertThat(TrainingCache.trim(dir, 300)).isZero();
        assertThat(TrainingCache.trim(dir, 150)).isEqualTo(200);
        assertThat(old).doesNotExist();
        assertThat(middle).doesNotExist();
        assertThat(recent).exists();
    }

    @Test
    void aSimulationRunsTheSameWithTheCacheAndReusesEveryTrainingTheSecondTime() {
        LabeledData all = data(1200, 3);
        LabeledData train = all.slice(0, 1000);
        LabeledData test = all.slice(1000, 1200);
        List<LabeledData> clients = new ArrayList<>();
        for (int[] p : Partitioner.dirichlet(train, 4, 0.5, 2)) {
            clients.add(train.subset(p));
        }
        LabeledData root = all.slice(0, 50);
        List<Simulation.Round> plain = run(clients, test, root, Simulation.LocalTraining.DJL);
        TrainingCache first = new TrainingCache(dir);
        List<Simulation.Round> filling = run(clients, test, root, first);
        TrainingCache second = new TrainingCache(dir);
        List<Simulation.Round> reusing = run(clients, test, root, second);

        // 4 clients and the evaluator's reference, 3 rounds
        assertThat(first.misses()).isEqualTo(15);
        assertThat(second.hits()).isEqualTo(15);
        assertThat(second.misses()).isZero();
        for (List<Simulation.Round> run : List.of(filling, reusing)) {
            for (int r = 0; r < 3; r++) {
                assertThat(run.get(r).test().accuracy()).isEqualTo(plain.get(r).test().accuracy());
                assertThat(run.get(r).test().loss()).isEqualTo(plain.get(r).test().loss());
            }
        }
    }

    private static List<Simulation.Round> run(
            List<LabeledData> clients,
            LabeledData test,
            LabeledData root,
            Simulation.LocalTraining training) {
        return Simulation.builder(SPEC, clients, test, CONFIG)
                .root(root)
                .training(training)
                .build()
                .run(3);
    }
}
