package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxLoaderTest {

    @TempDir Path dir;

    /** An IDX file: magic, dimension sizes, then the data bytes as given. */
    private Path idx(String name, int magic, int[] dims, int... data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        for (int v : data) {
            b.put((byte) v);
        }
        Path f = dir.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private Path labels(int... y) throws IOException {
        return idx("labels", IdxLoader.LABELS_MAGIC, new int[] {y.length}, y);
    }

    private static int[] histogram(LabeledData d) {
        int[] h = new int[d.numClasses()];
        for (int y : d.labels()) {
            h[y]++;
        }
        return h;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    @Test
    void loadsTheSetupsMnist() throws IOException {
        // when
        IdxLoader.Split mnist = IdxLoader.mnist(IdxLoader.dataDir());

        // then
        assertThat(mnist.train().size()).isEqualTo(8000);
        assertThat(mnist.test().size()).isEqualTo(2000);
        for (LabeledData d : new LabeledData[] {mnist.train(), mnist.test()}) {
            assertThat(d.sampleShape()).containsExactly(1, 28, 28);
            assertThat(d.numClasses()).isEqualTo(10);
            // every digit holds 9 to 11 % of MNIST; allow 5 to 15 %
            assertThat(Arrays.stream(histogram(d)).boxed().toList())
                    .allSatisfy(h -> assertThat(h).isBetween(d.size() / 20, d.size() * 3 / 20));
            float min = 1;
            float max = 0;
            for (float v : d.features()) {
                assertThat(Math.round(v * 255) / 255f).isEqualTo(v);
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(min).isZero();
            assertThat(max).isEqualTo(1f);
            // MNIST's well-known mean pixel is 0.1307
            assertThat(mean(d.features())).isBetween(0.11, 0.15);
        }
    }

    @Test
    void loadsTheSetupsFashionMnist() throws IOException {
        // when
        IdxLoader.Split fashion = IdxLoader.fashionMnist(IdxLoader.dataDir());

        // then
        assertThat(fashion.train().size()).isEqualTo(60000);
        assertThat(fashion.test().size()).isEqualTo(10000);
        assertThat(fashion.train().sampleShape()).containsExactly(1, 28, 28);
        // ten classes of 7,000 images each, split so that every class is within 10 % of its share
        assertThat(Arrays.stream(histogram(fashion.train())).boxed().toList())
                .allSatisfy(h -> assertThat(h).isBetween(5400, 6600));
        assertThat(Arrays.stream(histogram(fashion.test())).boxed().toList())
                .allSatisfy(h -> assertThat(h).isBetween(900, 1100));
        // Fashion-MNIST's well-known mean pixel is 0.2860
        assertThat(mean(fashion.test().features())).isBetween(0.27, 0.30);
    }

    @Test
    void pixelsAndLabelsAreTheFilesBytesInOrder() throws IOException {
        // given
        Path mnist = IdxLoader.dataDir().resolve("mnist");
        byte[] images = Files.readAllBytes(mnist.resolve("test-images-idx3-ubyte"));
        byte[] labels = Files.readAllBytes(mnist.resolve("test-labels-idx1-ubyte"));

        // when
        LabeledData test = IdxLoader.mnist(IdxLoader.dataDir()).test();

        // then
        for (int i : new int[] {0, 1, 1999}) {
            assertThat(test.labels()[i]).isEqualTo(labels[8 + i] & 0xff);
            for (int p = 0; p < 784; p++) {
                assertThat(test.features()[i * 784 + p])
                        .isEqualTo((images[16 + i * 784 + p] & 0xff) / 255f);
            }
        }
    }

    @Test
    void scalesBytesToTheUnitInterval() throws IOException {
        // given two images of 2x3 pixels
        Path images =
                idx(
                        "images",
                        IdxLoader.IMAGES_MAGIC,
                        new int[] {2, 2, 3},
                        0,
                        1,
                        128,
                        254,
                        255,
                        7,
                        9,
                        9,
                        9,
                        9,
                        9,
                        9);

        // when
        LabeledData d = IdxLoader.load(images, labels(4, 0), 5);

        // then
        assertThat(d.sampleShape()).containsExactly(1, 2, 3);
        assertThat(d.labels()).containsExactly(4, 0);
        assertThat(d.features())
                .startsWith(0f, 1 / 255f, 128 / 255f, 254 / 255f, 1f, 7 / 255f)
                .hasSize(12);
    }

    @Test
    void loadsAnEmptyFile() throws IOException {
        Path images = idx("images", IdxLoader.IMAGES_MAGIC, new int[] {0, 28, 28});

        assertThat(IdxLoader.load(images, labels(), 10).size()).isZero();
    }

    @Test
    void refusesAWrongMagicNamingTheFile() throws IOException {
        Path labelsAsImages = idx("swapped", IdxLoader.LABELS_MAGIC, new int[] {1, 1, 1}, 0);
        Path png = idx("png", 0x89504e47, new int[] {1, 1, 1}, 0);
        Path floats = idx("floats", 0x00000d03, new int[] {1, 1, 1}, 0, 0, 0, 0);

        assertThatThrownBy(() -> IdxLoader.load(labelsAsImages, labels(0), 10))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(labelsAsImages.toString())
                .hasMessageContaining(
                        "magic 0x00000801 (unsigned bytes, 1 dimension), expected 0x00000803"
                                + " (unsigned bytes, 3 dimensions)");
        assertThatThrownBy(() -> IdxLoader.load(png, labels(0), 10))
                .hasMessageContaining("not an IDX file");
        assertThatThrownBy(() -> IdxLoader.load(floats, labels(0), 10))
                .hasMessageContaining("data type 0x0d, 3 dimensions");
        Path images = idx("images", IdxLoader.IMAGES_MAGIC, new int[] {1, 1, 1}, 0);
        Path imagesAsLabels = idx("imagesAsLabels", IdxLoader.IMAGES_MAGIC, new int[] {1}, 0);
        assertThatThrownBy(() -> IdxLoader.load(images, imagesAsLabels, 10))
                .hasMessageStartingWith(imagesAsLabels.toString())
                .hasMessageContaining("expected 0x00000801");
    }

    @Test
    void refusesTruncatedAndOverlongFilesBeforeAllocating() throws IOException {
        // given headers that promise more (or less) than the file holds
        Path truncated = idx("truncated", IdxLoader.IMAGES_MAGIC, new int[] {2, 2, 2}, 1, 2, 3);
        Path trailing = idx("trailing", IdxLoader.IMAGES_MAGIC, new int[] {1, 1, 1}, 1, 2);
        Path huge = idx("huge", IdxLoader.IMAGES_MAGIC, new int[] {Integer.MAX_VALUE, 28, 28}, 0);
        Path overflowing =
                idx(
                        "overflowing",
                        IdxLoader.IMAGES_MAGIC,
                        new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE},
                        0);
        Path shortHeader = dir.resolve("short");
        Files.write(shortHeader, new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0});

        // then: each is refused by its length, never by running out of memory
        assertThatThrownBy(() -> IdxLoader.load(truncated, labels(0, 0), 10))
                .hasMessage(
                        truncated + ": 2 images of 2x2 need 24 bytes, the file has 19 (truncated)");
        assertThatThrownBy(() -> IdxLoader.load(trailing, labels(0), 10))
                .hasMessageEndingWith("need 17 bytes, the file has 18 (trailing bytes)");
        assertThatThrownBy(() -> IdxLoader.load(huge, labels(0), 10))
                .hasMessageContaining("2147483647 images of 28x28 need 1683627179264 bytes")
                .hasMessageEndingWith("the file has 17 (truncated)");
        assertThatThrownBy(() -> IdxLoader.load(overflowing, labels(0), 10))
                .hasMessageContaining("overflow");
        assertThatThrownBy(() -> IdxLoader.load(shortHeader, labels(0), 10))
                .hasMessage(shortHeader + ": 10 bytes cannot hold the 16-byte IDX header");
    }

    @Test
    void refusesNegativeAndEmptyDimensions() throws IOException {
        Path negative = idx("negative", IdxLoader.IMAGES_MAGIC, new int[] {1, -28, 28}, 0);
        Path flat = idx("flat", IdxLoader.IMAGES_MAGIC, new int[] {1, 0, 28});

        assertThatThrownBy(() -> IdxLoader.load(negative, labels(0), 10))
                .hasMessageContaining("dimension 1 has the negative size -28");
        assertThatThrownBy(() -> IdxLoader.load(flat, labels(0), 10))
                .hasMessageContaining("images of 0x28 are empty");
    }

    @Test
    void refusesLabelsThatDoNotMatchTheImages() throws IOException {
        Path images = idx("images", IdxLoader.IMAGES_MAGIC, new int[] {2, 1, 1}, 10, 20);
        Path truncatedLabels = idx("truncated-labels", IdxLoader.LABELS_MAGIC, new int[] {3}, 1, 2);

        assertThatThrownBy(() -> IdxLoader.load(images, labels(1, 2, 3), 10))
                .hasMessageContaining("holds 3 labels for the 2 images of " + images);
        assertThatThrownBy(() -> IdxLoader.load(images, truncatedLabels, 10))
                .hasMessage(
                        truncatedLabels + ": 3 labels need 11 bytes, the file has 10 (truncated)");
        Path outOfRange = labels(1, 3);
        assertThatThrownBy(() -> IdxLoader.load(images, outOfRange, 3))
                .hasMessage(outOfRange + ": label 3 of sample 1 is outside [0, 3)");
    }

    @Test
    void refusesMisuseAndMissingFiles() throws IOException {
        Path images = idx("images", IdxLoader.IMAGES_MAGIC, new int[] {1, 1, 1}, 0);

        assertThatThrownBy(() -> IdxLoader.load(images, labels(0), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("numClasses must be positive, got 0");
        assertThatThrownBy(() -> IdxLoader.load(dir.resolve("absent"), labels(0), 10))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> IdxLoader.mnist(dir))
                .hasMessage("no dataset folder " + dir.resolve("mnist") + ": run ./setup");
    }
}
