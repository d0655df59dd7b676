package io.cohort.learning.aggregate;

import static io.cohort.learning.aggregate.AggregationFixtures.gaussian;
import static io.cohort.learning.aggregate.AggregationFixtures.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Laws every rule obeys, checked on seeded random rounds: plain JUnit loops, 40 rounds per rule and
 * law, 7 to 12 submissions of 1 to 60 values with a few long outliers.
 */
class AggregatorPropertiesTest {

    private static final int ROUNDS = 40;

    /** Every rule, fresh per call (the Sybil defence is stateful). */
    static Stream<Named<Supplier<Aggregator>>> everyRule() {
        return Stream.of(
                rule(() -> new FedAvg(50)),
                rule(FedAvg::equalWeights),
                rule(CoordinateMedian::new),
                rule(() -> new TrimmedMean(2)),
                rule(() -> MultiKrum.krum(2)),
                rule(() -> new MultiKrum(2, 4)),
                rule(() -> NormClipping.fixed(1.5)),
                rule(() -> NormClipping.medianTimes(1.5)),
                rule(() -> NormClipping.medianTimes(2).around(new TrimmedMean(1))),
                rule(() -> NormClipping.fixed(1).around(new FedAvg(50))),
                rule(() -> new NormFilter(2).withFloor(0)),
                rule(() -> new NormFilter(3).around(new MultiKrum(0, 3))),
                rule(FLTrust::new),
                rule(SybilDefence::new),
                rule(() -> new SybilDefence(0.3, 0.9)));
    }

    /** The rules for which scaling every update (and the reference) by c > 0 scales the result. */
    static Stream<Named<Supplier<Aggregator>>> scaleEquivariantRules() {
        return everyRule().filter(r -> !r.getName().startsWith("norm-clipping(bound=1"));
    }

    private static Named<Supplier<Aggregator>> rule(Supplier<Aggregator> rule) {
        return Named.of(rule.get().name(), rule);
    }

