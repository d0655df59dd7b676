package io.cohort.learning.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.cohort.learning.data.LabeledData;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Runs an exported ONNX model with ONNX Runtime on the CPU with a fixed number of threads and
 * sequential execution, so the same model and data give the same logits, integer correct count and
 * loss sum every time on a machine.
 */
public final class OnnxEvaluator implements AutoCloseable {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final int[] sampleShape;
    private final int classes;

    private OnnxEvaluator(OrtEnvironment env, OrtSession session, int[] sampleShape, int classes) {
        this.env = env;
        this.session = session;
        this.sampleShape = sampleShape;
        this.classes = classes;
    }

    /**
     * Loads an ONNX model.
     *
     * @param threads intra-op threads (fixed for reproducibility)
     */
    public static OnnxEvaluator load(byte[] onnx, int[] sampleShape, int classes, int threads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        // the session keeps what it needs of the options: theirs is native memory to free
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            return new OnnxEvaluator(
                    env, env.createSession(onnx, options), sampleShape.clone(), classes);
        } catch (OrtException e) {
            throw new IllegalArgumentException(
                    "ONNX Runtime refused the model: " + e.getMessage(), e);
        }
    }

    /** Loads the export of {@code spec} with {@code parameters}. */
    public static OnnxEvaluator of(ModelSpec spec, float[] parameters, int threads) {
        return load(
                OnnxExport.export(spec, parameters), spec.inputShape(), spec.classes(), threads);
    }

    /** The logits of samples {@code from} to {@code to}, row-major. */
    public float[] logits(LabeledData data, int from, int to) {
        int per = data.sampleSize();
        int count = to - from;
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = count;
        for (int i = 0; i < sampleShape.length; i++) {
            shape[i + 1] = sampleShape[i];
        }
        try (OnnxTensor input =
                        OnnxTensor.createTensor(
                                env,
                                FloatBuffer.wrap(data.features(), from * per, count * per).slice(),
                                shape);
                OrtSession.Result result = session.run(Map.of("input", input))) {
            float[][] out = (float[][]) result.get(0).getValue();
            float[] flat = new float[count * classes];
            for (int i = 0; i < count; i++) {
                System.arraycopy(out[i], 0, flat, i * classes, classes);
            }
            return flat;
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed on samples " + from + ".." + to + ": " + e.getMessage(),
                    e);
        }
    }

    /** Accuracy and loss on {@code data} in batches of {@code batchSize}. */
    public Evaluation evaluate(LabeledData data, int batchSize) {
        return Evaluation.inBatches(data, batchSize, classes, this::logits);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // the session is gone either way
        }
    }
}
