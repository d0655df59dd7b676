package io.cohort.marketplace.index;

import io.cohort.contracts.MarketEvents;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.Cid;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

/**
 * What the market's events say, in memory: projects, their trainers, evaluators and rounds,
 * submissions, posts, settlements, claims and withdrawals. Built only by {@link #apply} (so a
 * replay of the event log rebuilds it exactly) plus each project's immutable terms, read once when
 * it is created. Thread-safe: the indexer writes, HTTP threads read copies.
 */
public final class MarketIndex {

    /** A project's immutable terms, read from the chain's views when the project is indexed. */
    public record Terms(
            BigInteger trainerStake,
            BigInteger evaluatorBond,
            long start,
            long submitPeriod,
            long evalPeriod,
            int maxTrainers,
            int quorum,
            List<String> committee) {}

    /** Reads a project's terms; the indexer asks the chain. */
    @FunctionalInterface
    public interface TermsSource {
        Terms terms(BigInteger project) throws java.io.IOException;
    }

    /**
     * A submission as the chain recorded it.
     *
     * @param cid the CID as text (hex if it is not a CID)
     * @param cidHex the CID's bytes as the chain has them
     * @param submissionsHash the round's rolling hash after it
     */
    public record Submission(
            String trainer, String cid, long block, String cidHex, String submissionsHash) {}

    public record Post(String evaluator, String resultHash, String reportCid, boolean penalized) {}

    public record Settlement(
            String resultHash,
            String creditsRoot,
            BigInteger totalCredited,
            BigInteger totalSlashed,
            String modelCid,
            String reportCid,
            long block) {}

    public record TrainerStanding(
            String trainer,
            int index,
            BigInteger stake,
            BigInteger claimed,
            boolean stakeWithdrawn,
            BigInteger stakeReturned,
            BigInteger stakeSlashed,
            BigInteger stakeOwed) {

        /** A newly registered trainer: nothing claimed, its stake still held. */
        static TrainerStanding registered(String trainer, int index, BigInteger stake) {
            return new TrainerStanding(
                    trainer,
                    index,
                    stake,
                    BigInteger.ZERO,
                    false,
                    BigInteger.ZERO,
                    BigInteger.ZERO,
                    BigInteger.ZERO);
        }

        /**
         * This standing after a claim that brought the trainer's total claimed to {@code total}.
         */
        TrainerStanding withClaimed(BigInteger total) {
            return new TrainerStanding(
                    trainer,
                    index,
                    stake,
                    total,
                    stakeWithdrawn,
                    stakeReturned,
                    stakeSlashed,
                    stakeOwed);
        }

        /**
         * This standing after the stake was settled: what is the trainer's again and what was
         * slashed.
         */
        TrainerStanding withStakeBack(BigInteger returned, BigInteger slashed) {
            return new TrainerStanding(
                    trainer, index, stake, claimed, true, returned, slashed, stakeOwed);
        }

        /**
         * This standing with {@code owed} of its returned stake kept by the market, not yet paid:
         * the trainer's address refused the payment ({@code StakeOwed}), or zero once collected
         * ({@code StakeCollected}).
         */
        TrainerStanding withStakeOwed(BigInteger owed) {
            return new TrainerStanding(
                    trainer,
                    index,
                    stake,
                    claimed,
                    stakeWithdrawn,
                    stakeReturned,
                    stakeSlashed,
                    owed);
        }
    }

    static final class Round {
        final List<Submission> submissions = new ArrayList<>();
        final Map<String, Post> posts = new LinkedHashMap<>();
        Settlement settled;
    }

    static final class Project {
        BigInteger id;
        String owner;
        String token;
        BigInteger budget;
        BigInteger rewardPerRound;
        int rounds;
        Integer cancelledFrom;
        String modelSpecCid;
        String initialModelCid;
        long createdBlock;
        Terms terms;
        final Map<String, TrainerStanding> trainers = new LinkedHashMap<>();
        final Map<String, BigInteger> bonds = new LinkedHashMap<>();
        final TreeMap<Long, Round> roundData = new TreeMap<>();
        BigInteger refunded = BigInteger.ZERO;
    }

