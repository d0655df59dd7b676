package io.cohort.marketplace.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.Erc20;
import io.cohort.contracts.MarketErrors;
import io.cohort.contracts.generated.Market;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.learning.model.ModelSpec;
import io.cohort.marketplace.MarketplaceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.transaction.type.Transaction1559;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * {@code POST /projects}: checks a launch request, pins what it uploads to IPFS, and creates and
 * funds the project on-chain from the operator's key (the on-chain owner; the signed-in owner is
 * recorded as who asked). One launch at a time, so the operator's nonces stay in order.
 */
@ApplicationScoped
public class Launcher {

    static final int MAX_SPEC_BYTES = 1 << 20;

    /**
     * The largest upload, decoded: as base64 (4/3 of it, 53.3 MiB) it leaves room for the rest of
     * the request within {@code quarkus.http.limits.max-body-size} (64 MiB). Larger files go to
     * IPFS first and are named by CID.
     */
    static final int MAX_UPLOAD_BYTES = 40 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.jboss.logging.Logger LOG =
            org.jboss.logging.Logger.getLogger(Launcher.class);

    /** A committee member: its account and its X25519 seal key (hex, 32 bytes). */
    public record Member(String address, String sealKey) {}

    /**
     * What an owner asks for. Amounts in wei as decimal strings; {@code start} in seconds since the
     * epoch or {@code startsIn} seconds from now; uploads as base64 or a CID already in IPFS.
     */
    public record LaunchRequest(
            JsonNode modelSpec,
            String modelSpecCid,
            String initialWeights,
            String initialWeightsCid,
            String validationData,
            String validationDataCid,
            List<Member> committee,
            Integer quorum,
            String token,
            String rewardPerRound,
            String trainerStake,
            String evaluatorBond,
            String evaluatorPenalty,
            Long start,
            Long startsIn,
            Long submitPeriod,
            Long evalPeriod,
            Integer rounds,
            Integer maxTrainers) {}

    /** What a launch did. */
    public record Launched(
            String project,
            String transactionHash,
            String owner,
            String requestedBy,
            String token,
            String approvalTransactionHash,
            String budget,
            String modelSpecCid,
            String initialWeightsCid,
            String validationDataCid) {}

    @Inject MarketplaceConfig config;
    @Inject Records records;

    private Web3j web3j;
    private Credentials operator;

    private synchronized Credentials operator() {
        if (operator != null) {
            return operator;
        }
        MarketplaceConfig.Operator o = config.operator();
        if (o.keystore().isEmpty()) {
            throw new Problem(
                    503,
                    "No operator key",
                    "this marketplace has no operator key to fund projects; set cohort.operator.keystore");
        }
        String password;
        try {
            password =
                    o.passwordFile().isPresent()
                            ? Files.readAllLines(o.passwordFile().get()).get(0)
                            : System.getenv(o.passwordEnv());
            if (password == null) {
                throw new Problem(
                        503,
                        "No operator key",
                        "set " + o.passwordEnv() + " or cohort.operator.password-file");
            }
            operator = WalletUtils.loadCredentials(password, o.keystore().get().toFile());
        } catch (IOException
                | org.web3j.crypto.exception.CipherException
                | IndexOutOfBoundsException e) {
            throw new Problem(
                    503,
                    "No operator key",
                    "cannot open " + o.keystore().get() + ": " + e.getMessage());
        }
        connect();
        return operator;
    }

    /** The chain's client, built at first use. */
    private synchronized void connect() {
        if (web3j == null) {
            web3j = Web3j.build(new HttpService(config.rpcUrl()));
        }
    }

    void close(@Observes ShutdownEvent ev) {
        if (web3j != null) {
            web3j.shutdown();
        }
    }

