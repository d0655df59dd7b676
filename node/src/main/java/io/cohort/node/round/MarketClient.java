package io.cohort.node.round;

import io.cohort.contracts.Erc20;
import io.cohort.contracts.MarketErrors;
import io.cohort.contracts.MarketEvents;
import io.cohort.contracts.generated.Market;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.Transactor;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeEncoder;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint128;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;
import org.web3j.utils.Numeric;

/**
 * What a node reads from and sends to the market: views through the generated bindings, events by
 * {@code eth_getLogs} with the project (and round) as topics, transactions through a {@link
 * Transactor} (one per key).
 */
public final class MarketClient {

    /** A submission as the chain recorded it, in chain order. */
    public record Submitted(String trainer, byte[] cid, byte[] submissionsHash, long sequence) {}

    /** A settled round. */
    public record Settled(long round, byte[] creditsRoot, byte[] modelCid, byte[] reportCid) {}

    /** A project's terms, schedule and committee as the chain has them. */
    public record Project(
            BigInteger id,
            BigInteger rewardPerRound,
            BigInteger trainerStake,
            BigInteger evaluatorBond,
            int rounds,
            long start,
            long submitPeriod,
            long evalPeriod,
            List<String> evaluators,
            List<byte[]> evaluatorKeys,
            int quorum,
            byte[] modelSpecCid,
            byte[] initialModelCid,
            String token) {

        /** Whether stakes, bonds and rewards are in an ERC-20 token rather than ETH. */
        public boolean inToken() {
            return !Erc20.isEth(token);
        }
    }

    /**
     * Which blocks the client reads events from, and in what pieces.
     *
     * @param fromBlock the first block with the market's events: its deployment block (0 reads from
     *     genesis)
     * @param maxBlocks the most blocks one {@code eth_getLogs} request spans; a longer range is
     *     read in consecutive pages (public endpoints refuse ranges over some thousand blocks)
     */
    public record LogRange(long fromBlock, long maxBlocks) {

        /** From genesis, in pages of 10,000 blocks. */
        public static final LogRange DEFAULT = new LogRange(0, 10_000);

        public LogRange {
            if (fromBlock < 0) {
                throw new IllegalArgumentException(
                        "the first block to read logs from must be >= 0, got " + fromBlock);
            }
            if (maxBlocks < 1) {
                throw new IllegalArgumentException(
                        "an eth_getLogs page must span at least 1 block, got " + maxBlocks);
            }
        }

        /**
         * The pages that cover blocks {@code from..to} (both inclusive) from {@link #fromBlock} on,
         * each {@code {first, last}}, in order; none when the range is empty.
         */
        public List<long[]> pages(long from, long to) {
            List<long[]> out = new ArrayList<>();
            long first = Math.max(from, fromBlock);
            while (first <= to) {
                long last = to - first < maxBlocks ? to : first + maxBlocks - 1;
                out.add(new long[] {first, last});
                if (last == Long.MAX_VALUE) {
                    break;
                }
                first = last + 1;
            }
            return out;
        }
    }

    private final Web3j web3j;
    private final LogRange range;
    private final long rescanBlocks;
    private final String market;
    private final long chainId;
    private final Market view;

    public MarketClient(Web3j web3j, String market, long chainId) {
        this(web3j, market, chainId, LogRange.DEFAULT);
    }

    public MarketClient(Web3j web3j, String market, long chainId, LogRange range) {
        this(web3j, market, chainId, range, RESCAN_BLOCKS);
    }

    /** With another rescan depth: a test's, so that its few blocks take the incremental path. */
    MarketClient(Web3j web3j, String market, long chainId, LogRange range, long rescanBlocks) {
        this.range = range;
        this.rescanBlocks = rescanBlocks;
        this.web3j = web3j;
        this.market = market;
        this.chainId = chainId;
        this.view =
                Market.load(
                        market,
                        web3j,
                        new ReadonlyTransactionManager(web3j, market),
                        new DefaultGasProvider());
    }

    public String address() {
        return market;
    }

    public long chainId() {
        return chainId;
    }