    /**
     * The event each first topic names, from the compiled ABI ({@link MarketEvents}): web3j's own
     * encoder got {@code ResultPosted}'s topic wrong inside the Quarkus application, so its posts
     * were never indexed. {@code MarketIndexTest} holds {@link #INDEXED} to every event the market
     * declares.
     */
    private static final Map<String, String> KINDS = new HashMap<>();

    /** The events {@link #apply} reads. */
    static final List<String> INDEXED =
            List.of(
                    "ProjectCreated",
                    "ProjectCancelled",
                    "TrainerRegistered",
                    "EvaluatorBonded",
                    "UpdateSubmitted",
                    "ResultPosted",
                    "RoundSettled",
                    "EvaluatorPenalized",
                    "EvaluatorAbsent",
                    "CreditsClaimed",
                    "StakeWithdrawn",
                    "StakeOwed",
                    "StakeCollected",
                    "RefundWithdrawn",
                    "BondWithdrawn");

    static {
        for (String name : INDEXED) {
            KINDS.put(MarketEvents.topic(name), name);
        }
    }

    private final TreeMap<BigInteger, Project> projects = new TreeMap<>();
    private long lastBlock = -1;
    private long lastIndex = -1;
    private long events;
    private long skipped;
    private String skippedWhy;

    /**
     * An event the index cannot use: of a project whose creation it never saw (it began after it,
     * {@code cohort.index.start-block} past the project's creation), or whose data does not decode.
     * Skipped, not applied: the log is stored and the cursor past it, so throwing would only stop
     * the rest of its range from being applied.
     */
    private static final class Unusable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Replaces everything with what {@code logs} say, after a reorganisation dropped the logs of
     * replaced blocks. The new state is built aside and swapped in under the index's lock, so
     * readers wait only for the swap and see the old index or the new one, and a failure halfway
     * (terms that cannot be read) leaves the old one.
     */
    public void rebuild(List<Log> logs, TermsSource terms) throws java.io.IOException {
        MarketIndex fresh = new MarketIndex();
        for (Log l : logs) {
            fresh.apply(l, terms);
        }
        synchronized (this) {
            projects.clear();
            projects.putAll(fresh.projects);
            lastBlock = fresh.lastBlock;
            lastIndex = fresh.lastIndex;
            events = fresh.events;
            skipped = fresh.skipped;
            skippedWhy = fresh.skippedWhy;
        }
    }

    /** Applies one log; a log at or before the last applied position is skipped (replays). */
    public synchronized void apply(Log log, TermsSource terms) throws java.io.IOException {
        long block = log.getBlockNumber().longValueExact();
        long index = log.getLogIndex().longValueExact();
        if (block < lastBlock || (block == lastBlock && index <= lastIndex)) {
            return;
        }
        String kind = log.getTopics().isEmpty() ? null : KINDS.get(log.getTopics().get(0));
        if (kind != null) {
            try {
                applyKnown(kind, log, block, terms);
                events++;
            } catch (Unusable | ArithmeticException e) {
                skipped++;
                skippedWhy = e.getMessage() + " (block " + block + ", log " + index + ")";
            }
        }
        lastBlock = block;
        lastIndex = index;
    }