    /**
     * Checks, pins, creates and funds. With an {@code idempotencyKey}, a repeat of the same request
     * by the same owner answers what the first did (finishing it if its transaction was mined
     * since) instead of launching again.
     */
    public synchronized Launched launch(
            LaunchRequest q, String requestedBy, String idempotencyKey) {
        List<String> bad = new ArrayList<>();
        if (q == null) {
            throw Problem.badRequest(
                    "the body must be a launch request (see the OpenAPI document)");
        }
        LaunchLedger.Entry asked = null;
        if (idempotencyKey != null && !LaunchLedger.KEY.matcher(idempotencyKey).matches()) {
            bad.add("the Idempotency-Key header must be 1 to 128 of A-Z a-z 0-9 . _ : -");
        } else if (idempotencyKey != null) {
            // a repeat is answered before anything is checked again: a start that has passed
            // since, or the chain or IPFS away now, would refuse a request already launched, and
            // a client told 400 might launch (and fund) it again under a new key
            asked = LaunchLedger.Entry.asked(requestedBy, idempotencyKey, sha256(q));
            connect(); // the first request after a restart may be this repeat
            Launched before = earlier(asked);
            if (before != null) {
                return before;
            }
        }
        // JSON null is no spec (Jackson gives a NullNode, which would be pinned as "null")
        JsonNode modelSpec =
                q.modelSpec() == null || q.modelSpec().isNull() || q.modelSpec().isMissingNode()
                        ? null
                        : q.modelSpec();
        if (modelSpec == null && q.modelSpecCid() == null) {
            bad.add("modelSpec or modelSpecCid is required");
        }
        if (q.initialWeights() == null && q.initialWeightsCid() == null) {
            bad.add("initialWeights (base64 safetensors) or initialWeightsCid is required");
        }
        oneOf(modelSpec, q.modelSpecCid(), "modelSpec", bad);
        oneOf(q.initialWeights(), q.initialWeightsCid(), "initialWeights", bad);
        oneOf(q.validationData(), q.validationDataCid(), "validationData", bad);
        String token = q.token() == null ? Erc20.ETH : q.token();
        if (!token.matches("0x[0-9a-fA-F]{40}")) {
            bad.add("token must be 0x and 40 hex digits: an ERC-20 contract, or absent for ETH");
        }
        BigInteger reward = amount(q.rewardPerRound(), "rewardPerRound", true, bad);
        BigInteger stake = amount(q.trainerStake(), "trainerStake", false, bad);
        BigInteger bond = amount(q.evaluatorBond(), "evaluatorBond", false, bad);
        BigInteger penalty = amount(q.evaluatorPenalty(), "evaluatorPenalty", false, bad);
        int rounds = bounded(q.rounds(), "rounds", 1, 10_000, bad);
        int maxTrainers = bounded(q.maxTrainers(), "maxTrainers", 1, 4096, bad);
        long submitPeriod = bounded(q.submitPeriod(), "submitPeriod", 1, 365L * 86400, bad);
        long evalPeriod = bounded(q.evalPeriod(), "evalPeriod", 1, 365L * 86400, bad);
        List<Member> committee = q.committee() == null ? List.of() : q.committee();
        if (committee.isEmpty() || committee.size() > MAX_COMMITTEE) {
            bad.add("committee must have 1 to " + MAX_COMMITTEE + " members");
        }
        for (int i = 0; i < committee.size(); i++) {
            Member m = committee.get(i);
            if (m == null || m.address() == null || !m.address().matches("0x[0-9a-fA-F]{40}")) {
                bad.add("committee[" + i + "].address must be 0x and 40 hex digits");
            }
            if (m == null || m.sealKey() == null || !m.sealKey().matches("0x[0-9a-fA-F]{64}")) {
                bad.add("committee[" + i + "].sealKey must be 0x and 64 hex digits");
            }
        }
        int quorum = bounded(q.quorum(), "quorum", 1, Math.max(1, committee.size()), bad);
        contractRules(
                committee,
                q.quorum() == null ? 0 : quorum,
                reward,
                stake,
                bond,
                penalty,
                rounds,
                maxTrainers,
                bad);
        // the chain's clock, not only this host's: a chain ahead of it (or a start of "now") would
        // take the gas and revert the project as starting in the past
        long start =
                start(
                        q.start(),
                        q.startsIn(),
                        Math.max(Instant.now().getEpochSecond(), chainTime()),
                        bad);
        // the uploads are decoded and the CIDs parsed here, so that nothing is pinned for a
        // request that fails
        byte[] specBytes = modelSpec == null ? null : specBytes(modelSpec, bad);
        Cid specCid = specBytes == null ? cid(q.modelSpecCid(), "modelSpecCid", bad) : null;
        byte[] weightBytes = upload(q.initialWeights(), "initialWeights", bad);
        Cid weightsCid =
                q.initialWeights() == null
                        ? cid(q.initialWeightsCid(), "initialWeightsCid", bad)
                        : null;
        byte[] validationBytes = upload(q.validationData(), "validationData", bad);
        Cid validationCid =
                q.validationData() == null
                        ? cid(q.validationDataCid(), "validationDataCid", bad)
                        : null;
        if (!bad.isEmpty()) {
            throw Problem.badRequest(String.join("; ", bad));
        }
        // a project nobody can train is not funded: the spec given by CID must build too, and the
        // initial weights must be that model's (a node fails on G_0 otherwise, and every round
        // voids until the owner cancels)
        checkModel(specBytes, specCid, weightBytes, weightsCid);
        Credentials key = operator();

        // pin what was uploaded
        Cid spec = pin(specCid, specBytes, "modelSpec");
        Cid weights = pin(weightsCid, weightBytes, "initialWeights");
        Cid validation =
                validationBytes == null && validationCid == null
                        ? null
                        : pin(validationCid, validationBytes, "validationData");

        BigInteger budget = reward.multiply(BigInteger.valueOf(rounds));
        boolean erc20 = !Erc20.isEth(token);
        String approval = erc20 ? approve(key, token, budget) : null;
        Market.ProjectParams params =
                new Market.ProjectParams(
                        token,
                        reward,
                        stake,
                        bond,
                        penalty,
                        BigInteger.valueOf(start),
                        BigInteger.valueOf(submitPeriod),
                        BigInteger.valueOf(evalPeriod),
                        BigInteger.valueOf(rounds),
                        BigInteger.valueOf(maxTrainers),
                        BigInteger.valueOf(quorum),
                        committee.stream().map(Member::address).toList(),
                        committee.stream()
                                .map(m -> HexFormat.of().parseHex(m.sealKey().substring(2)))
                                .toList(),
                        spec.toBytes(),
                        weights.toBytes());
        String data =
                FunctionEncoder.encode(
                        new Function(
                                "createProject",
                                List.of(params),
                                List.of(new TypeReference<Uint256>() {})));
        Launched pending =
                new Launched(
                        null,
                        null,
                        key.getAddress(),
                        requestedBy,
                        token,
                        approval,
                        budget.toString(),
                        spec.toString(),
                        weights.toString(),
                        validation == null ? null : validation.toString());
        LaunchLedger.Entry ask = asked;
        // kept in the finished entry, so a launch lost at the same nonce can be told it never ran
        String[] sentAt = new String[1];
        TransactionReceipt receipt =
                send(
                        key,
                        config.market(),
                        data,
                        erc20 ? BigInteger.ZERO : budget,
                        "createProject",
                        new Broadcast() {
                            @Override
                            public void before(String hash, BigInteger nonce, String signed) {
                                sentAt[0] = nonce.toString();
                                if (ask != null) {
                                    record(ask.sent(hash, sentAt[0], signed, pending));
                                }
                            }

                            @Override
                            public void refused() {
                                if (ask != null) {
                                    record(ask);
                                }
                            }
                        });
        Launched done = created(receipt, pending);
        if (asked != null) {
            try {
                record(
                        asked.sent(receipt.getTransactionHash(), sentAt[0], null, pending)
                                .done(done));
            } catch (Problem unwritable) {
                // the project exists and is funded: the answer must say so (a client told
                // "nothing was sent" would launch again); the entry written before the broadcast
                // still lets a retry under the key find it
                LOG.warnf(
                        "project %s launched, but its ledger entry could not be completed",
                        done.project());
            }
        }
        return done;
    }

    /** What the launch's mined transaction did: the project it created. */
    private static Launched created(TransactionReceipt receipt, Launched pending) {
        var created = Market.getProjectCreatedEvents(receipt);
        if (created.isEmpty()) {
            throw new Problem(
                    502,
                    "Chain error",
                    "the transaction " + receipt.getTransactionHash() + " created no project");
        }
        return new Launched(
                created.get(0).projectId.toString(),
                receipt.getTransactionHash(),
                pending.owner(),
                pending.requestedBy(),
                pending.token(),
                pending.approvalTransactionHash(),
                pending.budget(),
                pending.modelSpecCid(),
                pending.initialWeightsCid(),
                pending.validationDataCid());
    }

