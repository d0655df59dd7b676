package io.cohort.learning.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.LayerSpec;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulationTest {

    @Test
    void fedAvgWeighsBySampleCount() {
        float[] avg =
                FedAvg.average(
                        List.of(new float[] {1, 0}, new float[] {4, 2}), new double[] {3, 1});
        assertThat(avg).containsExactly(1.75f, 0.5f);
        assertThatThrownBy(() -> FedAvg.average(List.of(new float[] {1}), new double[] {0}))
                .hasMessageContaining("sum to zero");
        assertThatThrownBy(
                        () ->
                                FedAvg.average(
                                        List.of(new float[] {1}, new float[] {1, 2}),
                                        new double[] {1, 1}))
                .hasMessageContaining("update 1 has 2 values, not 1");
    }

    @Test
    void federatedRoundsImproveTheGlobalModelAndPrintATable() {
        SplittableRandom r = new SplittableRandom(1);
        int n = 1200;
        float[] x = new float[n * 8];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int j = 0; j < 8; j++) {
                x[i * 8 + j] = (float) (r.nextDouble() * 0.6 + (j % 3 == y[i] ? 0.5 : 0));
            }
        }
        LabeledData all = new LabeledData(x, y, new int[] {8}, 3);
        LabeledData train = all.slice(0, 1000);
        LabeledData test = all.slice(1000, n);
        List<LabeledData> clients = new ArrayList<>();
        for (int[] p : Partitioner.dirichlet(train, 4, 0.5, 2)) {
            clients.add(train.subset(p));
        }
        ModelSpec spec =
                new ModelSpec(
                        "tiny",
                        new int[] {8},
                        3,
                        3,
                        List.of(LayerSpec.dense(16), LayerSpec.relu(), LayerSpec.dense(3)));
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        List<Simulation.Round> rounds =
                new Simulation(
                                spec,
                                clients,
                                test,
                                TrainConfig.sgd(1, 16, 0.05f, 4),
                                Simulation.UpdateTransform.NONE,
                                new PrintStream(table, true, StandardCharsets.UTF_8))
                        .run(5);
        assertThat(rounds).hasSize(5);
        assertThat(rounds.get(4).test().accuracy())
                .isGreaterThan(0.9)
                .isGreaterThan(rounds.get(0).test().accuracy() - 1e-9);
        assertThat(table.toString(StandardCharsets.UTF_8))
                .contains("round", "accuracy")
                .hasLineCount(6);
    }
}
