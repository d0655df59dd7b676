package io.cohort.node.round;

import io.cohort.contracts.CreditRule;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.generated.Market;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.contracts.seal.X25519KeyPair;
import io.cohort.ipfs.AtomicFile;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.codec.MalformedUpdateException;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.ModelWeights;
import io.cohort.learning.model.OnnxExport;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.PolicyInputs;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.Transactor;
import io.cohort.node.journal.Journal;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The evaluator's part of a round (DESIGN.md steps 5–6): after the submission deadline, fetch every
 * submitted update, open it, run the scoring policy, publish {@code G_{r+1}} (safetensors and ONNX)
 * and the round record to IPFS, and post the result: the Merkle root of every registered trainer's
 * cumulative credit and slash.
 *
 * <p>Credits: a round pays {@code rewardPerRound · scoreBps / 10,000} (rounded down) to each
 * trainer. Slashes: a flag that shows intent (anything but {@code free-rider} and {@code fetch:*},
 * which an honest trainer can cause by a slow or lost IPFS add) slashes a quarter of the stake, at
 * most the whole stake over the project. Previous totals come from the last settled round's record,
 * so the chain and IPFS alone say where a round starts.
 *
 * <p>The scoring policy is stateful (each trainer's record, the Sybil defence's history): one
 * instance per project. Before it judges round r it holds exactly the rounds before r that
 * <em>settled</em>, in order, which is public: what every committee member and every auditor
 * ({@code ?recompute=true}) replays. A round it judged that did not settle (voided, its post failed
 * or a reorganisation dropped it) is therefore taken out again: the policy is rebuilt from the
 * factory and the settled rounds are replayed into it ({@code replay}); a restarted evaluator is
 * brought up to date the same way. Replaying a round scores it again (its updates fetched and
 * opened, a reference update trained), so the policy as it stands after the settled rounds is saved
 * in the node's directory ({@link PolicyCheckpoint}) each time they grow, and a fresh policy starts
 * from it while its rounds are still the first settled ones: only the rounds settled since are
 * replayed.
 *
 * <p>Before the policy sees round r, every update of r that copies another trainer's update of the
 * last settled round before r or of a void round since (their keys are public by the time r opens)
 * is flagged {@code copy:earlier-round} ({@link EarlierCopies}).
 */
public final class EvaluatorNode {

    /** What {@link #round} did. */
    public enum Result {
        POSTED,
        ALREADY_POSTED,
        SUBMISSIONS_OPEN,
        MISSED,
        /** Nobody registered before the submission deadline: no credit tree, nothing to post. */
        NO_TRAINERS
    }

    /**
     * Refuses the fetch bounds of a {@link Config} that its fetcher would refuse, before anything
     * is opened: {@code fetchParallel} 1 to 64, {@code maxSealedBytes} at least 1, a positive
     * {@code fetchTimeout}.
     *
     * @throws IllegalArgumentException naming the setting
     */
    public static void checkFetchBounds(
            int maxSealedBytes, Duration fetchTimeout, int fetchParallel) {
        UpdateFetcher.checkBounds(maxSealedBytes, fetchTimeout, fetchParallel);
    }

    /**
     * @param dataDir the node's directory (journal)
     * @param maxSealedBytes the largest sealed update fetched; more is flagged {@code
     *     fetch:too-large} (unless it is also more than any valid update of the project's model
     *     sealed can be: {@code seal:exceeds-model})
     * @param fetchTimeout the most one sealed update's whole fetch may take; one that takes longer
     *     (its blocks are nowhere to be found, say) is flagged {@code fetch:unavailable}, unless
     *     this evaluator's own IPFS node does not answer either (then the round is tried again)
     * @param fetchParallel how many updates are fetched at once (they share the link, and each has
     *     the whole {@code fetchTimeout})
     * @param favourFirst a dishonest evaluator, for committee tests and demos: it posts the whole
     *     round's score to the round's first submitter, so its result differs from the honest ones
     */
    public record Config(
            Path dataDir,
            int maxSealedBytes,
            Duration fetchTimeout,
            int fetchParallel,
            boolean favourFirst,
            Published published) {

        /** The default of {@code cohort.evaluator.fetch-timeout}. */
        public static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60);

        /** The default of {@code cohort.evaluator.fetch-parallel}. */
        public static final int FETCH_PARALLEL = 8;