    /**
     * What an earlier request under the same key did, or null if there was none or it cannot have
     * launched (its transaction reverted, or is gone and another launch's transaction was mined at
     * its nonce), so this one launches.
     *
     * @throws Problem 422 if the key was used for another request, 409 while its transaction is
     *     still waiting to be mined
     */
    private Launched earlier(LaunchLedger.Entry asked) {
        LaunchLedger.Entry e = ledger().find(asked.by(), asked.key()).orElse(null);
        if (e == null) {
            return null;
        }
        if (!e.request().equals(asked.request())) {
            throw new Problem(
                    422,
                    "Idempotency-Key reused",
                    "the Idempotency-Key "
                            + asked.key()
                            + " was used for another launch request; use a new key for a new"
                            + " request");
        }
        if (e.mined()) {
            return e.launched();
        }
        String hash = e.transaction();
        List<String> signed = e.signed();
        try {
            // any transaction signed for it may be the one mined: they share one nonce
            for (String h : signed) {
                var answer = web3j.ethGetTransactionReceipt(h).send();
                chainAnswered(answer, h);
                Optional<TransactionReceipt> receipt = answer.getTransactionReceipt();
                if (receipt.isPresent()) {
                    if (!receipt.get().isStatusOK()) {
                        record(asked); // it reverted: nothing was created, the key launches afresh
                        return null;
                    }
                    Launched done = created(receipt.get(), e.launched());
                    try {
                        record(e.done(done));
                    } catch (Problem unwritable) {
                        // the project exists: answer it (the entry stays pending, and the next
                        // repeat learns the same from the chain)
                        LOG.warnf(
                                "project %s found, but its ledger entry was not completed",
                                done.project());
                    }
                    return done;
                }
            }
            String waiting = null;
            for (int i = signed.size() - 1; i >= 0 && waiting == null; i--) {
                var known = web3j.ethGetTransactionByHash(signed.get(i)).send();
                chainAnswered(known, signed.get(i));
                if (known.getTransaction().isPresent()) {
                    if (inABlock(known.getTransaction().get())) {
                        throw pending(e, signed.get(i), ""); // mined since: the receipt comes next
                    }
                    waiting = signed.get(i);
                }
            }
            if (waiting == null) {
                String took = nonceTakenBy(e);
                if (took != null) {
                    // one transaction per nonce is mined: none of this key's was, so it launched
                    // nothing, and the key launches afresh
                    LOG.infof(
                            "launch %s of %s never ran: its nonce %s went to %s; launching afresh",
                            asked.key(), asked.by(), e.nonce(), took);
                    record(asked);
                    return null;
                }
                rebroadcast(e);
            } else if (!waiting.equals(hash)) {
                // a replacement recorded but not known to have been broadcast: the node still has
                // the one it replaces, which the replacement outbids
                EthSendTransaction sent = web3j.ethSendRawTransaction(e.raw()).send();
                if (sent.hasError()
                        && !known(hash, "createProject", sent.getError().getMessage())) {
                    String kept = replaceIfStuck(e);
                    throw pending(
                            e,
                            waiting,
                            " (the node refuses "
                                    + hash
                                    + ", signed to replace it: "
                                    + sent.getError().getMessage()
                                    + (kept == null ? "" : "; " + kept)
                                    + ")");
                }
            } else {
                String kept = replaceIfStuck(e);
                if (kept != null) {
                    throw pending(e, hash, " (" + kept + ")");
                }
            }
        } catch (IOException ex) {
            throw new Problem(
                    502,
                    "Chain unavailable",
                    "cannot learn whether createProject "
                            + String.join(" or ", signed)
                            + " was mined, or send it again: "
                            + ex.getMessage());
        } catch (Problem p) {
            throw p;
        } catch (RuntimeException ex) {
            // an answer web3j cannot decode, a ledger entry whose signed bytes do not decode: no
            // verdict, the key is kept, and the log has the whole error
            LOG.errorf(ex, "the launch under Idempotency-Key %s cannot be looked up", e.key());
            throw new Problem(
                    502,
                    "Launch lookup failed",
                    "cannot learn whether createProject "
                            + String.join(" or ", signed)
                            + " was mined, or send it again ("
                            + ex
                            + "); the server's log has the whole error, and the key is kept");
        }
        throw pending(e, hash, "");
    }

    /** 409: the launch under {@code e}'s key waits for {@code hash}, and {@code why}. */
    private static Problem pending(LaunchLedger.Entry e, String hash, String why) {
        return new Problem(
                409,
                "Launch pending",
                "the launch under Idempotency-Key "
                        + e.key()
                        + " is waiting for createProject "
                        + hash
                        + " to be mined"
                        + why
                        + "; ask again later");
    }

    /**
     * Whether a transaction the node shows is in a block: a block number and a block hash that is
     * not all zeros (some nodes show a pending one with a zero or empty hash).
     */
    static boolean inABlock(org.web3j.protocol.core.methods.response.Transaction tx) {
        String block = tx.getBlockHash();
        return tx.getBlockNumberRaw() != null
                && block != null
                && block.matches("0x[0-9a-fA-F]{64}")
                && !block.matches("0x0{64}");
    }

    /**
     * The transaction of another launch in the ledger that the chain mined at {@code e}'s nonce
     * (signed by the same operator), or null if the ledger knows none: the proof that none of
     * {@code e}'s transactions, signed at that nonce, can ever be mined. It counts once its block
     * is {@code cohort.index.confirmations} deep, as far as the index trusts blocks: a
     * reorganisation could undo it and let one of {@code e}'s be mined after all.
     *
     * @throws Problem 409 while it is not that deep yet
     */
    private String nonceTakenBy(LaunchLedger.Entry e) throws IOException {
        if (e.nonce() == null || e.launched() == null || e.launched().owner() == null) {
            return null;
        }
        for (LaunchLedger.Entry other : ledger().atNonce(e.launched().owner(), e.nonce())) {
            if (other.by().equalsIgnoreCase(e.by()) && other.key().equals(e.key())) {
                continue;
            }
            for (String h : other.signed()) {
                var answer = web3j.ethGetTransactionReceipt(h).send();
                chainAnswered(answer, h);
                Optional<TransactionReceipt> receipt = answer.getTransactionReceipt();
                if (receipt.isEmpty()) {
                    continue;
                }
                // mined, reverted or not: it used the nonce
                var head = web3j.ethBlockNumber().send();
                chainAnswered(head, h);
                long depth =
                        head.getBlockNumber().longValueExact()
                                - receipt.get().getBlockNumber().longValueExact();
                int needed = config.index().confirmations();
                if (depth < needed) {
                    throw pending(
                            e,
                            e.transaction(),
                            ", but the node lost it and "
                                    + h
                                    + " of another launch took its nonce "
                                    + e.nonce()
                                    + " "
                                    + depth
                                    + " block(s) below the head; once that is "
                                    + needed
                                    + " deep (cohort.index.confirmations), this key launches"
                                    + " afresh");
                }
                return h;
            }
        }
        return null;
    }

