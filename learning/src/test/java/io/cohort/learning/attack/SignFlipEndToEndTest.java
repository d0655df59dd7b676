package io.cohort.learning.attack;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.learning.aggregate.Aggregation;
import io.cohort.learning.aggregate.AggregationContext;
import io.cohort.learning.aggregate.Aggregator;
import io.cohort.learning.aggregate.Submission;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignFlipEndToEndTest {

    /** The unweighted mean of all submissions: no defence at all. */
    static final class PlainMean implements Aggregator {
        @Override
        public String name() {
            return "mean";
        }

        @Override
        public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
            int n = submissions.size();
            double[] sum = new double[context.global().length];
            for (Submission s : submissions) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += s.update()[i];
                }
            }
            float[] mean = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                mean[i] = (float) (sum[i] / n);
            }
            double[] weights = new double[n];
            Arrays.fill(weights, 1.0 / n);
            return new Aggregation(mean, weights, List.of(), Map.of());
        }
    }

    @Test
    void aSignFlipAttackerDragsAPlainMeanBelowHonestAccuracy() throws Exception {
        // given: 500 MNIST digits over 5 clients, a small MLP, 3 rounds
        IdxLoader.Split mnist = IdxLoader.mnist(IdxLoader.dataDir());
        LabeledData train = mnist.train().slice(0, 500);
        LabeledData test = mnist.test().slice(0, 500);
        List<LabeledData> clients = new ArrayList<>();
        for (int[] p : Partitioner.iid(train, 5, 1)) {
            clients.add(train.subset(p));
        }
        ModelSpec mlp = ModelSpec.mnistMlp(5);
        TrainConfig local = TrainConfig.sgd(2, 10, 0.05f, 2);
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(table, true, StandardCharsets.UTF_8);
        // when
        List<Simulation.Round> honest =
                Simulation.builder(mlp, clients, test, local)
                        .aggregator(new PlainMean())
                        .out(out)
                        .build()
                        .run(3);
        List<Simulation.Round> attacked =
                Simulation.builder(mlp, clients, test, local)
                        .aggregator(new PlainMean())
                        .behaviour(4, new SignFlip(5))
                        .out(out)
                        .build()
                        .run(3);
        // then
        double honestAccuracy = honest.get(2).test().accuracy();
        double attackedAccuracy = attacked.get(2).test().accuracy();
        assertThat(honestAccuracy).as(table.toString(StandardCharsets.UTF_8)).isGreaterThan(0.7);
        assertThat(attackedAccuracy)
                .as(table.toString(StandardCharsets.UTF_8))
                .isLessThan(honestAccuracy - 0.3);
        assertThat(attacked.get(2).weights()).containsExactly(0.2, 0.2, 0.2, 0.2, 0.2);
    }
}
