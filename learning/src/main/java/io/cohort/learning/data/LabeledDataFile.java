package io.cohort.learning.data;

import io.cohort.learning.tensor.SafeTensors;
import io.cohort.learning.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link LabeledData} as a safetensors file, the form in which an evaluator publishes its root and
 * validation data so that anyone can rerun its scoring: an F32 tensor {@code features} of shape
 * {@code [n, ...sampleShape]}, an F32 tensor {@code labels} of shape {@code [n]} holding whole
 * numbers (exact in float32 below 2^24), and the metadata {@code format = cohort-data/1} and {@code
 * classes}. Reading gives back bit-identical features.
 */
public final class LabeledDataFile {

    /** The value of the {@code format} metadata. */
    public static final String FORMAT = "cohort-data/1";

    private static final int MAX_CLASSES = 1 << 16;

    /**
     * The largest header read: two tensors and two metadata entries need a few hundred bytes; a
     * larger header (safetensors allows 100 MB) is refused before its JSON is parsed.
     */
    static final long MAX_HEADER = 64 * 1024;

    private LabeledDataFile() {}

    public static byte[] write(LabeledData data) {
        long[] shape = new long[data.sampleShape().length + 1];
        shape[0] = data.size();
        for (int i = 0; i < data.sampleShape().length; i++) {
            shape[i + 1] = data.sampleShape()[i];
        }
        float[] labels = new float[data.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data.labels()[i];
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("features", new Tensor(shape, data.features()));
        tensors.put("labels", new Tensor(new long[] {data.size()}, labels));
        return SafeTensors.write(
                tensors, Map.of("format", FORMAT, "classes", Integer.toString(data.numClasses())));
    }

    /**
     * Decodes a file {@link #write} wrote.
     *
     * @throws IllegalArgumentException naming what is wrong: not safetensors, another format, a
     *     missing tensor, no samples, a sample dimension out of range, counts that disagree, a
     *     label that is no class
     */
    public static LabeledData read(byte[] bytes) {
        SafeTensors.Contents c = SafeTensors.read(bytes, SafeTensors.NonFinite.REJECT, MAX_HEADER);
        if (!FORMAT.equals(c.metadata().get("format"))) {
            throw new IllegalArgumentException(
                    "not " + FORMAT + " data (format " + c.metadata().get("format") + ")");
        }
        int classes;
        try {
            classes = Integer.parseInt(c.metadata().getOrDefault("classes", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the classes metadata is not a number");
        }
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("classes " + classes + " is outside [1, 65536]");
        }
        Tensor features = c.tensors().get("features");
        Tensor labels = c.tensors().get("labels");
        if (features == null || labels == null || c.tensors().size() != 2) {
            throw new IllegalArgumentException(
                    "expected exactly the tensors features and labels, got "
                            + c.tensors().keySet());
        }
        long[] fs = features.shape();
        if (fs.length < 2 || labels.shape().length != 1 || labels.shape()[0] != fs[0]) {
            throw new IllegalArgumentException(
                    "features "
                            + Arrays.toString(fs)
                            + " and labels "
                            + Arrays.toString(labels.shape())
                            + " do not describe the same samples");
        }
        if (fs[0] < 1) {
            throw new IllegalArgumentException("the file holds no samples");
        }
        int[] sampleShape = new int[fs.length - 1];
        for (int i = 1; i < fs.length; i++) {
            if (fs[i] < 1 || fs[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(
                        "sample dimension "
                                + fs[i]
                                + " of features "
                                + Arrays.toString(fs)
                                + " is outside [1, 2^31)");
            }
            sampleShape[i - 1] = (int) fs[i];
        }
        int[] l = new int[labels.data().length];
        for (int i = 0; i < l.length; i++) {
            float v = labels.data()[i];
            if (v != Math.rint(v) || v < 0 || v >= classes) {
                throw new IllegalArgumentException(
                        "label " + v + " of sample " + i + " is no class of " + classes);
            }
            l[i] = (int) v;
        }
        return new LabeledData(features.data(), l, sampleShape, classes);
    }
}