    /**
     * Broadcasts again a launch's transaction the node does not know (it never got it, or dropped
     * it) while the operator's nonce it was signed for is unused, so that it, and no second launch,
     * takes that nonce (signed again with higher fees if what it offers no longer covers the base
     * fee: a node may drop it for that). Once the nonce is used, by it on a node that cannot show
     * it or by a transaction the launch ledger does not hold ({@link #nonceTakenBy} found none),
     * nothing here can tell whether the launch happened: 502, and the key is kept. While another
     * transaction of the operator waits at that nonce (a later launch, sent after the node dropped
     * this one), nothing is sent: it would push that one out.
     */
    private void rebroadcast(LaunchLedger.Entry e) throws IOException {
        String owner = e.launched() == null ? null : e.launched().owner();
        BigInteger next = null;
        BigInteger waiting = null;
        if (e.nonce() != null && e.raw() != null && owner != null) {
            var count =
                    web3j.ethGetTransactionCount(owner, DefaultBlockParameterName.LATEST).send();
            chainAnswered(count, e.transaction());
            next = count.getTransactionCount();
            var pool =
                    web3j.ethGetTransactionCount(owner, DefaultBlockParameterName.PENDING).send();
            chainAnswered(pool, e.transaction());
            waiting = pool.getTransactionCount();
        }
        if (next == null || next.compareTo(new BigInteger(e.nonce())) > 0) {
            throw new Problem(
                    502,
                    "Launch unknown",
                    "createProject "
                            + String.join(" or ", e.signed())
                            + " is unknown to the chain node and the operator's nonce "
                            + e.nonce()
                            + " it was signed for is used, so whether it created a project cannot"
                            + " be told here and nothing is launched again under this key; look"
                            + " the transaction up on a node that indexes it");
        }
        if (waiting.compareTo(new BigInteger(e.nonce())) > 0) {
            throw pending(
                    e,
                    e.transaction(),
                    ", but the node lost it and holds another transaction of the operator at its"
                            + " nonce "
                            + e.nonce()
                            + "; nothing is sent while it waits");
        }
        String kept = replaceIfStuck(e);
        EthSendTransaction sent = web3j.ethSendRawTransaction(e.raw()).send();
        if (sent.hasError()
                && !known(e.transaction(), "createProject", sent.getError().getMessage())) {
            throw new Problem(
                    502,
                    "Chain error",
                    "createProject "
                            + e.transaction()
                            + " is unknown to the chain node, which refuses it again: "
                            + sent.getError().getMessage()
                            + (kept == null ? "" : " (" + kept + ")"));
        }
    }

    /**
     * Signs a launch's pending {@code createProject} again at its nonce when the base fee has risen
     * past what it offers (its max fee below the next block's base fee plus the node's tip: it
     * would wait in the pool until the base fee falls, and every later launch behind its nonce),
     * with the fees {@link #replacementFees} gives, recorded in the ledger (the earlier hash kept)
     * before it is broadcast.
     *
     * @return null when it leaves the transaction as it is because it needs no replacement (it is
     *     includable now, is a legacy transaction, or is not this key's); why not, when it needs
     *     one and gets none (the cap leaves no room, or there is no operator key now)
     * @throws Problem 409 naming the replacement once it is broadcast; 502 when the node refuses it
     *     (the ledger keeps the transaction it had)
     */
    private String replaceIfStuck(LaunchLedger.Entry e) throws IOException {
        if (e.raw() == null || e.nonce() == null || e.launched() == null) {
            return null;
        }
        RawTransaction stuck = TransactionDecoder.decode(e.raw());
        if (!(stuck.getTransaction() instanceof Transaction1559 t)
                || !stuck.getNonce().equals(new BigInteger(e.nonce()))) {
            return null;
        }
        String what = "signing createProject " + e.transaction() + " again";
        BigInteger[] chain = chainFees(web3j, what);
        if (chain.length == 1) {
            return null;
        }
        BigInteger cap = config.operator().maxFee();
        BigInteger[] fees =
                replacementFees(
                        chain[0], chain[1], t.getMaxPriorityFeePerGas(), t.getMaxFeePerGas(), cap);
        if (fees == null) {
            return null;
        }
        String stuckWhy =
                "it offers less than the base fee and tip now asked ("
                        + chain[0].add(chain[1])
                        + " wei per gas)";
        if (fees.length == 0) {
            return stuckWhy
                    + ", and cohort.operator.max-fee ("
                    + cap
                    + ") leaves no room to sign it again";
        }
        Credentials key;
        try {
            key = operator();
        } catch (Problem noKey) {
            return stuckWhy
                    + ", and there is no operator key to sign it again: "
                    + noKey.getMessage();
        }
        if (!key.getAddress().equalsIgnoreCase(e.launched().owner())) {
            return stuckWhy + ", and it was signed by another operator key than this one";
        }
        RawTransaction again =
                RawTransaction.createTransaction(
                        t.getChainId(),
                        stuck.getNonce(),
                        stuck.getGasLimit(),
                        stuck.getTo(),
                        stuck.getValue(),
                        stuck.getData(),
                        fees[0],
                        fees[1]);
        String raw =
                Numeric.toHexString(TransactionEncoder.signMessage(again, t.getChainId(), key));
        String hash = Hash.sha3(raw);
        record(e.replacedBy(hash, raw));
        EthSendTransaction sent = web3j.ethSendRawTransaction(raw).send();
        if (sent.hasError() && !known(hash, what, sent.getError().getMessage())) {
            String kept;
            try {
                record(e); // it cannot be mined: the next try starts from the one it replaced
                kept = "the key keeps " + e.transaction();
            } catch (Problem unwritable) {
                // the ledger keeps the refused one as the newest: a repeat sends it again while
                // the first waits, and signs it again when the node refuses it
                LOG.warnf("the refused replacement %s stays in the launch ledger", hash);
                kept = "the ledger could not be put back and keeps " + hash;
            }
            throw new Problem(
                    502,
                    "Chain error",
                    "createProject "
                            + e.transaction()
                            + " offers less than the base fee and tip now asked, and the node"
                            + " refuses it signed again at higher fees: "
                            + sent.getError().getMessage()
                            + "; "
                            + kept
                            + ", ask again later");
        }
        throw new Problem(
                409,
                "Launch pending",
                "the launch under Idempotency-Key "
                        + e.key()
                        + " waited for createProject "
                        + e.transaction()
                        + ", which offers less than the base fee and tip now asked; it is"
                        + " signed again at the same nonce as "
                        + hash
                        + " (only one of them can be mined); ask again later");
    }

