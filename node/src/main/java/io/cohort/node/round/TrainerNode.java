package io.cohort.node.round;

import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.contracts.seal.SealContext;
import io.cohort.contracts.seal.SealException;
import io.cohort.contracts.seal.SealedUpdate;
import io.cohort.ipfs.AtomicFile;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.Honest;
import io.cohort.learning.attack.RoundView;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.ErrorFeedback;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.model.TrainingListener;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.Transactor;
import io.cohort.node.journal.Journal;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * The trainer's part of a round (DESIGN.md steps 2–4 and 7): fetch and verify {@code G_r}, train on
 * the local data, encode, seal for the committee, add to IPFS, submit the CID; and claim credits
 * with a Merkle proof built from the settled round's record.
 *
 * <p>Each step is written to the project's {@link Journal} when done, and a restarted trainer picks
 * up after the last one: the trained update is kept in the data directory, the sealed update's CID
 * in the journal, and before submitting it asks the chain whether it already did. The chain is the
 * truth; the journal only saves work.
 */
public final class TrainerNode {

    /** What {@link #round} did. */
    public enum Result {
        SUBMITTED,
        ALREADY_SUBMITTED,
        NOT_OPEN_YET,
        MISSED,
        /** A {@link CopiesReleased} trainer found no released update to send (yet). */
        NOTHING_TO_COPY
    }

    /**
     * @param dataDir the node's directory (journal, trained updates)
     * @param training local training
     * @param compression the update's encoding
     * @param afterStep called with the round and the step's name each time a step is journaled
     *     (fault-injection tests pause the node there to kill it between two steps), and with
     *     {@code loaded} once {@code G_r} is loaded and training starts (benchmarks time it)
     * @param behaviour what the trainer submits given its honestly trained update: {@link Honest}
     *     for a real trainer; an attack of {@code io.cohort.learning.attack} (sign flip, free
     *     riding, ...) for demos and tests of the evaluators. It sees only its own update.
     */
    public record Config(
            Path dataDir,
            TrainConfig training,
            Compression compression,
            BiConsumer<Long, String> afterStep,
            Behaviour behaviour) {

        public Config(Path dataDir, TrainConfig training, Compression compression) {
            this(dataDir, training, compression, (round, step) -> {});
        }

        public Config(
                Path dataDir,
                TrainConfig training,
                Compression compression,
                BiConsumer<Long, String> afterStep) {
            this(dataDir, training, compression, afterStep, new Honest());
        }
    }

    private void record(Journal journal, long round, String step, String value) throws IOException {
        journal.record(round, step, value);
        config.afterStep().accept(round, step);
    }

    /** The most bytes a copier ({@link CopiesReleased}) reads of a record or a sealed update. */
    private static final int MAX_COPY_BYTES = 64 << 20;

    private final MarketClient market;
    private final ContentStore ipfs;
    private final Transactor key;
    private final LabeledData data;
    private final Config config;
    private final Consumer<String> progress;
    private final SecureRandom random = new SecureRandom();

    /** The last round for which a copier said why it sends nothing ({@link #nothingToCopy}). */
    private long quietUntil = -1;

    public TrainerNode(
            MarketClient market,
            ContentStore ipfs,
            Transactor key,
            LabeledData data,
            Config config,
            Consumer<String> progress) {
        this.market = market;
        this.ipfs = ipfs;
        this.key = key;
        this.data = data;
        this.config = config;
        this.progress = progress;
    }

    public String address() {
        return key.address();
    }

    private Journal journal(BigInteger project) throws IOException {
        return Journal.open(config.dataDir(), "trainer-" + project);
    }

