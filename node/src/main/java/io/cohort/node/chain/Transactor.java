package io.cohort.node.chain;

import io.cohort.contracts.MarketErrors;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.EthTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * Sends one key's transactions with the discipline of issue 6: one nonce sequence per key (this
 * object; share it between every caller that signs with the key), gas estimated with a margin,
 * EIP-1559 fees read from the chain, the receipt awaited with a timeout, and the transaction
 * re-signed at the same nonce with higher fees when it is not mined in time ("stuck"). An RPC
 * endpoint that does not answer is retried until the timeout; a re-sent transaction the node
 * already has is not an error.
 *
 * <p>Given a file ({@link WaitingFile}), the transaction in flight is written down before each
 * broadcast, so that after a crash the next process with the key replaces it like one a timed-out
 * send left waiting.
 *
 * <p>Idempotency of protocol steps (check on-chain before sending) belongs to the caller: this
 * class makes one transaction land at most once, not one step.
 */
public final class Transactor implements AutoCloseable {

    /**
     * @param gasMarginPercent added to the estimate, e.g. 20
     * @param receiptTimeout how long {@link #send} waits in all, RPC outages included
     * @param bumpAfter how long a transaction may wait unmined before it is re-sent with higher
     *     fees
     * @param bumpPercent the fee increase of each re-send, at least 10 (what nodes require to
     *     replace)
     * @param poll how often the receipt is asked for
     * @param maxGas the largest gas limit this key signs (estimate plus margin); a call that needs
     *     more is refused before anything is sent ({@link ChainException.Kind#GAS_CAP})
     * @param maxFeePerGas the highest max fee (and tip) per gas this key signs, in wei: fee bumps
     *     stop there, so a chain that mines nothing for long cannot run them up to the balance
     */
    public record Options(
            int gasMarginPercent,
            Duration receiptTimeout,
            Duration bumpAfter,
            int bumpPercent,
            Duration poll,
            long maxGas,
            BigInteger maxFeePerGas) {

        /** Options with a fee cap of {@link #DEFAULT_MAX_FEE_PER_GAS}. */
        public Options(
                int gasMarginPercent,
                Duration receiptTimeout,
                Duration bumpAfter,
                int bumpPercent,
                Duration poll,
                long maxGas) {
            this(
                    gasMarginPercent,
                    receiptTimeout,
                    bumpAfter,
                    bumpPercent,
                    poll,
                    maxGas,
                    DEFAULT_MAX_FEE_PER_GAS);
        }

        /** Options with a gas cap of {@link #DEFAULT_MAX_GAS}. */
        public Options(
                int gasMarginPercent,
                Duration receiptTimeout,
                Duration bumpAfter,
                int bumpPercent,
                Duration poll) {
            this(gasMarginPercent, receiptTimeout, bumpAfter, bumpPercent, poll, DEFAULT_MAX_GAS);
        }

        /** 10 million: four times what posting a result of a full committee costs. */
        public static final long DEFAULT_MAX_GAS = 10_000_000;

        /**
         * 1,000 gwei: several times Ethereum's busiest hours, and a bound on what a stall costs.
         */
        public static final BigInteger DEFAULT_MAX_FEE_PER_GAS = BigInteger.TEN.pow(12);

        /**
         * 20 % gas margin, 120 s timeout, re-send after 30 s with +25 % fees, poll every 200 ms.
         */
        public static Options defaults() {
            return new Options(
                    20,
                    Duration.ofSeconds(120),
                    Duration.ofSeconds(30),
                    25,
                    Duration.ofMillis(200));
        }

        public Options {
            if (maxGas < 21_000) {
                throw new IllegalArgumentException(
                        "the gas cap must be at least 21000 (a plain transfer), got " + maxGas);
            }
            if (maxFeePerGas == null || maxFeePerGas.signum() <= 0) {
                throw new IllegalArgumentException(
                        "the fee cap must be positive, got " + maxFeePerGas);
            }
            // a zero bump-after re-signs at higher fees without ever looking for a receipt,
            // up to the fee cap in milliseconds; a zero timeout or poll spins likewise
            positive("receipt-timeout", receiptTimeout);
            positive("bump-after", bumpAfter);
            positive("receipt-poll", poll);
            if (gasMarginPercent < 0 || bumpPercent < 10) {
                throw new IllegalArgumentException(
                        "gas margin must be >= 0 and fee bump >= 10 %, got "
                                + gasMarginPercent
                                + " and "
                                + bumpPercent);
            }
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    /** What a call to {@link #send} did, for logs and metrics. */
    public record Sent(
            TransactionReceipt receipt, BigInteger nonce, int attempts, BigInteger gasLimit) {}

    private final Web3j web3j;
    private final Credentials key;
    private final long chainId;
    private final Options options;
    private final Consumer<String> progress;
    private BigInteger nextNonce; // guarded by this

    /**
     * The transaction a send left waiting (timed out, or failed after it was sent), or one an
     * earlier process left in the file, or null (guarded by this).
     *
     * @param nonce its nonce
     * @param fees the fees of its last attempt {priority, max}
     * @param hashes every attempt's hash
     */
    record Waiting(BigInteger nonce, BigInteger[] fees, List<String> hashes) {}

    private Waiting waiting;

    /** Where the transaction in flight is kept for the next process, or null for nowhere. */
    private final Path waitingFile;

    /** The file once this transactor holds its lock (guarded by this). */
    private WaitingFile kept;

    /** Whether this transactor already said why it has no file (guarded by this). */
    private boolean toldNoFile;

    /**
     * @param progress receives one line per event worth a log line (sent, re-sent, retrying)
     */
    public Transactor(
            Web3j web3j,
            Credentials key,
            long chainId,
            Options options,
            Consumer<String> progress) {
        this(web3j, key, chainId, options, progress, null);
    }

    /**
     * A transactor that keeps the transaction it has in flight in {@code waitingFile} (one file per
     * key and chain, in the node's state folder), so that after a crash the next process with the
     * key replaces it. The file is taken at the first send (a transactor that never sends, as in
     * {@code status}, leaves it alone) and tried again at each send while another process holds it;
     * close the transactor to let the next process take it.
     */
    public Transactor(
            Web3j web3j,
            Credentials key,
            long chainId,
            Options options,
            Consumer<String> progress,
            Path waitingFile) {
        this.web3j = web3j;
        this.key = key;
        this.chainId = chainId;
        this.options = options;
        this.progress = progress;
        this.waitingFile = waitingFile;
    }

    /** The sending account. */
    public String address() {
        return key.getAddress();
    }

    /**
     * Sends {@code data} to {@code to} with {@code value} wei and waits for it to be mined.
     *
     * @param what a short name for messages, e.g. {@code submit(project 1, round 2)}
     */
    public Sent send(String what, String to, String data, BigInteger value) throws ChainException {
        return send(what, to, data, value, 0);
    }

    /**
     * Like {@link #send(String, String, String, BigInteger)}, with {@code extraGas} on top of the
     * estimate and its margin: for a call whose cost depends on what lands before it in the same
     * block (the post that completes a quorum settles the round, which the estimate, made while it
     * would only vote, does not price).
     */
    public synchronized Sent send(
            String what, String to, String data, BigInteger value, long extraGas)
            throws ChainException {
        long deadline = System.nanoTime() + options.receiptTimeout().toNanos();
        BigInteger gasLimit = gasLimit(what, to, data, value, extraGas, deadline);
        acquireFile();
        BigInteger nonce = nonce(what, deadline);
        BigInteger[] fees = fees(what, deadline); // priority, max
        // the attempts a send of this transactor, or an earlier process (the file), left waiting
        // at this nonce: replaced by this one (else this one would queue behind them, and if the
        // chain's fees outgrew them, every later transaction of the key with it), but only while
        // the node still knows one of them; if one of them lands after all, this one moves to the
        // next nonce
        List<String> displaced = List.of();
        if (waiting != null) {
            BigInteger mined = transactionCount(what, DefaultBlockParameterName.LATEST, deadline);
            if (mined.compareTo(waiting.nonce()) > 0) {
                waiting = null; // it landed (or another transaction of the key took its nonce)
                // perhaps since the estimate above, and perhaps as this very call: ask again
                gasLimit = gasLimit(what, to, data, value, extraGas, deadline);
            } else if (!known(what, waiting.hashes(), deadline)) {
                // dropped from the pool, or never taken: whatever waits at its nonce now is not
                // this key's transaction from here, and may be another process's healthy one
                progress.accept(
                        what
                                + ": the transaction left waiting at nonce "
                                + waiting.nonce()
                                + " is no longer known to the node; not replaced");
                waiting = null;
                nextNonce = null;
                nonce = nonce(what, deadline);
            } else {
                nonce = waiting.nonce();
                fees = raised(waiting.fees(), fees);
                displaced = waiting.hashes();
                progress.accept(
                        what + ": replacing the transaction left waiting at nonce " + nonce);
            }
        }
        // from here a failure says itself what it leaves waiting (below)
        waiting = null;
        List<String> hashes = new ArrayList<>();
        boolean moved = false;
        int attempts = 0;
        String uncertain = null; // an attempt whose broadcast may or may not have reached the node
        try {
            while (true) {
                RawTransaction tx =
                        RawTransaction.createTransaction(
                                chainId, nonce, gasLimit, to, value, data, fees[0], fees[1]);
                byte[] signed = TransactionEncoder.signMessage(tx, key);
                String hash = Numeric.toHexString(Hash.sha3(signed));
                attempts++;
                keep(nonce, fees, displaced, hashes, hash);
                uncertain = hash;
                boolean taken;
                try {
                    taken =
                            broadcast(
                                    what,
                                    Numeric.toHexString(signed),
                                    hash,
                                    attempts > 1,
                                    deadline);
                } catch (ChainException e) {
                    if (e.getCause() == null) {
                        // the node answered with a refusal: this attempt is not out
                        uncertain = null;
                    }
                    throw e;
                }
                uncertain = null;
                if (taken) {
                    hashes.add(hash);
                    progress.accept(
                            what
                                    + ": sent "
                                    + hash
                                    + " nonce "
                                    + nonce
                                    + " max fee "
                                    + fees[1]
                                    + " wei/gas"
                                    + (attempts > 1 ? " (re-send " + (attempts - 1) + ")" : ""));
                }
                long bumpAt = System.nanoTime() + options.bumpAfter().toNanos();
                boolean nonceTaken = false;
                while (!nonceTaken && System.nanoTime() < Math.min(bumpAt, deadline)) {
                    // every attempt, oldest first, and a mined one wins over a reverted one: after
                    // a move into a nonce gap the earlier attempt can land too, right behind the
                    // moved one, as a duplicate the contract refuses. Oldest first, seeing it
                    // mined means the moved one (checked later in the same pass) is seen mined as
                    // well.
                    TransactionReceipt reverted = null;
                    String revertedHash = null;
                    for (String h : hashes) {
                        Optional<TransactionReceipt> receipt = receipt(h);
                        if (receipt.isEmpty()) {
                            continue;
                        }
                        // after a move, an earlier attempt may hold the next nonce: ask the chain
                        nextNonce = moved ? null : nonce.add(BigInteger.ONE);
                        forget();
                        if (receipt.get().isStatusOK()) {
                            return new Sent(receipt.get(), nonce, attempts, gasLimit);
                        }
                        if (reverted == null) {
                            reverted = receipt.get();
                            revertedHash = h;
                        }
                    }
                    if (reverted != null) {
                        throw new ChainException(
                                ChainException.Kind.REVERTED,
                                what
                                        + ": reverted in block "
                                        + reverted.getBlockNumber()
                                        + ", tx "
                                        + revertedHash,
                                null);
                    }
                    // this send's own attempts first: after a move, one of them and a replaced one
                    // can both land, at different nonces, and then this send has landed
                    for (String h : displaced) {
                        nonceTaken |= receipt(h).isPresent();
                    }
                    if (nonceTaken) {
                        break;
                    }
                    sleep(options.poll());
                }
                if (nonceTaken) {
                    // the replaced transaction landed after all, so nothing can land at this nonce:
                    // this one moves to the next
                    BigInteger next =
                            transactionCount(what, DefaultBlockParameterName.LATEST, deadline);
                    progress.accept(
                            what
                                    + ": the transaction it replaced landed at nonce "
                                    + nonce
                                    + " after all; re-signing at "
                                    + next);
                    nonce = next;
                    hashes.clear();
                    displaced = List.of();
                    // estimated again: what landed may have been this very call, sent before (a
                    // step retried after its first send timed out), and a duplicate would only
                    // revert on chain; the estimate says so (WOULD_REVERT, with the market's
                    // error) before anything is sent
                    gasLimit = gasLimit(what, to, data, value, extraGas, deadline);
                    continue;
                }
                if (System.nanoTime() >= deadline) {
                    leftWaiting(nonce, fees, displaced, hashes, null);
                    throw new ChainException(
                            ChainException.Kind.TIMEOUT,
                            what
                                    + ": not mined within "
                                    + options.receiptTimeout().toSeconds()
                                    + " s after "
                                    + attempts
                                    + " attempt(s), nonce "
                                    + nonce
                                    + ", last tx "
                                    + hash,
                            null);
                }
                BigInteger next =
                        transactionCount(what, DefaultBlockParameterName.PENDING, deadline);
                if (next.compareTo(nonce) < 0) {
                    // a nonce below this one is neither mined nor waiting: a reorganisation
                    // dropped a transaction of this key that its node did not take back. This one
                    // can never be mined where it is; it moves down into the gap (the earlier
                    // attempts are still watched: any of them landing means the call landed).
                    progress.accept(
                            what
                                    + ": nonce "
                                    + nonce
                                    + " waits behind a gap (the chain's next nonce is "
                                    + next
                                    + "); re-signing at "
                                    + next);
                    nonce = next;
                    moved = true;
                }
                fees = raised(fees, fees(what, deadline));
            }
        } catch (ChainException | RuntimeException e) {
            boolean settled =
                    e instanceof ChainException c
                            && (c.kind() == ChainException.Kind.REVERTED
                                    || c.kind() == ChainException.Kind.TIMEOUT);
            if (!settled) {
                // refused, unreachable, interrupted: what is out may still land
                leftWaiting(nonce, fees, displaced, hashes, uncertain);
            }
            throw e;
        }
    }

    /**
     * Remembers (and writes down) what a send that ended without a receipt leaves out: the attempts
     * the node took, one it may have taken, and the ones this send replaced; nothing when none. The
     * next send replaces it, and asks the chain for the nonce.
     */
    private void leftWaiting(
            BigInteger nonce,
            BigInteger[] fees,
            List<String> displaced,
            List<String> hashes,
            String uncertain) {
        nextNonce = null;
        waiting = waiting(nonce, fees, displaced, hashes, uncertain);
        if (kept != null) {
            try {
                kept.write(waiting);
            } catch (IOException e) {
                progress.accept("could not write down the waiting transaction: " + e.getMessage());
            }
        }
    }

    /**
     * Takes the waiting-transaction file if this transactor has one and another process does not
     * hold it, and starts from what an earlier process left there.
     */
    private void acquireFile() {
        if (waitingFile == null || kept != null) {
            return;
        }
        Consumer<String> once = toldNoFile ? line -> {} : progress;
        try {
            kept = WaitingFile.open(waitingFile, chainId, key.getAddress(), once).orElse(null);
        } catch (IOException e) {
            once.accept(
                    "cannot use "
                            + waitingFile
                            + " ("
                            + e.getMessage()
                            + "): a transaction a crash leaves waiting will not be replaced");
        }
        toldNoFile = kept == null;
        if (kept == null) {
            return;
        }
        Optional<Waiting> left = kept.read(progress);
        if (left.isPresent() && waiting == null) {
            waiting = left.get();
            progress.accept(
                    "an earlier process left a transaction waiting at nonce "
                            + waiting.nonce()
                            + "; the next send replaces it unless it has landed");
        }
    }

    /** Whether the node knows any of these transactions (waiting in its pool, or mined). */
    private boolean known(String what, List<String> hashes, long deadline) throws ChainException {
        for (String h : hashes) {
            EthTransaction t = rpc(what, () -> web3j.ethGetTransactionByHash(h).send(), deadline);
            if (t.hasError()) {
                // an error (a rate limit, a backend that lost track) is no "dropped": forgetting
                // the waiting transaction then would queue every later one of the key behind it
                throw new ChainException(
                        ChainException.Kind.REFUSED,
                        what
                                + ": the node answered an error when asked about the transaction"
                                + " waiting at nonce "
                                + waiting.nonce()
                                + " ("
                                + t.getError().getMessage()
                                + "); nothing was sent",
                        null);
            }
            if (t.getTransaction().isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Writes down the attempt about to be broadcast with every earlier one of this send (the file
     * names the latest nonce): a process that dies before a receipt leaves it to the next.
     */
    private void keep(
            BigInteger nonce,
            BigInteger[] fees,
            List<String> displaced,
            List<String> hashes,
            String hash)
            throws ChainException {
        if (kept == null) {
            return;
        }
        try {
            kept.write(waiting(nonce, fees, displaced, hashes, hash));
        } catch (IOException e) {
            if (!hashes.isEmpty()) {
                // earlier attempts are out: keep waiting for them (the file names the last kept)
                progress.accept("could not write down re-send " + hash + ": " + e.getMessage());
                return;
            }
            // nothing of this send is out yet: better no transaction than one a restart cannot find
            throw new ChainException(
                    ChainException.Kind.REFUSED,
                    "cannot write down the transaction before sending it: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The displaced attempts, this send's and {@code last} (if any) at {@code nonce}, or null when
     * there are none; past the file's limit the oldest are dropped (the latest matter most).
     */
    private static Waiting waiting(
            BigInteger nonce,
            BigInteger[] fees,
            List<String> displaced,
            List<String> hashes,
            String last) {
        List<String> all = new ArrayList<>(displaced);
        all.addAll(hashes);
        if (last != null) {
            all.add(last);
        }
        if (all.isEmpty()) {
            return null;
        }
        return new Waiting(
                nonce,
                fees,
                List.copyOf(
                        all.subList(Math.max(0, all.size() - WaitingFile.MAX_HASHES), all.size())));
    }

    /** The send ended with a receipt: nothing is waiting. */
    private void forget() {
        if (kept == null) {
            return;
        }
        try {
            kept.write(null);
        } catch (IOException e) {
            // a stale file costs the next process one replacement of a mined nonce, which it
            // detects (mined count above it) and skips
            progress.accept("could not clear the waiting-transaction file: " + e.getMessage());
        }
    }

    /** Releases the waiting-transaction file, which stays for the next process. */
    @Override
    public void close() {
        if (kept != null) {
            try {
                kept.close();
            } catch (IOException e) {
                progress.accept("could not release the waiting-transaction file: " + e);
            }
        }
    }

    /**
     * {@code fees} raised by {@link Options#bumpPercent}, and at least {@code fresh}, up to the
     * cap. A re-send at the cap that does not beat the last attempt by enough is refused by the
     * node as underpriced, and the send keeps waiting for the attempts already out.
     */
    private BigInteger[] raised(BigInteger[] fees, BigInteger[] fresh) {
        BigInteger factor = BigInteger.valueOf(100 + options.bumpPercent());
        BigInteger priority = bump(fees[0], factor).max(fresh[0]);
        return capped(
                new BigInteger[] {priority, bump(fees[1], factor).max(fresh[1]).max(priority)});
    }

    /** {priority, max} with neither above {@link Options#maxFeePerGas}. */
    private BigInteger[] capped(BigInteger[] fees) {
        BigInteger max = fees[1].min(options.maxFeePerGas());
        return new BigInteger[] {fees[0].min(max), max};
    }

    private static BigInteger bump(BigInteger fee, BigInteger factor) {
        return fee.multiply(factor).add(BigInteger.valueOf(99)).divide(BigInteger.valueOf(100));
    }

    /**
     * The estimate plus its margin and {@code extraGas}.
     *
     * @throws ChainException {@code WOULD_REVERT} if the call reverts now, {@code GAS_CAP} if it
     *     needs more than the cap
     */
    private BigInteger gasLimit(
            String what, String to, String data, BigInteger value, long extraGas, long deadline)
            throws ChainException {
        BigInteger gasLimit =
                estimate(what, to, data, value, deadline).add(BigInteger.valueOf(extraGas));
        if (gasLimit.compareTo(BigInteger.valueOf(options.maxGas())) > 0) {
            throw new ChainException(
                    ChainException.Kind.GAS_CAP,
                    what
                            + ": needs a gas limit of "
                            + gasLimit
                            + " (estimate + "
                            + options.gasMarginPercent()
                            + " %"
                            + (extraGas > 0 ? " + " + extraGas : "")
                            + "), above the cap of "
                            + options.maxGas()
                            + "; nothing was sent",
                    null);
        }
        return gasLimit;
    }

    private BigInteger estimate(
            String what, String to, String data, BigInteger value, long deadline)
            throws ChainException {
        Transaction call = new Transaction(key.getAddress(), null, null, null, to, value, data);
        EthEstimateGas estimate = rpc(what, () -> web3j.ethEstimateGas(call).send(), deadline);
        if (estimate.hasError() && !MarketErrors.isRevert(estimate.getError())) {
            // a rate limit or a node in trouble says nothing about the call
            throw new ChainException(
                    ChainException.Kind.REFUSED,
                    what
                            + ": the node answered the gas estimate with an error ("
                            + estimate.getError().getMessage()
                            + "); nothing was sent",
                    null);
        }
        if (estimate.hasError()) {
            throw new ChainException(
                    ChainException.Kind.WOULD_REVERT,
                    what + ": would revert: " + MarketErrors.reason(estimate.getError()),
                    null,
                    MarketErrors.name(estimate.getError()).orElse(null));
        }
        BigInteger gas = estimate.getAmountUsed();
        return gas.add(
                gas.multiply(BigInteger.valueOf(options.gasMarginPercent()))
                        .divide(BigInteger.valueOf(100)));
    }

    /**
     * The nonce of the next transaction: after this transactor's last one, or after what the node
     * holds of the key, whichever is later (another process with the key, such as the CLI's {@code
     * withdraw} beside {@code run}, may have sent since).
     */
    private BigInteger nonce(String what, long deadline) throws ChainException {
        BigInteger pending = transactionCount(what, DefaultBlockParameterName.PENDING, deadline);
        nextNonce = nextNonce == null ? pending : nextNonce.max(pending);
        return nextNonce;
    }

    /**
     * The key's next nonce as the node sees it: after its mined transactions ({@code LATEST}), or
     * after those and the ones waiting in line ({@code PENDING}).
     */
    private BigInteger transactionCount(String what, DefaultBlockParameterName which, long deadline)
            throws ChainException {
        return answered(
                        what,
                        "the nonce",
                        rpc(
                                what,
                                () -> web3j.ethGetTransactionCount(key.getAddress(), which).send(),
                                deadline))
                .getTransactionCount();
    }

    /**
     * {@code response}, unless the node answered with an error (a rate limit answered as 200): read
     * as a value, web3j would fail on it with a decoding error or a null that says nothing. The
     * message does not say whether anything was sent: these reads also come after a broadcast.
     */
    private static <T extends Response<?>> T answered(String what, String asked, T response)
            throws ChainException {
        if (response.hasError()) {
            throw new ChainException(
                    ChainException.Kind.REFUSED,
                    what
                            + ": the node answered the request for "
                            + asked
                            + " with an error ("
                            + response.getError().getMessage()
                            + ")",
                    null);
        }
        return response;
    }

    /** {priority fee, max fee}: the node's suggested tip, and twice the latest base fee plus it. */
    private BigInteger[] fees(String what, long deadline) throws ChainException {
        BigInteger priority =
                answered(
                                what,
                                "the priority fee",
                                rpc(what, () -> web3j.ethMaxPriorityFeePerGas().send(), deadline))
                        .getMaxPriorityFeePerGas();
        EthBlock.Block latest =
                answered(
                                what,
                                "the latest block",
                                rpc(
                                        what,
                                        () ->
                                                web3j.ethGetBlockByNumber(
                                                                DefaultBlockParameterName.LATEST,
                                                                false)
                                                        .send(),
                                        deadline))
                        .getBlock();
        if (latest == null || latest.getBaseFeePerGasRaw() == null) {
            throw new ChainException(
                    ChainException.Kind.REFUSED,
                    what
                            + (latest == null
                                    ? ": the node has no latest block"
                                    : ": the chain's blocks have no base fee (no EIP-1559), and"
                                            + " this node sends EIP-1559 transactions only")
                            + "; nothing was sent",
                    null);
        }
        BigInteger base = latest.getBaseFeePerGas();
        return capped(new BigInteger[] {priority, base.shiftLeft(1).add(priority)});
    }

    /**
     * True if the node has the transaction now; false if a re-send was refused because an earlier
     * attempt is mined or its fees are not beaten yet (keep waiting for the earlier ones).
     */
    private boolean broadcast(
            String what, String signed, String hash, boolean resend, long deadline)
            throws ChainException {
        EthSendTransaction sent =
                rpc(what, () -> web3j.ethSendRawTransaction(signed).send(), deadline);
        if (!sent.hasError()) {
            return true;
        }
        String message = sent.getError().getMessage();
        String lower = message.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("already known") || lower.contains("already imported")) {
            return true; // a re-send after an outage: the node has it
        }
        if (resend && (lower.contains("nonce too low") || lower.contains("underpriced"))) {
            progress.accept(what + ": re-send " + hash + " not taken (" + message + ")");
            return false;
        }
        if (lower.contains("nonce too low")) {
            nextNonce = null;
        }
        throw new ChainException(
                ChainException.Kind.REFUSED,
                what + ": the node refused " + hash + ": " + message,
                null);
    }

    private Optional<TransactionReceipt> receipt(String hash) {
        try {
            EthGetTransactionReceipt r = web3j.ethGetTransactionReceipt(hash).send();
            return r.hasError() ? Optional.empty() : r.getTransactionReceipt();
        } catch (IOException e) {
            progress.accept(
                    "receipt of " + hash + ": RPC unreachable (" + e.getMessage() + "), retrying");
            return Optional.empty();
        }
    }

    private interface Call<T extends Response<?>> {
        T send() throws IOException;
    }

    /** Retries an unreachable endpoint every poll interval until the deadline. */
    private <T extends Response<?>> T rpc(String what, Call<T> call, long deadline)
            throws ChainException {
        IOException last;
        boolean reported = false;
        do {
            try {
                return call.send();
            } catch (IOException e) {
                last = e;
                if (!reported) {
                    progress.accept(what + ": RPC unreachable (" + e.getMessage() + "), retrying");
                    reported = true;
                }
            }
            sleep(options.poll());
        } while (System.nanoTime() < deadline);
        throw new ChainException(
                ChainException.Kind.REFUSED,
                what + ": RPC unreachable for " + options.receiptTimeout().toSeconds() + " s",
                last);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the chain", e);
        }
    }
}
