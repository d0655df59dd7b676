package io.cohort.learning.model;

import io.cohort.learning.tensor.SafeTensors;
import io.cohort.learning.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A global model's parameters as a safetensors file (one F32 tensor per DJL parameter, named as in
 * {@link DjlModel#layout()}), and back to the flat array the learning core works with. What the
 * evaluators publish as {@code G_{r+1}} and what trainers download as {@code G_r}.
 */
public final class ModelWeights {

    private ModelWeights() {}

    /** The safetensors bytes of {@code flat}, laid out by {@code layout}, with {@code metadata}. */
    public static byte[] write(
            List<DjlModel.Slot> layout, float[] flat, Map<String, String> metadata) {
        int total = layout.stream().mapToInt(DjlModel.Slot::length).sum();
        if (flat.length != total) {
            throw new IllegalArgumentException(
                    "the layout holds " + total + " parameters, got " + flat.length);
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (DjlModel.Slot s : layout) {
            tensors.put(
                    s.name(),
                    new Tensor(
                            s.shape(),
                            Arrays.copyOfRange(flat, s.offset(), s.offset() + s.length())));
        }
        return SafeTensors.write(tensors, metadata);
    }

    /** Header bytes allowed for every tensor of a layout: a name, a dtype, a shape, two offsets. */
    static final int HEADER_PER_TENSOR = 1024;

    /** Header bytes allowed besides the tensors' (metadata, padding). */
    static final int HEADER_BASE = 64 * 1024;

    /**
     * The largest header a model file of {@code tensors} tensors may have: what {@link #write}
     * needs is a few hundred bytes a tensor, and a file from elsewhere whose header is far larger
     * (up to safetensors' 100 MB) is refused before its JSON is parsed.
     */
    static long headerLimit(int tensors) {
        return Math.min(SafeTensors.MAX_HEADER, HEADER_BASE + (long) HEADER_PER_TENSOR * tensors);
    }

    /**
     * The flat parameters of a safetensors file that holds exactly {@code layout}'s tensors with
     * their shapes, all finite.
     *
     * @throws IllegalArgumentException naming the first tensor that is missing, extra, or of
     *     another shape, or a malformed file
     */
    public static float[] read(byte[] bytes, List<DjlModel.Slot> layout) {
        Map<String, Tensor> tensors =
                SafeTensors.read(bytes, SafeTensors.NonFinite.REJECT, headerLimit(layout.size()))
                        .tensors();
        int total = layout.stream().mapToInt(DjlModel.Slot::length).sum();
        float[] flat = new float[total];
        for (DjlModel.Slot s : layout) {
            Tensor t = tensors.get(s.name());
            if (t == null) {
                throw new IllegalArgumentException("the model file has no tensor " + s.name());
            }
            if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IllegalArgumentException(
                        "tensor "
                                + s.name()
                                + " has shape "
                                + Arrays.toString(t.shape())
                                + ", the model spec says "
                                + Arrays.toString(s.shape()));
            }
            System.arraycopy(t.data(), 0, flat, s.offset(), s.length());
        }
        if (tensors.size() != layout.size()) {
            String extra =
                    tensors.keySet().stream()
                            .filter(n -> layout.stream().noneMatch(s -> s.name().equals(n)))
                            .findFirst()
                            .orElse("?");
            throw new IllegalArgumentException(
                    "the model file has a tensor the spec does not: " + extra);
        }
        return flat;
    }
}
