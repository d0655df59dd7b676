package io.cohort.learning.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads IDX files as MNIST ships them: unsigned-byte images (magic {@code 0x00000803}, dimensions
 * n, rows, columns) and unsigned-byte labels ({@code 0x00000801}, dimension n), big-endian headers.
 * Both headers are checked against each other and against the files' lengths before the sample
 * array is allocated; pixels are then streamed through a small buffer and scaled to [0, 1].
 */
public final class IdxLoader {

    /** Magic of unsigned-byte data with three dimensions (images). */
    static final int IMAGES_MAGIC = 0x00000803;

    /** Magic of unsigned-byte data with one dimension (labels). */
    static final int LABELS_MAGIC = 0x00000801;

    private static final int UNSIGNED_BYTE = 0x08;
    private static final int CHUNK = 1 << 16;

    /**
     * A dataset's fixed training and test sets.
     *
     * @param train the training set
     * @param test the held-out test set
     */
    public record Split(LabeledData train, LabeledData test) {}

    private IdxLoader() {}

    /**
     * Reads an image file and its label file.
     *
     * @param images an IDX file of n unsigned-byte images of rows × cols pixels
     * @param labels an IDX file of n unsigned-byte labels
     * @param numClasses how many classes the labels range over; every label must be below it
     * @return the images with shape {@code [1, rows, cols]}, pixels scaled to [0, 1] ({@code value
     *     / 255}), and their labels
     * @throws IOException if a file cannot be read, or its header, length or labels are not what
     *     the format and the other file require (the message names the file and the problem)
     * @throws IllegalArgumentException if {@code numClasses} is not positive
     */
    public static LabeledData load(Path images, Path labels, int numClasses) throws IOException {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
        }
        try (FileChannel img = FileChannel.open(images, StandardOpenOption.READ);
                FileChannel lab = FileChannel.open(labels, StandardOpenOption.READ)) {
            int[] imageDims = header(images, img, IMAGES_MAGIC, 3);
            int n = imageDims[0];
            int rows = imageDims[1];
            int cols = imageDims[2];
            if (rows == 0 || cols == 0) {
                throw new IOException(images + ": images of " + rows + "x" + cols + " are empty");
            }
            long pixels = product(images, n, rows, cols);
            expectLength(images, img, 16 + pixels, n + " images of " + rows + "x" + cols);
            int m = header(labels, lab, LABELS_MAGIC, 1)[0];
            expectLength(labels, lab, 8L + m, m + " labels");
            if (m != n) {
                throw new IOException(
                        labels + " holds " + m + " labels for the " + n + " images of " + images);
            }
            if (pixels > Integer.MAX_VALUE - 8) {
                throw new IOException(
                        images + ": " + pixels + " pixels do not fit one array; split the file");
            }
            int[] y = readLabels(labels, lab, n, numClasses);
            float[] features = readPixels(images, img, (int) pixels);
            return new LabeledData(features, y, new int[] {1, rows, cols}, numClasses);
        }
    }

    /** {@code <dataDir>/mnist/} as ./setup writes it: 8,000 training and 2,000 test digits. */
    public static Split mnist(Path dataDir) throws IOException {
        return split(dataDir.resolve("mnist"));
    }

    /** {@code <dataDir>/fashion-mnist/} as ./setup writes it: 60,000 training, 10,000 test. */
    public static Split fashionMnist(Path dataDir) throws IOException {
        return split(dataDir.resolve("fashion-mnist"));
    }

    /**
     * The project's data folder: the {@code cohort.data.dir} system property (surefire sets it),
     * else {@code data/} in the working directory or the nearest folder above it that has a {@code
     * data/mnist/}.
     *
     * @throws IllegalStateException if neither gives a folder
     */
    public static Path dataDir() {
        String configured = System.getProperty("cohort.data.dir");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("data").resolve("mnist"))) {
                return dir.resolve("data");
            }
        }
        throw new IllegalStateException(
                "no data/ folder with mnist/ found from "
                        + Path.of("").toAbsolutePath()
                        + " upwards: run ./setup, or set -Dcohort.data.dir");
    }

    private static Split split(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException("no dataset folder " + dir + ": run ./setup");
        }
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

    /** Reads and checks the magic and the dimension sizes; leaves the channel at the data. */
    private static int[] header(Path file, FileChannel ch, int magic, int dims) throws IOException {
        int headerBytes = 4 + 4 * dims;
        if (ch.size() < headerBytes) {
            throw new IOException(
                    file
                            + ": "
                            + ch.size()
                            + " bytes cannot hold the "
                            + headerBytes
                            + "-byte IDX header");
        }
        ByteBuffer b = ByteBuffer.allocate(headerBytes);
        readFully(file, ch, b);
        b.flip();
        int found = b.getInt();
        if (found != magic) {
            throw new IOException(
                    file
                            + ": magic "
                            + hex(found)
                            + " ("
                            + describe(found)
                            + "), expected "
                            + hex(magic)
                            + " ("
                            + describe(magic)
                            + ")");
        }
        int[] sizes = new int[dims];
        for (int i = 0; i < dims; i++) {
            sizes[i] = b.getInt();
            if (sizes[i] < 0) {
                throw new IOException(
                        file + ": dimension " + i + " has the negative size " + sizes[i]);
            }
        }
        return sizes;
    }

    private static long product(Path file, int n, int rows, int cols) throws IOException {
        try {
            return Math.multiplyExact(Math.multiplyExact((long) n, rows), cols);
        } catch (ArithmeticException e) {
            throw new IOException(
                    file + ": " + n + " images of " + rows + "x" + cols + " overflow a length");
        }
    }

    private static void expectLength(Path file, FileChannel ch, long expected, String what)
            throws IOException {
        if (ch.size() != expected) {
            throw new IOException(
                    file
                            + ": "
                            + what
                            + " need "
                            + expected
                            + " bytes, the file has "
                            + ch.size()
                            + (ch.size() < expected ? " (truncated)" : " (trailing bytes)"));
        }
    }

    private static int[] readLabels(Path file, FileChannel ch, int n, int numClasses)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        readFully(file, ch, b);
        b.flip();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = b.get() & 0xff;
            if (y[i] >= numClasses) {
                throw new IOException(
                        file
                                + ": label "
                                + y[i]
                                + " of sample "
                                + i
                                + " is outside [0, "
                                + numClasses
                                + ")");
            }
        }
        return y;
    }

    private static float[] readPixels(Path file, FileChannel ch, int count) throws IOException {
        float[] out = new float[count];
        ByteBuffer chunk = ByteBuffer.allocate(Math.min(CHUNK, Math.max(1, count)));
        int at = 0;
        while (at < count) {
            chunk.clear().limit(Math.min(chunk.capacity(), count - at));
            readFully(file, ch, chunk);
            chunk.flip();
            while (chunk.hasRemaining()) {
                out[at++] = (chunk.get() & 0xff) / 255f;
            }
        }
        return out;
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new EOFException(file + ": ended early while reading (changed on disk?)");
            }
        }
    }

    private static String hex(int magic) {
        return String.format("0x%08x", magic);
    }

    private static String describe(int magic) {
        if ((magic >>> 16) != 0) {
            return "not an IDX file: the first two bytes must be zero";
        }
        int type = (magic >>> 8) & 0xff;
        String typeName = type == UNSIGNED_BYTE ? "unsigned bytes" : "data type " + hex2(type);
        int dims = magic & 0xff;
        return typeName + ", " + dims + (dims == 1 ? " dimension" : " dimensions");
    }

    private static String hex2(int b) {
        return String.format("0x%02x", b);
    }
}