    /**
     * Whether the market has project {@code id}: false when reading its terms reverts with the
     * market's {@code ProjectNotFound}; an {@link IOException} when the chain cannot say.
     */
    public boolean exists(BigInteger id) throws IOException {
        EthCall call =
                call(
                        () ->
                                web3j.ethCall(
                                                Transaction.createEthCallTransaction(
                                                        null,
                                                        market,
                                                        encode("projectTerms", new Uint256(id))),
                                                DefaultBlockParameterName.LATEST)
                                        .send());
        if (!call.hasError()) {
            return true;
        }
        if (MarketErrors.name(call.getError()).filter("ProjectNotFound"::equals).isPresent()) {
            return false;
        }
        throw new IOException(
                market
                        + ": cannot read project "
                        + id
                        + ": "
                        + MarketErrors.reason(call.getError()));
    }

    /** The project's terms; fails if it does not exist. */
    public Project project(BigInteger id) throws IOException {
        try {
            var terms = view.projectTerms(id).send();
            var schedule = view.schedule(id).send();
            var committee = view.committee(id).send();
            var cids = view.modelCids(id).send();
            return new Project(
                    id,
                    terms.component3(),
                    terms.component4(),
                    terms.component5(),
                    schedule.component4().intValueExact(),
                    schedule.component1().longValueExact(),
                    schedule.component2().longValueExact(),
                    schedule.component3().longValueExact(),
                    committee.component1(),
                    committee.component2(),
                    committee.component3().intValueExact(),
                    cids.component1(),
                    cids.component2(),
                    terms.component2());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(
                    "cannot read project " + id + " from " + market + ": " + e.getMessage(), e);
        }
    }

    /** {@code opensAt, submitDeadline, settleDeadline} of a round (seconds). */
    public long[] deadlines(BigInteger project, long round) throws IOException {
        var d = call(() -> view.deadlines(project, BigInteger.valueOf(round)).send());
        return new long[] {
            d.component1().longValueExact(),
            d.component2().longValueExact(),
            d.component3().longValueExact()
        };
    }

    public boolean hasSubmitted(BigInteger project, long round, String trainer) throws IOException {
        return call(() -> view.hasSubmitted(project, BigInteger.valueOf(round), trainer).send());
    }

    /** The result hash {@code evaluator} posted for the round, or empty. */
    public boolean hasPosted(BigInteger project, long round, String evaluator) throws IOException {
        byte[] h =
                call(() -> view.postedResult(project, BigInteger.valueOf(round), evaluator).send());
        return !java.util.Arrays.equals(h, new byte[32]);
    }

    /** The round's rolling submissions hash now. */
    public byte[] submissionsHash(BigInteger project, long round) throws IOException {
        return call(() -> view.roundState(project, BigInteger.valueOf(round)).send()).component2();
    }

    /** Credits the trainer has claimed so far. */
    public BigInteger claimed(BigInteger project, String trainer) throws IOException {
        return call(() -> view.trainer(project, trainer).send()).component3();
    }

    /** A trainer's standing in a project. */
    public record TrainerInfo(
            boolean registered, int index, BigInteger claimed, boolean stakeWithdrawn) {}

    public TrainerInfo trainerInfo(BigInteger project, String trainer) throws IOException {
        var t = call(() -> view.trainer(project, trainer).send());
        return new TrainerInfo(
                t.component1(), t.component2().intValueExact(), t.component3(), t.component4());
    }

    /**
     * The stake return the market keeps for a trainer whose address refused it when its stake was
     * settled ({@code StakeOwed}); zero if none.
     */
    public BigInteger stakeOwed(BigInteger project, String trainer) throws IOException {
        return call(() -> view.stakeOwed(project, trainer).send());
    }

    /** An evaluator's seat: a committee member, bonded, and the bond it still has there. */
    public record EvaluatorInfo(boolean member, boolean bonded, BigInteger bond) {}

    public EvaluatorInfo evaluatorInfo(BigInteger project, String evaluator) throws IOException {
        var e = call(() -> view.evaluator(project, evaluator).send());
        return new EvaluatorInfo(e.component1(), e.component2(), e.component3());
    }

    /**
     * The settled rounds an evaluator posted no result in so far, and what {@code withdrawBond}
     * would take for them now (one penalty each, at most the bond left).
     */
    public record Absences(long rounds, BigInteger penalty) {}

    public Absences absences(BigInteger project, String evaluator) throws IOException {
        var a = call(() -> view.absences(project, evaluator).send());
        return new Absences(a.component1().longValueExact(), a.component2());
    }

    /** What a member loses for a dissent or a settled round it posted nothing in. */
    public BigInteger evaluatorPenalty(BigInteger project) throws IOException {
        return call(() -> view.projectTerms(project).send()).component6();
    }

