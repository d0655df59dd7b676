package io.cohort.marketplace.index;

import io.cohort.contracts.MarketEvents;
import io.cohort.contracts.generated.Market;
import io.cohort.marketplace.MarketplaceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.DefaultBlockParameterNumber;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/**
 * Follows the market's events from the configured start block into the {@link MarketIndex}, range
 * by range ({@code eth_getLogs}, at most {@code max-range} blocks, {@code confirmations} behind the
 * head), persisting every log and the cursor ({@link EventLog}) before applying it, so a restart
 * replays the file and goes on where it stopped. Errors (RPC down) are logged and retried.
 *
 * <p>Reorganisations are followed: before each step the hash of the last block read is compared
 * with the chain's; if it changed, the logs of the blocks the chain replaced are dropped (back to
 * the latest logged block whose hash still matches), the terms of projects whose creation they held
 * are forgotten, the index is rebuilt from the logs kept, and reading goes on from there.
 */
@ApplicationScoped
public class Indexer {

    private static final Logger LOG = Logger.getLogger(Indexer.class);

    @Inject MarketplaceConfig config;

    private final MarketIndex index = new MarketIndex();
    private Web3j web3j;

    /** The latest start a project is indexed with (about 146 billion years from 1970). */
    static final long LATEST_START = 1L << 62;

    private Market view;
    private EventLog log;
    private TermsCache terms;

    private static final String PROJECT_CREATED = MarketEvents.topic("ProjectCreated");
    private volatile long next;
    private volatile String lastHash; // of block next - 1, null if none read (or not recorded)
    // the projects whose creation the event log holds (the indexer's thread only)
    private final java.util.Set<BigInteger> created = new java.util.HashSet<>();
    private volatile long head = -1;
    private volatile long indexedTime;
    private volatile String lastError;
    private volatile boolean stopping;
    private Thread thread;

    void start(@Observes StartupEvent ev) throws IOException {
        open();
        thread = new Thread(this::loop, "market-indexer");
        thread.setDaemon(true);
        thread.start();
    }

    /** Checks the settings, opens the chain and the event log, and replays the log. */
    void open() throws IOException {
        if (config.index().maxRange() < 1 || config.index().confirmations() < 0) {
            // a range of 0 blocks would never advance; a negative depth reads past the head
            throw new IllegalArgumentException(
                    "cohort.index.max-range must be at least 1 and cohort.index.confirmations at"
                            + " least 0, got "
                            + config.index().maxRange()
                            + " and "
                            + config.index().confirmations());
        }
        String market = config.market();
        web3j = Web3j.build(new HttpService(config.rpcUrl()));
        view =
                Market.load(
                        market,
                        web3j,
                        new ReadonlyTransactionManager(web3j, market),
                        new DefaultGasProvider());
        log = EventLog.open(config.index().dir());
        List<Log> stored = log.read();
        long cursor = log.cursor(config.index().startBlock());
        if (!stored.isEmpty()
                && stored.get(stored.size() - 1).getBlockNumber().longValueExact() >= cursor) {
            // the cursor is the commit point: logs past it (a crash between the two writes) may
            // be of blocks the chain has replaced since, and are read again
            log.dropAfter(cursor - 1);
            stored = log.read();
        }
        noteCreated(stored);
        terms = TermsCache.open(config.index().dir(), this::termsFromChain);
        // terms of a project the log does not create may be of a replaced branch's project
        terms.retainOnly(created);
        for (Log l : stored) {
            index.apply(l, terms);
        }
        next = cursor;
        indexedTime = log.cursorTime(); // statuses are right before the first step, chain or not
        lastHash = log.cursorHash();
        LOG.infof(
                "indexing market %s from block %d (%d events replayed from %s)",
                market, next, stored.size(), config.index().dir());
    }

    void stop(@Observes ShutdownEvent ev) throws IOException {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
        if (log != null) {
            log.close();
        }
        if (web3j != null) {
            web3j.shutdown();
        }
    }

