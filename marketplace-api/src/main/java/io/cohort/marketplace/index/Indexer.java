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
        terms = TermsCache.open(config.index().dir(), this::termsFromChain);
        List<Log> stored = log.read();
        for (Log l : stored) {
            index.apply(l, terms);
        }
        next = log.cursor(config.index().startBlock());
        indexedTime = log.cursorTime(); // statuses are right before the first step, chain or not
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
        if (top < next) {
            if (indexedTime == 0 && next > 0) { // a cursor from before the time was kept
                indexedTime = blockTime(Math.min(next - 1, head), latest);
            }
            return false;
        }
        long to = Math.min(top, next + config.index().maxRange() - 1);
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
        // new projects' terms are read before the index is locked to apply the logs
        for (Log l : logs) {
            if (!l.getTopics().isEmpty() && l.getTopics().get(0).equals(PROJECT_CREATED)) {
                terms.terms(Market.getProjectCreatedEventFromLog(l).projectId);
            }
        }
        long time = blockTime(to, latest); // before anything moves: it may fail
        log.append(logs);
        log.moveCursor(to + 1, time);
        for (Log l : logs) {
            index.apply(l, terms);
        }
        next = to + 1;
        indexedTime = time;
        return to < top;
    }

    /** The timestamp of block {@code number}; {@code latest} answers for itself. */
    private long blockTime(long number, EthBlock.Block latest) throws IOException {
        if (number == latest.getNumber().longValueExact()) {
            return latest.getTimestamp().longValueExact();
        }
        EthBlock.Block b =
                web3j.ethGetBlockByNumber(
                                new DefaultBlockParameterNumber(BigInteger.valueOf(number)), false)
                        .send()
                        .getBlock();
        if (b == null) {
            throw new IOException("block " + number + " is unknown to the node");
        }
        return b.getTimestamp().longValueExact();
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