    /**
     * The fees {tip, max} of a replacement of a transaction that offered {@code oldTip} and {@code
     * oldMax}, when the chain asks {@code base} + {@code tip}: null when it offers that much
     * already (it is includable); else the node's tip and twice the base fee plus it, each at least
     * a tenth more than the old one offered (what nodes ask of a replacement), the max fee no more
     * than {@code cap}; and none (an empty array) when the cap leaves no room for a replacement
     * that covers the base fee and outbids the old one.
     */
    static BigInteger[] replacementFees(
            BigInteger base, BigInteger tip, BigInteger oldTip, BigInteger oldMax, BigInteger cap) {
        if (oldMax.compareTo(base.add(tip)) >= 0) {
            return null;
        }
        BigInteger newTip = tip.max(bumped(oldTip));
        BigInteger newMax = base.shiftLeft(1).add(newTip).max(bumped(oldMax)).min(cap);
        if (newMax.compareTo(bumped(oldMax)) < 0 || newMax.compareTo(base.add(newTip)) < 0) {
            return new BigInteger[0];
        }
        return new BigInteger[] {newTip, newMax};
    }

    /** The least a replacement offers for a fee the replaced transaction offered: a tenth more. */
    private static BigInteger bumped(BigInteger fee) {
        return fee.add(fee.divide(BigInteger.TEN)).add(BigInteger.ONE);
    }

    /**
     * Whether the node has transaction {@code hash} after all, though it answered its broadcast
     * with {@code error}: "already known" to a copy a retrying HTTP client or proxy sent first, or
     * "nonce too low" to one already mined. Such a transaction may create the project, so it is
     * waited for; forgetting it would let a repeat under its key launch a second one.
     *
     * @throws Problem 502 when the node does not say, and nothing is forgotten
     */
    private boolean known(String hash, String what, String error) throws IOException {
        var lookup = web3j.ethGetTransactionByHash(hash).send();
        if (lookup.hasError()) {
            throw new Problem(
                    502,
                    "Chain error",
                    what
                            + " "
                            + hash
                            + " was refused ("
                            + error
                            + ") and the node cannot say whether it has it: "
                            + lookup.getError().getMessage());
        }
        return lookup.getTransaction().isPresent();
    }

    /** A JSON-RPC error is no answer: 502, never read as "not found". */
    private static void chainAnswered(org.web3j.protocol.core.Response<?> r, String hash) {
        if (r.hasError()) {
            throw new Problem(
                    502,
                    "Chain error",
                    "cannot learn whether createProject "
                            + hash
                            + " was mined: "
                            + r.getError().getMessage());
        }
    }

    /** Writes a ledger entry; 503 if the ledger cannot be written (nothing is sent then). */
    private void record(LaunchLedger.Entry e) {
        try {
            ledger().put(e);
        } catch (IOException ex) {
            LOG.errorf(ex, "cannot write the launch ledger %s", config.operator().ledger());
            throw new Problem(
                    503,
                    "Launch ledger unwritable",
                    "the launch ledger cannot be written (the server's log says why); nothing was"
                            + " sent after that");
        }
    }

