package io.cohort.learning.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model declared as data: input shape, number of classes, layers, and the seed of its
 * initialisation. From it {@link DjlModels} builds the DJL block that trains and {@link OnnxExport}
 * the ONNX graph that evaluates; both compute the same function.
 *
 * <pre>{@code
 * {"name": "mnist-cnn", "inputShape": [1, 28, 28], "classes": 10, "seed": 42,
 *  "layers": [{"type": "conv2d", "filters": 32, "kernel": 3, "padding": 1}, {"type": "relu"},
 *             {"type": "maxpool", "kernel": 2}, {"type": "flatten"}, {"type": "dense", "units": 10}]}
 * }</pre>
 *
 * @param name a label for reports
 * @param inputShape shape of one sample: [channels, height, width] for images, [features] otherwise
 * @param classes number of classes; the last layer must output exactly this many logits
 * @param seed seed of the deterministic initialisation
 * @param layers the layers in order
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ModelSpec(
        String name, int[] inputShape, int classes, long seed, List<LayerSpec> layers) {

    // Strict reading: a spec names each field once, numbers are JSON integers where the record
    // has integers ("kernel": 3.5 or "3" is an error, not 3), and nothing follows the object.
    private static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                    .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .build();

    /** Largest number of values any layer may output per sample (guards against absurd specs). */
    public static final long MAX_ACTIVATIONS = 1L << 26;

    /** Largest number of parameters a spec may declare. */
    public static final long MAX_PARAMETERS = 1L << 28;

    public ModelSpec {
        inputShape = inputShape == null ? null : inputShape.clone();
        layers = layers == null ? null : List.copyOf(layers);
    }

    /** Parses and validates a JSON spec; errors name the bad field or layer. */
    public static ModelSpec parse(String json) {
        ModelSpec spec;
        try {
            spec = JSON.readValue(json, ModelSpec.class);
        } catch (JsonProcessingException e) {
            throw new InvalidSpecException(
                    "model spec is not valid JSON for a spec: " + e.getOriginalMessage());
        }
        if (spec == null) {
            throw new InvalidSpecException("model spec is JSON null, not a spec object");
        }
        spec.validate();
        return spec;
    }

    /** The canonical JSON of this spec. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a spec as JSON", e);
        }
    }

    /** The small MLP of the fast tests: flatten, dense 32, ReLU, dense 10, for 1×28×28 images. */
    public static ModelSpec mnistMlp(long seed) {
        return new ModelSpec(
                "mnist-mlp",
                new int[] {1, 28, 28},
                10,
                seed,
                List.of(
                        LayerSpec.flatten(),
                        LayerSpec.dense(32),
                        LayerSpec.relu(),
                        LayerSpec.dense(10)));
    }

    /** The CNN of the benchmarks: 2 conv + 2 dense, for 1×28×28 images. */
    public static ModelSpec mnistCnn(long seed) {
        return new ModelSpec(
                "mnist-cnn",
                new int[] {1, 28, 28},
                10,
                seed,
                List.of(
                        LayerSpec.conv2d(32, 3, 1, 1),
                        LayerSpec.relu(),
                        LayerSpec.maxpool(2, 2),
                        LayerSpec.conv2d(64, 3, 1, 1),
                        LayerSpec.relu(),
                        LayerSpec.maxpool(2, 2),
                        LayerSpec.flatten(),
                        LayerSpec.dense(128),
                        LayerSpec.relu(),
                        LayerSpec.dense(10)));
    }

    /**
     * Checks the spec and returns the shape after each layer ({@code shapes[0]} is the input).
     *
     * @throws InvalidSpecException naming the first bad layer
     */
    public List<int[]> validate() {
        return walk().shapes();
    }

    /**
     * How many floats the model's flat parameter array holds ({@code DjlModel.parameterCount()}),
     * counted from the spec alone: what bounds an update's length for a reader without the engine
     * (an auditor, docs/update-format.md).
     *
     * @throws InvalidSpecException naming the first bad layer
     */
    public long parameterCount() {
        return walk().parameters();
    }

    /** The shape after each layer and the parameters of all layers. */
    private record Walk(List<int[]> shapes, long parameters) {}

    private Walk walk() {
        if (inputShape == null || inputShape.length == 0 || inputShape.length > 3) {
            throw new InvalidSpecException(
                    "inputShape must have 1 to 3 dimensions, got " + Arrays.toString(inputShape));
        }
        for (int d : inputShape) {
            if (d <= 0 || d > 65536) {
                throw new InvalidSpecException(
                        "inputShape "
                                + Arrays.toString(inputShape)
                                + " has a dimension outside 1..65536");
            }
        }
        if (product(inputShape) > MAX_ACTIVATIONS) {
            throw new InvalidSpecException(
                    "inputShape "
                            + Arrays.toString(inputShape)
                            + " holds "
                            + product(inputShape)
                            + " values per sample, above "
                            + MAX_ACTIVATIONS);
        }
        if (classes < 2 || classes > 100_000) {
            throw new InvalidSpecException("classes must be in 2..100000, got " + classes);
        }
        if (layers == null || layers.isEmpty()) {
            throw new InvalidSpecException("a spec needs at least one layer");
        }
        List<int[]> shapes = new ArrayList<>();
        int[] shape = inputShape.clone();
        shapes.add(shape);
        long params = 0;
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            if (l == null || l.type() == null) {
                throw InvalidSpecException.at(i, l, "has no type");
            }
            switch (l.type()) {
                case "conv2d" -> {
                    requireRank(i, l, shape, 3, "needs a [channels, height, width] input");
                    int f = positive(i, l, l.filters(), "filters", 65536);
                    int k = positive(i, l, l.kernel(), "kernel", 64);
                    int s = positive(i, l, l.strideOr(1), "stride", 64);
                    int p = l.paddingOrZero();
                    if (p < 0 || p >= k) {
                        throw InvalidSpecException.at(
                                i, l, "padding must be in 0.." + (k - 1) + ", got " + p);
                    }
                    int h = (shape[1] + 2 * p - k) / s + 1;
                    int w = (shape[2] + 2 * p - k) / s + 1;
                    if (shape[1] + 2 * p < k || shape[2] + 2 * p < k) {
                        throw InvalidSpecException.at(
                                i,
                                l,
                                "kernel "
                                        + k
                                        + " is larger than its input "
                                        + Arrays.toString(shape));
                    }
                    params += (long) f * shape[0] * k * k + f;
                    shape = new int[] {f, h, w};
                }
                case "maxpool" -> {
                    requireRank(i, l, shape, 3, "needs a [channels, height, width] input");
                    int k = positive(i, l, l.kernel(), "kernel", 64);
                    int s = positive(i, l, l.strideOr(k), "stride", 64);
                    if (shape[1] < k || shape[2] < k) {
                        throw InvalidSpecException.at(
                                i,
                                l,
                                "kernel "
                                        + k
                                        + " is larger than its input "
                                        + Arrays.toString(shape));
                    }
                    shape = new int[] {shape[0], (shape[1] - k) / s + 1, (shape[2] - k) / s + 1};
                }
                case "dense" -> {
                    requireRank(
                            i, l, shape, 1, "needs a flat input: add a flatten layer before it");
                    int u = positive(i, l, l.units(), "units", 1 << 20);
                    params += (long) u * shape[0] + u;
                    shape = new int[] {u};
                }
                case "flatten" ->
                        shape = new int[] {(int) Math.min(Integer.MAX_VALUE, product(shape))};
                case "relu" -> {
                    // shape unchanged
                }
                case "dropout" -> {
                    if (l.rate() == null || !(l.rate() >= 0 && l.rate() < 1)) {
                        throw InvalidSpecException.at(
                                i, l, "rate must be in [0, 1), got " + l.rate());
                    }
                }
                case "batchnorm" -> params += 4L * shape[0];
                default ->
                        throw InvalidSpecException.at(
                                i,
                                l,
                                "unknown layer type (known: conv2d, maxpool, dense, flatten, relu, dropout, batchnorm)");
            }
            if (product(shape) > MAX_ACTIVATIONS) {
                throw InvalidSpecException.at(
                        i,
                        l,
                        "outputs "
                                + product(shape)
                                + " values per sample, above "
                                + MAX_ACTIVATIONS);
            }
            if (params > MAX_PARAMETERS) {
                throw InvalidSpecException.at(
                        i,
                        l,
                        "brings the model to " + params + " parameters, above " + MAX_PARAMETERS);
            }
            shapes.add(shape);
        }
        if (shape.length != 1 || shape[0] != classes) {
            throw InvalidSpecException.at(
                    layers.size() - 1,
                    layers.get(layers.size() - 1),
                    "the model must end in "
                            + classes
                            + " logits, it ends in "
                            + Arrays.toString(shape));
        }
        return new Walk(shapes, params);
    }

    private static void requireRank(int i, LayerSpec l, int[] shape, int rank, String why) {
        if (shape.length != rank) {
            throw InvalidSpecException.at(i, l, why + "; its input is " + Arrays.toString(shape));
        }
    }

    private static int positive(int i, LayerSpec l, Integer v, String field, int max) {
        if (v == null || v <= 0 || v > max) {
            throw InvalidSpecException.at(i, l, field + " must be in 1.." + max + ", got " + v);
        }
        return v;
    }

    static long product(int[] shape) {
        long p = 1;
        for (int d : shape) {
            p *= d;
        }
        return p;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m
                && java.util.Objects.equals(name, m.name)
                && Arrays.equals(inputShape, m.inputShape)
                && classes == m.classes
                && seed == m.seed
                && java.util.Objects.equals(layers, m.layers);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(name, Arrays.hashCode(inputShape), classes, seed, layers);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
