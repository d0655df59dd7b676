package io.cohort.node.round;

import io.cohort.contracts.CreditTree;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.codec.UpdateCodec;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.Transactor;
import io.cohort.node.journal.Journal;
import io.cohort.node.seal.SealContext;
import io.cohort.node.seal.SealedUpdate;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
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
        MISSED
    }

    /**
     * @param dataDir the node's directory (journal, trained updates)
     * @param training local training
     * @param compression the update's encoding
     */
    public record Config(Path dataDir, TrainConfig training, Compression compression) {}

    private final MarketClient market;
    private final ContentStore ipfs;
    private final Transactor key;
    private final LabeledData data;
    private final Config config;
    private final Consumer<String> progress;
    private final SecureRandom random = new SecureRandom();

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
            if (journal.done(round, "submitted")
                    || market.hasSubmitted(project, round, address())) {
                return Result.ALREADY_SUBMITTED;
            }
            long[] d = market.deadlines(project, round);
            long now = market.now();
            if (now < d[0]) {
                return Result.NOT_OPEN_YET;
            }
            if (now >= d[1]) {
                progress.accept(
                        "round " + round + ": the submission window closed; rejoining the next");
                return Result.MISSED;
            }
            Optional<String> added = journal.find(round, "added");
            Cid cid =
                    added.isPresent()
                            ? Cid.parse(added.get())
                            : sealAndAdd(market.project(project), round, journal);
            // the chain may have our submission from before a crash, with the journal behind
            if (market.hasSubmitted(project, round, address())) {
                journal.record(round, "submitted", "on-chain");
                return Result.ALREADY_SUBMITTED;
            }
            Transactor.Sent sent = market.submit(key, project, round, cid.toBytes());
            journal.record(round, "submitted", sent.receipt().getTransactionHash());
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
        } else {
            GlobalModel g = GlobalModel.load(market, ipfs, p, round);
            progress.accept(
                    "round " + round + ": training on " + data.size() + " samples from " + g.cid());
            float[] update;
            try (DjlModel model = DjlModel.create(g.spec())) {
                update =
                        model.updateFrom(
                                g.parameters(),
                                data,
                                config.training().withSeed(config.training().seed() + round));
            }
            encoded = UpdateCodec.encode(update, config.compression());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, encoded);
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            journal.record(round, "trained", ScoringPolicy.sha256(encoded));
        }
        SealContext context =
                SealContext.of(market.chainId(), market.address(), project, round, address());
        byte[] sealed = SealedUpdate.seal(encoded, context, p.evaluatorKeys(), random);
        Cid cid = ipfs.add(sealed);
        journal.record(round, "added", cid.toString());
        progress.accept(
                "round "
                        + round
                        + ": sealed update added as "
                        + cid
                        + " ("
                        + sealed.length
                        + " bytes)");
        return cid;
    }

    /**
     * Claims what the latest settled round credits this trainer beyond what it claimed, with a
     * proof built from that round's record. Returns the amount claimed (0 if nothing is due).
     */
    public BigInteger claim(BigInteger project) throws IOException, ChainException {
        var settled = market.settled(project);
        if (settled.isEmpty()) {
            return BigInteger.ZERO;
        }
        var last = settled.get(settled.size() - 1);
        byte[] record =
                ipfs.readAllBytes(Cid.fromBytes(last.reportCid()), GlobalModel.MAX_MODEL_BYTES);
        List<CreditTree.Leaf> leaves = RoundRecord.credits(record);
        CreditTree tree = CreditTree.of(leaves);
        if (!java.util.Arrays.equals(tree.root(), last.creditsRoot())) {
            throw new IOException(
                    "round " + last.round() + "'s record does not build the settled credits root");
        }
        CreditTree.Leaf mine =
                leaves.stream()
                        .filter(l -> l.trainer().equalsIgnoreCase(address()))
                        .findFirst()
                        .orElse(null);
        if (mine == null) {
            return BigInteger.ZERO;
        }
        BigInteger claimed = market.claimed(project, address());
        if (mine.credit().compareTo(claimed) <= 0) {
            return BigInteger.ZERO;
        }
        market.claim(key, project, address(), mine.credit(), mine.slash(), tree.proof(address()));
        try (Journal journal = journal(project)) {
            journal.record(last.round(), "claimed", mine.credit().toString());
        }
        return mine.credit().subtract(claimed);
    }
}
