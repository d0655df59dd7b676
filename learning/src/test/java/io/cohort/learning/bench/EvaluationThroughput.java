package io.cohort.learning.bench;

import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.OnnxEvaluator;
import java.util.Locale;

/**
 * Evaluation throughput on the 10,000 Fashion-MNIST test images: the MNIST CNN in DJL against its
 * ONNX export in ONNX Runtime, same parameters, batch and thread count, alternating, {@code runs}
 * times after a warm-up. Both must count the same correct predictions. Run by {@code
 * bench/evaluation-throughput}.
 */
public final class EvaluationThroughput {

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        LabeledData test = IdxLoader.fashionMnist(IdxLoader.dataDir()).test();
        ModelSpec spec = ModelSpec.mnistCnn(1);
        try (DjlModel djl = DjlModel.create(spec);
                OnnxEvaluator ort = OnnxEvaluator.of(spec, djl.parameters(), threads)) {
            djl.evaluate(test, batch);
            ort.evaluate(test, batch);
            double[] djlRates = new double[runs];
            double[] ortRates = new double[runs];
            for (int r = 0; r < runs; r++) {
                long t0 = System.nanoTime();
                Evaluation a = djl.evaluate(test, batch);
                long t1 = System.nanoTime();
                Evaluation b = ort.evaluate(test, batch);
                long t2 = System.nanoTime();
                if (a.correct() != b.correct()) {
                    throw new IllegalStateException(
                            "DJL counts " + a.correct() + " correct, ONNX Runtime " + b.correct());
                }
                djlRates[r] = test.size() / ((t1 - t0) / 1e9);
                ortRates[r] = test.size() / ((t2 - t1) / 1e9);
                System.out.printf(
                        Locale.ROOT,
                        "run %d djl %.0f ort %.0f images/s (correct %d)%n",
                        r + 1,
                        test.size() / ((t1 - t0) / 1e9),
                        test.size() / ((t2 - t1) / 1e9),
                        a.correct());
            }
            java.util.Arrays.sort(djlRates);
            java.util.Arrays.sort(ortRates);
            double djlMedian = djlRates[runs / 2];
            double ortMedian = ortRates[runs / 2];
            System.out.printf(
                    Locale.ROOT,
                    "run median djl %.0f ort %.0f images/s, ort/djl %.2fx (batch %d, %d threads)%n",
                    djlMedian,
                    ortMedian,
                    ortMedian / djlMedian,
                    batch,
                    threads);
        }
    }
}