    /**
     * A round: gaussian updates of scale 0.3 to 3, one in four ten times longer, one in five a
     * near-copy of an earlier one (a Sybil adding 1% noise).
     */
    private static Round randomRound(long seed) {
        var random = new SplittableRandom(seed);
        int n = 7 + random.nextInt(6);
        int length = 1 + random.nextInt(60);
        List<Submission> submissions = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            float[] update;
            if (k > 0 && random.nextInt(5) == 0) {
                float[] original = submissions.get(random.nextInt(k)).update();
                float[] noise = gaussian(random, length, 0.01);
                update = new float[length];
                for (int i = 0; i < length; i++) {
                    update[i] = original[i] * (1 + noise[i]);
                }
            } else {
                double scale =
                        (0.3 + 2.7 * random.nextDouble()) * (random.nextInt(4) == 0 ? 10 : 1);
                update = gaussian(random, length, scale);
            }
            submissions.add(new Submission("trainer-" + k, update, random.nextInt(120) - 10));
        }
        float[] reference = gaussian(random, length, 1);
        float[] global = gaussian(random, length, 1);
        return new Round(submissions, new AggregationContext(1, global, reference, seed));
    }

    private record Round(List<Submission> submissions, AggregationContext context) {

        Round permuted(int[] permutation) {
            List<Submission> out = new ArrayList<>();
            for (int p : permutation) {
                out.add(submissions.get(p));
            }
            return new Round(out, context);
        }

        Round scaled(float c) {
            List<Submission> out = new ArrayList<>();
            for (Submission s : submissions) {
                out.add(new Submission(s.trainer(), times(s.update(), c), s.reportedSamples()));
            }
            return new Round(
                    out,
                    new AggregationContext(
                            context.round(),
                            context.global(),
                            times(context.reference(), c),
                            context.seed()));
        }

        private static float[] times(float[] values, float c) {
            float[] out = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = values[i] * c;
            }
            return out;
        }
    }

    private static int[] shuffle(int n, SplittableRandom random) {
        int[] p = new int[n];
        for (int k = 0; k < n; k++) {
            p[k] = k;
        }
        for (int k = n - 1; k > 0; k--) {
            int j = random.nextInt(k + 1);
            int t = p[k];
            p[k] = p[j];
            p[j] = t;
        }
        return p;
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void permutingTheSubmissionsPermutesTheWeightsAndKeepsTheAggregate(Supplier<Aggregator> rule) {
        for (long seed = 0; seed < ROUNDS; seed++) {
            // given
            Round round = randomRound(seed);
            int[] permutation = shuffle(round.submissions().size(), new SplittableRandom(~seed));

            // when / then: bit for bit, since rules sum in an order that depends on the values only
            Aggregation original = rule.get().aggregate(round.submissions(), round.context());
            Aggregation permuted = permutedFollows(rule, round, permutation, original, seed);
            assertThat(permuted.rejections())
                    .extracting(r -> permutation[r.index()] + " " + r.reason())
                    .as("seed %d", seed)
                    .containsExactlyInAnyOrderElementsOf(
                            original.rejections().stream()
                                    .map(r -> r.index() + " " + r.reason())
                                    .toList());
        }
    }

    /**
     * Aggregates {@code round} permuted and asserts the update is {@code original}'s bit for bit
     * and each weight the weight of the submission now in its place; returns the aggregation.
     */
    private static Aggregation permutedFollows(
            Supplier<Aggregator> rule,
            Round round,
            int[] permutation,
            Aggregation original,
            long seed) {
        Aggregation permuted =
                rule.get().aggregate(round.permuted(permutation).submissions(), round.context());
        assertThat(permuted.update()).as("seed %d", seed).isEqualTo(original.update());
        for (int j = 0; j < permutation.length; j++) {
            assertThat(permuted.weights()[j])
                    .as("seed %d, weight %d", seed, j)
                    .isEqualTo(original.weights()[permutation[j]]);
        }
        return permuted;
    }

    /** The coordinate-wise rules, whose weights credit the holders of ranked values. */
    static Stream<Named<Supplier<Aggregator>>> coordinateRules() {
        return Stream.of(
                rule(CoordinateMedian::new),
                rule(() -> new TrimmedMean(2)),
                rule(() -> new TrimmedMean(0)),
                rule(() -> NormClipping.medianTimes(2).around(new TrimmedMean(1))));
    }

    @ParameterizedTest
    @MethodSource("coordinateRules")
    void tiedValuesAreCreditedAlikeWhateverTheOrder(Supplier<Aggregator> rule) {
        for (long seed = 0; seed < ROUNDS; seed++) {
            // given: sparse updates of a few distinct values, one in three an exact copy
            var random = new SplittableRandom(seed);
            int n = 6 + random.nextInt(7);
            int length = 1 + random.nextInt(40);
            List<Submission> submissions = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                float[] update = new float[length];
                if (k > 0 && random.nextInt(3) == 0) {
                    update = submissions.get(random.nextInt(k)).update().clone();
                } else {
                    for (int i = 0; i < length; i++) {
                        update[i] = random.nextInt(2) == 0 ? 0 : (random.nextInt(5) - 2) * 0.5f;
                    }
                }
                submissions.add(new Submission("trainer-" + k, update, 10));
            }
            Round round =
                    new Round(
                            submissions,
                            new AggregationContext(
                                    1, new float[length], gaussian(random, length, 1), seed));
            int[] permutation = shuffle(n, new SplittableRandom(~seed));

            // when / then: the weights follow the submissions, bit for bit
            Aggregation original = rule.get().aggregate(round.submissions(), round.context());
            permutedFollows(rule, round, permutation, original, seed);
            // and two submissions holding the same update are weighted alike
            for (int a = 0; a < n; a++) {
                for (int b = a + 1; b < n; b++) {
                    if (java.util.Arrays.equals(
                            submissions.get(a).update(), submissions.get(b).update())) {
                        assertThat(original.weights()[a])
                                .as("seed %d, %d and %d", seed, a, b)
                                .isEqualTo(original.weights()[b]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("scaleEquivariantRules")
    void scalingEveryUpdateScalesTheAggregate(Supplier<Aggregator> rule) {
        for (long seed = 0; seed < ROUNDS; seed++) {
            Round round = randomRound(seed);
            Aggregation original = rule.get().aggregate(round.submissions(), round.context());

            // powers of two scale floats exactly, so the aggregate scales exactly
            for (float c : new float[] {2, 0.5f}) {
                Round scaled = round.scaled(c);
                Aggregation result = rule.get().aggregate(scaled.submissions(), scaled.context());
                assertThat(result.update())
                        .as("seed %d, c %s", seed, c)
                        .isEqualTo(Round.times(original.update(), c));
                assertThat(result.weights()).as("seed %d", seed).isEqualTo(original.weights());
            }
            // other factors up to rounding
            Round scaled = round.scaled(3);
            Aggregation result = rule.get().aggregate(scaled.submissions(), scaled.context());
            float[] expected = Round.times(original.update(), 3);
            for (int i = 0; i < expected.length; i++) {
                assertThat(result.update()[i])
                        .as("seed %d, value %d", seed, i)
                        .isCloseTo(expected[i], within(1e-5f * (1 + Math.abs(expected[i]))));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void weightsAreAShareThatSumsToOneWithZeroForRejected(Supplier<Aggregator> rule) {
        for (long seed = 0; seed < ROUNDS; seed++) {
            Round round = randomRound(seed);

            Aggregation result = rule.get().aggregate(round.submissions(), round.context());

            assertThat(result.weights()).hasSize(round.submissions().size());
            for (double w : result.weights()) {
                assertThat(w).as("seed %d", seed).isBetween(0.0, 1.0);
            }
            if (!"zero-update".equals(result.metrics().get("fallback"))) {
                assertThat(sum(result.weights())).as("seed %d", seed).isCloseTo(1, within(1e-9));
            }
            for (Rejection r : result.rejections()) {
                assertThat(result.weights()[r.index()]).as("seed %d", seed).isZero();
            }
            assertThat(result.update()).hasSize(round.context().global().length);
            for (Object metric : result.metrics().values()) {
                if (metric instanceof double[] perSubmission) {
                    assertThat(perSubmission).hasSize(round.submissions().size());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void inputsAreNeverModified(Supplier<Aggregator> rule) {
        for (long seed = 0; seed < ROUNDS; seed++) {
            Round round = randomRound(seed);
            List<float[]> before =
                    round.submissions().stream().map(s -> s.update().clone()).toList();
            float[] global = round.context().global().clone();
            float[] reference = round.context().reference().clone();

            rule.get().aggregate(round.submissions(), round.context());

            for (int k = 0; k < before.size(); k++) {
                assertThat(round.submissions().get(k).update()).isEqualTo(before.get(k));
            }
            assertThat(round.context().global()).isEqualTo(global);
            assertThat(round.context().reference()).isEqualTo(reference);
        }
    }

    @ParameterizedTest
    @MethodSource("everyRule")
    void sameInputSameResultBitForBit(Supplier<Aggregator> rule) {
        Round round = randomRound(99);

        Aggregation a = rule.get().aggregate(round.submissions(), round.context());
        Aggregation b = rule.get().aggregate(round.submissions(), round.context());

        assertThat(b.update()).isEqualTo(a.update());
        assertThat(b.weights()).isEqualTo(a.weights());
        assertThat(b.rejections()).isEqualTo(a.rejections());
    }
}
