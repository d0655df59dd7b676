package io.cohort.node.chain;

import io.cohort.ipfs.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.Log;

/**
 * The logs of one contract, block range by block range, from a cursor kept in a file: a restarted
 * node resumes where it stopped instead of scanning the chain again. Delivery is at least once: the
 * cursor moves past a range only after the handler returned for every log in it, so a crash
 * mid-range delivers that range again, and handlers must be idempotent (the protocol steps are:
 * they check the chain before acting).
 */
public final class EventFeed {

    private final Web3j web3j;
    private final String contract;
    private final Path cursorFile;
    private final int maxRange;
    private final int confirmations;
    private long next;

    /**
     * @param startBlock where to begin when there is no cursor file yet (the deployment block)
     * @param maxRange at most this many blocks per {@code eth_getLogs} (nodes cap the range)
     * @param confirmations blocks to stay behind the head (0 on Anvil; more where reorgs happen)
     */
    public EventFeed(
            Web3j web3j,
            String contract,
            Path cursorFile,
            long startBlock,
            int maxRange,
            int confirmations)
            throws IOException {
        if (maxRange < 1 || confirmations < 0 || startBlock < 0) {
            throw new IllegalArgumentException(
                    "need maxRange >= 1, confirmations >= 0, startBlock >= 0");
        }
        this.web3j = web3j;
        this.contract = contract;
        this.cursorFile = cursorFile;
        this.maxRange = maxRange;
        this.confirmations = confirmations;
        this.next = Files.exists(cursorFile) ? read(cursorFile) : startBlock;
    }

    private static long read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!text.matches("next-block \\d{1,18}")) {
            throw new IOException(file + " is not an event cursor ('next-block <n>'): " + text);
        }
        return Long.parseLong(text.substring("next-block ".length()));
    }

    /** The first block not yet delivered. */
    public long nextBlock() {
        return next;
    }

    /**
     * Delivers every log from the cursor up to the head (less the confirmations), in chain order,
     * and moves the cursor. Returns how many logs were delivered.
     */
    public int poll(Consumer<Log> handler) throws IOException {
        long head = web3j.ethBlockNumber().send().getBlockNumber().longValueExact() - confirmations;
        int delivered = 0;
        while (next <= head) {
            long to = Math.min(head, next + maxRange - 1);
            EthFilter filter =
                    new EthFilter(
                            DefaultBlockParameter.valueOf(BigInteger.valueOf(next)),
                            DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
                            contract);
            EthLog logs = web3j.ethGetLogs(filter).send();
            if (logs.hasError()) {
                throw new IOException(
                        "eth_getLogs " + next + ".." + to + ": " + logs.getError().getMessage());
            }
            @SuppressWarnings("rawtypes")
            List<EthLog.LogResult> results = logs.getLogs();
            for (EthLog.LogResult<?> result : results) {
                handler.accept((Log) result.get());
                delivered++;
            }
            next = to + 1;
            save();
        }
        return delivered;
    }

    private void save() {
        try {
            AtomicFile.write(
                    cursorFile,
                    ("next-block " + next + "\n").getBytes(StandardCharsets.US_ASCII),
                    false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the event cursor " + cursorFile, e);
        }
    }
}