    /** Runs this trainer's part of {@code round}; a no-op if it already submitted. */
    public Result round(BigInteger project, long round) throws IOException, ChainException {
        try (Journal journal = journal(project)) {
            // the chain is the truth: a submission the journal holds but the chain does not was
            // dropped by a reorganisation after its receipt, and is sent again while the window
            // is open
            boolean journaled = journal.done(round, "submitted");
            if (market.hasSubmitted(project, round, address())) {
                if (!journaled) { // a crash after the transaction was mined, before the record
                    record(journal, round, "submitted", "on-chain");
                }
                return Result.ALREADY_SUBMITTED;
            }
            long[] d = market.deadlines(project, round);
            long now = market.now();
            if (now < d[0]) {
                return Result.NOT_OPEN_YET;
            }
            if (now >= d[1]) {
                progress.accept(
                        "round "
                                + round
                                + (journaled
                                        ? ": a reorganisation dropped this trainer's submission"
                                                + " and the submission window closed"
                                        : ": the submission window closed")
                                + "; rejoining the next");
                return Result.MISSED;
            }
            if (journaled) {
                progress.accept(
                        "round "
                                + round
                                + ": the chain no longer holds this trainer's submission (a"
                                + " reorganisation dropped it); submitting again");
            }
            Optional<String> added = journal.find(round, "added");
            Cid cid =
                    added.isPresent()
                            ? Cid.parse(added.get())
                            : sealAndAdd(market.project(project), round, journal);
            if (cid == null) {
                return Result.NOTHING_TO_COPY;
            }
            Transactor.Sent sent;
            try {
                sent = market.submit(key, project, round, cid.toBytes());
            } catch (ChainException e) {
                if (!e.marketError().equals(Optional.of("UpdateAlreadySubmitted"))) {
                    throw e;
                }
                // the endpoint that said "not submitted" answered from behind the chain's head
                // (a lagging node behind a load balancer); the estimate, at the head, knows better
                if (!journaled) {
                    record(journal, round, "submitted", "on-chain");
                }
                progress.accept(
                        "round "
                                + round
                                + ": the chain holds this trainer's submission after all (the"
                                + " RPC endpoint answered from behind its head); not sending"
                                + " again");
                return Result.ALREADY_SUBMITTED;
            }
            config.afterStep().accept(round, "sent"); // not journaled: fault tests kill here
            record(journal, round, "submitted", sent.receipt().getTransactionHash());
            progress.accept("round " + round + ": submitted " + cid);
            return Result.SUBMITTED;
        }
    }

    private Cid sealAndAdd(MarketClient.Project p, long round, Journal journal) throws IOException {
        BigInteger project = p.id();
        Path file = config.dataDir().resolve("trainer-" + project + "-round-" + round + ".update");
        byte[] encoded;
        if (journal.done(round, "trained") && Files.exists(file)) {
            encoded = Files.readAllBytes(file);
            if (!ScoringPolicy.sha256(encoded).equals(journal.find(round, "trained").get())) {
                throw new IOException(
                        file + " does not match the journal's hash; delete both to retrain");
            }
        } else if (config.behaviour() instanceof CopiesReleased) {
            Optional<byte[]> copied = releasedUpdate(p, round);
            if (copied.isEmpty()) {
                return null;
            }
            encoded = copied.get();
            AtomicFile.write(file, encoded, false);
            record(journal, round, "trained", ScoringPolicy.sha256(encoded));
        } else {
            GlobalModel g = GlobalModel.load(market, ipfs, p, round);
            config.afterStep().accept(round, "loaded"); // not journaled: a milestone for timing
            progress.accept(
                    "round " + round + ": training on " + data.size() + " samples from " + g.cid());
            Behaviour behaviour = config.behaviour();
            float[] trained;
            try (DjlModel model = DjlModel.create(g.spec())) {
                if (behaviour.trains()) {
                    SplittableRandom poison =
                            new SplittableRandom(config.training().seed() * 31 + round);
                    trained =
                            model.updateFrom(
                                    g.parameters(),
                                    behaviour.trainingData(data, (int) round + 1, poison),
                                    config.training().withSeed(config.training().seed() + round),
                                    new ProgressBar(round));
                } else {
                    trained = new float[g.parameters().length];
                }
            }
            float[] update =
                    behaviour.submit(
                            trained,
                            new RoundView(
                                    (int) round + 1,
                                    0,
                                    g.parameters(),
                                    List.of(trained),
                                    List.of(behaviour),
                                    config.training().seed()));
            ErrorFeedback feedback = residualBefore(project, round, journal, update.length);
            encoded = feedback.encode(update, config.compression());
            AtomicFile.write(residualFile(project, round), floats(feedback.residual()), false);
            AtomicFile.write(file, encoded, false);
            record(journal, round, "trained", ScoringPolicy.sha256(encoded));
        }
        SealContext context =
                SealContext.of(market.chainId(), market.address(), project, round, address());
        byte[] sealed = SealedUpdate.seal(encoded, context, p.evaluatorKeys(), random);
        Cid cid = ipfs.add(sealed);
        record(journal, round, "added", cid.toString());
        progress.accept(
                "round "
                        + round
                        + ": sealed update added as "
                        + cid
                        + " ("
                        + sealed.length
                        + " bytes)");
        warnIfIsolated(round);
        return cid;
    }