        public Config(Path dataDir, int maxSealedBytes) {
            this(dataDir, maxSealedBytes, FETCH_TIMEOUT, FETCH_PARALLEL, false, null);
        }
    }

    /**
     * What the evaluator publishes so that anyone can rerun its scoring ({@code ?recompute=true} of
     * the marketplace's audit): its root and validation data as {@code cohort-data/1} files and how
     * it trains the reference update. Added to IPFS once; their CIDs go into every record.
     */
    public record Published(
            byte[] rootData, byte[] validationData, TrainConfig referenceTraining) {}

    private final MarketClient market;
    private final ContentStore ipfs;
    private final Transactor key;
    private final X25519KeyPair sealKey;
    private final Supplier<ScoringPolicy> policies;
    private ScoringPolicy policy;

    /** A round of a project. */
    private record RoundKey(BigInteger project, long round) {}

    /**
     * The decoded updates of rounds this evaluator judged or read for a copy check, until no later
     * round can need them ({@link #earlierUpdates}).
     */
    private final Map<RoundKey, List<EarlierCopies.Earlier>> openedIn = new HashMap<>();

    /** Each project's committee sealing keys, fixed at its creation. */
    private final Map<BigInteger, List<byte[]>> committees = new HashMap<>();

    /** The rounds already said to have no trainer (said once, not every poll). */
    private final Set<RoundKey> nobodySaid = new HashSet<>();

    /** The projects for which {@link #finish} said it waits to post in the last round first. */
    private final Set<BigInteger> lastRoundSaid = new HashSet<>();

    /** The rounds the policy holds, in the order it was fed them. */
    private final List<Long> fed = new ArrayList<>();

    /** Per project, the settled rounds its saved policy ({@link PolicyCheckpoint}) holds. */
    private final Map<BigInteger, List<PolicyCheckpoint.Round>> saved = new HashMap<>();

    /**
     * The rounds of {@link #fed} judged live and not yet compared with their settled records (their
     * scores and flags only): a judgment that differs (an update this evaluator could not fetch in
     * time, say) is not saved, and the policy is rebuilt, so that the round is replayed from the
     * saved policy, its updates fetched again ({@link #liveAgrees}).
     */
    private final Map<Long, ScoringPolicy.Outcome> unchecked = new HashMap<>();

    /** A round judged (and fed to the policy) whose post has not gone through yet. */
    private record Judged(
            BigInteger project,
            long round,
            byte[] chainHash,
            ScoringPolicy.Outcome outcome,
            Map<String, String> contentKeys) {}

    private Judged judged;

    private final Config config;
    private final Consumer<String> progress;
    private final UpdateFetcher fetcher;
    private PolicyInputs inputs;

    public EvaluatorNode(
            MarketClient market,
            ContentStore ipfs,
            Transactor key,
            X25519KeyPair sealKey,
            Supplier<ScoringPolicy> policies,
            Config config,
            Consumer<String> progress) {
        this.market = market;
        this.ipfs = ipfs;
        this.key = key;
        this.sealKey = sealKey;
        this.policies = policies;
        this.policy = policies == null ? null : policies.get();
        this.config = config;
        this.progress = progress;
        this.fetcher =
                new UpdateFetcher(
                        ipfs,
                        config.maxSealedBytes(),
                        config.fetchTimeout(),
                        config.fetchParallel(),
                        progress);
    }

    public String address() {
        return key.address();
    }

    /** Evaluates and posts {@code round}; a no-op if this evaluator already posted it. */
    public Result round(BigInteger project, long round) throws IOException, ChainException {
        try (Journal journal = Journal.open(config.dataDir(), "evaluator-" + project)) {
            if (market.hasPosted(project, round, address())) {
                // the run loop asks every poll until the round settles: record it once, or the
                // journal grows by a line a poll
                if (!journal.done(round, "posted")) {
                    journal.record(round, "posted", "on-chain");
                }
                saveIfSettled(project, round);
                return Result.ALREADY_POSTED;
            }
            long[] d = market.deadlines(project, round);
            long now = market.now();
            if (now < d[1]) {
                return Result.SUBMISSIONS_OPEN;
            }
            if (now >= d[2]) {
                return Result.MISSED;
            }
            // the trainers registered before the submission deadline, whose leaves the result
            // holds: a later registration (in this evaluation window) would otherwise reach some
            // evaluators' roots and not others'; it gets its leaf from the next round on
            List<String> registered = market.trainersRegisteredBefore(project, d[1]);
            if (registered.isEmpty()) {
                // the market takes no result without a leaf: the round goes void
                if (nobodySaid.add(new RoundKey(project, round))) {
                    progress.accept(
                            "round "
                                    + round
                                    + ": no trainer registered before its submission deadline;"
                                    + " nothing to judge or post");
                }
                return Result.NO_TRAINERS;
            }
            MarketClient.Project p = market.project(project);
            GlobalModel g = GlobalModel.load(market, ipfs, p, round);
            List<MarketClient.Submitted> submitted = market.submissions(project, round);
            byte[] chainHash = market.submissionsHash(project, round);
            progress.accept("round " + round + ": " + submitted.size() + " submissions to judge");
            Map<String, String> contentKeys;
            ScoringPolicy.Outcome outcome;
            if (judgedStill(project, round, chainHash)) {
                // its publishing or its post failed (an RPC or IPFS hiccup): judging again would
                // rebuild the policy and replay every settled round, which can outlast the window
                progress.accept(
                        "round " + round + ": judged already; publishing and posting again");
                outcome = judged.outcome();
                contentKeys = judged.contentKeys();
            } else {
                contentKeys = new LinkedHashMap<>();
                replay(p, round);
                outcome = judge(project, round, g, submitted, chainHash, contentKeys);
                fed.add(round);
                unchecked.put(
                        round,
                        new ScoringPolicy.Outcome(
                                outcome.trainers(),
                                outcome.scoresBps(),
                                outcome.flags(),
                                null,
                                outcome.modelHash(),
                                outcome.validation(),
                                null));
                judged = new Judged(project, round, chainHash, outcome, contentKeys);
            }

            // cumulative credits and slashes of the trainers registered before the deadline
            Map<String, BigInteger[]> totals = new LinkedHashMap<>();
            for (String t : registered) {
                totals.put(
                        t.toLowerCase(Locale.ROOT),
                        new BigInteger[] {BigInteger.ZERO, BigInteger.ZERO});
            }
            if (g.previousReport() != null) {
                for (CreditTree.Leaf l :
                        RoundRecord.credits(
                                ipfs.readAllBytes(g.previousReport(), RoundRecords.MAX_BYTES))) {
                    totals.put(l.trainer(), new BigInteger[] {l.credit(), l.slash()});
                }
            }
            Map<String, String> flagOf = new LinkedHashMap<>();
            for (ScoringPolicy.Flag f : outcome.flags()) {
                flagOf.put(f.trainer().toLowerCase(Locale.ROOT), f.reason());
            }
            BigInteger reward = p.rewardPerRound();
            BigInteger stake = p.trainerStake();
            List<RoundRecords.Submission> entries = new ArrayList<>();
            for (MarketClient.Submitted s : submitted) {
                String t = s.trainer().toLowerCase(Locale.ROOT);
                int bps =
                        !config.favourFirst()
                                ? outcome.score(s.trainer())
                                : s == submitted.get(0) ? 10_000 : 0;
                BigInteger[] total = totals.get(t);
                if (total == null) { // an endpoint whose reads disagree: read again next time
                    throw new IOException(
                            "round "
                                    + round
                                    + ": submitter "
                                    + t
                                    + " is not among the trainers the chain gave as registered"
                                    + " before the deadline");
                }
                total[0] = total[0].add(CreditRule.credit(reward, bps));
                String flag = flagOf.get(t);
                if (CreditRule.slashes(flag)) {
                    total[1] = CreditRule.slashAgain(total[1], stake);
                }
                entries.add(
                        new RoundRecords.Submission(
                                t, cidText(s.cid()), flag, bps, contentKeys.get(t)));
            }
            List<CreditTree.Leaf> leaves = new ArrayList<>();
            BigInteger credited = BigInteger.ZERO;
            BigInteger slashed = BigInteger.ZERO;
            for (var e : totals.entrySet()) {
                leaves.add(new CreditTree.Leaf(e.getKey(), e.getValue()[0], e.getValue()[1]));
                credited = credited.add(e.getValue()[0]);
                slashed = slashed.add(e.getValue()[1]);
            }
            CreditTree tree = CreditTree.of(leaves);

            // publish G_{r+1} and the record
            Cid model;
            Cid onnx;
            try (DjlModel m = DjlModel.create(g.spec())) {
                model =
                        ipfs.add(
                                ModelWeights.write(
                                        m.layout(),
                                        outcome.nextGlobal(),
                                        Map.of(
                                                "project",
                                                project.toString(),
                                                "round",
                                                Long.toString(round + 1))));
            }
            onnx = ipfs.add(OnnxExport.export(g.spec(), outcome.nextGlobal()));
            byte[] record =
                    RoundRecord.write(
                            project,
                            round,
                            model.toString(),
                            onnx.toString(),
                            entries,
                            leaves,
                            tree.rootHex(),
                            outcome.report(),
                            inputs(),
                            DjlModel.threads());
            Cid report = ipfs.add(record);
            journal.recordIfChanged(round, "published", report.toString());
            Market.Result result =
                    new Market.Result(
                            tree.root(),
                            credited,
                            slashed,
                            BigInteger.valueOf(totals.size()),
                            chainHash,
                            model.toBytes(),
                            report.toBytes());
            Transactor.Sent sent;
            try {
                sent = market.postResult(key, project, round, result, committee(project).size());
            } catch (ChainException e) {
                if (!e.marketError().equals(Optional.of("ResultAlreadyPosted"))) {
                    throw e;
                }
                // the endpoint that said "not posted" answered from behind the chain's head
                judged = null;
                journal.record(round, "posted", "on-chain");
                progress.accept(
                        "round "
                                + round
                                + ": the chain holds this evaluator's post after all (the RPC"
                                + " endpoint answered from behind its head); not posting again");
                return Result.ALREADY_POSTED;
            }
            judged = null;
            journal.record(round, "posted", sent.receipt().getTransactionHash());
            progress.accept(
                    "round "
                            + round
                            + ": posted; accuracy "
                            + outcome.validation().correct()
                            + "/"
                            + outcome.validation().samples()
                            + ", "
                            + outcome.flags().size()
                            + " flagged, report "
                            + report);
            return Result.POSTED;
        }
    }

    /** The published inputs' CIDs (adding the data to IPFS the first time), or null. */
    private PolicyInputs inputs() throws IOException {
        Published p = config.published();
        if (p == null) {
            return null;
        }
        if (inputs == null) {
            inputs =
                    new PolicyInputs(
                            ipfs.add(p.rootData()).toString(),
                            ipfs.add(p.validationData()).toString(),
                            p.referenceTraining());
        }
        return inputs;
    }

    /** Opens every submission of the round and runs the scoring policy on them. */
    private ScoringPolicy.Outcome judge(
            BigInteger project,
            long round,
            GlobalModel g,
            List<MarketClient.Submitted> submitted,
            byte[] chainHash,
            Map<String, String> contentKeys)
            throws IOException {
        // the events are the round's whole set, in order, only if they fold into the chain's
        // hash one by one: an endpoint that left out a page of logs in the middle would still
        // end in it, and those trainers would go unscored
        byte[] folded = new byte[32];
        for (MarketClient.Submitted s : submitted) {
            folded = nextSubmissionsHash(folded, s.trainer(), s.cid());
            if (!Arrays.equals(folded, s.submissionsHash())) {
                throw new IOException(
                        "round "
                                + round
                                + ": the submission events read do not fold into the hashes they"
                                + " carry (some are missing): reading again");
            }
        }
        if (!Arrays.equals(chainHash, folded)) {
            throw new IOException(
                    "round "
                            + round
                            + ": the submission events do not end in the chain's submissions hash");
        }
        List<ScoringPolicy.Received> received =
                openAll(project, round, submitted, contentKeys, g.parameters().length);
        // this round's opened updates, for the copy checks of the rounds after it
        List<EarlierCopies.Earlier> opened = new ArrayList<>();
        List<float[]> updates = new ArrayList<>();
        for (ScoringPolicy.Received r : received) {
            float[] update = decoded(r, g);
            updates.add(update);
            if (update != null) {
                opened.add(new EarlierCopies.Earlier(round, false, r.trainer(), update));
            }
        }
        List<EarlierCopies.Earlier> earlier = earlierUpdates(project, round, g);
        openedIn.put(new RoundKey(project, round), opened);
        for (int i = 0; i < received.size() && !earlier.isEmpty(); i++) {
            ScoringPolicy.Received r = received.get(i);
            String copied =
                    updates.get(i) == null
                            ? null
                            : EarlierCopies.copyOf(r.trainer(), updates.get(i), earlier);
            if (copied != null) {
                // its content key stays in the record: anyone can open both and compare
                received.set(
                        i,
                        ScoringPolicy.Received.unreadable(
                                r.trainer(),
                                RoundRecords.EARLIER_ROUND_COPY,
                                copied,
                                r.sequence()));
                progress.accept("round " + round + ": " + r.trainer() + " flagged: " + copied);
            }
        }
        try {
            return policy.score((int) round, g.parameters(), received);
        } catch (RuntimeException | Error e) {
            // the policy may hold part of the round (its Sybil history takes it in the
            // aggregation, before the validation): a retry would be refused as a repeat of it, or
            // a void round would stay in it. A fresh policy is fed the settled rounds again.
            if (policies != null) {
                policy = policies.get();
                forget();
            }
            throw e;
        }
    }

    /**
     * The updates of the last round before {@code round} that settled and of the void rounds after
     * it ({@link RoundRecords.CopyWindow}), decoded: as this evaluator opened them when it judged
     * those rounds, else fetched and opened now. Submissions that cannot be fetched, opened or
     * decoded are left out.
     */
    private List<EarlierCopies.Earlier> earlierUpdates(
            BigInteger project, long round, GlobalModel g) throws IOException {
        var window =
                RoundRecords.CopyWindow.of(
                        round,
                        market.lastSettledBefore(project, round).map(MarketClient.Settled::round));
        long first = window.first();
        openedIn.keySet().removeIf(k -> !k.project().equals(project) || k.round() < first);
        List<EarlierCopies.Earlier> out = new ArrayList<>();
        for (long v = first; v < round; v++) {
            List<EarlierCopies.Earlier> opened = openedIn.get(new RoundKey(project, v));
            if (opened == null) {
                opened = new ArrayList<>();
                for (ScoringPolicy.Received r :
                        openAll(
                                project,
                                v,
                                market.submissions(project, v),
                                new LinkedHashMap<>(),
                                g.parameters().length)) {
                    float[] update = decoded(r, g);
                    if (update != null) {
                        opened.add(new EarlierCopies.Earlier(v, false, r.trainer(), update));
                    }
                }
                openedIn.put(new RoundKey(project, v), opened);
            }
            for (EarlierCopies.Earlier e : opened) {
                out.add(e.in(window.settled(v)));
            }
        }
        return out;
    }

    /** The update a submission holds, or null if it has none that decodes to {@code G}'s length. */
    private static float[] decoded(ScoringPolicy.Received r, GlobalModel g) {
        if (r.unreadable() != null) {
            return null;
        }
        try {
            return UpdateCodec.decode(r.bytes(), g.parameters().length);
        } catch (MalformedUpdateException e) {
            return null;
        }
    }

    /**
     * Whether {@link #judged} is {@code round}'s judgment of these submissions, made by the policy
     * as it stands: fed the rounds before it that settled, and this one last.
     */
    private boolean judgedStill(BigInteger project, long round, byte[] chainHash)
            throws IOException {
        if (judged == null
                || !judged.project().equals(project)
                || judged.round() != round
                || !java.util.Arrays.equals(judged.chainHash(), chainHash)) {
            return false;
        }
        List<Long> expected = new ArrayList<>();
        for (MarketClient.Settled s : market.settled(project)) {
            if (s.round() < round) {
                expected.add(s.round());
            }
        }
        expected.add(round);
        return fed.equals(expected);
    }

    /**
     * Brings the scoring policy to the rounds before {@code round} that settled, in order: feeds it
     * those it lacks, and first rebuilds it if it holds a round that did not settle (or no longer
     * does, after a reorganisation). Nothing is published or sent.
     */
    private void replay(MarketClient.Project p, long round) throws IOException {
        BigInteger project = p.id();
        List<MarketClient.Settled> settlements =
                market.settled(project).stream().filter(s -> s.round() < round).toList();
        List<Long> settled = settlements.stream().map(MarketClient.Settled::round).toList();
        if (policy != null && !liveAgrees(settlements)) {
            policy = policies.get();
            forget();
        }
        if (!(fed.size() <= settled.size() && settled.subList(0, fed.size()).equals(fed))) {
            List<Long> unsettled = new ArrayList<>(fed);
            unsettled.removeAll(settled);
            progress.accept(
                    "round "
                            + round
                            + ": the policy holds round(s) "
                            + unsettled
                            + " that did not settle; rebuilding the policy from the settled rounds");
            policy = policies.get();
            forget();
        }
        if (fed.isEmpty() && policy != null && !settlements.isEmpty()) {
            restoreSaved(project, round, settlements);
        }
        int replayed = 0;
        for (MarketClient.Settled settlement : settlements.subList(fed.size(), settled.size())) {
            long r = settlement.round();
            ScoringPolicy.Outcome again =
                    judge(
                            project,
                            r,
                            GlobalModel.load(market, ipfs, p, r),
                            market.submissions(project, r),
                            market.submissionsHash(project, r),
                            new LinkedHashMap<>());
            fed.add(r);
            replayed++;
            List<String> differences;
            try {
                differences = fromRecord(again, settlement);
            } catch (IOException | RuntimeException e) {
                // a check that only informs must not cost the round it is replayed for
                progress.accept(
                        "round "
                                + r
                                + ": replayed; its settled record could not be read to compare ("
                                + e.getMessage()
                                + ")");
                continue;
            }
            if (!differences.isEmpty()) {
                // the policy's state after this round (its Sybil history above all) is not the
                // committee's: later results of this evaluator may disagree with the others'
                progress.accept(
                        "round "
                                + r
                                + ": replayed, this evaluator's judgment differs from the settled"
                                + " record in "
                                + differences.size()
                                + " submission(s): "
                                + String.join(
                                        "; ",
                                        differences.subList(0, Math.min(5, differences.size())))
                                + (differences.size() > 5 ? "; ..." : "")
                                + " (its later results may disagree with the committee's)");
            }
        }
        if (replayed > 0) {
            progress.accept("replayed " + replayed + " settled round(s) into the scoring policy");
        }
        saveIfAgreed(project, round, settlements);
    }

    /** Forgets what the policy held, which was just replaced by a fresh one. */
    private void forget() {
        fed.clear();
        unchecked.clear();
    }

    /**
     * Saves the policy once every round it holds has settled (the round it posted, say), so that a
     * restart before the next round replays nothing. An RPC or IPFS failure leaves it to the next
     * poll.
     */
    private void saveIfSettled(BigInteger project, long round) {
        if (policy == null || fed.isEmpty()) {
            return;
        }
        try {
            long last = fed.get(fed.size() - 1);
            List<MarketClient.Settled> settlements =
                    market.settled(project).stream().filter(s -> s.round() <= last).toList();
            if (!settlements.stream().map(MarketClient.Settled::round).toList().equals(fed)) {
                return;
            }
            if (liveAgrees(settlements)) {
                saveIfAgreed(project, round, settlements);
            } else {
                policy = policies.get();
                forget();
            }
        } catch (IOException e) {
            // the next poll asks again
        }
    }

    /**
     * Saves the policy, which holds exactly {@code settlements}, unless it saved them already or a
     * live judgment of one of them is not yet compared with its record ({@link #liveAgrees}).
     */
    private void saveIfAgreed(
            BigInteger project, long round, List<MarketClient.Settled> settlements) {
        if (policy == null
                || settlements.isEmpty()
                || settlements.stream().anyMatch(s -> unchecked.containsKey(s.round()))
                || PolicyCheckpoint.rounds(settlements).equals(saved.get(project))) {
            return;
        }
        save(project, round, settlements);
    }

    /**
     * Compares this evaluator's live judgments of {@code settlements} with their settled records (a
     * record that cannot be read now leaves its round unchecked); false, said, at the first that
     * differs: the caller rebuilds the policy, so the round is replayed from the saved policy.
     */
    private boolean liveAgrees(List<MarketClient.Settled> settlements) {
        for (MarketClient.Settled s : settlements) {
            ScoringPolicy.Outcome live = unchecked.get(s.round());
            if (live == null) {
                continue;
            }
            List<String> d;
            try {
                d = fromRecord(live, s);
            } catch (IOException | RuntimeException e) {
                continue;
            }
            if (!d.isEmpty()) {
                progress.accept(
                        "round "
                                + s.round()
                                + ": this evaluator's judgment differs from the settled record in "
                                + d.size()
                                + " submission(s); rebuilding the policy, to judge the round again"
                                + " from the saved policy before the next");
                return false;
            }
            unchecked.remove(s.round());
        }
        return true;
    }

    /**
     * Brings a fresh policy to the state its checkpoint saved ({@link PolicyCheckpoint}), if the
     * checkpoint's rounds are still the first settled rounds; otherwise, or if it cannot be read or
     * is refused, says why and leaves the policy fresh (the rounds are then replayed).
     */
    private void restoreSaved(
            BigInteger project, long round, List<MarketClient.Settled> settlements) {
        Path file = PolicyCheckpoint.file(config.dataDir(), project);
        try {
            Optional<PolicyCheckpoint.Saved> checkpoint = PolicyCheckpoint.read(file);
            if (checkpoint.isEmpty()) {
                return;
            }
            List<Long> rounds =
                    checkpoint.get().rounds().stream().map(PolicyCheckpoint.Round::round).toList();
            if (!checkpoint.get().prefixOf(settlements)) {
                progress.accept(
                        "round "
                                + round
                                + ": the saved scoring policy holds round(s) "
                                + rounds
                                + ", which are no longer the first settled rounds; replaying");
                return;
            }
            policy.restoreState(checkpoint.get().state());
            fed.addAll(rounds);
            saved.put(project, checkpoint.get().rounds());
            progress.accept(
                    "round "
                            + round
                            + ": restored the scoring policy saved after settled round(s) "
                            + rounds);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // a refused state changes nothing, but memory running out while it is taken in may
            // leave part of it: a fresh policy either way (memory short of a state a model's size
            // per trainer costs a replay, not the evaluator)
            policy = policies.get();
            progress.accept(
                    "round "
                            + round
                            + ": the saved scoring policy "
                            + file
                            + " is not used ("
                            + e.getMessage()
                            + "); replaying the settled rounds");
        }
    }

    /** Saves the policy, which holds exactly {@code settlements}; a failure only costs a replay. */
    private void save(BigInteger project, long round, List<MarketClient.Settled> settlements) {
        Path file = PolicyCheckpoint.file(config.dataDir(), project);
        try {
            PolicyCheckpoint.write(file, settlements, policy::saveState);
            saved.put(project, PolicyCheckpoint.rounds(settlements));
            progress.accept(
                    "round " + round + ": saved the scoring policy after settled round(s) " + fed);
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            // the state is a model's size per trainer: memory short of it costs a replay later
            progress.accept(
                    "round "
                            + round
                            + ": could not save the scoring policy to "
                            + file
                            + " ("
                            + e.getMessage()
                            + "); a restart will replay the settled rounds");
        }
    }

    /** {@link #differences} of a judgment from the record {@code settled} names, read from IPFS. */
    private List<String> fromRecord(ScoringPolicy.Outcome outcome, MarketClient.Settled settled)
            throws IOException {
        return differences(
                outcome,
                RoundRecord.submissions(
                        ipfs.readAllBytes(
                                Cid.fromBytes(settled.reportCid()), RoundRecords.MAX_BYTES)));
    }

    /**
     * Where a judgment differs from a round's settled record, one line per submission of the record
     * whose score or flag it does not match ({@code trainer: <here> replayed, <there> in the
     * record}); empty when they agree. A submission the judgment lacks counts as unflagged with 0.
     */
    static List<String> differences(
            ScoringPolicy.Outcome outcome, List<RoundRecords.Submission> record) {
        Map<String, Integer> scoreOf = new LinkedHashMap<>();
        for (int i = 0; i < outcome.trainers().size(); i++) {
            scoreOf.put(outcome.trainers().get(i).toLowerCase(Locale.ROOT), outcome.scoresBps()[i]);
        }
        Map<String, String> flagOf = new LinkedHashMap<>();
        for (ScoringPolicy.Flag f : outcome.flags()) {
            flagOf.put(f.trainer().toLowerCase(Locale.ROOT), f.reason());
        }
        List<String> out = new ArrayList<>();
        for (RoundRecords.Submission e : record) {
            String t = e.trainer().toLowerCase(Locale.ROOT);
            int bps = scoreOf.getOrDefault(t, 0);
            String flag = flagOf.get(t);
            if (bps != e.scoreBps() || !Objects.equals(flag, e.flag())) {
                out.add(
                        t
                                + ": "
                                + judged(bps, flag)
                                + " replayed, "
                                + judged(e.scoreBps(), e.flag())
                                + " in the record");
            }
        }
        return out;
    }

    private static String judged(int bps, String flag) {
        return flag == null ? bps + " bps" : "flagged " + flag;
    }

    /**
     * After the project ended, takes back this evaluator's bond (less any penalty: the market keeps
     * one for every settled round this evaluator posted no result in). Returns false if the project
     * has not ended, or if it ended early (its last round settled before the deadline) and this
     * evaluator can still post in that round, which it would otherwise pay for; true once nothing
     * is left to take.
     */
    public boolean finish(BigInteger project) throws IOException, ChainException {
        if (!market.ended(project)) {
            return false;
        }
        BigInteger bond = market.evaluatorInfo(project, address()).bond();
        if (bond.signum() > 0) {
            long[] last = postingWouldSave(project, bond);
            if (last != null) {
                if (lastRoundSaid.add(project)) {
                    progress.accept(
                            "round "
                                    + last[0]
                                    + " settled before its deadline ("
                                    + Instant.ofEpochSecond(last[1])
                                    + "), which ended the project: this evaluator takes back its"
                                    + " bond once it posted in that round or the deadline passed, as"
                                    + " a settled round it posted nothing in costs a penalty");
                }
                return false;
            }
            Transactor.Sent sent = market.withdrawBond(key, project);
            String kept = "";
            for (var e : Market.getEvaluatorAbsentEvents(sent.receipt())) {
                kept =
                        " (the market kept "
                                + e.amount
                                + " wei for "
                                + e.rounds
                                + " settled round(s) this evaluator posted no result in)";
            }
            var withdrawn = Market.getBondWithdrawnEvents(sent.receipt());
            if (withdrawn.isEmpty()) {
                progress.accept(
                        "bond withdrawn (" + sent.receipt().getTransactionHash() + ")" + kept);
            }
            for (var e : withdrawn) {
                progress.accept("bond withdrawn: " + e.amount + " wei" + kept);
            }
        }
        // no round is left to judge: the saved policy (a model's size per trainer) goes
        Path saved = PolicyCheckpoint.file(config.dataDir(), project);
        try {
            Files.deleteIfExists(saved);
            Files.deleteIfExists(AtomicFile.temporary(saved));
        } catch (IOException e) {
            progress.accept("could not delete the saved policy " + saved + ": " + e.getMessage());
        }
        return true;
    }

    /**
     * The last round {@code {round, deadline}} of an ended project if its evaluation window is
     * still open, this evaluator has not posted in it and doing so would lower what the market
     * keeps of its {@code bond} (it is counted as a settled round posted nothing in, and the
     * penalties of the others leave some of the bond); null otherwise.
     */
    private long[] postingWouldSave(BigInteger project, BigInteger bond) throws IOException {
        MarketClient.Absences absent = market.absences(project, address());
        if (absent.rounds() == 0) {
            return null;
        }
        BigInteger penalty = market.evaluatorPenalty(project);
        if (penalty.signum() == 0
                || penalty.multiply(BigInteger.valueOf(absent.rounds() - 1)).compareTo(bond) >= 0) {
            return null;
        }
        long rounds = market.rounds(project);
        if (rounds == 0) {
            return null;
        }
        long last = rounds - 1;
        long deadline = market.deadlines(project, last)[2];
        if (market.now() >= deadline || market.hasPosted(project, last, address())) {
            return null;
        }
        return new long[] {last, deadline};
    }

    /**
     * Fetches a round's submissions ({@link UpdateFetcher#fetchAll}) and opens each, in order; the
     * content keys go into {@code contentKeys}.
     */
    private List<ScoringPolicy.Received> openAll(
            BigInteger project,
            long round,
            List<MarketClient.Submitted> submitted,
            Map<String, String> contentKeys,
            int parameters)
            throws IOException {
        List<UpdateFetcher.Request> requests = new ArrayList<>(submitted.size());
        for (MarketClient.Submitted s : submitted) {
            requests.add(new UpdateFetcher.Request(s.trainer(), s.cid(), s.sequence()));
        }
        List<UpdateFetcher.Fetched> fetched =
                fetcher.fetchAll(requests, modelBound(parameters, committee(project).size()));
        List<ScoringPolicy.Received> received = new ArrayList<>(submitted.size());
        for (int i = 0; i < submitted.size(); i++) {
            received.add(open(project, round, submitted.get(i), fetched.get(i), contentKeys));
            fetched.set(i, null); // the sealed bytes are not needed once opened
        }
        return received;
    }

    /**
     * The market's rolling submissions hash after one more submission: {@code
     * keccak256(abi.encode(previous, trainer, cid))}, as {@code Market.submit} folds it.
     */
    static byte[] nextSubmissionsHash(byte[] previous, String trainer, byte[] cid) {
        int padded = (cid.length + 31) / 32 * 32;
        ByteBuffer b = ByteBuffer.allocate(32 * 4 + padded);
        b.put(previous);
        b.position(32 + 12).put(Numeric.hexStringToByteArray(trainer));
        b.position(64 + 31).put((byte) 0x60); // the offset of the bytes, after three words
        b.position(96 + 28).putInt(cid.length);
        b.put(cid);
        return Hash.sha3(b.array());
    }

    /**
     * The most bytes a sealed update of a model of {@code parameters} for a committee of {@code
     * members} can take and still be valid: the largest encoding of that many values, sealed. The
     * round's updates are all held before they are judged: with only the configured bound, a few
     * registered accounts sending 16 MiB of noise each could exhaust the evaluator's memory for a
     * model of a few kilobytes; past this bound an update is {@link UpdateFetcher#EXCEEDS_MODEL}.
     */
    static long modelBound(int parameters, int members) {
        return SealedUpdate.sealedLength(UpdateCodec.maxEncodedBytes(parameters), members);
    }

    /**
     * Opens one fetched submission (fetched within {@link Config#fetchTimeout}, or flagged); its
     * content key goes into {@code contentKeys}.
     */
    private ScoringPolicy.Received open(
            BigInteger project,
            long round,
            MarketClient.Submitted s,
            UpdateFetcher.Fetched fetched,
            Map<String, String> contentKeys)
            throws IOException {
        if (fetched.flagged() != null) {
            return fetched.flagged();
        }
        byte[] sealed = fetched.sealed();
        try {
            SealContext context =
                    SealContext.of(market.chainId(), market.address(), project, round, s.trainer());
            // sealed for exactly the committee, as every member can check (else members left out
            // would flag what the others score); the key is released in the record
            SealedUpdate.Opened opened =
                    SealedUpdate.openAsMember(
                            sealed, context, committee(project), sealKey, config.maxSealedBytes());
            contentKeys.put(
                    s.trainer().toLowerCase(Locale.ROOT), MarketClient.hex(opened.contentKey()));
            keep(Cid.fromBytes(s.cid()));
            return new ScoringPolicy.Received(s.trainer(), opened.update(), 0, s.sequence());
        } catch (SealException e) {
            return ScoringPolicy.Received.unreadable(
                    s.trainer(), "seal:" + e.reason(), e.getMessage(), s.sequence());
        }
    }

    /**
     * Pins an update this evaluator opened: the round's record can then be recomputed (its content
     * keys are released) while any member's node lives, not only while the trainer keeps its copy,
     * and a restarted evaluator replays the round from its own node. What could not be opened is
     * not kept (anyone may send 16 MiB of noise). A failed pin is logged; it does not change the
     * judgment.
     */
    private void keep(Cid cid) {
        try {
            ipfs.pin(cid);
        } catch (IOException e) {
            progress.accept("could not pin " + cid + " (kept for audits): " + e.getMessage());
        }
    }

    /** The committee's sealing keys, read once per project (they are fixed at creation). */
    private List<byte[]> committee(BigInteger project) throws IOException {
        List<byte[]> keys = committees.get(project);
        if (keys == null) {
            keys = List.copyOf(market.project(project).evaluatorKeys());
            committees.put(project, keys);
        }
        return keys;
    }

    private static String cidText(byte[] cid) {
        try {
            return Cid.fromBytes(cid).toString();
        } catch (RuntimeException e) {
            return MarketClient.hex(cid);
        }
    }
}
