package io.cohort.learning.model;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link ModelSpec} with given parameters as an ONNX model (opset 17), built with the ONNX
 * protobuf classes ({@code ai.onnx.proto.OnnxMl}). The graph computes what the DJL block computes
 * in inference mode: conv2d → Conv, maxpool → MaxPool, relu → Relu, flatten → Flatten(axis 1),
 * dense → Gemm(transB), batchnorm → BatchNormalization (epsilon 1e-5, as DJL), dropout → nothing.
 * Input {@code input} is {@code [N, ...inputShape]} with a symbolic batch; output {@code logits} is
 * {@code [N, classes]}. Parameters are read from the flat array in the order {@link DjlModel}
 * documents.
 */
public final class OnnxExport {

    /** The ONNX operator set the graph uses. */
    public static final int OPSET = 17;

    private static final int IR_VERSION = 8;
    private static final float BATCHNORM_EPSILON = 1e-5f;

    private OnnxExport() {}

    /** The serialised ONNX model. */
    public static byte[] export(ModelSpec spec, float[] parameters) {
        return build(spec, parameters).toByteArray();
    }

    /** The ONNX model as protobuf objects. */
    public static OnnxMl.ModelProto build(ModelSpec spec, float[] parameters) {
        List<int[]> shapes = spec.validate();
        OnnxMl.GraphProto.Builder graph =
                OnnxMl.GraphProto.newBuilder().setName(spec.name() == null ? "model" : spec.name());
        graph.addInput(valueInfo("input", spec.inputShape()));
        String current = "input";
        int offset = 0;
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec l = spec.layers().get(i);
            int[] in = shapes.get(i);
            int[] out = shapes.get(i + 1);
            String name = "l" + i + "_" + l.type();
            String output = name + "_out";
            switch (l.type()) {
                case "conv2d" -> {
                    int k = l.kernel();
                    offset =
                            weightAndBias(
                                    graph,
                                    name,
                                    new long[] {out[0], in[0], k, k},
                                    parameters,
                                    offset);
                    int s = l.strideOr(1);
                    int p = l.paddingOrZero();
                    graph.addNode(
                            node(
                                            "Conv",
                                            name,
                                            List.of(current, name + "_weight", name + "_bias"),
                                            output)
                                    .addAttribute(ints("kernel_shape", k, k))
                                    .addAttribute(ints("strides", s, s))
                                    .addAttribute(ints("pads", p, p, p, p)));
                }
                case "maxpool" -> {
                    int k = l.kernel();
                    int s = l.strideOr(k);
                    graph.addNode(
                            node("MaxPool", name, List.of(current), output)
                                    .addAttribute(ints("kernel_shape", k, k))
                                    .addAttribute(ints("strides", s, s)));
                }
                case "relu" -> graph.addNode(node("Relu", name, List.of(current), output));
                case "flatten" ->
                        graph.addNode(
                                node("Flatten", name, List.of(current), output)
                                        .addAttribute(
                                                OnnxMl.AttributeProto.newBuilder()
                                                        .setName("axis")
                                                        .setType(
                                                                OnnxMl.AttributeProto.AttributeType
                                                                        .INT)
                                                        .setI(1)));
                case "dense" -> {
                    offset =
                            weightAndBias(
                                    graph, name, new long[] {out[0], in[0]}, parameters, offset);
                    graph.addNode(
                            node(
                                            "Gemm",
                                            name,
                                            List.of(current, name + "_weight", name + "_bias"),
                                            output)
                                    .addAttribute(
                                            OnnxMl.AttributeProto.newBuilder()
                                                    .setName("transB")
                                                    .setType(
                                                            OnnxMl.AttributeProto.AttributeType.INT)
                                                    .setI(1)));
                }
                case "batchnorm" -> {
                    int c = in[0];
                    List<String> inputs = new ArrayList<>(List.of(current));
                    for (String part : List.of("gamma", "beta", "mean", "var")) {
                        graph.addInitializer(
                                tensor(name + "_" + part, new long[] {c}, parameters, offset, c));
                        inputs.add(name + "_" + part);
                        offset += c;
                    }
                    graph.addNode(
                            node("BatchNormalization", name, inputs, output)
                                    .addAttribute(
                                            OnnxMl.AttributeProto.newBuilder()
                                                    .setName("epsilon")
                                                    .setType(
                                                            OnnxMl.AttributeProto.AttributeType
                                                                    .FLOAT)
                                                    .setF(BATCHNORM_EPSILON)));
                }
                case "dropout" -> {
                    continue; // identity at inference
                }
                default ->
                        throw new InvalidSpecException(
                                "layer " + i + " (" + l.type() + "): cannot export");
            }
            current = output;
        }
        if (offset != parameters.length) {
            throw new IllegalArgumentException(
                    "spec "
                            + spec.name()
                            + " has "
                            + offset
                            + " parameters, got "
                            + parameters.length);
        }
        // name the final value `logits`
        graph.addNode(node("Identity", "logits", List.of(current), "logits"));
        graph.addOutput(valueInfo("logits", new int[] {spec.classes()}));
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("cohort")
                .setProducerVersion("1")
                .setDocString(spec.toJson())
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph)
                .build();
    }

    private static OnnxMl.NodeProto.Builder node(
            String op, String name, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(inputs)
                .addOutput(output);
    }

    private static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder b =
                OnnxMl.AttributeProto.newBuilder()
                        .setName(name)
                        .setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            b.addInts(v);
        }
        return b.build();
    }

    /**
     * Adds a layer's weight ({@code weightDims}) and its bias (one per output, {@code
     * weightDims[0]}), read in that order from {@code parameters} at {@code offset}; returns the
     * offset after them.
     */
    private static int weightAndBias(
            OnnxMl.GraphProto.Builder graph,
            String name,
            long[] weightDims,
            float[] parameters,
            int offset) {
        int weightLength = 1;
        for (long d : weightDims) {
            weightLength = Math.multiplyExact(weightLength, Math.toIntExact(d));
        }
        graph.addInitializer(
                tensor(name + "_weight", weightDims, parameters, offset, weightLength));
        int biasLength = Math.toIntExact(weightDims[0]);
        int biasAt = offset + weightLength;
        graph.addInitializer(
                tensor(name + "_bias", new long[] {biasLength}, parameters, biasAt, biasLength));
        return biasAt + biasLength;
    }

    private static OnnxMl.TensorProto tensor(
            String name, long[] dims, float[] values, int offset, int length) {
        if (offset + length > values.length) {
            throw new IllegalArgumentException(
                    "parameters end before tensor " + name + " (needs " + (offset + length) + ")");
        }
        ByteBuffer raw = ByteBuffer.allocate(length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < length; i++) {
            raw.putFloat(values[offset + i]);
        }
        raw.flip();
        OnnxMl.TensorProto.Builder t =
                OnnxMl.TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, int[] sampleShape) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int d : sampleShape) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        OnnxMl.TypeProto.newBuilder()
                                .setTensorType(
                                        OnnxMl.TypeProto.Tensor.newBuilder()
                                                .setElemType(
                                                        OnnxMl.TensorProto.DataType.FLOAT
                                                                .getNumber())
                                                .setShape(shape)))
                .build();
    }
}