    /**
     * Says so when this trainer's IPFS node is online with no peer: evaluators could not fetch the
     * update and would flag it {@code fetch:unavailable}. A warning only: the submission goes on,
     * since the node may find peers before the evaluators fetch.
     */
    private void warnIfIsolated(long round) {
        try {
            if (ipfs.reach() == ContentStore.Reach.ISOLATED) {
                progress.accept(
                        "round "
                                + round
                                + ": warning: this node's IPFS daemon is connected to no peer;"
                                + " evaluators cannot fetch the update until it is");
            }
        } catch (IOException e) {
            progress.accept("round " + round + ": could not ask IPFS for peers: " + e.getMessage());
        }
    }

    /** Says once per round why a copier sends nothing. */
    private void nothingToCopy(long round, String why) {
        if (round > quietUntil) {
            progress.accept("round " + round + ": nothing to copy (" + why + "); not submitting");
            quietUntil = round;
        }
    }

    /**
     * For {@link CopiesReleased}: the encoded update of the best-scored unflagged other trainer in
     * the last round before {@code round} that settled, opened with the content key its record
     * released, or empty when no round settled yet or its record released no such update.
     */
    private Optional<byte[]> releasedUpdate(MarketClient.Project p, long round) throws IOException {
        Optional<MarketClient.Settled> settled = market.lastSettledBefore(p.id(), round);
        if (settled.isEmpty()) {
            nothingToCopy(round, "no round has settled yet");
            return Optional.empty();
        }
        long from = settled.get().round();
        List<RoundRecords.Submission> judged =
                RoundRecord.submissions(
                        ipfs.readAllBytes(
                                Cid.fromBytes(settled.get().reportCid()), MAX_COPY_BYTES));
        // the best-paid update first: what a copier would want to be paid for
        List<RoundRecords.Submission> candidates =
                judged.stream()
                        .filter(s -> !s.trainer().equalsIgnoreCase(address()))
                        .filter(s -> s.contentKey() != null && s.flag() == null)
                        .sorted(
                                Comparator.comparingInt(RoundRecords.Submission::scoreBps)
                                        .reversed())
                        .toList();
        for (RoundRecords.Submission s : candidates) {
            try {
                byte[] update =
                        SealedUpdate.openWithContentKey(
                                ipfs.readAllBytes(Cid.parse(s.cid()), MAX_COPY_BYTES),
                                SealContext.of(
                                        market.chainId(),
                                        market.address(),
                                        p.id(),
                                        from,
                                        s.trainer()),
                                s.contentKeyBytes(),
                                MAX_COPY_BYTES);
                progress.accept(
                        "round "
                                + round
                                + ": copying "
                                + s.trainer()
                                + "'s released update of round "
                                + from
                                + " (behaviour copier)");
                return Optional.of(update);
            } catch (SealException | RuntimeException e) {
                progress.accept(
                        "round "
                                + round
                                + ": cannot open "
                                + s.trainer()
                                + "'s update: "
                                + e.getMessage());
            }
        }
        nothingToCopy(round, "round " + from + "'s record released no update of another trainer");
        return Optional.empty();
    }

    /**
     * The error feedback a round starts from: the residual kept after the latest earlier round
     * whose update was delivered, or zero. An update trained but never submitted delivered nothing,
     * and neither did one the journal holds as submitted but the chain no longer does (a
     * reorganisation dropped it after its window closed): their residuals are not carried.
     */
    private ErrorFeedback residualBefore(BigInteger project, long round, Journal journal, int n)
            throws IOException {
        OptionalLong from =
                carriedFrom(
                        round,
                        r -> journal.done(r, "submitted") && Files.exists(residualFile(project, r)),
                        r -> {
                            boolean held = market.hasSubmitted(project, r, address());
                            if (!held) {
                                progress.accept(
                                        "round "
                                                + r
                                                + ": the chain no longer holds this trainer's"
                                                + " submission; its compression residual is not"
                                                + " carried into round "
                                                + round);
                            }
                            return held;
                        });
        if (from.isEmpty()) {
            return new ErrorFeedback(n);
        }
        Path f = residualFile(project, from.getAsLong());
        byte[] bytes = Files.readAllBytes(f);
        if (bytes.length != 4L * n) {
            throw new IOException(
                    f + " holds " + bytes.length + " bytes, not the model's " + n + " floats");
        }
        float[] residual = new float[n];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(residual);
        return ErrorFeedback.resume(residual);
    }

    /** A question about an earlier round that may read the journal or the chain. */
    interface RoundCheck {
        boolean test(long round) throws IOException;
    }

