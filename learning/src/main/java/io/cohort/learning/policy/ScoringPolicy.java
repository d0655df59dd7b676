package io.cohort.learning.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.cohort.learning.aggregate.Aggregation;
import io.cohort.learning.aggregate.AggregationContext;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.aggregate.Rejection;
import io.cohort.learning.aggregate.Submission;
import io.cohort.learning.codec.MalformedUpdateException;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.LabeledDataFile;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What an evaluator runs for a round: decodes every received update, runs {@link CohortPolicy},
 * turns the weights into integer scores in basis points, applies the aggregate, checks the new
 * model on its validation data and writes the audit report. Deterministic: the submissions are
 * taken in trainer order whatever order they arrived in, the reference update is trained with a
 * seed derived from the round, sums run in a fixed order, and the report is written with a fixed
 * key order and no clock, so two processes given the same inputs produce the same report bytes and
 * model hash. Stateful through {@link CohortPolicy}: one instance per project, rounds in increasing
 * order. See docs/scoring-policy.md.
 */
public final class ScoringPolicy {

    /** Basis points shared among the unflagged trainers of a round. */
    public static final int TOTAL_BPS = 10_000;

    /**
     * One update as the evaluator received it.
     *
     * @param trainer the trainer's identity (its address)
     * @param bytes the encoded update (docs/update-format.md)
     * @param reportedSamples the sample count the trainer claims
     * @param sequence the submission's position on the chain (e.g. block number and log index
     *     combined); among byte-identical updates the earliest keeps it, the later are duplicates
     * @param unreadable null, or the flag reason of a submission that has no update bytes
     * @param detail null, or what the report says about an unreadable submission
     */
    public record Received(
            String trainer,
            byte[] bytes,
            long reportedSamples,
            long sequence,
            String unreadable,
            String detail) {

        /** An update that was fetched and opened: its encoded bytes. */
        public Received(String trainer, byte[] bytes, long reportedSamples, long sequence) {
            this(trainer, bytes, reportedSamples, sequence, null, null);
        }

        /**
         * A submission the evaluator could not turn into update bytes (not fetched, too large, not
         * opened): flagged with {@code reason} (e.g. {@code seal:wrong-context}), {@code detail}
         * going into the report.
         */
        public static Received unreadable(
                String trainer, String reason, String detail, long sequence) {
            return new Received(trainer, new byte[0], 0, sequence, reason, detail);
        }
    }

    /**
     * A rejected update.
     *
     * @param reason machine-readable: {@code malformed:<decoder reason>}, {@code non-finite},
     *     {@code duplicate}, {@code free-rider}, {@code norm-out-of-bounds}, {@code clone}, {@code
     *     outlier}
     */
    public record Flag(
            String trainer, String reason, String metric, double value, double threshold) {}

    /**
     * The round's outcome.
     *
     * @param trainers in canonical (sorted) order
     * @param scoresBps one per trainer, summing to {@link #TOTAL_BPS} over the unflagged unless no
     *     unflagged trainer has any weight (every update flagged, or every unflagged one at zero
     *     trust this round: against the reference, or a record of 0), then all 0
     * @param flags in trainer order
     * @param nextGlobal {@code G_{r+1}}
     * @param modelHash SHA-256 of {@code nextGlobal} as little-endian float32, hex
     * @param validation {@code G_{r+1}} on the evaluator's validation data
     * @param report the audit report, UTF-8 JSON
     */
    public record Outcome(
            List<String> trainers,
            int[] scoresBps,
            List<Flag> flags,
            float[] nextGlobal,
            String modelHash,
            Evaluation validation,
            byte[] report) {

        /** The score of {@code trainer}, 0 if it did not submit. */
        public int score(String trainer) {
            int i = trainers.indexOf(trainer);
            return i < 0 ? 0 : scoresBps[i];
        }
    }

    private static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
                    // numbers in their shortest form whatever the JDK: Double.toString changed in
                    // JDK 19, and evaluators on two JDKs must write the same report
                    .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                    .build();

    private final ModelSpec spec;
    private final LabeledData root;
    private final LabeledData validation;
    private final TrainConfig referenceTraining;
    private final CohortPolicy policy;
    private byte[] fingerprint;

    /**
     * @param root the evaluator's own data the reference update is trained on
     * @param validation the evaluator's data the new model is checked on
     * @param referenceTraining how the reference update is trained; its seed is mixed with the
     *     round
     */
    public ScoringPolicy(
            ModelSpec spec,
            LabeledData root,
            LabeledData validation,
            TrainConfig referenceTraining,
            CohortPolicy policy) {
        this.spec = spec;
        this.root = root;
        this.validation = validation;
        this.referenceTraining = referenceTraining;
        this.policy = policy;
    }