    /** How many rounds the project has now (a cancellation drops the later ones). */
    public long rounds(BigInteger project) throws IOException {
        return call(() -> view.schedule(project).send()).component4().longValueExact();
    }

    /** Whether the project is over: past its last round, or its last round settled. */
    public boolean ended(BigInteger project) throws IOException {
        return call(() -> view.ended(project).send());
    }

    /** The account's balance in wei at the latest block. */
    public BigInteger balance(String account) throws IOException {
        return web3j.ethGetBalance(account, DefaultBlockParameterName.LATEST).send().getBalance();
    }

    /** The latest block's timestamp. */
    public long now() throws IOException {
        return web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                .send()
                .getBlock()
                .getTimestamp()
                .longValueExact();
    }

    /**
     * Registered trainers in registration order (their index). Registration stays open while rounds
     * run, and the evaluator asks every round, so the read is incremental, as {@link #settled}'s.
     */
    public List<String> trainers(BigInteger project) throws IOException {
        return registered(project).stream().map(Registered::trainer).toList();
    }

    /**
     * The trainers registered in blocks whose timestamp is before {@code timestamp}, in
     * registration order. An evaluator counts the trainers registered before the round's submission
     * deadline: registration stays open during the evaluation window, and a count read at the head
     * would differ between evaluators that evaluate before and after a registration, so honest
     * evaluators would post different roots. Once the chain is past the deadline this set is fixed.
     */
    public List<String> trainersRegisteredBefore(BigInteger project, long timestamp)
            throws IOException {
        List<String> out = new ArrayList<>();
        for (Registered r : registered(project)) {
            // registration order is chain order, and block times never decrease along the chain
            if (blockTime(r.blockHash()) >= timestamp) {
                break;
            }
            out.add(r.trainer());
        }
        return out;
    }

    private record Registered(String trainer, String blockHash) {}

    private List<Registered> registered(BigInteger project) throws IOException {
        return registrations.read(
                project,
                log -> {
                    var e = Market.getTrainerRegisteredEventFromLog(log);
                    return Map.entry(
                            e.index.longValueExact(),
                            new Registered(e.trainer, log.getBlockHash()));
                });
    }

    /** Timestamps of blocks by hash: a block's timestamp never changes, so they are kept. */
    private final Map<String, Long> blockTimes = new ConcurrentHashMap<>();

    private long blockTime(String blockHash) throws IOException {
        Long known = blockTimes.get(blockHash);
        if (known != null) {
            return known;
        }
        EthBlock.Block b = call(() -> web3j.ethGetBlockByHash(blockHash, false).send().getBlock());
        if (b == null) {
            throw new IOException(
                    "block "
                            + blockHash
                            + " is no longer on the chain (a reorganisation); read again");
        }
        long t = b.getTimestamp().longValueExact();
        blockTimes.put(blockHash, t);
        return t;
    }

    /**
     * The round's submissions in chain order, read from {@link #submissionsFrom} to the head, not
     * from the market's first block: on a long chain a round's read spans the blocks since the last
     * settlement, not the project's whole life.
     */
    public List<Submitted> submissions(BigInteger project, long round) throws IOException {
        List<Submitted> out = new ArrayList<>();
        long from = submissionsFrom(project, round);
        for (Log log : logs(Market.UPDATESUBMITTED_EVENT, project, round, from, head())) {
            var e = Market.getUpdateSubmittedEventFromLog(log);
            long sequence =
                    log.getBlockNumber().longValueExact() * 1_000_000L
                            + log.getLogIndex().longValueExact();
            out.add(new Submitted(e.trainer, e.cid, e.submissionsHash, sequence));
        }
        return out;
    }

    /**
     * The settled rounds of a project, by round. The run loop asks every tick, so the scan is
     * incremental (see {@link IncrementalScan}).
     */
    public List<Settled> settled(BigInteger project) throws IOException {
        return settlements.read(
                project,
                log -> {
                    var e = Market.getRoundSettledEventFromLog(log);
                    long round = e.round.longValueExact();
                    return Map.entry(
                            round, new Settled(round, e.creditsRoot, e.modelCid, e.reportCid));
                });
    }

