package io.cohort.learning.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.learning.aggregate.Aggregation;
import io.cohort.learning.aggregate.AggregationContext;
import io.cohort.learning.aggregate.Aggregator;
import io.cohort.learning.aggregate.Rejection;
import io.cohort.learning.aggregate.Submission;
import io.cohort.learning.aggregate.Vectors;
import io.cohort.learning.attack.Backdoor;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.FreeRider;
import io.cohort.learning.attack.RoundView;
import io.cohort.learning.attack.SignFlip;
import io.cohort.learning.attack.Trigger;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.LayerSpec;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SimulationWithAttackersTest {

    /**
     * 4×4 one-channel images of 3 classes: class k lights up row k (left three columns) and the
     * bottom-right 2×2 corner, where a trigger goes, is never lit.
     */
    private static LabeledData images(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * 16];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(3);
            for (int p = 0; p < 16; p++) {
                int row = p / 4;
                int col = p % 4;
                boolean corner = row >= 2 && col >= 2;
                double signal = !corner && row == y[i] && col < 3 ? 0.6 : 0;
                x[i * 16 + p] = corner ? 0 : (float) (r.nextDouble() * 0.4 + signal);
            }
        }
        return new LabeledData(x, y, new int[] {1, 4, 4}, 3);
    }

    private static final ModelSpec SPEC =
            new ModelSpec(
                    "tiny-images",
                    new int[] {1, 4, 4},
                    3,
                    3,
                    List.of(
                            LayerSpec.flatten(),
                            LayerSpec.dense(16),
                            LayerSpec.relu(),
                            LayerSpec.dense(3)));

    private static final TrainConfig LOCAL = TrainConfig.sgd(1, 16, 0.05f, 4);

    private static List<LabeledData> clients(LabeledData train, int n) {
        List<LabeledData> out = new ArrayList<>();
        for (int[] p : Partitioner.iid(train, n, 2)) {
            out.add(train.subset(p));
        }
        return out;
    }

    /** Leaves out the submission of largest L2 norm and averages the rest equally. */
    static final class DropLargest implements Aggregator {
        @Override
        public String name() {
            return "drop-largest";
        }

        @Override
        public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
            int n = submissions.size();
            double[] norms = new double[n];
            int worst = 0;
            for (int k = 0; k < n; k++) {
                for (float v : submissions.get(k).update()) {
                    norms[k] += (double) v * v;
                }
                norms[k] = Math.sqrt(norms[k]);
                if (norms[k] > norms[worst]) {
                    worst = k;
                }
            }
            double[] sum = new double[context.global().length];
            double[] weights = new double[n];
            for (int k = 0; k < n; k++) {
                if (k != worst) {
                    weights[k] = 1.0 / (n - 1);
                    float[] u = submissions.get(k).update();
                    for (int i = 0; i < sum.length; i++) {
                        sum[i] += u[i] * weights[k];
                    }
                }
            }
            float[] update = new float[sum.length];
            for (int i = 0; i < sum.length; i++) {
                update[i] = (float) sum[i];
            }
            Rejection r = new Rejection(worst, "largest-norm", "l2-norm", norms[worst], 0);
            return new Aggregation(update, weights, List.of(r), Map.of("l2-norm", norms));
        }
    }

    /** Remembers what it was given; aggregates as FedAvg does. */
    static final class Recording implements Aggregator {
        final List<List<Submission>> submissions = new ArrayList<>();
        final List<AggregationContext> contexts = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public Aggregation aggregate(List<Submission> given, AggregationContext context) {
            submissions.add(given);
            contexts.add(context);
            return new SampleWeightedMean().aggregate(given, context);
        }
    }

    @Test
    void theBuilderWithHonestClientsGivesTheRoundsOfTheOriginalConstructor() {
        // given
        LabeledData all = images(600, 1);
        List<LabeledData> clients = clients(all.slice(0, 400), 4);
        LabeledData test = all.slice(400, 600);
        // when
        List<Simulation.Round> before =
                new Simulation(SPEC, clients, test, LOCAL, Simulation.UpdateTransform.NONE, null)
                        .run(2);
        List<Simulation.Round> after =
                Simulation.builder(SPEC, clients, test, LOCAL).build().run(2);
        // then: bit-identical evaluations, FedAvg weights by sample count, nothing rejected
        for (int r = 0; r < 2; r++) {
            assertThat(after.get(r).test()).isEqualTo(before.get(r).test());
            assertThat(after.get(r).rejections()).isEmpty();
            assertThat(after.get(r).backdoorSuccess()).isNaN();
            assertThat(after.get(r).weights()).containsExactly(0.25, 0.25, 0.25, 0.25);
        }
    }

    @Test
    void roundsRecordWeightsRejectionsAndTheBackdoorSuccessRate() {
        // given: client 3 plants a boosted backdoor; the rule drops the largest update
        LabeledData all = images(700, 5);
        List<LabeledData> clients = clients(all.slice(0, 400), 4);
        LabeledData test = all.slice(400, 700);
        Backdoor backdoor = new Backdoor(0, Trigger.whiteSquare(2), 0.5, 10);
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        // when
        List<Simulation.Round> rounds =
                Simulation.builder(SPEC, clients, test, LOCAL)
                        .behaviour(3, backdoor)
                        .aggregator(new DropLargest())
                        .backdoorTest(backdoor.testSet(test))
                        .out(new PrintStream(table, true, StandardCharsets.UTF_8))
                        .build()
                        .run(2);
        // then
        for (Simulation.Round r : rounds) {
            assertThat(r.rejections()).extracting(Rejection::index).containsExactly(3);
            assertThat(r.rejected(3)).isTrue();
            assertThat(r.rejected(0)).isFalse();
            assertThat(r.weights()[3]).isZero();
            assertThat(Arrays.stream(r.weights()).sum()).isCloseTo(1, within(1e-12));
            assertThat(r.backdoorSuccess()).isBetween(0.0, 1.0);
            assertThat(r.metrics()).containsOnlyKeys("l2-norm");
        }
        String printed = table.toString(StandardCharsets.UTF_8);
        assertThat(printed).hasLineCount(3);
        assertThat(printed.lines().findFirst().orElseThrow())
                .contains("round", "accuracy", "loss", "asr", "rejected", "seconds");
        assertThat(printed.lines().skip(1)).allMatch(l -> l.split("\\s+").length == 6);
    }

    /** Sends NaN in one coordinate and its trained update elsewhere. */
    static final class SendsNaN implements Behaviour {
        @Override
        public String name() {
            return "sends-nan";
        }

        @Override
        public float[] submit(float[] trained, RoundView view) {
            float[] out = trained.clone();
            out[1] = Float.NaN;
            return out;
        }
    }

    @Test
    void aNonFiniteUpdateIsRejectedBeforeTheRuleAndTheOthersAreAggregated() {
        // given: client 1 sends a NaN, as a diverged model or a broken trainer would
        LabeledData all = images(600, 7);
        List<LabeledData> clients = clients(all.slice(0, 400), 4);
        LabeledData test = all.slice(400, 600);
        Recording rule = new Recording();
        // when
        List<Simulation.Round> rounds =
                Simulation.builder(SPEC, clients, test, LOCAL)
                        .behaviour(1, new SendsNaN())
                        .aggregator(rule)
                        .build()
                        .run(2);
        // then: the rule saw the three finite updates; the round is told by client
        assertThat(rule.submissions)
                .allSatisfy(
                        given ->
                                assertThat(given)
                                        .extracting(Submission::trainer)
                                        .containsExactly("client-0", "client-2", "client-3"));
        for (Simulation.Round r : rounds) {
            assertThat(r.rejections())
                    .singleElement()
                    .satisfies(
                            j -> {
                                assertThat(j.index()).isEqualTo(1);
                                assertThat(j.reason()).isEqualTo("non-finite");
                                assertThat(j.value()).isEqualTo(1);
                            });
            assertThat(r.weights()[1]).isZero();
            assertThat(r.weights()[0]).isCloseTo(1.0 / 3, within(1e-12));
            assertThat(Arrays.stream(r.weights()).sum()).isCloseTo(1, within(1e-12));
            assertThat(r.metrics()).containsKey("aggregated-clients");
            assertThat((int[]) r.metrics().get("aggregated-clients")).containsExactly(0, 2, 3);
            assertThat(r.test().accuracy()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void aBoostedBackdoorUnderFedAvgReachesAHigherSuccessRateThanWithoutIt() {
        // given
        LabeledData all = images(700, 5);
        List<LabeledData> clients = clients(all.slice(0, 400), 4);
        LabeledData test = all.slice(400, 700);
        Backdoor backdoor = new Backdoor(0, Trigger.whiteSquare(2), 0.5, 4);
        // when
        double clean =
                Simulation.builder(SPEC, clients, test, LOCAL)
                        .backdoorTest(backdoor.testSet(test))
                        .build()
                        .run(3)
                        .get(2)
                        .backdoorSuccess();
        double attacked =
                Simulation.builder(SPEC, clients, test, LOCAL)
                        .behaviour(3, backdoor)
                        .backdoorTest(backdoor.testSet(test))
                        .build()
                        .run(3)
                        .get(2)
                        .backdoorSuccess();
        // then
        assertThat(attacked).isGreaterThan(clean + 0.3);
    }

    @Test
    void submissionsCarryNamesClaimedCountsAndTheRootReference() {
        // given: client 1 free-rides, client 2 flips signs and claims a million samples
        LabeledData all = images(500, 9);
        List<LabeledData> clients = clients(all.slice(0, 300), 3);
        LabeledData root = all.slice(300, 350);
        LabeledData test = all.slice(350, 500);
        Recording rule = new Recording();
        // when
        List<Simulation.Round> rounds =
                Simulation.builder(SPEC, clients, test, LOCAL)
                        .behaviour(1, FreeRider.plain())
                        .behaviour(2, new SignFlip(1).claiming(1_000_000))
                        .aggregator(rule)
                        .root(root)
                        .build()
                        .run(2);
        // then
        List<Submission> first = rule.submissions.get(0);
        assertThat(first)
                .extracting(Submission::trainer)
                .containsExactly("client-0", "client-1", "client-2");
        assertThat(first)
                .extracting(Submission::reportedSamples)
                .containsExactly(100L, 100L, 1_000_000L);
        assertThat(first.get(1).update()).containsOnly(0f);
        assertThat(rule.contexts).extracting(AggregationContext::round).containsExactly(1, 2);
        AggregationContext c = rule.contexts.get(0);
        assertThat(c.reference()).hasSize(c.global().length);
        assertThat(c.reference()).isNotEqualTo(new float[c.global().length]);
        assertThat(rule.contexts.get(1).global()).isNotEqualTo(c.global());
        assertThat(rounds.get(0).weights()[2]).isCloseTo(1_000_000 / 1_000_200.0, within(1e-12));
    }

    @Test
    void withoutARootThereIsNoReferenceAndRunsRepeatExactly() {
        LabeledData all = images(400, 13);
        List<LabeledData> clients = clients(all.slice(0, 300), 3);
        LabeledData test = all.slice(300, 400);
        Recording a = new Recording();
        Recording b = new Recording();
        Backdoor backdoor = new Backdoor(1, Trigger.whiteSquare(2), 0.3, 2);
        Simulation.builder(SPEC, clients, test, LOCAL)
                .behaviour(0, backdoor)
                .aggregator(a)
                .build()
                .run(1);
        Simulation.builder(SPEC, clients, test, LOCAL)
                .behaviour(0, backdoor)
                .aggregator(b)
                .build()
                .run(1);
        assertThat(a.contexts.get(0).reference()).isNull();
        for (int k = 0; k < 3; k++) {
            assertThat(a.submissions.get(0).get(k).update())
                    .isEqualTo(b.submissions.get(0).get(k).update());
        }
    }

    @Test
    void theReferenceIsTrainedForTheReferenceEpochsOnTheRoot() {
        // given: a root of 50 images against clients of 100
        LabeledData all = images(500, 9);
        List<LabeledData> clients = clients(all.slice(0, 300), 3);
        LabeledData root = all.slice(300, 350);
        LabeledData test = all.slice(350, 500);
        Recording once = new Recording();
        Recording thrice = new Recording();
        // when
        Simulation.builder(SPEC, clients, test, LOCAL).aggregator(once).root(root).build().run(1);
        Simulation.builder(SPEC, clients, test, LOCAL)
                .aggregator(thrice)
                .root(root)
                .referenceEpochs(3)
                .build()
                .run(1);
        // then: the same start and seed, trained three times as long, so further from G_1
        AggregationContext one = once.contexts.get(0);
        AggregationContext three = thrice.contexts.get(0);
        assertThat(three.global()).isEqualTo(one.global());
        float[] expected;
        try (DjlModel model = DjlModel.create(SPEC)) {
            expected =
                    model.updateFrom(
                            one.global(),
                            root,
                            LOCAL.withEpochs(3).withSeed(LOCAL.seed() * 1_000_003L + 1009L + 3));
        }
        assertThat(three.reference()).isEqualTo(expected);
        assertThat(Vectors.norm(three.reference()))
                .isGreaterThan(1.5 * Vectors.norm(one.reference()));
        // the clients' updates do not depend on it
        for (int k = 0; k < 3; k++) {
            assertThat(thrice.submissions.get(0).get(k).update())
                    .isEqualTo(once.submissions.get(0).get(k).update());
        }
        assertThatThrownBy(() -> Simulation.builder(SPEC, clients, test, LOCAL).referenceEpochs(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("referenceEpochs must be at least 1");
    }
}