    static String sha256(LaunchRequest q) {
        try {
            return HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256")
                                    .digest(JSON.writeValueAsBytes(q)));
        } catch (java.security.NoSuchAlgorithmException | IOException e) {
            throw new IllegalStateException("cannot hash the launch request", e);
        }
    }

    private LaunchLedger ledger;

    private synchronized LaunchLedger ledger() {
        if (ledger == null) {
            Path file = config.operator().ledger();
            try {
                ledger = LaunchLedger.open(file);
            } catch (IOException e) {
                LOG.errorf(e, "cannot read the launch ledger %s", file);
                throw new Problem(
                        503,
                        "Launch ledger unreadable",
                        "the launch ledger cannot be read (the server's log says why)");
            }
        }
        return ledger;
    }

    /**
     * An ERC-20 budget: the operator must hold it; the market may then take it ({@code approve} for
     * exactly the budget unless the allowance covers it already). Returns the approval's
     * transaction hash, or null when none was needed.
     */
    private String approve(Credentials key, String token, BigInteger budget) {
        String operator = key.getAddress();
        BigInteger balance = token(() -> Erc20.balanceOf(web3j, token, operator));
        if (balance.compareTo(budget) < 0) {
            throw new Problem(
                    422,
                    "Budget not covered",
                    "the operator "
                            + operator
                            + " holds "
                            + balance
                            + " of token "
                            + token
                            + "; the budget (rewardPerRound x rounds) is "
                            + budget);
        }
        BigInteger allowance =
                token(() -> Erc20.allowance(web3j, token, operator, config.market()));
        if (allowance.compareTo(budget) >= 0) {
            return null;
        }
        return send(
                        key,
                        token,
                        Erc20.approve(config.market(), budget),
                        BigInteger.ZERO,
                        "approve",
                        Broadcast.NONE)
                .getTransactionHash();
    }

    /** A view of the token; 422 when the address is no token, 502 when the chain is away. */
    private interface TokenView {
        BigInteger get() throws IOException;
    }

    private static BigInteger token(TokenView view) {
        try {
            return view.get();
        } catch (Erc20.NotATokenException e) {
            throw new Problem(422, "Not an ERC-20 token", e.getMessage());
        } catch (IOException e) {
            throw new Problem(502, "Chain unavailable", e.getMessage());
        }
    }

    /** What a send tells its caller about its broadcast. */
    private interface Broadcast {
        Broadcast NONE = new Broadcast() {};

        /** The signed transaction, its hash and nonce, before it is broadcast. */
        default void before(String hash, BigInteger nonce, String signed) {}

        /** The node refused the transaction: it will not be mined. */
        default void refused() {}
    }

    /**
     * Signs, broadcasts and waits for one transaction from the operator; 422 when it would revert,
     * 502 when the node refuses it or it reverts, 504 with its hash when it is not mined within
     * {@code cohort.operator.receipt-timeout}.
     */
    private TransactionReceipt send(
            Credentials key,
            String to,
            String data,
            BigInteger value,
            String what,
            Broadcast broadcast) {
        String hash = null;
        try {
            EthEstimateGas estimate =
                    web3j.ethEstimateGas(
                                    new Transaction(
                                            key.getAddress(), null, null, null, to, value, data))
                            .send();
            if (estimate.hasError()) {
                if (!MarketErrors.isRevert(estimate.getError())) {
                    // a rate limit, a node that lost its head, too little ETH for the gas: no
                    // verdict of the contract's on the request
                    throw new Problem(
                            502,
                            "Chain error",
                            what
                                    + " could not be estimated: "
                                    + estimate.getError().getMessage()
                                    + "; nothing was sent");
                }
                throw new Problem(
                        422,
                        to.equals(config.market())
                                ? "Rejected by the market contract"
                                : "Rejected by the token contract",
                        what + " would revert: " + MarketErrors.reason(estimate.getError()));
            }
            BigInteger gasLimit =
                    estimate.getAmountUsed()
                            .multiply(BigInteger.valueOf(12))
                            .divide(BigInteger.TEN);
            BigInteger[] fees = fees(web3j, what, config.operator().maxFee());
            BigInteger nonce =
                    answer(
                                    web3j.ethGetTransactionCount(
                                                    key.getAddress(),
                                                    DefaultBlockParameterName.PENDING)
                                            .send(),
                                    what)
                            .getTransactionCount();
            RawTransaction tx =
                    fees.length == 1
                            ? RawTransaction.createTransaction(
                                    nonce, fees[0], gasLimit, to, value, data)
                            : RawTransaction.createTransaction(
                                    config.chainId(),
                                    nonce,
                                    gasLimit,
                                    to,
                                    value,
                                    data,
                                    fees[0],
                                    fees[1]);
            String signed =
                    Numeric.toHexString(TransactionEncoder.signMessage(tx, config.chainId(), key));
            hash = Hash.sha3(signed);
            broadcast.before(hash, nonce, signed);
            EthSendTransaction sent = web3j.ethSendRawTransaction(signed).send();
            if (sent.hasError() && !known(hash, what, sent.getError().getMessage())) {
                broadcast.refused();
                throw new Problem(
                        502, "Chain error", what + " was refused: " + sent.getError().getMessage());
            }
            Duration timeout = config.operator().receiptTimeout();
            TransactionReceipt receipt =
                    new PollingTransactionReceiptProcessor(
                                    web3j, RECEIPT_POLL_MS, receiptPolls(timeout))
                            .waitForTransactionReceipt(hash);
            if (!receipt.isStatusOK()) {
                throw new Problem(
                        502,
                        "Chain error",
                        what + " " + receipt.getTransactionHash() + " reverted");
            }
            return receipt;
        } catch (org.web3j.protocol.exceptions.TransactionException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith(RECEIPT_TIMEOUT)) {
                throw new Problem(
                        502,
                        "Chain error",
                        what + " " + hash + " was sent; its receipt: " + e.getMessage());
            }
            throw new Problem(
                    504,
                    "Transaction pending",
                    what
                            + " "
                            + hash
                            + " was sent but not mined within "
                            + config.operator().receiptTimeout()
                            + "; it may still be. "
                            + (broadcast == Broadcast.NONE
                                    ? "Asking again sends it anew: the approval is for the same"
                                            + " amount, so a second one changes nothing"
                                    : "Ask again with the same Idempotency-Key to learn what it did"
                                            + " (without one, a repeat launches a second project)"));
        } catch (Problem e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // web3j reports an HTTP error of the endpoint (429, 503) as a ClientConnectionException
            // and an answer it cannot decode as a MessageDecodingException: neither is a 500, and
            // once the transaction may be out the answer names it
            throw new Problem(
                    502,
                    "Chain unavailable",
                    what
                            + (hash == null ? "" : " " + hash + " (it may have been sent)")
                            + ": "
                            + e.getMessage());
        }
    }

    /**
     * The fees a transaction is signed with: on a chain with EIP-1559 blocks {priority, max}, the
     * node's suggested tip and twice the next block's base fee plus it, so the transaction stays
     * includable while the base fee rises for five full blocks (12.5 % each) before it is mined
     * (what it pays is the base fee of its block plus the tip, no more than a legacy transaction at
     * the fee of the moment; the node wants the gas limit times the max fee in the balance); on a
     * chain without, {gas price}, the node's. The max fee is at most {@code cap} (wei per gas), so
     * the transaction waits in the pool while the base fee is above it.
     *
     * @throws Problem 502 naming the error when the node answers one, 503 when the chain asks more
     *     than the cap now (the next block's base fee plus the tip, or the gas price): the
     *     transaction was not sent
     */
    static BigInteger[] fees(Web3j web3j, String what, BigInteger cap) throws IOException {
        BigInteger[] chain = chainFees(web3j, what);
        if (chain.length == 1) {
            return new BigInteger[] {withinCap(chain[0], cap, "the gas price", what)};
        }
        BigInteger base = chain[0];
        BigInteger priority = chain[1];
        withinCap(base.add(priority), cap, "the next block's base fee plus the tip", what);
        BigInteger max = base.shiftLeft(1).add(priority);
        return new BigInteger[] {priority, max.min(cap)};
    }

    /**
     * What the chain asks now: {the next block's base fee, the node's tip} on a chain with EIP-1559
     * blocks (a node without eth_maxPriorityFeePerGas: what its gas price adds to the latest base
     * fee), {gas price} on one without. The next block's base fee is the one eth_feeHistory gives
     * after the latest block's (the node computes it by its chain's rules, and a transaction below
     * it waits in the pool); a node that does not answer that: the latest base fee and an eighth,
     * the most Ethereum's rule raises it in a block.
     *
     * @throws Problem 502 naming the error when the node answers one
     */
    private static BigInteger[] chainFees(Web3j web3j, String what) throws IOException {
        EthBlock.Block latest =
                answer(
                                web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                                        .send(),
                                what)
                        .getBlock();
        if (latest == null || latest.getBaseFeePerGasRaw() == null) {
            return new BigInteger[] {answer(web3j.ethGasPrice().send(), what).getGasPrice()};
        }
        BigInteger base = latest.getBaseFeePerGas();
        var tip = web3j.ethMaxPriorityFeePerGas().send();
        BigInteger priority =
                tip.hasError()
                        ? answer(web3j.ethGasPrice().send(), what)
                                .getGasPrice()
                                .subtract(base)
                                .max(BigInteger.ZERO)
                        : tip.getMaxPriorityFeePerGas();
        return new BigInteger[] {nextBaseFee(web3j, latest), priority};
    }

    /**
     * The base fee of the block after the newest: the last entry of eth_feeHistory for the latest
     * block (the one the node computes for the block it builds next, so a block mined since {@code
     * latest} was read is taken into account); {@code latest}'s and an eighth when the node does
     * not answer that, or answers something other than a list of quantities.
     */
    private static BigInteger nextBaseFee(Web3j web3j, EthBlock.Block latest) throws IOException {
        List<String> bases = null;
        try {
            var history =
                    web3j.ethFeeHistory(1, DefaultBlockParameterName.LATEST, List.of()).send();
            if (!history.hasError() && history.getFeeHistory() != null) {
                bases = history.getFeeHistory().getBaseFeePerGasRaw();
            }
        } catch (JsonProcessingException otherShape) {
            // as if the node did not answer
        }
        if (bases != null
                && bases.size() == 2
                && bases.get(1) != null
                && bases.get(1).matches("0x[0-9a-fA-F]{1,64}")) {
            return Numeric.decodeQuantity(bases.get(1));
        }
        BigInteger base = latest.getBaseFeePerGas();
        return base.add(base.shiftRight(3));
    }

    /** How long a launch refused by the fee cap is told to wait: a few blocks. */
    static final Duration FEE_RETRY = Duration.ofSeconds(60);

    /**
     * {@code fee}, when no cap is set or it is within it.
     *
     * @throws Problem 503 with {@code Retry-After}, naming the fee and the cap
     */
    private static BigInteger withinCap(BigInteger fee, BigInteger cap, String name, String what) {
        if (fee.compareTo(cap) > 0) {
            throw Problem.unavailable(
                    "Chain fees above the cap",
                    what
                            + ": "
                            + name
                            + " is "
                            + fee
                            + " wei per gas, above cohort.operator.max-fee ("
                            + cap
                            + "); "
                            + what
                            + " was not sent, ask again when fees fall",
                    FEE_RETRY);
        }
        return fee;
    }

    /** Refuses to start with a fee cap below 1 wei. */
    void check(@Observes StartupEvent ev) {
        checkCap(config.operator().maxFee());
    }

    /**
     * @throws IllegalStateException for a fee cap below 1 wei
     */
    static void checkCap(BigInteger cap) {
        if (cap.signum() <= 0) {
            throw new IllegalStateException(
                    "cohort.operator.max-fee must be at least 1 wei, got " + cap);
        }
    }

    /** {@code r}, or a 502 naming its error: nothing was sent yet. */
    private static <T extends org.web3j.protocol.core.Response<?>> T answer(T r, String what) {
        if (r.hasError()) {
            throw new Problem(
                    502,
                    "Chain error",
                    what
                            + ": the chain answered "
                            + r.getError().getMessage()
                            + "; nothing was sent");
        }
        return r;
    }

    private static final long RECEIPT_POLL_MS = 100;

    /** How web3j's receipt poller begins the message of a wait that ran out. */
    private static final String RECEIPT_TIMEOUT = "Transaction receipt was not generated";

    private static int receiptPolls(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis() / RECEIPT_POLL_MS));
    }

    private Cid pin(Cid cid, byte[] bytes, String what) {
        ContentStore ipfs = records.store();
        try {
            Cid c = bytes != null ? ipfs.add(bytes) : cid;
            ipfs.pin(c);
            return c;
        } catch (IOException e) {
            throw new Problem(
                    502,
                    "IPFS unavailable",
                    "cannot add or pin " + what + ": " + Records.publicReason(e));
        }
    }

    /**
     * When round 0 opens: {@code start}, or now plus {@code startsIn}; both must fit the contract's
     * unsigned 64 bits (a long that is not negative does).
     */
    static long start(Long start, Long startsIn, long now, List<String> bad) {
        if (start != null) {
            if (start < 0) {
                bad.add("start must be seconds since the epoch (>= 0), got " + start);
            } else if (start < now + MIN_LEAD_SECONDS) {
                bad.add(
                        "start "
                                + start
                                + " is before "
                                + (now + MIN_LEAD_SECONDS)
                                + ": round 0 must open at least "
                                + MIN_LEAD_SECONDS
                                + " s after the chain's time ("
                                + now
                                + "), so that the project's transaction is mined before it");
            }
            return start;
        }
        if (startsIn != null && startsIn >= 0) {
            if (startsIn < MIN_LEAD_SECONDS) {
                bad.add(
                        "startsIn must be at least "
                                + MIN_LEAD_SECONDS
                                + " s, so that the project's transaction is mined before round 0"
                                + " opens; got "
                                + startsIn);
            }
            try {
                return Math.addExact(now, startsIn);
            } catch (ArithmeticException e) {
                bad.add("startsIn " + startsIn + " seconds from now is past the largest time");
                return 0;
            }
        }
        bad.add("start (seconds since the epoch) or startsIn (seconds from now, >= 0) is required");
        return 0;
    }

    /**
     * Reads the spec (inline or by CID) and the initial weights (inline or by CID) and checks that
     * the weights are the spec's model: every tensor there, of its shape, finite.
     *
     * @throws Problem 400 naming what does not fit, 502 if IPFS cannot give a CID's bytes
     */
    private void checkModel(byte[] specBytes, Cid specCid, byte[] weightBytes, Cid weightsCid) {
        byte[] specFile =
                specBytes != null ? specBytes : fetch(specCid, MAX_SPEC_BYTES, "modelSpecCid");
        ModelSpec spec;
        List<io.cohort.learning.model.DjlModel.Slot> layout;
        try {
            spec = ModelSpec.parse(new String(specFile, java.nio.charset.StandardCharsets.UTF_8));
            try (var m = io.cohort.learning.model.DjlModel.create(spec)) {
                layout = m.layout();
            }
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(
                    "modelSpecCid " + specCid + " holds no model spec: " + e.getMessage());
        }
        byte[] weights =
                weightBytes != null
                        ? weightBytes
                        : fetch(weightsCid, Records.MAX_MODEL_BYTES, "initialWeightsCid");
        try {
            io.cohort.learning.model.ModelWeights.read(weights, layout);
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest(
                    (weightBytes != null ? "initialWeights" : "initialWeightsCid " + weightsCid)
                            + " are not the weights of the model spec: "
                            + e.getMessage());
        }
    }

    /** The bytes at {@code cid}: 400 past {@code max}, 502 if IPFS cannot give them. */
    private byte[] fetch(Cid cid, int max, String what) {
        try {
            return records.store().readAllBytes(cid, max);
        } catch (io.cohort.ipfs.ContentTooLargeException e) {
            throw Problem.badRequest(what + " " + cid + " is larger than " + max + " bytes");
        } catch (IOException e) {
            throw new Problem(
                    502,
                    "IPFS unavailable",
                    "cannot read " + what + " " + cid + ": " + Records.publicReason(e));
        }
    }

    /** How long before round 0 opens a launch must be made: its transaction must land first. */
    static final long MIN_LEAD_SECONDS = 30;

    /** The latest block's timestamp; 502 if the chain does not answer. */
    private long chainTime() {
        connect();
        try {
            return answer(
                            web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                                    .send(),
                            "reading the chain's time")
                    .getBlock()
                    .getTimestamp()
                    .longValueExact();
        } catch (Problem e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new Problem(
                    502, "Chain unavailable", "cannot read the chain's time: " + e.getMessage());
        }
    }

    /** A CID the request names, or null when it names none. */
    private static Cid cid(String text, String what, List<String> bad) {
        if (text == null) {
            return null;
        }
        try {
            return Cid.parse(text);
        } catch (IllegalArgumentException e) {
            bad.add(what + " is not a CID: " + e.getMessage());
            return null;
        }
    }

    private static byte[] specBytes(JsonNode spec, List<String> bad) {
        try {
            byte[] b = JSON.writeValueAsBytes(spec);
            if (b.length > MAX_SPEC_BYTES) {
                bad.add("modelSpec is " + b.length + " bytes, more than " + MAX_SPEC_BYTES);
                return b;
            }
            // a spec no node could build would fund a project nobody can train
            try {
                ModelSpec.parse(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                bad.add("modelSpec is no model spec: " + e.getMessage());
            }
            return b;
        } catch (JsonProcessingException e) {
            bad.add("modelSpec cannot be written as JSON: " + e.getOriginalMessage());
            return null;
        }
    }

    /** A file is given once: inline or by CID, not both (which one would the project get?). */
    private static void oneOf(Object inline, String cid, String name, List<String> bad) {
        if (inline != null && cid != null) {
            bad.add("give " + name + " or " + name + "Cid, not both");
        }
    }

    /**
     * An upload's bytes, decoded from base64, or null when there is none or it is refused (the
     * reason added to {@code bad}). Too long a text is refused before it is decoded.
     */
    static byte[] upload(String base64, String what, List<String> bad) {
        if (base64 == null) {
            return null;
        }
        String tooLarge =
                what
                        + " is larger than "
                        + MAX_UPLOAD_BYTES
                        + " bytes; add it to IPFS and send "
                        + what
                        + "Cid";
        if (base64.length() > 4L * ((MAX_UPLOAD_BYTES + 2) / 3)) {
            bad.add(tooLarge);
            return null;
        }
        try {
            byte[] b = Base64.getDecoder().decode(base64);
            if (b.length > MAX_UPLOAD_BYTES) {
                bad.add(tooLarge);
                return null;
            }
            return b;
        } catch (IllegalArgumentException e) {
            bad.add(what + " is not base64: " + e.getMessage());
            return null;
        }
    }

    static BigInteger amount(String wei, String what, boolean positive, List<String> bad) {
        if (wei == null) {
            bad.add(what + " (wei, a decimal string) is required");
            return BigInteger.ZERO;
        }
        // 2^128 - 1 has 39 digits: anything longer is refused before it is parsed (a decimal
        // parse is quadratic in the length, and the string may be megabytes)
        if (!wei.matches("-?[0-9]{1,39}")) {
            bad.add(
                    what
                            + " is not a decimal number of wei of at most 39 digits: '"
                            + (wei.length() > 48 ? wei.substring(0, 48) + "…" : wei)
                            + "'");
            return BigInteger.ZERO;
        }
        BigInteger v = new BigInteger(wei);
        if (v.signum() < 0 || (positive && v.signum() == 0) || v.bitLength() > 128) {
            bad.add(
                    what
                            + " must be "
                            + (positive ? "positive" : "non-negative")
                            + " and fit 128 bits");
        }
        return v;
    }

    /** The market's MAX_COMMITTEE. */
    static final int MAX_COMMITTEE = 16;

    private static final BigInteger UINT128_MAX =
            BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    /**
     * The market's own checks of a project ({@code _checkParams}, and no evaluator twice), made
     * here so that a request the contract would refuse is a 400 before anything is pinned or, for
     * an ERC-20 budget, approved: the approval is a mined transaction of its own. Fields already
     * refused (null) are skipped.
     */
    static void contractRules(
            List<Member> committee,
            int quorum,
            BigInteger reward,
            BigInteger stake,
            BigInteger bond,
            BigInteger penalty,
            int rounds,
            int maxTrainers,
            List<String> bad) {
        int n = committee.size();
        if (n > 0 && quorum > 0 && 2 * quorum <= n) {
            bad.add("quorum must be a majority of the committee (more than " + n + " / 2)");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            Member m = committee.get(i);
            if (m != null
                    && m.address() != null
                    && !seen.add(m.address().toLowerCase(java.util.Locale.ROOT))) {
                bad.add("committee[" + i + "].address is in the committee twice");
            }
        }
        if (bond != null && penalty != null && penalty.compareTo(bond) > 0) {
            bad.add("evaluatorPenalty must not exceed evaluatorBond");
        }
        if (stake != null
                && maxTrainers > 0
                && stake.multiply(BigInteger.valueOf(maxTrainers)).compareTo(UINT128_MAX) > 0) {
            bad.add("trainerStake x maxTrainers must fit the market's 128-bit stake pool");
        }
        if (reward != null && bond != null && rounds > 0) {
            BigInteger held =
                    reward.multiply(BigInteger.valueOf(rounds))
                            .add(bond.multiply(BigInteger.valueOf(n)));
            if (held.compareTo(UINT128_MAX) > 0) {
                bad.add(
                        "rewardPerRound x rounds + evaluatorBond x committee must fit the market's"
                                + " 128-bit accounts");
            }
        }
    }

    private static int bounded(Integer v, String what, int min, int max, List<String> bad) {
        return (int) bounded(v == null ? null : v.longValue(), what, min, max, bad);
    }

    private static long bounded(Long v, String what, long min, long max, List<String> bad) {
        if (v == null) {
            bad.add(what + " is required");
            return min;
        }
        if (v < min || v > max) {
            bad.add(what + " must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }
}
