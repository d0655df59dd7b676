package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.data.LabeledData;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DjlModelTest {

    /** Two classes a linear model can tell apart: the mean of the features is high or low. */
    static LabeledData separable(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(2);
            for (int j = 0; j < 16; j++) {
                x[i * 16 + j] = (float) (r.nextDouble() * 0.5 + (y[i] == 1 ? 0.5 : 0));
            }
        }
        return new LabeledData(x, y, new int[] {16}, 2);
    }

    static ModelSpec small() {
        return new ModelSpec(
                "small",
                new int[] {16},
                2,
                7,
                java.util.List.of(LayerSpec.dense(8), LayerSpec.relu(), LayerSpec.dense(2)));
    }

    @Test
    void theMnistCnnHasTheDocumentedLayoutAndIsDeterministic() {
        try (DjlModel a = DjlModel.create(ModelSpec.mnistCnn(42));
                DjlModel b = DjlModel.create(ModelSpec.mnistCnn(42));
                DjlModel c = DjlModel.create(ModelSpec.mnistCnn(43))) {
            assertThat(a.parameterCount())
                    .isEqualTo(32 * 9 + 32 + 64 * 32 * 9 + 64 + 128 * 3136 + 128 + 10 * 128 + 10);
            assertThat(a.layout())
                    .extracting(s -> s.shape().length)
                    .containsExactly(4, 1, 4, 1, 2, 1, 2, 1);
            assertThat(a.layout().get(4).shape()).containsExactly(128, 3136);
            assertThat(a.parameters()).isEqualTo(b.parameters());
            assertThat(a.parameters()).isNotEqualTo(c.parameters());
        }
    }

    @Test
    void theSpecCountsTheParametersTheEngineHolds() {
        for (ModelSpec spec :
                java.util.List.of(
                        ModelSpec.mnistCnn(1),
                        ModelSpec.mnistMlp(1),
                        OnnxParityTest.everyLayer(),
                        small())) {
            try (DjlModel m = DjlModel.create(spec)) {
                assertThat(spec.parameterCount()).as(spec.name()).isEqualTo(m.parameterCount());
            }
        }
    }

    @Test
    void parametersRoundTripThroughTheFlatArray() {
        try (DjlModel m = DjlModel.create(small())) {
            float[] p = m.parameters();
            for (int i = 0; i < p.length; i++) {
                p[i] = i * 0.001f;
            }
            m.setParameters(p);
            assertThat(m.parameters()).isEqualTo(p);
            assertThatThrownBy(() -> m.setParameters(new float[3]))
                    .hasMessageContaining("has " + p.length + " parameters, got 3");
        }
    }

    @Test
    void anUpdateIsTheTrainedParametersMinusTheGlobalOnesWhateverTheModelHeldBefore() {
        // given: a global model, and a model that holds other parameters
        LabeledData data = separable(128, 3);
        TrainConfig config = TrainConfig.sgd(1, 16, 0.1f, 5).withSeed(9);
        float[] global;
        try (DjlModel g = DjlModel.create(small())) {
            global = g.parameters();
        }
        try (DjlModel m = DjlModel.create(small());
                DjlModel reference = DjlModel.create(small())) {
            float[] other = m.parameters();
            java.util.Arrays.fill(other, 0.25f);
            m.setParameters(other);
            // when
            float[] update = m.updateFrom(global, data, config);
            // then: what training from global by hand gives, and the model keeps the result
            reference.setParameters(global);
            reference.train(data, config, TrainingListener.NONE, () -> false);
            float[] trained = reference.parameters();
            float[] expected = new float[trained.length];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = trained[i] - global[i];
            }
            assertThat(update).containsExactly(expected);
            assertThat(m.parameters()).containsExactly(trained);
            assertThat(update).isNotEqualTo(new float[update.length]);
        }
    }

    @Test
    void withSeedChangesOnlyTheSeed() {
        TrainConfig adam = TrainConfig.adam(3, 32, 0.001f, 1);
        assertThat(adam.withSeed(77))
                .isEqualTo(new TrainConfig(3, 32, 0.001f, TrainConfig.Optimizer.ADAM, 0f, 77));
    }

    @Test
    void trainingLearnsAndReportsProgress() {
        LabeledData train = separable(512, 1);
        LabeledData test = separable(256, 2);
        try (DjlModel m = DjlModel.create(small())) {
            double before = m.evaluate(test, 64).accuracy();
            AtomicInteger batches = new AtomicInteger();
            m.train(
                    train,
                    TrainConfig.sgd(3, 32, 0.1f, 5),
                    (e, b, n, loss) -> batches.incrementAndGet(),
                    () -> false);
            Evaluation after = m.evaluate(test, 64);
            assertThat(batches.get()).isEqualTo(3 * 16);
            assertThat(after.accuracy()).isGreaterThan(0.95).isGreaterThan(before);
        }
    }

    @Test
    void trainingIsReproducible() {
        LabeledData train = separable(256, 3);
        float[][] runs = new float[2][];
        for (int k = 0; k < 2; k++) {
            try (DjlModel m = DjlModel.create(small())) {
                m.train(
                        train,
                        TrainConfig.adam(2, 32, 0.01f, 9),
                        TrainingListener.NONE,
                        () -> false);
                runs[k] = m.parameters();
            }
        }
        assertThat(runs[0]).isEqualTo(runs[1]);
    }

    @Test
    void trainingWithDropoutIsReproducibleWhateverRanBeforeAndItsMasksFollowTheSeed() {
        ModelSpec spec =
                new ModelSpec(
                        "dropout",
                        new int[] {16},
                        2,
                        7,
                        java.util.List.of(
                                LayerSpec.dense(8),
                                LayerSpec.relu(),
                                LayerSpec.dropout(0.5),
                                LayerSpec.dense(2)));
        LabeledData train = separable(256, 3);
        float[][] runs = new float[3][];
        for (int k = 0; k < 3; k++) {
            try (DjlModel m = DjlModel.create(spec)) {
                if (k == 1) {
                    // something else draws from the engine's generator in between (another
                    // training with dropout, under another seed)
                    m.train(
                            separable(64, 5),
                            TrainConfig.sgd(1, 16, 0.1f, 99),
                            TrainingListener.NONE,
                            () -> false);
                    try (DjlModel fresh = DjlModel.create(spec)) {
                        m.setParameters(fresh.parameters());
                    }
                }
                m.train(
                        train,
                        TrainConfig.sgd(2, 32, 0.1f, k < 2 ? 9 : 10),
                        TrainingListener.NONE,
                        () -> false);
                runs[k] = m.parameters();
            }
        }
        // the same config gives the same parameters (the shuffle is the same in all three: the
        // masks alone would differ); another seed other masks (and shuffles)
        assertThat(runs[1]).isEqualTo(runs[0]);
        assertThat(runs[2]).isNotEqualTo(runs[0]);
    }

    /** The process's resident memory in bytes (Linux). */
    private static long residentBytes() throws java.io.IOException {
        for (String line :
                java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    @Test
    void trainingFreesTheOptimizersStateWhenItEnds() throws Exception {
        // given: a model of 4.2 million parameters (Adam keeps two moments of each: 33.6 MB a run)
        ModelSpec wide =
                new ModelSpec(
                        "wide",
                        new int[] {4096},
                        1024,
                        5,
                        java.util.List.of(LayerSpec.dense(1024)));
        float[] features = new float[2 * 4096];
        java.util.Arrays.fill(features, 0.5f);
        LabeledData two = new LabeledData(features, new int[] {3, 7}, new int[] {4096}, 1024);
        try (DjlModel m = DjlModel.create(wide)) {
            TrainConfig adam = TrainConfig.adam(1, 2, 0.01f, 1);
            for (int i = 0; i < 5; i++) {
                m.train(two, adam, TrainingListener.NONE, () -> false);
            }
            long before = residentBytes();
            // when: forty more runs, whose states would hold 1.3 GB if they were kept
            for (int i = 0; i < 40; i++) {
                m.train(two, adam, TrainingListener.NONE, () -> false);
            }
            // then: the process has not grown by anything like that
            assertThat(residentBytes() - before).isLessThan(300L << 20);
        }
    }

    @Test
    void batchnormTrainsWhenTheLastBatchWouldHoldOneSample() {
        ModelSpec normed =
                new ModelSpec(
                        "normed",
                        new int[] {16},
                        2,
                        7,
                        java.util.List.of(
                                LayerSpec.dense(8),
                                LayerSpec.batchnorm(),
                                LayerSpec.relu(),
                                LayerSpec.dense(2)));
        try (DjlModel m = DjlModel.create(normed)) {
            // 17 samples in batches of 16: the second would be one sample, which PyTorch refuses
            m.train(
                    separable(17, 3),
                    TrainConfig.sgd(1, 16, 0.05f, 1),
                    TrainingListener.NONE,
                    () -> false);
            for (float p : m.parameters()) {
                assertThat(Float.isFinite(p)).isTrue();
            }
            // one sample cannot be normalised at all: refused by name
            assertThatThrownBy(
                            () ->
                                    m.train(
                                            separable(1, 3),
                                            TrainConfig.sgd(1, 16, 0.05f, 1),
                                            TrainingListener.NONE,
                                            () -> false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(
                            "model normed has batchnorm: it trains on 2 samples or more, got 1");
            assertThatThrownBy(
                            () ->
                                    m.train(
                                            separable(4, 3),
                                            TrainConfig.sgd(1, 1, 0.05f, 1),
                                            TrainingListener.NONE,
                                            () -> false))
                    .hasMessage(
                            "model normed has batchnorm: it trains in batches of 2 or more, got 1");
        }
    }

    @Test
    void trainingOnNoSamplesIsRefusedNotANaNLoss() {
        try (DjlModel m = DjlModel.create(small())) {
            float[] before = m.parameters();
            assertThatThrownBy(
                            () ->
                                    m.train(
                                            separable(0, 3),
                                            TrainConfig.sgd(1, 16, 0.05f, 1),
                                            TrainingListener.NONE,
                                            () -> false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("model small: no samples to train on");
            assertThat(m.parameters()).containsExactly(before);
        }
    }

    @Test
    void cancellationStopsTraining() {
        AtomicInteger seen = new AtomicInteger();
        try (DjlModel m = DjlModel.create(small())) {
            assertThatThrownBy(
                            () ->
                                    m.train(
                                            separable(256, 4),
                                            TrainConfig.sgd(5, 16, 0.1f, 1),
                                            (e, b, n, loss) -> seen.incrementAndGet(),
                                            () -> seen.get() >= 3))
                    .isInstanceOf(CancellationException.class)
                    .hasMessageContaining("before batch 4");
        }
    }

    @Test
    void dataOfAnotherShapeIsRefused() {
        try (DjlModel m = DjlModel.create(small())) {
            LabeledData wrong = new LabeledData(new float[8], new int[] {0}, new int[] {8}, 2);
            assertThatThrownBy(() -> m.evaluate(wrong, 8)).hasMessageContaining("expects [16]");
        }
    }
}
