package io.cohort.node.app;

import io.cohort.contracts.seal.X25519KeyPair;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.DeadlineStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.IpfsException;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.FreeRider;
import io.cohort.learning.attack.GaussianNoise;
import io.cohort.learning.attack.Honest;
import io.cohort.learning.attack.SignFlip;
import io.cohort.learning.codec.Compression;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.LabeledDataFile;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.ScoringPolicy;
import io.cohort.node.chain.ChainException;
import io.cohort.node.chain.Transactor;
import io.cohort.node.journal.JournalCorruptException;
import io.cohort.node.round.CopiesReleased;
import io.cohort.node.round.EvaluatorNode;
import io.cohort.node.round.GlobalModel;
import io.cohort.node.round.MarketClient;
import io.cohort.node.round.Standing;
import io.cohort.node.round.TrainerNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.crypto.WalletFile;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.exception.CipherException;
import org.web3j.protocol.ObjectMapperFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Convert;
import org.web3j.utils.Numeric;

/** The node's commands (docs/node.md, "The command line"). */
final class Commands {

    /** A command that could not do its work; the message is the one line the CLI prints. */
    static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    enum Role {
        TRAINER,
        EVALUATOR
    }

    private static final Logger LOG = Logger.getLogger("io.cohort.node");

    private final NodeConfig config;
    private final NodeState state;
    private final MeterRegistry metrics;
    private final PrintStream out;
    private final Supplier<String> httpAddress;

    /**
     * @param httpAddress where the HTTP face actually listens (its port differs from {@code
     *     quarkus.http.port} when that is 0, which picks a free one); only asked by {@code run}
     */
    Commands(
            NodeConfig config,
            NodeState state,
            MeterRegistry metrics,
            PrintStream out,
            Supplier<String> httpAddress) {
        this.config = config;
        this.state = state;
        this.metrics = metrics;
        this.out = out;
        this.httpAddress = httpAddress;
    }

    // ------------------------------------------------------------------ keys

    int keysNew() throws Failure, IOException {
        try {
            return writeKeystore(Keys.createEcKeyPair());
        } catch (java.security.GeneralSecurityException e) {
            throw new Failure("cannot create a key: " + e.getMessage(), e);
        }
    }

    int keysImport(Args args) throws Failure, IOException, Args.UsageException {
        Path file =
                Path.of(
                        args.one("private-key-file")
                                .orElseThrow(
                                        () ->
                                                new Args.UsageException(
                                                        "keys import needs --private-key-file F")));
        String hex;
        try {
            hex = Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new Failure("cannot read " + file + ": " + e.getMessage(), e);
        }
        String digits = Numeric.cleanHexPrefix(hex);
        if (!digits.matches("[0-9a-fA-F]{64}")) {
            throw new Failure(file + " does not hold a private key: 64 hex digits expected");
        }
        BigInteger key = new BigInteger(digits, 16);
        if (key.signum() == 0
                || key.compareTo(
                                new BigInteger(
                                        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
                                        16))
                        >= 0) {
            throw new Failure(file + " does not hold a valid secp256k1 private key");
        }
        return writeKeystore(ECKeyPair.create(key));
    }

