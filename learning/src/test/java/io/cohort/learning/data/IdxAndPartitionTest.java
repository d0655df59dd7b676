package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxAndPartitionTest {

    @TempDir Path dir;

    @Test
    void loadsTheSetupsMnistAndFashionMnist() throws IOException {
        IdxLoader.Split mnist = IdxLoader.mnist(IdxLoader.dataDir());
        assertThat(mnist.train().size()).isEqualTo(8000);
        assertThat(mnist.test().size()).isEqualTo(2000);
        assertThat(mnist.train().sampleShape()).containsExactly(1, 28, 28);
        IdxLoader.Split fashion = IdxLoader.fashionMnist(IdxLoader.dataDir());
        assertThat(fashion.train().size()).isEqualTo(60000);
        assertThat(fashion.test().size()).isEqualTo(10000);
        int[] histogram = new int[10];
        for (int y : fashion.test().labels()) {
            histogram[y]++;
        }
        assertThat(Arrays.stream(histogram).boxed().toList())
                .allSatisfy(h -> assertThat(h).isBetween(900, 1100));
        float max = 0;
        for (float v : mnist.test().features()) {
            assertThat(v).isBetween(0f, 1f);
            max = Math.max(max, v);
        }
        assertThat(max).isEqualTo(1f);
    }

    @Test
    void refusesBadHeadersAndLengthsBeforeAllocating() throws IOException {
        Path labels = dir.resolve("labels");
        Files.write(labels, ByteBuffer.allocate(9).putInt(0x801).putInt(1).put((byte) 3).array());
        Path badMagic = dir.resolve("magic");
        Files.write(
                badMagic,
                ByteBuffer.allocate(16).putInt(0x802).putInt(1).putInt(1).putInt(1).array());
        assertThatThrownBy(() -> IdxLoader.load(badMagic, labels, 10))
                .hasMessageContaining("magic 0x802, expected 0x803");
        Path huge = dir.resolve("huge");
        Files.write(
                huge,
                ByteBuffer.allocate(17)
                        .putInt(0x803)
                        .putInt(Integer.MAX_VALUE)
                        .putInt(28)
                        .putInt(28)
                        .array());
        assertThatThrownBy(() -> IdxLoader.load(huge, labels, 10))
                .hasMessageContaining("the file has 17");
        Path one = dir.resolve("one");
        Files.write(
                one,
                ByteBuffer.allocate(17)
                        .putInt(0x803)
                        .putInt(1)
                        .putInt(1)
                        .putInt(1)
                        .put((byte) 255)
                        .array());
        assertThat(IdxLoader.load(one, labels, 10).features()).containsExactly(1f);
        assertThatThrownBy(() -> IdxLoader.load(one, labels, 3))
                .hasMessageContaining("label 3 of sample 0 is not below 3");
    }

    private static LabeledData labelsOnly(int n, int classes) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return new LabeledData(new float[n], y, new int[] {1}, classes);
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

    private static double meanClassesPerClient(LabeledData data, List<int[]> parts) {
        double total = 0;
        for (int[] p : parts) {
            total += Arrays.stream(p).map(i -> data.labels()[i]).distinct().count();
        }
        return total / parts.size();
    }

    @Test
    void partitionsCoverEverySampleOnceAndAreReproducible() {
        LabeledData data = labelsOnly(6000, 10);
        List<int[]> iid = Partitioner.iid(data, 10, 1);
        List<int[]> dir05 = Partitioner.dirichlet(data, 10, 0.5, 1);
        List<int[]> shards = Partitioner.shards(data, 10, 2, 1);
        for (List<int[]> p : List.of(iid, dir05, shards)) {
            assertThat(p).hasSize(10);
            assertCoversEachIndexOnce(p, data.size());
        }
        assertThat(Partitioner.dirichlet(data, 10, 0.5, 1))
                .usingRecursiveComparison()
                .isEqualTo(dir05);
        assertThat(Partitioner.dirichlet(data, 10, 0.5, 2))
                .usingRecursiveComparison()
                .isNotEqualTo(dir05);
        assertThat(iid).allSatisfy(p -> assertThat(p.length).isEqualTo(600));
        // label skew: IID clients see every class, Dirichlet(0.1) clients see few, shards at most 2
        assertThat(meanClassesPerClient(data, iid)).isEqualTo(10);
        assertThat(meanClassesPerClient(data, Partitioner.dirichlet(data, 10, 0.1, 3)))
                .isLessThan(6);
        assertThat(shards)
                .allSatisfy(
                        p ->
                                assertThat(
                                                Arrays.stream(p)
                                                        .map(i -> data.labels()[i])
                                                        .distinct()
                                                        .count())
                                        .isLessThanOrEqualTo(2));
    }

    @Test
    void validationSplitIsStratified() {
        LabeledData data = labelsOnly(1000, 10);
        Partitioner.Holdout h = Partitioner.validationSplit(data, 0.2, 5);
        assertThat(h.heldOut().size()).isEqualTo(200);
        assertThat(h.train().size()).isEqualTo(800);
        int[] histogram = new int[10];
        for (int y : h.heldOut().labels()) {
            histogram[y]++;
        }
        assertThat(histogram).containsOnly(20);
    }

    @Test
    void refusesImpossibleRequests() {
        LabeledData data = labelsOnly(10, 2);
        assertThatThrownBy(() -> Partitioner.iid(data, 11, 1))
                .hasMessageContaining("11 clients for 10 samples");
        assertThatThrownBy(() -> Partitioner.dirichlet(data, 2, 0, 1))
                .hasMessageContaining("alpha must be positive");
        assertThatThrownBy(() -> Partitioner.shards(data, 6, 2, 1))
                .hasMessageContaining("12 shards for 10 samples");
    }
}