    private void applyKnown(String kind, Log log, long block, TermsSource termsSource)
            throws java.io.IOException {
        switch (kind) {
            case "ProjectCreated" -> {
                var e = Market.getProjectCreatedEventFromLog(log);
                Project p = new Project();
                p.id = e.projectId;
                p.owner = e.owner.toLowerCase();
                p.token = e.token.toLowerCase();
                p.budget = e.budget;
                p.rewardPerRound = e.rewardPerRound;
                p.rounds = e.rounds.intValueExact();
                p.modelSpecCid = cid(e.modelSpecCid);
                p.initialModelCid = cid(e.initialModelCid);
                p.createdBlock = block;
                p.terms = termsSource.terms(e.projectId);
                projects.put(p.id, p);
            }
            case "ProjectCancelled" -> {
                var e = Market.getProjectCancelledEventFromLog(log);
                project(e.projectId).cancelledFrom = e.rounds.intValueExact();
            }
            case "TrainerRegistered" -> {
                var e = Market.getTrainerRegisteredEventFromLog(log);
                String t = e.trainer.toLowerCase();
                project(e.projectId)
                        .trainers
                        .put(t, TrainerStanding.registered(t, e.index.intValueExact(), e.stake));
            }
            case "EvaluatorBonded" -> {
                var e = Market.getEvaluatorBondedEventFromLog(log);
                project(e.projectId).bonds.put(e.evaluator.toLowerCase(), e.bond);
            }
            case "UpdateSubmitted" -> {
                var e = Market.getUpdateSubmittedEventFromLog(log);
                round(e.projectId, e.round)
                        .submissions
                        .add(
                                new Submission(
                                        e.trainer.toLowerCase(),
                                        cid(e.cid),
                                        block,
                                        Numeric.toHexString(e.cid),
                                        Numeric.toHexString(e.submissionsHash)));
            }
            case "ResultPosted" -> {
                List<String> topics = log.getTopics();
                if (topics.size() != 4) {
                    throw new Unusable(
                            "a ResultPosted log with " + topics.size() + " topics, not 4");
                }
                byte[] data = Numeric.hexStringToByteArray(log.getData());
                String reportCid;
                try {
                    reportCid = cid(reportCidOf(data));
                } catch (java.io.IOException e) {
                    throw new Unusable(e.getMessage());
                }
                String ev =
                        ("0x" + topics.get(3).substring(topics.get(3).length() - 40)).toLowerCase();
                round(Numeric.toBigInt(topics.get(1)), Numeric.toBigInt(topics.get(2)))
                        .posts
                        .put(
                                ev,
                                new Post(
                                        ev,
                                        Numeric.toHexString(Arrays.copyOf(data, 32)),
                                        reportCid,
                                        false));
            }
            case "RoundSettled" -> {
                var e = Market.getRoundSettledEventFromLog(log);
                round(e.projectId, e.round).settled =
                        new Settlement(
                                Numeric.toHexString(e.resultHash),
                                Numeric.toHexString(e.creditsRoot),
                                e.totalCredited,
                                e.totalSlashed,
                                cid(e.modelCid),
                                cid(e.reportCid),
                                block);
            }
            case "EvaluatorPenalized" -> {
                var e = Market.getEvaluatorPenalizedEventFromLog(log);
                Round r = round(e.projectId, e.round);
                String ev = e.evaluator.toLowerCase();
                Post p = r.posts.get(ev);
                if (p != null) {
                    r.posts.put(ev, new Post(p.evaluator(), p.resultHash(), p.reportCid(), true));
                }
                project(e.projectId).bonds.merge(ev, e.amount.negate(), BigInteger::add);
            }
            case "EvaluatorAbsent" -> {
                // taken from the bond as it is withdrawn (BondWithdrawn follows with the rest)
                var e = Market.getEvaluatorAbsentEventFromLog(log);
                project(e.projectId)
                        .bonds
                        .merge(e.evaluator.toLowerCase(), e.amount.negate(), BigInteger::add);
            }
            case "CreditsClaimed" -> {
                var e = Market.getCreditsClaimedEventFromLog(log);
                standing(e.projectId, e.trainer, s -> s.withClaimed(e.totalClaimed));
            }
            case "StakeWithdrawn" -> {
                var e = Market.getStakeWithdrawnEventFromLog(log);
                standing(e.projectId, e.trainer, s -> s.withStakeBack(e.returned, e.slashed));
            }
            case "StakeOwed" -> {
                var e = Market.getStakeOwedEventFromLog(log);
                standing(e.projectId, e.trainer, s -> s.withStakeOwed(e.amount));
            }
            case "StakeCollected" -> {
                var e = Market.getStakeCollectedEventFromLog(log);
                standing(e.projectId, e.trainer, s -> s.withStakeOwed(BigInteger.ZERO));
            }
            case "RefundWithdrawn" -> {
                var e = Market.getRefundWithdrawnEventFromLog(log);
                Project p = project(e.projectId);
                p.refunded = p.refunded.add(e.amount);
            }
            case "BondWithdrawn" -> {
                var e = Market.getBondWithdrawnEventFromLog(log);
                project(e.projectId).bonds.put(e.evaluator.toLowerCase(), BigInteger.ZERO);
            }
            default -> throw new IllegalStateException(kind);
        }
    }

