package io.cohort.node.round;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.learning.policy.PolicyInputs;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.function.Function;

/**
 * What an evaluator publishes as a round's report (the {@code reportCid} of its result): the
 * scoring policy's audit report, every submission with its CID and flag, the cumulative credits and
 * slashes the posted Merkle root is built from (trainers build their proofs from it), and the CIDs
 * of the new model, and (unless the evaluator turned it off) the {@code inputs} its scoring ran on:
 * the CIDs of its root and validation data and its reference training ({@link PolicyInputs}), and
 * the PyTorch intra-op thread count its arithmetic ran with ({@code torch-threads}: another count
 * sums in another order and gives other bits), so that anyone can rerun it. Deterministic JSON
 * (fixed key order, no clock): honest evaluators with the same data publish the same bytes, hence
 * the same CID and result hash.
 */
public final class RoundRecord {

    /**
     * Numbers written in their shortest form by Jackson's own writer: {@code Double.toString}
     * changed in JDK 19 (JDK 17 writes 2^-31 as 4.6566128730773926E-10, later ones as
     * 4.656612873077393E-10), and evaluators on two JDKs must still publish the same bytes.
     */
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

    /**
     * Jackson's default pretty printer, but with "\n" wherever it would use the system's line
     * separator: the same record must be the same bytes on every evaluator's machine.
     */
    private static final ObjectWriter WRITER =
            JSON.writer(
                    new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n")));

    private RoundRecord() {}

    static byte[] write(
            BigInteger project,
            long round,
            String modelCid,
            String onnxCid,
            List<RoundRecords.Submission> submissions,
            List<CreditTree.Leaf> credits,
            String creditsRoot,
            byte[] policyReport,
            PolicyInputs inputs,
            int torchThreads)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", RoundRecords.FORMAT);
        root.put("project", project.toString());
        root.put("round", round);
        root.put("model-cid", modelCid);
        root.put("onnx-cid", onnxCid);
        ArrayNode subs = root.putArray("submissions");
        for (RoundRecords.Submission e : submissions) {
            ObjectNode s = subs.addObject();
            s.put("trainer", e.trainer());
            s.put("cid", e.cid());
            s.put("score-bps", e.scoreBps());
            if (e.flag() != null) {
                s.put("flag", e.flag());
            }
            if (e.contentKey() != null) {
                s.put("content-key", e.contentKey());
            }
        }
        ArrayNode leaves = root.putArray("credits");
        for (CreditTree.Leaf leaf : credits) {
            ObjectNode l = leaves.addObject();
            l.put("trainer", leaf.trainer());
            l.put("credit", leaf.credit().toString());
            l.put("slash", leaf.slash().toString());
        }
        root.put("credits-root", creditsRoot);
        root.set("policy-report", JSON.readTree(policyReport));
        if (inputs != null) {
            ObjectNode in = inputs.toJson();
            in.put("torch-threads", torchThreads);
            root.set("inputs", in);
        }
        return WRITER.writeValueAsBytes(root);
    }

    /**
     * The cumulative leaves of a published record.
     *
     * @throws IOException if it is not a {@code cohort-round/1} record or its credits are malformed
     *     (the message says how)
     */
    public static List<CreditTree.Leaf> credits(byte[] record) throws IOException {
        return read(record, RoundRecords::credits);
    }

    /**
     * The submissions of a published record, in chain order.
     *
     * @throws IOException if it is not a {@code cohort-round/1} record or its submissions are
     *     malformed (the message says how)
     */
    public static List<RoundRecords.Submission> submissions(byte[] record) throws IOException {
        return read(record, RoundRecords::submissions);
    }

    private static <T> T read(byte[] record, Function<JsonNode, T> part) throws IOException {
        JsonNode root = JSON.readTree(record);
        if (!RoundRecords.FORMAT.equals(root.path("format").asText())) {
            throw new IOException(
                    "not a " + RoundRecords.FORMAT + " record: format " + root.path("format"));
        }
        try {
            return part.apply(root);
        } catch (RoundRecords.Malformed e) {
            throw new IOException(
                    "a malformed " + RoundRecords.FORMAT + " record: " + e.getMessage(), e);
        }
    }
}