    /**
     * The first block that can hold a submission to {@code round}: the block that settled the
     * latest earlier round, less the rescan depth (a short reorganisation can move that block), or
     * {@link LogRange#fromBlock} when no earlier round settled. A round opens when the one before
     * it stops taking results ({@code Market}: the settle deadline of round r is the opening of
     * round r + 1), so every result of an earlier round, its settlement included, is in a block
     * with an earlier timestamp than any submission to this round, and so in an earlier block.
     */
    long submissionsFrom(BigInteger project, long round) throws IOException {
        settled(project);
        long latest = settlements.latestBlockBefore(project, round);
        return latest < 0 ? range.fromBlock() : Math.max(range.fromBlock(), latest - rescanBlocks);
    }

    /** How many blocks below the last scanned head an incremental read reads again, by default. */
    static final long RESCAN_BLOCKS = 64;

    /**
     * One event of every project, read incrementally and kept by a key (a round, a trainer's
     * index): the first read of a project scans from {@link LogRange#fromBlock}, each later one
     * only the blocks since the last, plus the {@link #rescanBlocks} below them again, so that an
     * event a short reorganisation dropped or moved is dropped or moved here too. A deeper one is
     * caught by the anchor: the hash of the highest block the next read will not read again, taken
     * before this read's logs; if that block's hash has changed by the next read, the project's
     * events are read again from the start.
     */
    private final class IncrementalScan<V> {

        private record At<V>(V value, long block) {}

        /** An event's key and value. */
        interface Decoder<V> {
            Map.Entry<Long, V> keyed(Log log);
        }

        /**
         * What has been read of one project: its events by key, up to which block, and the anchor
         * (a block below the next read's range, and its hash when read).
         */
        private static final class Read<V> {
            long scannedTo = -1;
            long anchor = -1;
            String anchorHash;
            final TreeMap<Long, At<V>> byKey = new TreeMap<>();
        }

        private final org.web3j.abi.datatypes.Event event;
        private final Map<BigInteger, Read<V>> reads = new HashMap<>();

        IncrementalScan(org.web3j.abi.datatypes.Event event) {
            this.event = event;
        }

        /** The project's events, in key order, after reading the blocks since the last read. */
        List<V> read(BigInteger project, Decoder<V> decode) throws IOException {
            long head = head();
            synchronized (reads) {
                Read<V> read = reads.computeIfAbsent(project, p -> new Read<>());
                // the anchor's hash as the chain has it now, while it still matches
                String held = null;
                if (read.anchor >= 0) {
                    held = read.anchor > head ? null : blockHash(read.anchor);
                    if (!read.anchorHash.equals(held)) {
                        // a reorganisation deeper than the rescan (or to a chain that no longer
                        // reaches the anchor): read everything again
                        held = null;
                        read.byKey.clear();
                        read.scannedTo = -1;
                        deepReorganisations.incrementAndGet();
                    }
                }
                long from = Math.max(0, Math.min(read.scannedTo + 1 - rescanBlocks, head));
                // the next read starts at head + 1 - rescanBlocks; the block below is its anchor,
                // hashed before the logs are read (a reorganisation in between is then caught
                // next time rather than missed); with no new block it is the anchor just checked
                long anchor = head - rescanBlocks;
                String anchorHash =
                        anchor < 0
                                ? null
                                : anchor == read.anchor && held != null ? held : blockHash(anchor);
                List<Log> logs = logs(event, project, null, from, head);
                read.byKey.values().removeIf(a -> a.block() >= from);
                for (Log log : logs) {
                    Map.Entry<Long, V> e = decode.keyed(log);
                    read.byKey.put(
                            e.getKey(),
                            new At<>(e.getValue(), log.getBlockNumber().longValueExact()));
                }
                read.scannedTo = head;
                read.anchor = anchorHash == null ? -1 : anchor;
                read.anchorHash = anchorHash;
                return read.byKey.values().stream().map(At::value).toList();
            }
        }

        /** The block of the latest event read with a key below {@code key}; -1 when none. */
        long latestBlockBefore(BigInteger project, long key) {
            synchronized (reads) {
                Read<V> read = reads.get(project);
                long latest = -1;
                if (read != null) {
                    for (At<V> a : read.byKey.headMap(key, false).values()) {
                        latest = Math.max(latest, a.block());
                    }
                }
                return latest;
            }
        }
    }

    private final IncrementalScan<Settled> settlements =
            new IncrementalScan<>(Market.ROUNDSETTLED_EVENT);
    private final IncrementalScan<Registered> registrations =
            new IncrementalScan<>(Market.TRAINERREGISTERED_EVENT);

