package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionerTest {

    /** {@code n} one-value samples whose feature is their own index, labels cycling 0..k-1. */
    private static LabeledData cyclic(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return withLabels(y, classes);
    }

    /** Labels drawn at random, so class sizes are uneven. */
    private static LabeledData random(int n, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(classes);
        }
        return withLabels(y, classes);
    }

    private static LabeledData withLabels(int[] y, int classes) {
        float[] x = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            x[i] = i;
        }
        return new LabeledData(x, y, new int[] {1}, classes);
    }

    private static void assertCoversEachIndexOnce(List<int[]> parts, int n) {
        int[] seen = new int[n];
        for (int[] p : parts) {
            for (int i : p) {
                seen[i]++;
            }
        }
        assertThat(seen).containsOnly(1);
    }

    private static long classesOf(LabeledData data, int[] part) {
        return Arrays.stream(part).map(i -> data.labels()[i]).distinct().count();
    }

    private static double meanClassesPerClient(LabeledData data, List<int[]> parts) {
        return parts.stream().mapToLong(p -> classesOf(data, p)).average().orElseThrow();
    }

    /**
     * Mean over clients of KL(client's label distribution ‖ the whole data's), in nats: 0 for
     * perfectly IID clients, up to ln(classes) for clients holding one class.
     */
    private static double meanKlFromGlobal(LabeledData data, List<int[]> parts) {
        double[] global = new double[data.numClasses()];
        for (int y : data.labels()) {
            global[y] += 1.0 / data.size();
        }
        double total = 0;
        for (int[] p : parts) {
            double[] local = new double[data.numClasses()];
            for (int i : p) {
                local[data.labels()[i]] += 1.0 / p.length;
            }
            for (int k = 0; k < local.length; k++) {
                if (local[k] > 0) {
                    total += local[k] * Math.log(local[k] / global[k]);
                }
            }
        }
        return total / parts.size();
    }

    private static int smallestSize(List<int[]> parts) {
        return parts.stream().mapToInt(p -> p.length).min().orElseThrow();
    }

    @Test
    void iidDealsEvenSizesCoveringEverySampleOnce() {
        LabeledData data = random(1003, 10, 1);

        List<int[]> parts = Partitioner.iid(data, 10, 7);

        assertThat(parts).hasSize(10);
        assertCoversEachIndexOnce(parts, data.size());
        assertThat(parts).allSatisfy(p -> assertThat(p.length).isBetween(100, 101));
        assertThat(meanClassesPerClient(data, parts)).isEqualTo(10);
    }

    /** The partition as nested lists, so that equality compares contents. */
    private static List<List<Integer>> contents(List<int[]> parts) {
        return parts.stream().map(p -> Arrays.stream(p).boxed().toList()).toList();
    }

    @Test
    void everyPartitionIsReproducibleFromItsSeed() {
        LabeledData data = random(3000, 10, 2);

        assertThat(contents(Partitioner.iid(data, 7, 11)))
                .isEqualTo(contents(Partitioner.iid(data, 7, 11)))
                .isNotEqualTo(contents(Partitioner.iid(data, 7, 12)));
        assertThat(contents(Partitioner.dirichlet(data, 7, 0.3, 11)))
                .isEqualTo(contents(Partitioner.dirichlet(data, 7, 0.3, 11)))
                .isNotEqualTo(contents(Partitioner.dirichlet(data, 7, 0.3, 12)));
        assertThat(contents(Partitioner.shards(data, 7, 2, 11)))
                .isEqualTo(contents(Partitioner.shards(data, 7, 2, 11)))
                .isNotEqualTo(contents(Partitioner.shards(data, 7, 2, 12)));
        assertThat(Partitioner.validationSplit(data, 0.1, 11).heldOut().features())
                .containsExactly(Partitioner.validationSplit(data, 0.1, 11).heldOut().features())
                .isNotEqualTo(Partitioner.validationSplit(data, 0.1, 12).heldOut().features());
    }

    @Test
    void dirichletCoversEverySampleOnceForAnyAlpha() {
        for (double alpha : new double[] {1e-9, 0.01, 0.1, 0.5, 1, 10, 1e6}) {
            for (int clients : new int[] {1, 3, 20, 100}) {
                LabeledData data = random(2000 + clients, 10, clients);

                List<int[]> parts = Partitioner.dirichlet(data, clients, alpha, 5);

                assertThat(parts).as("alpha %s, %d clients", alpha, clients).hasSize(clients);
                assertCoversEachIndexOnce(parts, data.size());
                assertThat(smallestSize(parts))
                        .as("alpha %s, %d clients", alpha, clients)
                        .isGreaterThanOrEqualTo(
                                Partitioner.defaultMinimumSize(data.size(), clients));
            }
        }
    }

    @Test
    void smallAlphaSkewsLabelsAndLargeAlphaApproachesIid() {
        // given 10 balanced classes, 20 clients
        LabeledData data = cyclic(10000, 10);

        // when
        List<int[]> iid = Partitioner.iid(data, 20, 3);
        List<int[]> dir100 = Partitioner.dirichlet(data, 20, 100, 3);
        List<int[]> dir1 = Partitioner.dirichlet(data, 20, 1, 3);
        List<int[]> dir01 = Partitioner.dirichlet(data, 20, 0.1, 3);

        // then: KL from the global label distribution grows as alpha shrinks
        double klIid = meanKlFromGlobal(data, iid);
        double kl100 = meanKlFromGlobal(data, dir100);
        double kl1 = meanKlFromGlobal(data, dir1);
        double kl01 = meanKlFromGlobal(data, dir01);
        // (over seeds 1 to 30: IID and alpha 100 below 0.01, alpha 1 0.30 to 0.44, alpha 0.1 1.25
        // to 1.59 nats)
        assertThat(klIid).isLessThan(0.02);
        assertThat(kl100).isLessThan(0.02);
        assertThat(kl1).isBetween(0.2, 0.6);
        assertThat(kl01).isGreaterThan(1.0).isGreaterThan(2 * kl1);
        // and Dirichlet(0.1) clients see about half the classes: a client's share of a class is
        // Beta(0.1, 1.9), below half a sample of 1,000 with probability 0.51
        assertThat(meanClassesPerClient(data, iid)).isEqualTo(10);
        assertThat(meanClassesPerClient(data, dir100)).isEqualTo(10);
        assertThat(meanClassesPerClient(data, dir01)).isBetween(3.5, 6.5);
    }

    @Test
    void dirichletRepairsDrawsThatLeaveAClientShort() {
        // given a minimum no Dirichlet(0.05) draw over 60 clients meets (about 16 samples each)
        LabeledData data = random(1000, 10, 4);

        // when
        List<int[]> parts = Partitioner.dirichlet(data, 60, 0.05, 15, 4);

        // then every client has 15, and the partition is still a partition and still skewed:
        // IID clients of about 16 samples see 8 of the 10 classes
        assertCoversEachIndexOnce(parts, data.size());
        assertThat(smallestSize(parts)).isEqualTo(15);
        assertThat(meanClassesPerClient(data, Partitioner.iid(data, 60, 4))).isGreaterThan(7);
        assertThat(meanClassesPerClient(data, parts)).isLessThan(6);
    }

    @Test
    void dirichletMinimumSizeDefaultsToAQuarterOfAnEvenShareCappedAtTen() {
        assertThat(Partitioner.defaultMinimumSize(60000, 100)).isEqualTo(10);
        assertThat(Partitioner.defaultMinimumSize(1000, 50)).isEqualTo(5);
        assertThat(Partitioner.defaultMinimumSize(10, 10)).isEqualTo(1);
    }

    @Test
    void shardsGiveEachClientItsShardsOfSortedLabels() {
        // given classes of 600, shards of 300: no shard straddles two classes
        LabeledData data = cyclic(6000, 10);

        // when
        List<int[]> parts = Partitioner.shards(data, 10, 2, 1);

        // then
        assertCoversEachIndexOnce(parts, data.size());
        assertThat(parts).allSatisfy(p -> assertThat(p.length).isEqualTo(600));
        assertThat(parts).allSatisfy(p -> assertThat(classesOf(data, p)).isLessThanOrEqualTo(2));
    }

    @Test
    void shardsOfUnevenClassesMostlyStayWithinTheirLabels() {
        // given uneven classes, so some shards straddle a class boundary
        LabeledData data = random(5003, 10, 5);

        // when
        List<int[]> parts = Partitioner.shards(data, 50, 2, 5);

        // then: sizes are 2 shards of 50 or 51, labels at most 2 per shard, mostly 2 per client
        assertCoversEachIndexOnce(parts, data.size());
        assertThat(parts).allSatisfy(p -> assertThat(p.length).isBetween(100, 102));
        assertThat(parts).allSatisfy(p -> assertThat(classesOf(data, p)).isLessThanOrEqualTo(4));
        assertThat(parts.stream().filter(p -> classesOf(data, p) <= 2).count())
                .isGreaterThanOrEqualTo(40);
    }

    @Test
    void validationSplitIsStratifiedAndDisjoint() {
        // given 10 classes of 100
        LabeledData data = cyclic(1000, 10);

        // when
        Partitioner.Holdout h = Partitioner.validationSplit(data, 0.2, 5);

        // then
        assertThat(h.heldOut().size()).isEqualTo(200);
        assertThat(h.train().size()).isEqualTo(800);
        int[] histogram = new int[10];
        for (int y : h.heldOut().labels()) {
            histogram[y]++;
        }
        assertThat(histogram).containsOnly(20);
        // features are the original indices: together they are every sample once, in order
        float[] all = new float[1000];
        System.arraycopy(h.train().features(), 0, all, 0, 800);
        System.arraycopy(h.heldOut().features(), 0, all, 800, 200);
        Arrays.sort(all);
        assertThat(all).isEqualTo(data.features());
        assertThat(h.heldOut().features()).isSorted();
    }

    @Test
    void validationSplitGivesLeftoverSamplesToTheLargestRemainders() {
        // given classes of 5, 3 and 2 samples; half of 10 is 5 = 2.5 + 1.5 + 1.0
        int[] y = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
        LabeledData data = withLabels(y, 3);

        // when
        Partitioner.Holdout h = Partitioner.validationSplit(data, 0.5, 1);

        // then the ties at .5 go to the lower class
        int[] histogram = new int[3];
        for (int label : h.heldOut().labels()) {
            histogram[label]++;
        }
        assertThat(histogram).containsExactly(3, 1, 1);
    }

    @Test
    void refusesImpossibleRequestsSayingWhatWouldWork() {
        LabeledData data = cyclic(10, 2);

        assertThatThrownBy(() -> Partitioner.iid(data, 11, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("11 clients for 10 samples: need between 1 and 10 clients");
        assertThatThrownBy(() -> Partitioner.iid(data, 0, 1)).hasMessageStartingWith("0 clients");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 2, 0, 1))
                .hasMessage("alpha must be positive and finite, got 0.0");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 2, Double.NaN, 1))
                .hasMessageContaining("alpha must be positive");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 2, Double.POSITIVE_INFINITY, 1))
                .hasMessageContaining("alpha must be positive and finite");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 3, 1, 4, 1))
                .hasMessage(
                        "minSize 4 for 3 clients needs 12 samples, the data has 10;"
                                + " use a minSize of at most 3");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 3, 1, -1, 1))
                .hasMessage("minSize must not be negative, got -1");
        assertThatThrownBy(() -> Partitioner.shards(data, 6, 2, 1))
                .hasMessage(
                        "6 clients × 2 shards = 12 shards for 10 samples;"
                                + " use fewer shards per client");
        assertThatThrownBy(() -> Partitioner.shards(data, 2, 0, 1))
                .hasMessage("shardsPerClient must be at least 1, got 0");
        for (double f : new double[] {0, 1, -0.5, Double.NaN}) {
            assertThatThrownBy(() -> Partitioner.validationSplit(data, f, 1))
                    .hasMessageStartingWith("fraction must be in (0, 1)");
        }
        assertThatThrownBy(() -> Partitioner.validationSplit(data.slice(0, 1), 0.5, 1))
                .hasMessage("a hold-out needs at least 2 samples, the data has 1");
    }
}
