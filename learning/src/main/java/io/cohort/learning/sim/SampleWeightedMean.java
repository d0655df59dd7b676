package io.cohort.learning.sim;

import io.cohort.learning.aggregate.Aggregation;
import io.cohort.learning.aggregate.AggregationContext;
import io.cohort.learning.aggregate.Aggregator;
import io.cohort.learning.aggregate.Submission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FedAvg as an {@link Aggregator}: {@link FedAvg#average} weighted by the reported sample counts,
 * trusted as they are and rejecting nothing. The simulation's default, so that a simulation without
 * an aggregator gives exactly what it gave before aggregators existed.
 */
final class SampleWeightedMean implements Aggregator {

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public Aggregation aggregate(List<Submission> submissions, AggregationContext context) {
        if (submissions.isEmpty()) {
            throw new IllegalArgumentException("no submissions to aggregate");
        }
        List<float[]> updates = new ArrayList<>(submissions.size());
        double[] samples = new double[submissions.size()];
        double total = 0;
        for (int k = 0; k < samples.length; k++) {
            Submission s = submissions.get(k);
            updates.add(s.update());
            samples[k] = s.reportedSamples();
            total += samples[k];
        }
        float[] mean = FedAvg.average(updates, samples);
        double[] weights = new double[samples.length];
        for (int k = 0; k < weights.length; k++) {
            weights[k] = samples[k] / total;
        }
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("reported-samples", samples);
        return new Aggregation(mean, weights, List.of(), metrics);
    }
}