    /** The latest round before {@code round} that settled, if any. */
    public Optional<Settled> lastSettledBefore(BigInteger project, long round) throws IOException {
        Settled last = null;
        for (Settled s : settled(project)) {
            if (s.round() < round) {
                last = s;
            }
        }
        return Optional.ofNullable(last);
    }

    /** How many times an incremental read found a reorganisation deeper than its rescan. */
    private final AtomicInteger deepReorganisations = new AtomicInteger();

    int deepReorganisations() {
        return deepReorganisations.get();
    }

    private String blockHash(long block) throws IOException {
        EthBlock.Block b =
                call(
                        () ->
                                web3j.ethGetBlockByNumber(
                                                DefaultBlockParameter.valueOf(
                                                        BigInteger.valueOf(block)),
                                                false)
                                        .send()
                                        .getBlock());
        if (b == null) {
            throw new IOException(market + ": block " + block + " is not on the chain");
        }
        return b.getHash();
    }

    private long head() throws IOException {
        return call(() -> web3j.ethBlockNumber().send().getBlockNumber()).longValueExact();
    }

    /**
     * The event's logs for the project (and round) in blocks {@code from..to}, read in the pages of
     * {@link #range}, in chain order.
     */
    private List<Log> logs(
            org.web3j.abi.datatypes.Event event, BigInteger project, Long round, long from, long to)
            throws IOException {
        List<Log> logs = new ArrayList<>();
        for (long[] page : range.pages(from, to)) {
            EthFilter filter =
                    new EthFilter(
                            DefaultBlockParameter.valueOf(BigInteger.valueOf(page[0])),
                            DefaultBlockParameter.valueOf(BigInteger.valueOf(page[1])),
                            market);
            filter.addSingleTopic(MarketEvents.topic(event.getName()));
            filter.addSingleTopic(topic(project));
            if (round != null) {
                filter.addSingleTopic(topic(BigInteger.valueOf(round)));
            }
            EthLog result = web3j.ethGetLogs(filter).send();
            if (result.hasError()) {
                throw new IOException(
                        "eth_getLogs on "
                                + market
                                + " for blocks "
                                + page[0]
                                + ".."
                                + page[1]
                                + ": "
                                + result.getError().getMessage());
            }
            for (EthLog.LogResult<?> r : result.getLogs()) {
                logs.add((Log) r.get());
            }
        }
        return logs;
    }

    private static String topic(BigInteger value) {
        return "0x" + TypeEncoder.encode(new Uint256(value));
    }

    private interface Read<T> {
        T get() throws Exception;
    }