    /** Scores round {@code round} from {@code global} ({@code G_r}) and what was received. */
    public synchronized Outcome score(int round, float[] global, List<Received> received) {
        List<Received> sorted = new ArrayList<>(received);
        sorted.sort(Comparator.comparing(Received::trainer));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).trainer().equals(sorted.get(i - 1).trainer())) {
                throw new IllegalArgumentException(
                        "trainer " + sorted.get(i).trainer() + " appears twice in round " + round);
            }
        }
        int n = sorted.size();
        List<String> trainers = sorted.stream().map(Received::trainer).toList();
        Flag[] flags = new Flag[n];
        String[] decodeResult = new String[n];
        List<Submission> accepted = new ArrayList<>();
        List<Integer> acceptedIndex = new ArrayList<>();
        Map<String, Received> firstWithBytes = new HashMap<>();
        for (Received r : sorted) {
            if (r.unreadable() != null) {
                continue;
            }
            firstWithBytes.merge(
                    sha256(r.bytes()), r, (a, b) -> b.sequence() < a.sequence() ? b : a);
        }
        for (int i = 0; i < n; i++) {
            Received r = sorted.get(i);
            if (r.unreadable() != null) {
                flags[i] = new Flag(r.trainer(), r.unreadable(), "envelope", 0, 0);
                decodeResult[i] = r.detail();
                continue;
            }
            String earlier = firstWithBytes.get(sha256(r.bytes())).trainer();
            if (!earlier.equals(r.trainer())) {
                flags[i] =
                        new Flag(
                                r.trainer(), "duplicate", "bytes-sha256-equal-to:" + earlier, 1, 0);
                decodeResult[i] = "duplicate of " + earlier;
                continue;
            }
            try {
                float[] update = UpdateCodec.decode(r.bytes(), global.length);
                accepted.add(new Submission(r.trainer(), update, r.reportedSamples()));
                acceptedIndex.add(i);
                decodeResult[i] = "ok";
            } catch (MalformedUpdateException e) {
                String reason =
                        e.reason() == MalformedUpdateException.Reason.NON_FINITE
                                ? "non-finite"
                                : "malformed:"
                                        + e.reason()
                                                .name()
                                                .toLowerCase(Locale.ROOT)
                                                .replace('_', '-');
                flags[i] = new Flag(r.trainer(), reason, "decoder", r.bytes().length, 0);
                decodeResult[i] = e.getMessage();
            }
        }

        float[] reference = trainReference(round, global);
        float[] next = global.clone();
        double[] weights = new double[n];
        Map<String, Object> policyMetrics = Map.of();
        if (!accepted.isEmpty()) {
            Aggregation a =
                    policy.aggregate(
                            accepted, new AggregationContext(round, global, reference, round));
            for (Rejection rej : a.rejections()) {
                int i = acceptedIndex.get(rej.index());
                flags[i] =
                        new Flag(
                                trainers.get(i),
                                rej.reason(),
                                rej.metric(),
                                rej.value(),
                                rej.threshold());
            }
            for (int j = 0; j < accepted.size(); j++) {
                weights[acceptedIndex.get(j)] = a.weights()[j];
            }
            for (int p = 0; p < next.length; p++) {
                next[p] += a.update()[p];
            }
            policyMetrics = a.metrics();
        }
        int[] bps = basisPoints(weights, flags);
        Evaluation check;
        try (DjlModel model = DjlModel.create(spec)) {
            model.setParameters(next);
            check = model.evaluate(validation, 500);
        }
        String modelHash = floatsHash(next);
        List<Flag> flagList = Arrays.stream(flags).filter(f -> f != null).toList();

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("policy", CohortPolicy.VERSION);
        report.put("round", round);
        report.put("model", spec.name());
        report.put("global-hash", floatsHash(global));
        report.put("reference-hash", floatsHash(reference));
        List<Map<String, Object>> perTrainer = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("trainer", trainers.get(i));
            t.put("bytes", sorted.get(i).bytes().length);
            t.put("reported-samples", sorted.get(i).reportedSamples());
            t.put("decode", decodeResult[i]);
            t.put("weight", weights[i]);
            t.put("score-bps", bps[i]);
            if (flags[i] != null) {
                t.put("flag", flags[i]);
            }
            perTrainer.add(t);
        }
        report.put("trainers", perTrainer);
        report.put("metrics", policyMetrics);
        report.put("accepted-indices", acceptedIndex);
        report.put("next-model-hash", modelHash);
        report.put("validation-correct", check.correct());
        report.put("validation-total", check.samples());
        report.put("validation-loss", check.loss());
        byte[] json;
        try {
            json = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the audit report", e);
        }
        return new Outcome(trainers, bps, flagList, next, modelHash, check, json);
    }

    /**
     * What this policy remembers between rounds (each trainer's record and streak, the Sybil
     * defence's histories), as bytes ({@code cohort-policy-state/1}, docs/scoring-policy.md): a
     * policy with the same version, settings, PyTorch thread count, model, root data and reference
     * training that {@link #restoreState restores} them scores the next round as this one would,
     * bit for bit. An evaluator keeps them so that a restart need not score every settled round
     * again.
     */
    public synchronized byte[] saveState() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            saveState(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Writes what {@link #saveState()} returns to {@code out} (flushed, not closed), without
     * holding the bytes: the state is a model's size per trainer.
     */
    public synchronized void saveState(OutputStream out) throws IOException {
        PolicyStateCodec.encode(fingerprint(), policy.state(), parameterCount(), out);
    }

    /**
     * Replaces what this policy remembers with a state {@link #saveState} wrote.
     *
     * @throws IllegalArgumentException naming why the bytes are refused (another policy's state, a
     *     damaged or truncated one); nothing is changed then
     */
    public synchronized void restoreState(byte[] state) {
        int parameters = parameterCount();
        policy.restore(PolicyStateCodec.decode(state, fingerprint(), parameters), parameters);
    }

    private int parameterCount() {
        return Math.toIntExact(spec.parameterCount());
    }

    /**
     * SHA-256 of what a state holds only for: the policy and its settings, the PyTorch thread
     * count, the model, the reference training, the root data.
     */
    private byte[] fingerprint() {
        if (fingerprint == null) {
            try {
                MessageDigest d = MessageDigest.getInstance("SHA-256");
                for (String part :
                        List.of(
                                policy.description(),
                                // another thread count sums the reference training otherwise
                                "threads=" + DjlModel.threads(),
                                spec.toJson(),
                                referenceTraining.toString(),
                                sha256(LabeledDataFile.write(root)))) {
                    byte[] b = part.getBytes(StandardCharsets.UTF_8);
                    d.update(ByteBuffer.allocate(4).putInt(b.length).array());
                    d.update(b);
                }
                fingerprint = d.digest();
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return fingerprint;
    }

    private float[] trainReference(int round, float[] global) {
        try (DjlModel model = DjlModel.create(spec)) {
            return model.updateFrom(
                    global,
                    root,
                    referenceTraining.withSeed(referenceTraining.seed() * 1_000_003L + round));
        }
    }

    /**
     * Integer shares of {@link #TOTAL_BPS} proportional to {@code weights} over the unflagged
     * trainers: floors first, then the remaining points one each to the largest remainders (ties to
     * the lower index). All 0 when no unflagged trainer has weight.
     */
    static int[] basisPoints(double[] weights, Object[] flags) {
        int n = weights.length;
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (flags[i] == null) {
                total += weights[i];
            }
        }
        int[] bps = new int[n];
        if (!(total > 0)) {
            return bps;
        }
        double[] remainder = new double[n];
        int given = 0;
        for (int i = 0; i < n; i++) {
            if (flags[i] != null) {
                remainder[i] = -1;
                continue;
            }
            double exact = TOTAL_BPS * weights[i] / total;
            bps[i] = (int) Math.floor(exact);
            remainder[i] = exact - bps[i];
            given += bps[i];
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.<Integer>comparingDouble(i -> -remainder[i])
                        .thenComparingInt(Integer::intValue));
        for (int j = 0; given < TOTAL_BPS; j++) {
            int i = order[j % n];
            if (flags[i] == null && weights[i] > 0) {
                bps[i]++;
                given++;
            }
        }
        return bps;
    }

    /**
     * SHA-256 of the floats as little-endian float32, hex; every NaN as the one canonical NaN
     * ({@code 0x7fc00000}), since which NaN bits a diverged computation leaves (a reference update
     * trained to NaN, say) can differ between CPUs, and two evaluators' reports must not.
     */
    public static String floatsHash(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putInt(Float.floatToIntBits(v));
        }
        return sha256(b.array());
    }

    /** SHA-256 of {@code bytes}, hex. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