    private Project project(BigInteger id) {
        Project p = projects.get(id);
        if (p == null) {
            throw new Unusable(
                    "an event of project "
                            + id
                            + ", whose creation is before the index's first block");
        }
        return p;
    }

    private void standing(
            BigInteger project,
            String trainer,
            java.util.function.UnaryOperator<TrainerStanding> change) {
        project(project)
                .trainers
                .computeIfPresent(trainer.toLowerCase(), (k, s) -> change.apply(s));
    }

    private Round round(BigInteger project, BigInteger round) {
        return project(project).roundData.computeIfAbsent(round.longValueExact(), r -> new Round());
    }

    /**
     * The {@code reportCid} of a {@code ResultPosted} log's data: {@code abi.encode(bytes32
     * resultHash, Result result)}, where the result is a tuple with dynamic fields (its offset in
     * the second word), {@code reportCid} its seventh field (an offset from the tuple's start).
     * Every offset and length is checked against the data before anything is copied.
     *
     * @throws java.io.IOException if the data does not hold one
     */
    static byte[] reportCidOf(byte[] data) throws java.io.IOException {
        long tuple = word(data, 32);
        long at = tuple + word(data, tuple + 6 * 32);
        long length = word(data, at);
        if (length > data.length - at - 32) {
            throw new java.io.IOException(
                    "a ResultPosted log's reportCid of " + length + " bytes overruns its data");
        }
        return Arrays.copyOfRange(data, (int) at + 32, (int) (at + 32 + length));
    }

    /** The 32-byte word at {@code at} as a non-negative long, checked to lie in {@code data}. */
    private static long word(byte[] data, long at) throws java.io.IOException {
        if (at < 0 || at > data.length - 32L) {
            throw new java.io.IOException(
                    "a ResultPosted log's data of " + data.length + " bytes has no word at " + at);
        }
        BigInteger v = new BigInteger(1, Arrays.copyOfRange(data, (int) at, (int) at + 32));
        if (v.bitLength() > 31) {
            throw new java.io.IOException(
                    "a ResultPosted log's data has an offset or length of " + v);
        }
        return v.longValue();
    }

    static String cid(byte[] bytes) {
        try {
            return Cid.fromBytes(bytes).toString();
        } catch (RuntimeException e) {
            return Numeric.toHexString(bytes);
        }
    }

    /** Logs applied (known events). */
    public synchronized long events() {
        return events;
    }

    /**
     * How many events were skipped because they belong to a project created before the index's
     * first block ({@code cohort.index.start-block} set past it; such a project is not indexed), or
     * their data does not decode.
     */
    public synchronized long skipped() {
        return skipped;
    }

    /** Why the last skipped event was skipped, or null when none was. */
    public synchronized String skippedWhy() {
        return skippedWhy;
    }

    /** Runs {@code read} on the index under its lock: views are built inside, copied out. */
    public synchronized <T> T read(java.util.function.Function<MarketIndex, T> read) {
        return read.apply(this);
    }

    // ---------------------------------------------------------------- reads (under the lock)

    List<Project> all() {
        return List.copyOf(projects.values());
    }

    Optional<Project> get(BigInteger id) {
        return Optional.ofNullable(projects.get(id));
    }

    public Optional<ProjectView> project(BigInteger id, long now) {
        return get(id).map(p -> ProjectView.of(p, now));
    }

    /** The project's trainers in registration order; empty for an unknown project. */
    public List<TrainerStanding> trainers(BigInteger id) {
        return get(id).map(p -> List.copyOf(p.trainers.values())).orElse(List.of());
    }

    public List<ProjectView> projects(long now) {
        return all().stream().map(p -> ProjectView.of(p, now)).toList();
    }
}