    private MarketIndex.Terms termsFromChain(BigInteger project) throws IOException {
        try {
            var terms = view.projectTerms(project).send();
            var schedule = view.schedule(project).send();
            var committee = view.committee(project).send();
            return new MarketIndex.Terms(
                    terms.component4(),
                    terms.component5(),
                    // uint64: anyone may create a project starting past 2^63 seconds; one such
                    // must not stop the index (it would be retried for ever), so it starts at
                    // LATEST_START, far enough from overflow for every sum of its schedule
                    schedule.component1().min(BigInteger.valueOf(LATEST_START)).longValueExact(),
                    schedule.component2().longValueExact(),
                    schedule.component3().longValueExact(),
                    terms.component7().intValueExact(),
                    committee.component3().intValueExact(),
                    committee.component1().stream().map(String::toLowerCase).toList());
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(
                    "cannot read project " + project + "'s terms: " + e.getMessage(), e);
        }
    }

    private void loop() {
        while (!stopping) {
            try {
                boolean more = step();
                lastError = null;
                if (!more) {
                    Thread.sleep(config.index().poll().toMillis());
                }
            } catch (InterruptedException e) {
                return;
            } catch (Error e) {
                // out of memory or worse: no retry can help, but readiness must say so
                lastError = "the indexer stopped: " + e;
                LOG.error("indexer stopped", e);
                return;
            } catch (IOException | RuntimeException e) {
                lastError = e.getMessage();
                LOG.warnf("indexer: %s (retrying)", e.getMessage());
                try {
                    Thread.sleep(config.index().poll().toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** Reads one range; true if the head is further still. */
    boolean step() throws IOException {
        var latest =
                web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                        .send()
                        .getBlock();
        long top = latest.getNumber().longValueExact() - config.index().confirmations();
        head = latest.getNumber().longValueExact();
        // a chain now shorter than what was read, or whose last block read has another hash,
        // replaced blocks that were indexed
        if (lastHash != null
                && (next - 1 > head
                        || !block(next - 1, latest).getHash().equalsIgnoreCase(lastHash))) {
            rewind(next - 1, latest);
            return true;
        }
        if (top < next) {
            if (indexedTime == 0 && next > 0) { // a cursor from before the time was kept
                indexedTime =
                        block(Math.min(next - 1, head), latest).getTimestamp().longValueExact();
            }
            return false;
        }
        long to = Math.min(top, next + config.index().maxRange() - 1);
        EthBlock.Block end = block(to, latest); // before anything moves: it may fail
        EthFilter filter =
                new EthFilter(
                        new DefaultBlockParameterNumber(BigInteger.valueOf(next)),
                        new DefaultBlockParameterNumber(BigInteger.valueOf(to)),
                        config.market());
        EthLog result = web3j.ethGetLogs(filter).send();
        if (result.hasError()) {
            throw new IOException(
                    "eth_getLogs " + next + ".." + to + ": " + result.getError().getMessage());
        }
        List<Log> logs = new ArrayList<>();
        for (EthLog.LogResult<?> r : result.getLogs()) {
            logs.add((Log) r.get());
        }
        // the logs are of the chain whose block `to` was read above only if it is still there,
        // and that chain continues the one read so far only if block next - 1 is still the one
        // checked above: a reorganisation between that check and the read of `to` would join
        // another branch's logs to the ones stored, and the next check would find nothing wrong
        String moved = "the chain reorganised while blocks " + next + ".." + to + " were read";
        for (Log l : logs) {
            if (l.getBlockNumber().longValueExact() == to
                    && !end.getHash().equalsIgnoreCase(l.getBlockHash())) {
                throw new IOException(moved);
            }
        }
        if (!block(to, null).getHash().equalsIgnoreCase(end.getHash())
                || (lastHash != null
                        && !block(next - 1, null).getHash().equalsIgnoreCase(lastHash))) {
            throw new IOException(moved);
        }
        long time = end.getTimestamp().longValueExact();
        try {
            // new projects' terms are read before the index is locked to apply the logs
            for (Log l : logs) {
                BigInteger id = createdBy(l);
                if (id != null) {
                    terms.terms(id);
                }
            }
            log.append(logs);
            log.moveCursor(to + 1, time, end.getHash());
        } catch (IOException | RuntimeException e) {
            // terms read for logs not committed: the range may come back from another branch
            terms.retainOnly(created);
            throw e;
        }
        // committed: the range is never read again, whatever applying it does
        next = to + 1;
        indexedTime = time;
        lastHash = end.getHash();
        noteCreated(logs);
        for (Log l : logs) {
            index.apply(l, terms);
        }
        return to < top;
    }

    /**
     * After the chain replaced block {@code replaced} (the last one read): keeps the logs up to the
     * latest logged block whose hash the chain still has, drops the rest from the file, the terms
     * cache and the index, and moves the cursor back to the block after it.
     */
    private void rewind(long replaced, EthBlock.Block latest) throws IOException {
        List<Log> stored = log.read();
        long keep = -1;
        EthBlock.Block kept = null;
        for (int i = stored.size() - 1; i >= 0; i--) {
            Log l = stored.get(i);
            long number = l.getBlockNumber().longValueExact();
            if (number == keep) {
                continue;
            }
            EthBlock.Block b = number <= head ? block(number, latest) : null;
            // a line written before hashes were kept cannot be checked: taken as still there
            if (b != null
                    && (l.getBlockHash() == null
                            || l.getBlockHash().equalsIgnoreCase(b.getHash()))) {
                keep = number;
                kept = b;
                break;
            }
            keep = number; // this block's logs are gone; look below it
        }
        if (kept == null) {
            keep = -1;
        }
        List<Log> remaining = new ArrayList<>();
        for (Log l : stored) {
            if (l.getBlockNumber().longValueExact() <= keep) {
                remaining.add(l);
            }
        }
        created.clear();
        noteCreated(remaining);
        long from = kept == null ? config.index().startBlock() : keep + 1;
        long time = kept == null ? 0 : kept.getTimestamp().longValueExact();
        String hash = kept == null ? null : kept.getHash();
        // in this order, each step idempotent: a crash leaves the old cursor, whose hash no longer
        // matches, so the restarted indexer rewinds again and ends in the same state
        log.dropAfter(keep);
        terms.retainOnly(created);
        log.moveCursor(from, time, hash);
        index.rebuild(remaining, terms);
        next = from;
        indexedTime = time;
        lastHash = hash;
        LOG.warnf(
                "the chain replaced block %d: dropped %d logs after block %d, reading again from"
                        + " block %d",
                replaced, stored.size() - remaining.size(), keep, from);
    }

    /** Adds the projects {@code logs} create to {@link #created}. */
    private void noteCreated(List<Log> logs) {
        for (Log l : logs) {
            BigInteger id = createdBy(l);
            if (id != null) {
                created.add(id);
            }
        }
    }

    /** The project a log creates, or null if it is no {@code ProjectCreated}. */
    private static BigInteger createdBy(Log l) {
        return !l.getTopics().isEmpty() && l.getTopics().get(0).equals(PROJECT_CREATED)
                ? Market.getProjectCreatedEventFromLog(l).projectId
                : null;
    }

    /** Block {@code number} (without transactions); {@code latest} answers for itself. */
    private EthBlock.Block block(long number, EthBlock.Block latest) throws IOException {
        if (latest != null && number == latest.getNumber().longValueExact()) {
            return latest;
        }
        EthBlock.Block b =
                web3j.ethGetBlockByNumber(
                                new DefaultBlockParameterNumber(BigInteger.valueOf(number)), false)
                        .send()
                        .getBlock();
        if (b == null) {
            throw new IOException("block " + number + " is unknown to the node");
        }
        return b;
    }

    public MarketIndex index() {
        return index;
    }

    /**
     * The chain's time as of the last block indexed (statuses are computed at it): a round is not
     * shown past its deadline while the blocks before that deadline, which may hold its
     * submissions, are still to be read. Kept in the cursor, so a restart has it before its first
     * step; 0 before any block was read.
     */
    public long now() {
        return indexedTime;
    }

    /** The next block to index. */
    public long next() {
        return next;
    }

    /** How many blocks it stays behind the head. */
    public int confirmations() {
        return config.index().confirmations();
    }

    /** The chain's head as last seen, or -1. */
    public long head() {
        return head;
    }

    /** The last error, null once a step succeeded. */
    public String lastError() {
        return lastError;
    }
}
