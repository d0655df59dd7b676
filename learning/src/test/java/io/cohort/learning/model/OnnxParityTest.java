package io.cohort.learning.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.data.LabeledData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DJL and ONNX Runtime compute the same function for every layer type; onnx's checker agrees. */
class OnnxParityTest {

    @TempDir Path dir;

    /**
     * Every layer type, batchnorm on both a feature map and a vector, odd sizes, stride and
     * padding.
     */
    static ModelSpec everyLayer() {
        return new ModelSpec(
                "every-layer",
                new int[] {3, 13, 11},
                7,
                11,
                List.of(
                        LayerSpec.conv2d(6, 3, 1, 1),
                        LayerSpec.batchnorm(),
                        LayerSpec.relu(),
                        LayerSpec.maxpool(2, 2),
                        LayerSpec.conv2d(5, 3, 2, 0),
                        LayerSpec.relu(),
                        LayerSpec.flatten(),
                        LayerSpec.dropout(0.3),
                        LayerSpec.dense(9),
                        LayerSpec.batchnorm(),
                        LayerSpec.relu(),
                        LayerSpec.dense(7)));
    }

    static LabeledData random(ModelSpec spec, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int per = 1;
        for (int d : spec.inputShape()) {
            per *= d;
        }
        float[] x = new float[n * per];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(spec.classes());
        }
        return new LabeledData(x, y, spec.inputShape(), spec.classes());
    }

    @Test
    void everyLayerTypeGivesTheSameLogitsInDjlAndOnnxRuntime() {
        ModelSpec spec = everyLayer();
        LabeledData data = random(spec, 64, 3);
        try (DjlModel djl = DjlModel.create(spec)) {
            // train a little so batchnorm's running statistics are not the identity
            djl.train(data, TrainConfig.sgd(1, 16, 0.05f, 1), TrainingListener.NONE, () -> false);
            float[] expected = djl.logits(data, 0, data.size());
            try (OnnxEvaluator ort = OnnxEvaluator.of(spec, djl.parameters(), 1)) {
                float[] actual = ort.logits(data, 0, data.size());
                assertThat(actual).hasSameSizeAs(expected);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i])
                            .as("logit %d", i)
                            .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4f));
                }
                Evaluation a = djl.evaluate(data, 16);
                Evaluation b = ort.evaluate(data, 16);
                assertThat(b.correct()).isEqualTo(a.correct());
            }
        }
    }

    @Test
    void theTrainedMnistCnnGivesTheSameLogitsOnAThousandTestImages() throws IOException {
        io.cohort.learning.data.IdxLoader.Split mnist =
                io.cohort.learning.data.IdxLoader.mnist(
                        io.cohort.learning.data.IdxLoader.dataDir());
        LabeledData thousand = mnist.test().slice(0, 1000);
        ModelSpec spec = ModelSpec.mnistCnn(5);
        try (DjlModel djl = DjlModel.create(spec)) {
            djl.train(
                    mnist.train().slice(0, 2000),
                    TrainConfig.sgd(1, 32, 0.05f, 2),
                    TrainingListener.NONE,
                    () -> false);
            try (OnnxEvaluator ort = OnnxEvaluator.of(spec, djl.parameters(), 2)) {
                float maxDiff = 0;
                for (int from = 0; from < 1000; from += 250) {
                    float[] a = djl.logits(thousand, from, from + 250);
                    float[] b = ort.logits(thousand, from, from + 250);
                    for (int i = 0; i < a.length; i++) {
                        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
                    }
                }
                assertThat(maxDiff).isLessThan(1e-4f);
                Evaluation d = djl.evaluate(thousand, 250);
                Evaluation o = ort.evaluate(thousand, 250);
                assertThat(o.correct()).isEqualTo(d.correct());
                assertThat(d.accuracy()).isGreaterThan(0.8);
            }
        }
    }

    @Test
    void theOnnxCheckerAcceptsTheExports() throws Exception {
        for (ModelSpec spec : List.of(everyLayer(), ModelSpec.mnistCnn(1))) {
            try (DjlModel djl = DjlModel.create(spec)) {
                Path file = dir.resolve(spec.name() + ".onnx");
                Files.write(file, OnnxExport.export(spec, djl.parameters()));
                assertThat(onnxCheck(file)).isEqualTo("ok " + spec.name());
            }
        }
    }

    @Test
    void exportRefusesParametersOfTheWrongLength() {
        assertThatThrownBy(() -> OnnxExport.export(ModelSpec.mnistCnn(1), new float[10]))
                .hasMessageContaining("parameters end before tensor l0_conv2d_weight");
    }

    /** Runs onnx.checker (full check, with shape inference) from the setup's venv. */
    static String onnxCheck(Path file) throws IOException, InterruptedException {
        String python = System.getProperty("cohort.venv.python", "../.tools/venv/bin/python");
        String script =
                "import onnx,sys\n"
                        + "m = onnx.load(sys.argv[1])\n"
                        + "onnx.checker.check_model(m, full_check=True)\n"
                        + "print('ok', m.graph.name)\n";
        Process p =
                new ProcessBuilder(python, "-c", script, file.toString())
                        .redirectErrorStream(true)
                        .start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("onnx checker timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
