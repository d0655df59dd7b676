package io.cohort.learning.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads IDX files as MNIST ships them: unsigned-byte images ({@code 0x00000803}, dimensions n,
 * rows, columns) and labels ({@code 0x00000801}, dimension n), big-endian headers. Every header is
 * checked against the file's length before anything is allocated.
 */
public final class IdxLoader {

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int MAX_SIDE = 4096;

    /**
     * A dataset's fixed training and test sets.
     *
     * @param train the training set
     * @param test the held-out test set
     */
    public record Split(LabeledData train, LabeledData test) {}

    private IdxLoader() {}

    /** Images scaled to [0, 1] with shape [1, rows, cols], and their labels. */
    public static LabeledData load(Path images, Path labels, int numClasses) throws IOException {
        ByteBuffer img = read(images);
        ByteBuffer lab = read(labels);
        int n = header(images, img, IMAGES_MAGIC, 3);
        int rows = img.getInt();
        int cols = img.getInt();
        if (rows <= 0 || cols <= 0 || rows > MAX_SIDE || cols > MAX_SIDE) {
            throw new IOException(
                    images + ": image size " + rows + "x" + cols + " is outside 1.." + MAX_SIDE);
        }
        long expected = 16 + (long) n * rows * cols;
        if (img.capacity() != expected) {
            throw new IOException(
                    images
                            + ": "
                            + n
                            + " images of "
                            + rows
                            + "x"
                            + cols
                            + " need "
                            + expected
                            + " bytes, the file has "
                            + img.capacity());
        }
        int m = header(labels, lab, LABELS_MAGIC, 1);
        if (lab.capacity() != 8L + m) {
            throw new IOException(
                    labels
                            + ": "
                            + m
                            + " labels need "
                            + (8L + m)
                            + " bytes, the file has "
                            + lab.capacity());
        }
        if (m != n) {
            throw new IOException(
                    labels + " holds " + m + " labels for the " + n + " images of " + images);
        }
        int per = rows * cols;
        if ((long) n * per > Integer.MAX_VALUE - 8) {
            throw new IOException(images + ": " + n + " images do not fit one array");
        }
        float[] features = new float[n * per];
        for (int i = 0; i < features.length; i++) {
            features[i] = (img.get() & 0xff) / 255f;
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.get() & 0xff;
            if (y[i] >= numClasses) {
                throw new IOException(
                        labels
                                + ": label "
                                + y[i]
                                + " of sample "
                                + i
                                + " is not below "
                                + numClasses);
            }
        }
        return new LabeledData(features, y, new int[] {1, rows, cols}, numClasses);
    }

    /** {@code data/mnist/} as ./setup writes it: 8,000 training and 2,000 test digits. */
    public static Split mnist(Path dataDir) throws IOException {
        return split(dataDir.resolve("mnist"));
    }

    /** {@code data/fashion-mnist/}: 60,000 training and 10,000 test images. */
    public static Split fashionMnist(Path dataDir) throws IOException {
        return split(dataDir.resolve("fashion-mnist"));
    }

    private static Split split(Path dir) throws IOException {
        return new Split(
                load(
                        dir.resolve("train-images-idx3-ubyte"),
                        dir.resolve("train-labels-idx1-ubyte"),
                        10),
                load(
                        dir.resolve("test-images-idx3-ubyte"),
                        dir.resolve("test-labels-idx1-ubyte"),
                        10));
    }

    /**
     * The project's data folder: the {@code cohort.data.dir} system property, else {@code data/} in
     * the working directory or the nearest folder above it that has one.
     */
    public static Path dataDir() {
        String configured = System.getProperty("cohort.data.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("data").resolve("mnist"))) {
                return dir.resolve("data");
            }
        }
        throw new IllegalStateException(
                "no data/ folder with mnist found: run ./setup, or set -Dcohort.data.dir");
    }

    private static int header(Path file, ByteBuffer b, int magic, int dims) throws IOException {
        if (b.capacity() < 4 + 4L * dims) {
            throw new IOException(file + ": " + b.capacity() + " bytes cannot hold an IDX header");
        }
        int m = b.getInt();
        if (m != magic) {
            throw new IOException(
                    file
                            + ": magic 0x"
                            + Integer.toHexString(m)
                            + ", expected 0x"
                            + Integer.toHexString(magic));
        }
        int n = b.getInt();
        if (n < 0) {
            throw new IOException(file + ": negative count " + n);
        }
        return n;
    }

    private static ByteBuffer read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + " is larger than 2 GiB");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            b.flip();
            return b;
        }
    }
}
