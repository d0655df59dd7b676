package io.cohort.marketplace.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealException;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.LabeledDataFile;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.ModelWeights;
import io.cohort.learning.policy.PolicyInputs;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.marketplace.MarketplaceConfig;
import io.cohort.marketplace.index.MarketIndex;
import io.cohort.marketplace.index.ProjectView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code ?recompute=true} of the audit: reruns the evaluators' scoring policy on every settled
 * round, in order, from what is public after settlement (the model spec and initial weights, each
 * round's sealed updates opened with the content keys the record released, and the root and
 * validation data and reference training the record names as {@code inputs}), and compares the
 * outcome with the record bit for bit: each score and flag, the next model's hash and CID, and the
 * whole policy report. The policy is stateful (each trainer's history, the Sybil defence), so it is
 * fed the settled rounds in order; a round that cannot be rerun makes the later ones not
 * recomputable too.
 *
 * <p>What it cannot rerun is said, not guessed: a record without {@code inputs} (the evaluator kept
 * its data private), another policy version than this build's, inputs that change between rounds. A
 * submission the evaluator could not fetch or open is replayed as it was recorded (its flag and the
 * report's detail), since that was no decision of the policy.
 */
@ApplicationScoped
public class Recomputer {

    /** One round's recomputation: {@code match}, {@code mismatch} or {@code not-recomputable}. */
    public record Result(String outcome, List<String> problems) {}

    static final int MAX_SEALED_BYTES = 64 << 20;
    static final int MAX_DATA_BYTES = 256 << 20;
    static final int MAX_SPEC_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject Records records;
    @Inject MarketplaceConfig config;

    /** How long a client is told to wait while another recompute runs: a few rounds' training. */
    static final Duration BUSY_RETRY = Duration.ofSeconds(30);

    private static final org.jboss.logging.Logger LOG =
            org.jboss.logging.Logger.getLogger(Recomputer.class);

    private final ReentrantLock running = new ReentrantLock();

    /** Where the recompute under way is, for a request told it is busy and the log. */
    private volatile String progress = "starting";

    /**
     * Recomputes the settled rounds of {@code rounds} (in round order) and returns one result per
     * settled round, in that order. One at a time, since the policy trains the reference update: a
     * request while another recompute runs is a 503 with {@code Retry-After}, not a worker thread
     * left waiting (the endpoint needs no sign-in).
     */
    public List<Result> recompute(ProjectView p, List<ProjectView.RoundView> rounds) {
        if (!running.tryLock()) {
            throw Problem.unavailable(
                    "Recompute busy",
                    "another recompute is running ("
                            + progress
                            + "); ask again later, or audit without recompute",
                    BUSY_RETRY);
        }
        long started = System.nanoTime();
        try {
            List<Result> out = recomputeAlone(p, rounds);
            LOG.infof(
                    "recompute of project %s: %d settled rounds in %d ms, %s",
                    p.id(),
                    out.size(),
                    (System.nanoTime() - started) / 1_000_000,
                    out.stream()
                            .collect(
                                    java.util.stream.Collectors.groupingBy(
                                            Result::outcome,
                                            java.util.TreeMap::new,
                                            java.util.stream.Collectors.counting())));
            return out;
        } catch (Problem e) {
            // an answer for the client (IPFS away, say): the log keeps where it stopped
            LOG.warnf(
                    "recompute of project %s stopped after %d ms at %s: %d %s",
                    p.id(),
                    (System.nanoTime() - started) / 1_000_000,
                    progress,
                    e.status(),
                    e.getMessage());
            throw e;
        } catch (RuntimeException | Error e) {
            // unexpected: the request gets a 500; the log keeps where it stopped, and the trace
            LOG.errorf(
                    e,
                    "recompute of project %s stopped after %d ms at %s: %s",
                    p.id(),
                    (System.nanoTime() - started) / 1_000_000,
                    progress,
                    e);
            throw e;
        } finally {
            progress = "starting";
            running.unlock();
        }
    }

    private List<Result> recomputeAlone(ProjectView p, List<ProjectView.RoundView> rounds) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true"); // the engine is in the application
        }
        List<Result> out = new ArrayList<>();
        ScoringPolicy policy = null;
        PolicyInputs used = null;
        String stopped = null;
        ModelSpec spec = null;
        List<DjlModel.Slot> layout = null;
        String modelCid = p.initialModelCid();
        long settled = rounds.stream().filter(r -> r.settled() != null).count();
        for (ProjectView.RoundView r : rounds) {
            if (r.settled() == null) {
                continue;
            }
            progress =
                    "project "
                            + p.id()
                            + ", round "
                            + r.round()
                            + ", "
                            + (out.size() + 1)
                            + " of "
                            + settled
                            + " settled rounds";
            LOG.infof("recompute: %s", progress);
            if (stopped != null) {
                out.add(new Result("not-recomputable", List.of(stopped)));
                continue;
            }
            JsonNode record;
            try {
                record = records.record(r.settled().reportCid());
            } catch (Problem e) {
                if (e.status() == 503) {
                    throw e; // busy: no verdict on the round, the client asks again
                }
                stopped = "round " + r.round() + "'s record cannot be read: " + e.getMessage();
                out.add(new Result("not-recomputable", List.of(stopped)));
                continue;
            }
            String version = record.path("policy-report").path("policy").asText();
            if (!record.has("inputs")) {
                stopped =
                        "round "
                                + r.round()
                                + "'s record names no inputs: its evaluator did not publish its"
                                + " root and validation data (cohort.evaluator.publish-inputs)";
            } else if (!CohortPolicy.VERSION.equals(version)) {
                stopped =
                        "round "
                                + r.round()
                                + " was scored by policy "
                                + version
                                + "; this marketplace runs "
                                + CohortPolicy.VERSION;
            }
            if (stopped != null) {
                out.add(new Result("not-recomputable", List.of(stopped)));
                continue;
            }
            try {
                PolicyInputs inputs = PolicyInputs.fromJson(record.path("inputs"));
                if (policy == null) {
                    spec =
                            ModelSpec.parse(
                                    new String(
                                            records.bytes(p.modelSpecCid(), MAX_SPEC_BYTES),
                                            StandardCharsets.UTF_8));
                    try (DjlModel m = DjlModel.create(spec)) {
                        layout = m.layout();
                    }
                    policy =
                            new ScoringPolicy(
                                    spec,
                                    data(inputs.rootData()),
                                    data(inputs.validationData()),
                                    inputs.referenceTraining(),
                                    new CohortPolicy());
                    used = inputs;
                }
                String threads = threadMismatch(record, DjlModel.threads());
                if (threads != null) {
                    stopped = "round " + r.round() + " " + threads;
                    out.add(new Result("not-recomputable", List.of(stopped)));
                    continue;
                }
                if (!inputs.equals(used)) {
                    stopped =
                            "round "
                                    + r.round()
                                    + " names other inputs than the rounds before it (a"
                                    + " reconfigured evaluator); the policy's history is not"
                                    + " public";
                    out.add(new Result("not-recomputable", List.of(stopped)));
                    continue;
                }
                List<RoundRecords.Submission> judged = RoundRecords.submissions(record);
                List<String> withheld = withheld(judged);
                if (!withheld.isEmpty()) {
                    // its rerun, and every later one (the policy's history runs through it),
                    // would take the record's word for what the record hides
                    out.add(new Result("mismatch", withheld));
                    stopped =
                            "round "
                                    + r.round()
                                    + " withholds content keys, so the policy's history past it"
                                    + " cannot be rebuilt";
                    continue;
                }
                checkRoundSize(
                        r.round(),
                        (int) judged.stream().filter(e -> !asRecorded(e)).count(),
                        layout.stream().mapToLong(DjlModel.Slot::length).sum());
                float[] global =
                        ModelWeights.read(records.bytes(modelCid, Records.MAX_MODEL_BYTES), layout);
                ScoringPolicy.Outcome o =
                        policy.score((int) r.round(), global, received(p, r, judged, record));
                String rebuilt =
                        EmbeddedStore.cidOf(
                                        new ByteArrayInputStream(
                                                ModelWeights.write(
                                                        layout,
                                                        o.nextGlobal(),
                                                        Map.of(
                                                                "project",
                                                                p.id(),
                                                                "round",
                                                                Long.toString(r.round() + 1)))))
                                .toString();
                List<String> problems = compare(judged, record, o, rebuilt);
                out.add(new Result(problems.isEmpty() ? "match" : "mismatch", problems));
                modelCid = record.path("model-cid").asText();
            } catch (IOException | IllegalArgumentException | Problem | RoundRecords.Malformed e) {
                stopped = "round " + r.round() + " cannot be rerun: " + e.getMessage();
                out.add(new Result("not-recomputable", List.of(stopped)));
            }
        }
        return out;
    }

    /**
     * Why a record scored with another PyTorch thread count than {@code ours} cannot be rerun bit
     * for bit (its sums run in another order), or null when the counts agree or the record does not
     * say (records before {@code torch-threads} was written).
     */
    static String threadMismatch(JsonNode record, int ours) {
        int theirs = record.path("inputs").path("torch-threads").asInt(0);
        if (theirs <= 0 || theirs == ours) {
            return null;
        }
        return "was scored with "
                + theirs
                + " PyTorch thread(s), this marketplace computes with "
                + ours
                + "; its sums would run in another order (start it with"
                + " -Dai.djl.pytorch.num_threads="
                + theirs
                + ")";
    }

    private LabeledData data(String cid) {
        return LabeledDataFile.read(records.bytes(cid, MAX_DATA_BYTES));
    }

    /** The round's submissions as the evaluator received them, opened with the released keys. */
    private List<ScoringPolicy.Received> received(
            ProjectView p,
            ProjectView.RoundView r,
            List<RoundRecords.Submission> judged,
            JsonNode record) {
        if (judged.size() != r.submissions().size()) {
            throw new IllegalArgumentException(
                    "the record judged "
                            + judged.size()
                            + " submissions, the chain has "
                            + r.submissions().size());
        }
        List<ScoringPolicy.Received> out = new ArrayList<>();
        long held = 0;
        for (int i = 0; i < judged.size(); i++) {
            RoundRecords.Submission e = judged.get(i);
            MarketIndex.Submission s = r.submissions().get(i);
            String trainer = s.trainer();
            // chain order within a round: the block, then the position (the log order)
            long sequence = s.block() * 1_000_000L + i;
            if (asRecorded(e)) {
                String flag = e.flag() == null ? "fetch:unavailable" : e.flag();
                out.add(
                        ScoringPolicy.Received.unreadable(
                                trainer,
                                flag,
                                RoundRecords.reportDetail(record, trainer),
                                sequence));
                continue;
            }
            try {
                byte[] update =
                        records.openReleased(
                                p.id(),
                                r.round(),
                                trainer,
                                s.cid(),
                                e.contentKeyBytes(),
                                MAX_SEALED_BYTES);
                held += update.length;
                if (held > MAX_ROUND_BYTES) {
                    throw new IllegalArgumentException(
                            "round "
                                    + r.round()
                                    + "'s updates are more than a rerun holds ("
                                    + (MAX_ROUND_BYTES >> 20)
                                    + " MiB)");
                }
                out.add(new ScoringPolicy.Received(trainer, update, 0, sequence));
            } catch (SealException ex) {
                throw new IllegalArgumentException(
                        "the released content key of "
                                + trainer
                                + " does not open its update: "
                                + ex.getMessage());
            }
        }
        return out;
    }

    /**
     * The submissions whose record withholds the content key of an update it judged: an honest
     * evaluator releases every key but those of updates it could not fetch ({@code fetch:*}) or
     * open ({@code seal:*}). Without the key the rerun would have to take the record's flag and
     * score on trust, so a committee could flag an honest trainer (no pay, a quarter of its stake
     * slashed) and the audit would say {@code match}.
     */
    static List<String> withheld(List<RoundRecords.Submission> judged) {
        List<String> problems = new ArrayList<>();
        for (RoundRecords.Submission e : judged) {
            String flag = e.flag();
            boolean unopened =
                    flag != null && (flag.startsWith("fetch:") || flag.startsWith("seal:"));
            if (e.contentKey() == null && !unopened) {
                problems.add(
                        e.trainer()
                                + ": "
                                + (flag == null
                                        ? "scored " + e.scoreBps() + " bps"
                                        : "flagged " + flag)
                                + " but the record releases no content key for its update");
            }
        }
        return problems;
    }

    /**
     * The most one round's rerun holds, in bytes: the updates it opens, and again each decoded to
     * the model's size. Anyone can create a project and be its own committee, so without a bound
     * one GET could make this API hold many updates of a huge model at once.
     */
    static final long MAX_ROUND_BYTES = 1L << 30;

    /**
     * Refuses a round whose {@code opened} updates of {@code parameters} floats would take more
     * than {@link #MAX_ROUND_BYTES} decoded, before any is read.
     */
    static void checkRoundSize(long round, int opened, long parameters) {
        long decoded = opened * parameters * Float.BYTES;
        if (decoded > MAX_ROUND_BYTES) {
            throw new IllegalArgumentException(
                    "round "
                            + round
                            + " has "
                            + opened
                            + " updates of "
                            + parameters
                            + " parameters to decode ("
                            + (decoded >> 20)
                            + " MiB), more than a rerun holds ("
                            + (MAX_ROUND_BYTES >> 20)
                            + " MiB)");
        }
    }

    /**
     * Whether the rerun takes a submission's flag as the record states it instead of scoring it: an
     * update the evaluator could not fetch or open (no key released), or one it flagged as a copy
     * of an earlier round's update, which it found by comparing with updates the policy never sees.
     */
    static boolean asRecorded(RoundRecords.Submission judged) {
        return judged.contentKey() == null || RoundRecords.EARLIER_ROUND_COPY.equals(judged.flag());
    }

    /**
     * Where the record and the rerun disagree: each submission's score and flag, the next model's
     * hash and CID, and the first differing place of the policy report. Empty when they agree.
     */
    static List<String> compare(
            List<RoundRecords.Submission> judged,
            JsonNode record,
            ScoringPolicy.Outcome o,
            String rebuiltModelCid) {
        List<String> problems = new ArrayList<>();
        for (RoundRecords.Submission e : judged) {
            String t = e.trainer();
            int i = indexOf(o.trainers(), t);
            int score = i < 0 ? 0 : o.scoresBps()[i];
            if (score != e.scoreBps()) {
                problems.add(
                        t + ": the record scores " + e.scoreBps() + " bps, the rerun " + score);
            }
            String flag =
                    o.flags().stream()
                            .filter(f -> f.trainer().equalsIgnoreCase(t))
                            .map(ScoringPolicy.Flag::reason)
                            .findFirst()
                            .orElse(null);
            String recorded = e.flag();
            if (!java.util.Objects.equals(flag, recorded)) {
                problems.add(t + ": the record flags " + recorded + ", the rerun " + flag);
            }
        }
        String hash = record.path("policy-report").path("next-model-hash").asText();
        if (!o.modelHash().equals(hash)) {
            problems.add("the next model's hash is " + o.modelHash() + ", the record says " + hash);
        }
        if (!rebuiltModelCid.equals(record.path("model-cid").asText())) {
            problems.add(
                    "the rerun's model file is "
                            + rebuiltModelCid
                            + ", the record's "
                            + record.path("model-cid").asText());
        }
        try {
            String where =
                    firstDifference("", JSON.readTree(o.report()), record.path("policy-report"));
            if (where != null) {
                problems.add("the policy report differs at " + where);
            }
        } catch (IOException e) {
            problems.add("the rerun's report is not JSON: " + e.getMessage());
        }
        return problems;
    }

    private static int indexOf(List<String> trainers, String t) {
        for (int i = 0; i < trainers.size(); i++) {
            if (trainers.get(i).equalsIgnoreCase(t)) {
                return i;
            }
        }
        return -1;
    }

    /** The JSON pointer of the first place where {@code a} and {@code b} differ, or null. */
    static String firstDifference(String at, JsonNode a, JsonNode b) {
        if (a.isContainerNode() && b.isContainerNode() && a.getNodeType() == b.getNodeType()) {
            if (a.size() != b.size()) {
                return at.isEmpty() ? "/" : at;
            }
            if (a.isArray()) {
                for (int i = 0; i < a.size(); i++) {
                    String d = firstDifference(at + "/" + i, a.get(i), b.get(i));
                    if (d != null) {
                        return d;
                    }
                }
                return null;
            }
            for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!b.has(f)) {
                    return at + "/" + f;
                }
                String d = firstDifference(at + "/" + f, a.get(f), b.get(f));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : (at.isEmpty() ? "/" : at);
    }
}