    /**
     * The latest round before {@code round} whose residual is carried: journaled as submitted with
     * its residual kept, and still held by the chain (asked only of that candidate; a round it
     * denies is passed over for an earlier one); empty if none.
     */
    static OptionalLong carriedFrom(long round, RoundCheck journaled, RoundCheck onChain)
            throws IOException {
        for (long r = round - 1; r >= 0; r--) {
            if (journaled.test(r) && onChain.test(r)) {
                return OptionalLong.of(r);
            }
        }
        return OptionalLong.empty();
    }

    private Path residualFile(BigInteger project, long round) {
        return config.dataDir().resolve("trainer-" + project + "-round-" + round + ".residual");
    }

    private static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    /** Training progress as a text bar, one line per tenth of the batches. */
    private final class ProgressBar implements TrainingListener {
        private final long round;
        private int shown = -1;

        ProgressBar(long round) {
            this.round = round;
        }

        @Override
        public void onBatch(int epoch, int batch, int batches, float loss) {
            int tenths = batch * 10 / batches;
            if (tenths == shown && batch != batches) {
                return;
            }
            shown = tenths;
            progress.accept(
                    String.format(
                            "round %d: training epoch %d [%-10s] %3d%% loss %.4f",
                            round, epoch + 1, "#".repeat(tenths), batch * 100 / batches, loss));
        }
    }

    private Optional<Standing> standing(BigInteger project) throws IOException {
        return Standing.latest(market, ipfs, project, address());
    }

    /**
     * Claims what the latest settled round credits this trainer beyond what it claimed, with a
     * proof built from that round's record. Returns the amount claimed (0 if nothing is due).
     */
    public BigInteger claim(BigInteger project) throws IOException, ChainException {
        Optional<Standing> s = standing(project);
        if (s.isEmpty()) {
            return BigInteger.ZERO;
        }
        CreditTree.Leaf mine = s.get().leaf();
        BigInteger claimed = market.claimed(project, address());
        if (mine.credit().compareTo(claimed) <= 0) {
            return BigInteger.ZERO;
        }
        market.claim(
                key,
                project,
                address(),
                mine.credit(),
                mine.slash(),
                s.get().tree().proof(address()));
        try (Journal journal = journal(project)) {
            record(journal, s.get().round(), "claimed", mine.credit().toString());
        }
        progress.accept(
                "claimed "
                        + mine.credit().subtract(claimed)
                        + " wei (cumulative credit "
                        + mine.credit()
                        + " after round "
                        + s.get().round()
                        + ")");
        return mine.credit().subtract(claimed);
    }

    /**
     * After the project ended: claims what is still due, takes back the stake less the slashes of
     * the final credits tree, and, if the stake was settled (by this node or anyone for it) while
     * this address refused the payment, collects what the market kept for it. Returns false if the
     * project has not ended, true once the stake is back (or was taken back before).
     */
    public boolean finish(BigInteger project) throws IOException, ChainException {
        if (!market.ended(project)) {
            return false;
        }
        claim(project);
        MarketClient.TrainerInfo me = market.trainerInfo(project, address());
        if (!me.registered()) {
            return true;
        }
        if (!me.stakeWithdrawn()) {
            Optional<Standing> s = standing(project);
            BigInteger credit = s.map(x -> x.leaf().credit()).orElse(BigInteger.ZERO);
            BigInteger slash = s.map(x -> x.leaf().slash()).orElse(BigInteger.ZERO);
            List<byte[]> proof = s.isPresent() ? s.get().tree().proof(address()) : List.of();
            market.withdrawStake(key, project, address(), credit, slash, proof);
            progress.accept("stake withdrawn (slashed " + slash + " wei)");
        }
        // someone settled the stake (this node, or anyone for it) while this address refused the
        // payment: the market kept it
        BigInteger owed = market.stakeOwed(project, address());
        if (owed.signum() > 0) {
            try {
                market.collectStake(key, project, address());
                progress.accept("stake collected (" + owed + " wei the market kept)");
            } catch (ChainException e) {
                BigInteger left = market.stakeOwed(project, address());
                if (left.signum() > 0) {
                    // still refused (a token's blocklist, say): nothing more to do on this pass
                    progress.accept(
                            "the market keeps "
                                    + left
                                    + " wei of the stake for this address, which did not take it ("
                                    + e.getMessage()
                                    + "); run withdraw again once it can");
                }
                // else someone else collected it for this address meanwhile
            }
        }
        return true;
    }
}