    private int writeKeystore(ECKeyPair pair) throws Failure, IOException {
        Path path = config.keystore().path();
        String password = password();
        WalletFile wallet;
        try {
            wallet = Wallet.createStandard(password, pair);
        } catch (CipherException e) {
            throw new Failure("cannot encrypt the key: " + e.getMessage(), e);
        }
        byte[] json = ObjectMapperFactory.getObjectMapper().writeValueAsBytes(wallet);
        Path parent = path.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try {
            // owner-only from its creation: no moment when others may read it
            try (var channel =
                    Files.newByteChannel(
                            path,
                            java.util.Set.of(
                                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                            PosixFilePermissions.asFileAttribute(
                                    PosixFilePermissions.fromString("rw-------")))) {
                java.nio.ByteBuffer buffer = java.nio.ByteBuffer.wrap(json);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the platform's defaults stay
                Files.write(path, json, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
        } catch (FileAlreadyExistsException e) {
            throw new Failure(path + " exists; refusing to overwrite a keystore");
        }
        out.println("keystore " + path);
        printKey(Credentials.create(pair));
        return 0;
    }

    int keysShow() throws Failure {
        printKey(credentials());
        return 0;
    }

    private void printKey(Credentials c) {
        out.println("address " + c.getAddress());
        out.println(
                "seal-key "
                        + Numeric.toHexString(
                                X25519KeyPair.derivedFrom(privateKey(c)).publicKey()));
    }

    private static byte[] privateKey(Credentials c) {
        return Numeric.toBytesPadded(c.getEcKeyPair().getPrivateKey(), 32);
    }

    private String password() throws Failure {
        NodeConfig.Keystore k = config.keystore();
        if (k.passwordFile().isPresent()) {
            Path f = k.passwordFile().get();
            try {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                if (lines.isEmpty() || lines.get(0).isEmpty()) {
                    throw new Failure("the keystore password file " + f + " is empty");
                }
                return lines.get(0);
            } catch (IOException e) {
                throw new Failure("cannot read the keystore password file " + f, e);
            }
        }
        String value = System.getenv(k.passwordEnv());
        if (value == null || value.isEmpty()) {
            throw new Failure(
                    "no keystore password: set "
                            + k.passwordEnv()
                            + " or cohort.keystore.password-file");
        }
        return value;
    }

    private Credentials credentials() throws Failure {
        Path path = config.keystore().path();
        if (!Files.isRegularFile(path)) {
            throw new Failure(
                    "no keystore at "
                            + path
                            + ": create one with 'keys new' or set cohort.keystore.path");
        }
        String password = password();
        try {
            return WalletUtils.loadCredentials(password, path.toFile());
        } catch (CipherException e) {
            throw new Failure("cannot open the keystore " + path + ": wrong password?", e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // the parser's message quotes what it read: a raw hex key put there would be printed
            throw new Failure("cannot read the keystore " + path + ": no web3j V3 keystore (JSON)");
        } catch (IOException e) {
            throw new Failure("cannot read the keystore " + path + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ connections

    /** The chain, the market, IPFS and the account, opened for one command. */
    private final class Connection implements AutoCloseable {
        final Web3j web3j;
        final MarketClient market;
        final DeadlineStore ipfs;
        final Credentials credentials;
        final Transactor key;

        /** The state of this market's projects: journals, trained updates, residuals. */
        final Path marketState;

        Connection() throws Failure {
            this.credentials = credentials();
            String address =
                    config.market()
                            .orElseThrow(
                                    () ->
                                            new Failure(
                                                    "no market contract: set cohort.market (COHORT_MARKET)"));
            if (!address.matches("0x[0-9a-fA-F]{40}")) {
                throw new Failure("cohort.market is not an address: " + address);
            }
            MarketClient.LogRange range;
            try {
                range =
                        new MarketClient.LogRange(
                                config.logs().fromBlock(), config.logs().maxBlocks());
            } catch (IllegalArgumentException e) {
                throw new Failure("cohort.logs: " + e.getMessage(), e);
            }
            this.web3j = Web3j.build(new HttpService(config.rpcUrl()));
            long chainId;
            try {
                chainId = web3j.ethChainId().send().getChainId().longValueExact();
            } catch (IOException | RuntimeException e) {
                web3j.shutdown();
                throw new Failure(
                        "cannot reach the chain at " + endpoint(config.rpcUrl()) + ": " + e, e);
            }
            if (chainId != config.chainId()) {
                web3j.shutdown();
                throw new Failure(
                        endpoint(config.rpcUrl())
                                + " is chain "
                                + chainId
                                + ", the configuration says "
                                + config.chainId());
            }
            String code;
            try {
                code = web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send().getCode();
            } catch (IOException | RuntimeException e) {
                web3j.shutdown();
                throw new Failure(
                        "cannot reach the chain at " + endpoint(config.rpcUrl()) + ": " + e, e);
            }
            if (code == null || code.equals("0x") || code.isEmpty()) {
                // every read of it would answer nothing, and the run loop would retry for ever
                web3j.shutdown();
                throw new Failure(
                        "no contract at "
                                + address
                                + " on chain "
                                + chainId
                                + " (cohort.market): a restarted dev chain, or another network?");
            }
            this.market = new MarketClient(web3j, address, chainId, range);
            // one folder per market: project ids start at 1 on every market, and a journal of
            // another market's project 1 would make a trainer resubmit a CID sealed for that one
            this.marketState =
                    config.stateDir()
                            .resolve("markets")
                            .resolve(chainId + "-" + address.toLowerCase(Locale.ROOT));
            ContentStore store = openIpfs();
            try {
                this.ipfs = new DeadlineStore(store, config.ipfsReadTimeout());
            } catch (IllegalArgumentException e) {
                closeQuietly(store);
                web3j.shutdown();
                throw new Failure("cohort.ipfs-read-timeout: " + e.getMessage(), e);
            }
            NodeConfig.Gas gas = config.gas();
            // what a send has in flight, so that after a crash the next process replaces it
            Path waitingFile =
                    config.stateDir()
                            .resolve("transactions")
                            .resolve(
                                    chainId
                                            + "-"
                                            + credentials.getAddress().toLowerCase(Locale.ROOT)
                                            + ".waiting");
            Transactor.Options options;
            try {
                options =
                        new Transactor.Options(
                                gas.marginPercent(),
                                gas.receiptTimeout(),
                                gas.bumpAfter(),
                                gas.bumpPercent(),
                                gas.receiptPoll(),
                                gas.maxLimit(),
                                gas.maxFee());
            } catch (IllegalArgumentException e) {
                closeQuietly(ipfs);
                web3j.shutdown();
                throw new Failure("cohort.gas: " + e.getMessage(), e);
            }
            this.key = new Transactor(web3j, credentials, chainId, options, LOG::info, waitingFile);
        }

        String address() {
            return key.address();
        }

        boolean chainReachable() {
            try {
                web3j.ethBlockNumber().send();
                return true;
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }

        boolean ipfsReachable() {
            // unwrapped: the client's own call timeout, not the long read deadline
            return NodeHealth.ipfsReady(ipfs.unwrapped());
        }

        @Override
        public void close() {
            key.close();
            closeQuietly(ipfs);
            web3j.shutdown();
        }
    }

    private static void closeQuietly(ContentStore ipfs) {
        try {
            ipfs.close();
        } catch (Exception e) {
            LOG.debug("closing IPFS", e);
        }
    }

    /**
     * Where {@code url} points, for a log line: {@code scheme://host:port} only, since providers'
     * URLs carry API keys in the path, the query or the user info.
     */
    static String endpoint(String url) {
        if (url.startsWith("embedded:")) {
            return url; // a local folder, no secret
        }
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || u.getHost() == null) {
                return "(an endpoint URL without a host)";
            }
            return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
        } catch (URISyntaxException e) {
            return "(an endpoint URL that does not parse)";
        }
    }

    private ContentStore openIpfs() throws Failure {
        String url = config.ipfsUrl();
        try {
            ContentStore store =
                    url.startsWith("embedded:")
                            ? EmbeddedStore.open(Path.of(url.substring("embedded:".length())))
                            : KuboClient.connect(URI.create(url));
            return config.ipfsShared() ? new SharedIpfs(store) : store;
        } catch (IOException | IllegalArgumentException e) {
            throw new Failure("cannot open IPFS at " + endpoint(url) + ": " + e.getMessage(), e);
        }
    }

    private List<BigInteger> projects(Args args, boolean required) throws Args.UsageException {
        Set<BigInteger> ids = new LinkedHashSet<>();
        List<String> given = new ArrayList<>(config.projects().orElse(List.of()));
        given.addAll(args.all("project"));
        for (String p : given) {
            try {
                BigInteger id = new BigInteger(p.strip());
                // ids are the market's uint256
                if (id.signum() <= 0 || id.bitLength() > 256) {
                    throw new NumberFormatException();
                }
                ids.add(id);
            } catch (NumberFormatException e) {
                throw new Args.UsageException(
                        "'" + p + "' is not a project id (1, 2, ..., below 2^256)");
            }
        }
        if (required && ids.isEmpty()) {
            throw new Args.UsageException("no project: pass --project P or set cohort.projects");
        }
        return List.copyOf(ids);
    }

    /** A one-line failure for the first of {@code ids} the market says it does not have. */
    private static void requireProjects(Connection c, List<BigInteger> ids)
            throws Failure, IOException {
        for (BigInteger id : ids) {
            if (!c.market.exists(id)) {
                throw new Failure("no project " + id + " on market " + c.market.address());
            }
        }
    }

    // ------------------------------------------------------------------ status, withdraw

    int status(Args args) throws Failure, IOException, Args.UsageException {
        // the command line first: a usage error is one whether or not the chain is up
        List<BigInteger> ids = projects(args, false);
        try (Connection c = new Connection()) {
            if (ids.isEmpty()) {
                out.println("no project given (--project P)");
            }
            requireProjects(c, ids);
            long now = c.market.now();
            for (BigInteger id : ids) {
                MarketClient.Project p = c.market.project(id);
                long round = roundAt(p, now);
                int settled = c.market.settled(id).size();
                String when =
                        c.market.ended(id)
                                ? "ended"
                                : now < p.start()
                                        ? "starts at " + Instant.ofEpochSecond(p.start())
                                        : "round " + round + " of " + p.rounds();
                out.println(
                        "project "
                                + id
                                + ": "
                                + when
                                + ", "
                                + settled
                                + " settled, reward "
                                + amount(p, p.rewardPerRound())
                                + " per round, stake "
                                + amount(p, p.trainerStake()));
                MarketClient.TrainerInfo t = c.market.trainerInfo(id, c.address());
                MarketClient.EvaluatorInfo e = c.market.evaluatorInfo(id, c.address());
                if (t.registered()) {
                    out.println(
                            "  trainer: claimed "
                                    + amount(p, t.claimed())
                                    + ", stake "
                                    + (t.stakeWithdrawn() ? "withdrawn" : "held"));
                }
                if (e.member()) {
                    out.println(
                            "  evaluator: "
                                    + (e.bonded()
                                            ? "bonded " + amount(p, e.bond())
                                            : "not bonded"));
                }
                if (!t.registered() && !e.member()) {
                    out.println("  this account takes no part");
                }
            }
            out.println("account " + c.address() + ": " + eth(c.market.balance(c.address())));
        }
        return 0;
    }

    int withdraw(Args args) throws Failure, IOException, ChainException, Args.UsageException {
        List<BigInteger> ids = projects(args, true);
        try (Connection c = new Connection()) {
            requireProjects(c, ids);
            for (BigInteger id : ids) {
                if (!c.market.ended(id)) {
                    throw new Failure("project " + id + " has not ended yet; nothing to withdraw");
                }
                boolean any = false;
                if (c.market.trainerInfo(id, c.address()).registered()) {
                    trainer(c, null).finish(id);
                    any = true;
                }
                if (c.market.evaluatorInfo(id, c.address()).member()) {
                    boolean finished =
                            new EvaluatorNode(
                                            c.market,
                                            c.ipfs,
                                            c.key,
                                            null,
                                            null,
                                            evaluatorConfig(c, null),
                                            out::println)
                                    .finish(id);
                    if (!finished) {
                        throw new Failure(
                                "project "
                                        + id
                                        + ": the bond stays until "
                                        + c.address()
                                        + " posts in the last round or its window closes (a"
                                        + " settled round it posted nothing in costs a penalty);"
                                        + " run the evaluator, or withdraw after the deadline");
                    }
                    any = true;
                }
                if (!any) {
                    throw new Failure(
                            c.address()
                                    + " is neither a trainer nor an evaluator of project "
                                    + id);
                }
                // what the market still holds for this address after all that (a payment it
                // refused): not "nothing left", and not exit 0
                BigInteger owed = c.market.stakeOwed(id, c.address());
                BigInteger bond = c.market.evaluatorInfo(id, c.address()).bond();
                if (owed.signum() > 0 || bond.signum() > 0) {
                    throw new Failure(
                            "project "
                                    + id
                                    + ": the market still holds "
                                    + (owed.signum() > 0 ? owed + " of the stake" : "")
                                    + (owed.signum() > 0 && bond.signum() > 0 ? " and " : "")
                                    + (bond.signum() > 0 ? bond + " of the bond" : "")
                                    + " for "
                                    + c.address()
                                    + " (in the project's token's smallest unit), which did not"
                                    + " take the payment; run withdraw again once it can");
                }
                out.println("project " + id + ": nothing left to withdraw");
            }
        }
        return 0;
    }

    /**
     * After a project ended (and its audits are over): unpins every submitted update of it from
     * this node's IPFS (a trainer's own, the ones an evaluator kept to recompute records), so the
     * node may collect their blocks. Records and global models stay pinned: they are what an audit
     * starts from. An update this node does not pin is skipped.
     */
    int unpin(Args args) throws Failure, IOException, Args.UsageException {
        List<BigInteger> ids = projects(args, true);
        try (Connection c = new Connection()) {
            requireProjects(c, ids);
            for (BigInteger id : ids) {
                if (!c.market.ended(id)) {
                    throw new Failure(
                            "project " + id + " has not ended yet; its updates are still needed");
                }
                int rounds = c.market.project(id).rounds();
                int submitted = 0;
                int unpinned = 0;
                for (long r = 0; r < rounds; r++) {
                    for (MarketClient.Submitted s : c.market.submissions(id, r)) {
                        submitted++;
                        Cid cid;
                        try {
                            cid = Cid.fromBytes(s.cid());
                        } catch (IllegalArgumentException notACid) {
                            continue; // flagged fetch:bad-cid: nothing stored under it
                        }
                        try {
                            c.ipfs.unpin(cid);
                            unpinned++;
                        } catch (IpfsException e) {
                            if (!String.valueOf(e.getMessage()).contains("not pinned")) {
                                throw e;
                            }
                        }
                    }
                }
                out.println(
                        "project "
                                + id
                                + ": unpinned "
                                + unpinned
                                + " of "
                                + submitted
                                + " submitted update(s); records and models stay pinned");
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ run

    int run(Role role, Args args) throws Failure, IOException, Args.UsageException {
        List<BigInteger> ids = projects(args, true);
        checkSettings(role);
        try (Connection c = new Connection()) {
            // the loop retries every read, so a project that is not there would be asked for
            // forever
            requireProjects(c, ids);
            state.started(role.name().toLowerCase(Locale.ROOT), c.address(), c.market.address());
            LOG.infof(
                    "%s %s on %s, market %s, projects %s; status on %s",
                    role.name().toLowerCase(Locale.ROOT),
                    c.address(),
                    endpoint(config.rpcUrl()),
                    c.market.address(),
                    ids,
                    httpAddress.get());
            Loop loop = new Loop(role, c);
            if (role == Role.EVALUATOR) {
                state.serveProofs(
                        (project, trainer) -> Standing.latest(c.market, c.ipfs, project, trainer));
            }
            Set<BigInteger> pending = new LinkedHashSet<>(ids);
            while (!pending.isEmpty()) {
                for (Iterator<BigInteger> it = pending.iterator(); it.hasNext(); ) {
                    BigInteger id = it.next();
                    try {
                        if (loop.tick(id)) {
                            it.remove();
                            state.project(
                                    id.toString(),
                                    loop.round(id),
                                    loop.rounds(id),
                                    "done",
                                    null,
                                    true);
                            LOG.infof("project %s: done", id);
                        }
                    } catch (JournalCorruptException e) {
                        // a retry reads the same file: stop, naming it, and let someone look
                        throw new Failure(e.getMessage(), e);
                    } catch (IOException | ChainException | RuntimeException e) {
                        metrics.counter(
                                        "cohort.node.errors",
                                        "role",
                                        role.name().toLowerCase(Locale.ROOT))
                                .increment();
                        // an expected failure (RPC down, IPFS away, a revert) says enough in its
                        // message; anything else is a bug, whose message may well be "null"
                        boolean bug =
                                e instanceof RuntimeException
                                        && !(e instanceof java.io.UncheckedIOException);
                        String what = bug ? e.toString() : e.getMessage();
                        state.project(
                                id.toString(), loop.round(id), loop.rounds(id), null, what, false);
                        if (bug) {
                            LOG.warnf(
                                    e,
                                    "project %s: %s (retrying in %s)",
                                    id,
                                    what,
                                    config.pollInterval());
                        } else {
                            LOG.warnf(
                                    "project %s: %s (retrying in %s)",
                                    id, what, config.pollInterval());
                        }
                    }
                }
                state.tick(c.chainReachable(), c.ipfsReachable());
                if (!pending.isEmpty()) {
                    try {
                        Thread.sleep(config.pollInterval().toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            state.stopped();
            return 0;
        }
    }

    /** Market errors of {@code register} that stay true for the rest of the project. */
    private static final Set<String> REGISTRATION_OVER =
            Set.of("ProjectAlreadyCancelled", "RegistrationClosed", "TrainerCapReached");

    /** One role's per-project work, done a step per tick. */
    private final class Loop {
        private final Role role;
        private final Connection c;
        private final Map<BigInteger, MarketClient.Project> terms = new HashMap<>();
        private final Map<BigInteger, Long> rounds = new HashMap<>();
        private final Map<BigInteger, Integer> settledSeen = new HashMap<>();
        private final Map<BigInteger, EvaluatorNode> evaluators = new HashMap<>();
        private final Set<BigInteger> noBondSaid = new HashSet<>();
        private TrainerNode trainer;
        private BigInteger current; // the project the trainer works on now, for its progress lines
        private final AtomicLong submitted;
        private final AtomicLong posted;

        Loop(Role role, Connection c) {
            this.role = role;
            this.c = c;
            String r = role.name().toLowerCase(Locale.ROOT);
            this.submitted =
                    metrics.gauge(
                            "cohort.node.submitted", List.of(Tag.of("role", r)), new AtomicLong());
            this.posted =
                    metrics.gauge(
                            "cohort.node.posted", List.of(Tag.of("role", r)), new AtomicLong());
        }

        long round(BigInteger id) {
            return rounds.getOrDefault(id, 0L);
        }

        int rounds(BigInteger id) {
            MarketClient.Project p = terms.get(id);
            return p == null ? 0 : p.rounds();
        }

        boolean tick(BigInteger id) throws IOException, ChainException, Failure {
            MarketClient.Project p = terms.get(id);
            if (p == null) {
                p = c.market.project(id);
                terms.put(id, p);
            }
            long now = c.market.now();
            long round = roundAt(p, now);
            rounds.put(id, round);
            return role == Role.TRAINER ? trainerTick(id, p, round) : evaluatorTick(id, p, round);
        }

        private Consumer<String> progress(BigInteger id) {
            return line -> {
                LOG.infof("project %s: %s", id, line);
                state.project(id.toString(), round(id), rounds(id), line, null, false);
            };
        }

        private boolean trainerTick(BigInteger id, MarketClient.Project p, long round)
                throws IOException, ChainException, Failure {
            if (trainer == null) {
                trainer = trainer(c, this::progressAny);
            }
            if (!c.market.trainerInfo(id, c.address()).registered()) {
                if (c.market.ended(id)) {
                    progress(id).accept("ended before this trainer registered");
                    return true;
                }
                try {
                    c.market.register(c.key, id, p.token(), p.trainerStake());
                    progress(id).accept("registered, staked " + amount(p, p.trainerStake()));
                } catch (ChainException e) {
                    String error = e.marketError().orElse("");
                    if (REGISTRATION_OVER.contains(error)) {
                        // what no later tick can change: done, not an error every poll
                        progress(id).accept("cannot register: " + e.getMessage());
                        return true;
                    }
                    if (!error.equals("TrainerAlreadyRegistered")) {
                        throw e; // (else a send that timed out landed after all)
                    }
                }
            }
            current = id;
            if (trainer.finish(id)) {
                return true;
            }
            if (round < p.rounds()) {
                TrainerNode.Result r = trainer.round(id, round);
                if (r == TrainerNode.Result.SUBMITTED) {
                    submitted.incrementAndGet();
                }
            }
            int settled = c.market.settled(id).size();
            if (settled != settledSeen.getOrDefault(id, 0)) {
                trainer.claim(id);
                settledSeen.put(id, settled);
            }
            return false;
        }

        private void progressAny(String line) {
            if (current != null) {
                progress(current).accept(line);
            } else {
                LOG.info(line);
            }
        }

        private boolean evaluatorTick(BigInteger id, MarketClient.Project p, long round)
                throws IOException, ChainException, Failure {
            MarketClient.EvaluatorInfo seat = c.market.evaluatorInfo(id, c.address());
            if (!seat.member()) {
                throw new Failure(
                        c.address() + " is not on project " + id + "'s evaluator committee");
            }
            EvaluatorNode node = evaluators.get(id);
            if (node == null) {
                node = evaluator(c, p, progress(id));
                evaluators.put(id, node);
            }
            if (!seat.bonded()) {
                if (c.market.ended(id)) {
                    progress(id).accept("ended before this evaluator bonded");
                    return true;
                }
                c.market.bond(c.key, id, p.token(), p.evaluatorBond());
                progress(id).accept("bonded " + amount(p, p.evaluatorBond()));
            }
            if (node.finish(id)) {
                return true;
            }
            if (seat.bonded() && p.evaluatorBond().signum() > 0 && seat.bond().signum() == 0) {
                // penalties took the whole bond: the market takes no more votes from this seat
                // (EvaluatorNotBonded), so judging would be work thrown away every round
                if (noBondSaid.add(id)) {
                    progress(id)
                            .accept(
                                    "no bond left to vote with (penalties took it): judging no"
                                            + " more rounds; waiting for the end");
                }
                return false;
            }
            // a restarted evaluator restores its policy from the state it saved after the settled
            // rounds, and replays those settled since, when it next judges
            if (round < p.rounds() && node.round(id, round) == EvaluatorNode.Result.POSTED) {
                posted.incrementAndGet();
            }
            return false;
        }
    }

    private TrainerNode trainer(Connection c, Consumer<String> progress) throws Failure {
        LabeledData data = progress == null ? null : slice(config.trainer().data(), true);
        return new TrainerNode(
                c.market,
                c.ipfs,
                c.key,
                data,
                new TrainerNode.Config(
                        c.marketState,
                        training(),
                        compression(config.trainer().compression()),
                        this::afterStep,
                        behaviour(config.trainer().behaviour())),
                progress == null ? out::println : progress);
    }

    /**
     * Refuses, in one line naming the setting, what the first tick would otherwise refuse (with a
     * stack trace, every poll, for ever): the training, the evaluator's fetch bounds, the poll.
     */
    private void checkSettings(Role role) throws Failure {
        Duration poll = config.pollInterval();
        if (poll.isNegative() || poll.isZero()) {
            throw new Failure("cohort.poll-interval must be a positive duration, got " + poll);
        }
        try {
            training();
        } catch (IllegalArgumentException e) {
            throw new Failure("cohort.training: " + e.getMessage(), e);
        }
        if (role == Role.TRAINER) {
            compression(config.trainer().compression());
            behaviour(config.trainer().behaviour());
        } else {
            referenceTraining();
            try {
                EvaluatorNode.checkFetchBounds(
                        config.evaluator().maxSealedBytes(),
                        config.evaluator().fetchTimeout(),
                        config.evaluator().fetchParallel());
            } catch (IllegalArgumentException e) {
                throw new Failure(e.getMessage(), e);
            }
        }
    }

    /** Local training as configured: the trainer's, and the evaluator's reference update. */
    private TrainConfig training() {
        NodeConfig.Training t = config.training();
        return TrainConfig.sgd(t.epochs(), t.batchSize(), t.learningRate(), t.seed());
    }

    /** The evaluator's reference training: the local training, for the reference epochs. */
    private TrainConfig referenceTraining() throws Failure {
        return referenceTraining(training(), config.evaluator().referenceEpochs());
    }

    /**
     * The local training for {@code epochs} ({@code cohort.evaluator.reference-epochs}), or the
     * local training itself when none is set; a count the training refuses is a one-line failure
     * that names the setting.
     */
    static TrainConfig referenceTraining(TrainConfig local, OptionalInt epochs) throws Failure {
        if (epochs.isEmpty()) {
            return local;
        }
        try {
            return local.withEpochs(epochs.getAsInt());
        } catch (IllegalArgumentException e) {
            throw new Failure("cohort.evaluator.reference-epochs: " + e.getMessage(), e);
        }
    }

    private void afterStep(long round, String step) {
        List<String> pauseAfter = config.fault().pauseAfter().orElse(List.of());
        if (pauseAfter.contains(step)) {
            LOG.infof("round %d: pausing after %s (cohort.fault.pause-after)", round, step);
            try {
                Thread.sleep(config.fault().pause().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private EvaluatorNode evaluator(Connection c, MarketClient.Project p, Consumer<String> progress)
            throws Failure, IOException {
        LabeledData root = slice(config.evaluator().root(), true);
        LabeledData validation = slice(config.evaluator().validation(), false);
        ModelSpec spec = GlobalModel.spec(c.ipfs, p);
        TrainConfig training = referenceTraining();
        Supplier<ScoringPolicy> policies =
                () -> new ScoringPolicy(spec, root, validation, training, new CohortPolicy());
        EvaluatorNode.Published published =
                config.evaluator().publishInputs()
                        ? new EvaluatorNode.Published(
                                LabeledDataFile.write(root),
                                LabeledDataFile.write(validation),
                                training)
                        : null;
        return new EvaluatorNode(
                c.market,
                c.ipfs,
                c.key,
                X25519KeyPair.derivedFrom(privateKey(c.credentials)),
                policies,
                evaluatorConfig(c, published),
                progress);
    }

    private EvaluatorNode.Config evaluatorConfig(Connection c, EvaluatorNode.Published published)
            throws Failure {
        String behaviour = config.evaluator().behaviour();
        if (!behaviour.equals("honest") && !behaviour.equals("favour-first")) {
            throw new Failure(
                    "cohort.evaluator.behaviour '"
                            + behaviour
                            + "' is neither honest nor favour-first");
        }
        int parallel = config.evaluator().fetchParallel();
        if (parallel < 1 || parallel > 64) {
            throw new Failure("cohort.evaluator.fetch-parallel must be 1 to 64, got " + parallel);
        }
        return new EvaluatorNode.Config(
                c.marketState,
                config.evaluator().maxSealedBytes(),
                config.evaluator().fetchTimeout(),
                config.evaluator().fetchParallel(),
                behaviour.equals("favour-first"),
                published);
    }

    private LabeledData slice(NodeConfig.Slice s, boolean train) throws Failure {
        Path dir;
        try {
            dir = config.data().dir().orElseGet(IdxLoader::dataDir);
        } catch (IllegalStateException e) {
            throw new Failure(e.getMessage() + "; set cohort.data.dir", e);
        }
        IdxLoader.Split split;
        try {
            split =
                    switch (s.dataset()) {
                        case "mnist" -> IdxLoader.mnist(dir);
                        case "fashion-mnist" -> IdxLoader.fashionMnist(dir);
                        default ->
                                throw new Failure(
                                        "unknown dataset '"
                                                + s.dataset()
                                                + "' (mnist, fashion-mnist)");
                    };
        } catch (IOException e) {
            throw new Failure(
                    "cannot read " + s.dataset() + " under " + dir + ": " + e.getMessage(), e);
        }
        LabeledData all = train ? split.train() : split.test();
        if (s.from() < 0 || s.to() <= s.from() || s.to() > all.size()) {
            throw new Failure(
                    "the slice ["
                            + s.from()
                            + ", "
                            + s.to()
                            + ") does not fit the "
                            + all.size()
                            + " samples of "
                            + s.dataset()
                            + (train ? " train" : " test"));
        }
        LabeledData slice = all.slice(s.from(), s.to());
        switch (s.partition()) {
            case "all" -> {
                return slice;
            }
            case "dirichlet" -> {
                if (s.parts() < 1 || s.part() < 0 || s.part() >= s.parts() || !(s.alpha() > 0)) {
                    throw new Failure(
                            "a dirichlet partition needs parts >= 1, 0 <= part < parts and alpha > 0");
                }
                try {
                    return slice.subset(
                            Partitioner.dirichlet(slice, s.parts(), s.alpha(), s.partitionSeed())
                                    .get(s.part()));
                } catch (IllegalArgumentException e) {
                    throw new Failure("cannot partition " + s.dataset() + ": " + e.getMessage(), e);
                }
            }
            default ->
                    throw new Failure(
                            "partition '" + s.partition() + "' is neither all nor dirichlet");
        }
    }

    /**
     * {@code honest}, {@code sign-flip[:SCALE]}, {@code free-rider}, {@code noise[:SIGMA]}, {@code
     * copier}.
     */
    static Behaviour behaviour(String text) throws Failure {
        String[] p = text.split(":", 2);
        try {
            return switch (p[0]) {
                case "honest" -> new Honest();
                case "sign-flip" -> new SignFlip(p.length > 1 ? Double.parseDouble(p[1]) : 4.0);
                case "free-rider" -> FreeRider.plain();
                case "noise" -> new GaussianNoise(p.length > 1 ? Double.parseDouble(p[1]) : 0.1);
                case "copier" -> new CopiesReleased();
                default ->
                        throw new Failure(
                                "cohort.trainer.behaviour '"
                                        + text
                                        + "' is none of honest, sign-flip[:SCALE], free-rider, noise[:SIGMA], copier");
            };
        } catch (IllegalArgumentException e) {
            throw new Failure("cohort.trainer.behaviour '" + text + "': " + e.getMessage(), e);
        }
    }

    /** {@code dense}, {@code dense-8bit}, {@code top-k:F}, {@code top-k-8bit:F}. */
    static Compression compression(String text) throws Failure {
        try {
            if (text.equals("dense")) {
                return Compression.dense();
            }
            if (text.equals("dense-8bit")) {
                return Compression.dense8Bit();
            }
            if (text.startsWith("top-k:")) {
                return Compression.topK(Double.parseDouble(text.substring(6)));
            }
            if (text.startsWith("top-k-8bit:")) {
                return Compression.topK8Bit(Double.parseDouble(text.substring(11)));
            }
        } catch (IllegalArgumentException e) {
            throw new Failure("cohort.trainer.compression '" + text + "': " + e.getMessage(), e);
        }
        throw new Failure(
                "cohort.trainer.compression '"
                        + text
                        + "' is none of dense, dense-8bit, top-k:F, top-k-8bit:F");
    }

    static long roundAt(MarketClient.Project p, long now) {
        return now < p.start() ? 0 : (now - p.start()) / (p.submitPeriod() + p.evalPeriod());
    }

    /** An amount of the project's money: ETH, or units of its ERC-20 token. */
    static String amount(MarketClient.Project p, BigInteger units) {
        return p.inToken() ? units + " units of token " + p.token() : eth(units);
    }

    static String eth(BigInteger wei) {
        return Convert.fromWei(new BigDecimal(wei), Convert.Unit.ETHER)
                        .stripTrailingZeros()
                        .toPlainString()
                + " ETH";
    }
}