    private <T> T call(Read<T> read) throws IOException {
        try {
            return read.get();
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(market + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- transactions

    private static String encode(String name, Type<?>... args) {
        return FunctionEncoder.encode(new Function(name, List.of(args), List.of()));
    }

    /** Registers for an ETH project, sending the stake. */
    public Transactor.Sent register(Transactor key, BigInteger project, BigInteger stake)
            throws ChainException {
        return key.send(
                "register(project " + project + ")",
                market,
                encode("register", new Uint256(project)),
                stake);
    }

    /**
     * Registers for a project staking in {@code token} ({@link Erc20#ETH} for ETH): for an ERC-20
     * the market is first allowed to take the stake ({@link #allow}).
     */
    public Transactor.Sent register(
            Transactor key, BigInteger project, String token, BigInteger stake)
            throws ChainException, IOException {
        if (Erc20.isEth(token)) {
            return register(key, project, stake);
        }
        allow(key, token, stake, "stake");
        return register(key, project, BigInteger.ZERO);
    }

    /** Bonds for an ETH project, sending the bond. */
    public Transactor.Sent bond(Transactor key, BigInteger project, BigInteger bond)
            throws ChainException {
        return key.send(
                "bondEvaluator(project " + project + ")",
                market,
                encode("bondEvaluator", new Uint256(project)),
                bond);
    }

    /** Bonds for a project in {@code token}, allowing the market to take it first (ERC-20). */
    public Transactor.Sent bond(Transactor key, BigInteger project, String token, BigInteger bond)
            throws ChainException, IOException {
        if (Erc20.isEth(token)) {
            return bond(key, project, bond);
        }
        allow(key, token, bond, "bond");
        return bond(key, project, BigInteger.ZERO);
    }

    /**
     * Makes sure the market may take {@code amount} of {@code token} from {@code key}'s account: an
     * {@code approve} for exactly the amount unless the allowance covers it already (so a restart
     * does not approve twice). An account that does not hold the amount is an {@link IOException}
     * naming what it holds: nothing is sent, and the run loop retries once it is funded.
     */
    void allow(Transactor key, String token, BigInteger amount, String what)
            throws ChainException, IOException {
        BigInteger balance = Erc20.balanceOf(web3j, token, key.address());
        if (balance.compareTo(amount) < 0) {
            throw new IOException(
                    key.address()
                            + " holds "
                            + balance
                            + " of token "
                            + token
                            + "; the "
                            + what
                            + " is "
                            + amount);
        }
        BigInteger allowance = Erc20.allowance(web3j, token, key.address(), market);
        if (allowance.compareTo(amount) < 0) {
            key.send(
                    "approve(" + what + " of " + amount + " for the market)",
                    token,
                    Erc20.approve(market, amount),
                    BigInteger.ZERO);
        }
    }

    public Transactor.Sent submit(Transactor key, BigInteger project, long round, byte[] cid)
            throws ChainException {
        return key.send(
                "submit(project " + project + ", round " + round + ")",
                market,
                encode("submit", new Uint256(project), new Uint256(round), new DynamicBytes(cid)),
                BigInteger.ZERO);
    }

    /**
     * Gas a post may need beyond its estimate, per committee member and once: the estimate is made
     * while the post would only vote, but committee members finish alike, and the one mined second
     * completes the quorum, settles the round and penalises dissenters (docs/gas.md: 181,515 for a
     * settling post of a committee of 3 against 102,856 for a vote). Unused gas is not paid for.
     */
    static final long SETTLE_GAS = 70_000;

    static final long SETTLE_GAS_PER_MEMBER = 17_000;

    /**
     * Posts this evaluator's result, with gas enough to settle the round and penalise every other
     * member of a committee of {@code committeeSize} should it complete the quorum.
     */
    public Transactor.Sent postResult(
            Transactor key, BigInteger project, long round, Market.Result result, int committeeSize)
            throws ChainException {
        return key.send(
                "postResult(project " + project + ", round " + round + ")",
                market,
                encode("postResult", new Uint256(project), new Uint256(round), result),
                BigInteger.ZERO,
                SETTLE_GAS + SETTLE_GAS_PER_MEMBER * committeeSize);
    }

    /** Claims the credit of a leaf of the settled tree beyond what was claimed. */
    public Transactor.Sent claim(
            Transactor key,
            BigInteger project,
            String trainer,
            BigInteger credit,
            BigInteger slash,
            List<byte[]> proof)
            throws ChainException {
        return withLeaf("claim", key, project, trainer, credit, slash, proof);
    }

    /** After the end: the stake back less the leaf's slash (no leaf: zeros and no proof). */
    public Transactor.Sent withdrawStake(
            Transactor key,
            BigInteger project,
            String trainer,
            BigInteger credit,
            BigInteger slash,
            List<byte[]> proof)
            throws ChainException {
        return withLeaf("withdrawStake", key, project, trainer, credit, slash, proof);
    }

    /**
     * The market's two calls that prove a leaf: {@code name(project, trainer, credit, slash,
     * proof)}.
     */
    private Transactor.Sent withLeaf(
            String name,
            Transactor key,
            BigInteger project,
            String trainer,
            BigInteger credit,
            BigInteger slash,
            List<byte[]> proof)
            throws ChainException {
        List<Bytes32> p = proof.stream().map(Bytes32::new).toList();
        return key.send(
                name + "(project " + project + ", " + trainer + ")",
                market,
                encode(
                        name,
                        new Uint256(project),
                        new Address(trainer),
                        new Uint128(credit),
                        new Uint128(slash),
                        new DynamicArray<>(Bytes32.class, p)),
                BigInteger.ZERO);
    }

    /** Pays a trainer the stake return the market kept for it (see {@link #stakeOwed}). */
    public Transactor.Sent collectStake(Transactor key, BigInteger project, String trainer)
            throws ChainException {
        return key.send(
                "collectStake(project " + project + ", " + trainer + ")",
                market,
                encode("collectStake", new Uint256(project), new Address(trainer)),
                BigInteger.ZERO);
    }

    public Transactor.Sent withdrawBond(Transactor key, BigInteger project) throws ChainException {
        return key.send(
                "withdrawBond(project " + project + ")",
                market,
                encode("withdrawBond", new Uint256(project)),
                BigInteger.ZERO);
    }

    static String hex(byte[] bytes) {
        return Numeric.toHexString(bytes);
    }
}
