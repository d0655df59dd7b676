package io.cohort.learning.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.learning.model.TrainConfig;

/**
 * What an evaluator's {@link ScoringPolicy} is built from besides the policy itself, as published
 * in its round records so that anyone can rerun the scoring: the CIDs of its root data (the FLTrust
 * reference is trained on it) and its validation data, both {@code cohort-data/1} files ({@link
 * io.cohort.learning.data.LabeledDataFile}), and how the reference update is trained. Floats are
 * written as Java's shortest round-tripping decimal strings, so a reader gets the same bits.
 *
 * @param rootData CID of the root data
 * @param validationData CID of the validation data
 * @param referenceTraining how the reference update is trained
 */
public record PolicyInputs(String rootData, String validationData, TrainConfig referenceTraining) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The JSON object written as a record's {@code inputs}. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("root-data", rootData);
        o.put("validation-data", validationData);
        ObjectNode t = o.putObject("reference-training");
        TrainConfig c = referenceTraining;
        t.put("epochs", c.epochs());
        t.put("batch-size", c.batchSize());
        t.put("learning-rate", Float.toString(c.learningRate()));
        t.put("optimizer", c.optimizer().name());
        t.put("momentum", Float.toString(c.momentum()));
        t.put("seed", c.seed());
        return o;
    }

    /**
     * Reads what {@link #toJson} wrote.
     *
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static PolicyInputs fromJson(JsonNode o) {
        JsonNode t = o.path("reference-training");
        for (String f : new String[] {"root-data", "validation-data"}) {
            if (!o.path(f).isTextual()) {
                throw new IllegalArgumentException("inputs." + f + " is missing");
            }
        }
        for (String f :
                new String[] {
                    "epochs", "batch-size", "learning-rate", "optimizer", "momentum", "seed"
                }) {
            if (t.path(f).isMissingNode()) {
                throw new IllegalArgumentException(
                        "inputs.reference-training." + f + " is missing");
            }
        }
        for (String f : new String[] {"epochs", "batch-size"}) {
            if (!t.path(f).isIntegralNumber() || !t.path(f).canConvertToInt()) {
                throw new IllegalArgumentException(
                        "inputs.reference-training." + f + " is not a 32-bit integer");
            }
        }
        if (!t.path("seed").isIntegralNumber() || !t.path("seed").canConvertToLong()) {
            throw new IllegalArgumentException(
                    "inputs.reference-training.seed is not a 64-bit integer");
        }
        for (String f : new String[] {"learning-rate", "optimizer", "momentum"}) {
            if (!t.path(f).isTextual()) {
                throw new IllegalArgumentException(
                        "inputs.reference-training." + f + " is not a string");
            }
        }
        try {
            return new PolicyInputs(
                    o.path("root-data").asText(),
                    o.path("validation-data").asText(),
                    new TrainConfig(
                            t.path("epochs").intValue(),
                            t.path("batch-size").intValue(),
                            Float.parseFloat(t.path("learning-rate").asText()),
                            TrainConfig.Optimizer.valueOf(t.path("optimizer").asText()),
                            Float.parseFloat(t.path("momentum").asText()),
                            t.path("seed").longValue()));
        } catch (IllegalArgumentException e) { // NumberFormatException, an unknown optimizer
            throw new IllegalArgumentException(
                    "inputs.reference-training is malformed: " + e.getMessage(), e);
        }
    }
}
