package io.cohort.node.app;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The node's configuration: {@code application.properties}, overridden by the environment ({@code
 * COHORT_RPC_URL}, {@code COHORT_KEYSTORE_PATH}, ...) and by {@code -D} system properties. Every
 * key is listed with its default in docs/node.md.
 */
@ConfigMapping(prefix = "cohort")
public interface NodeConfig {

    /** The chain's JSON-RPC endpoint. */
    @WithDefault("http://127.0.0.1:8545")
    String rpcUrl();

    /** The chain id transactions are signed for (EIP-155); checked against the endpoint's. */
    @WithDefault("31337")
    long chainId();

    /** The market contract's address. */
    Optional<String> market();

    Logs logs();

    /** How the node reads the market's events ({@code eth_getLogs}). */
    interface Logs {
        /**
         * The first block to read: the market's deployment block. 0 reads from genesis, which on a
         * long chain costs a page per {@link #maxBlocks} blocks on every full read.
         */
        @WithDefault("0")
        long fromBlock();

        /**
         * The most blocks one request spans; longer ranges are read in pages. Public endpoints
         * refuse ranges over some thousand blocks: set it to theirs.
         */
        @WithDefault("10000")
        long maxBlocks();
    }

    Keystore keystore();

    /** Kubo's RPC API. */
    @WithDefault("http://127.0.0.1:5001")
    String ipfsUrl();

    /**
     * The most one whole-file read from IPFS may take (the model spec, the global model, a round's
     * record, an update to copy-check); longer fails the tick, which is tried again at the next
     * poll. A CID whose blocks exist nowhere would otherwise stall the run loop for ever. The
     * evaluator's update fetches have their own, cohort.evaluator.fetch-timeout. An add may take
     * this plus its size at 1 MiB a second.
     */
    @WithDefault("PT2M")
    Duration ipfsReadTimeout();

    /**
     * Whether every party of this installation adds to this one IPFS node (docker-compose.yml's
     * single Kubo). Then an update not on it is on no node, and the evaluator flags it {@code
     * fetch:unavailable} even while the node has no peer; otherwise an online node with no peer is
     * taken as this evaluator's own outage: nothing is flagged and the round is tried again.
     */
    @WithDefault("false")
    boolean ipfsShared();

    /** The node's own files: the journal, trained updates, residuals. */
    @WithDefault("cohort-state")
    Path stateDir();

    Data data();

    /** Where datasets live. */
    interface Data {
        /**
         * The folder holding {@code mnist/} and {@code fashion-mnist/} (IDX files, as ./setup
         * writes them); by default the project's {@code data/} folder found from the working
         * directory.
         */
        Optional<Path> dir();
    }

    /** The projects to work on; {@code --project} on the command line adds to them. */
    Optional<List<String>> projects();

    /** How often the run loop reads the chain. */
    @WithDefault("PT2S")
    Duration pollInterval();

    Gas gas();

    Training training();

    Trainer trainer();

    Evaluator evaluator();

    Fault fault();

    /**
     * Fault injection, for the crash tests: after journaling one of these trainer steps ({@code
     * trained}, {@code added}, {@code submitted}, {@code claimed}) the node logs {@code pausing
     * after <step>} and sleeps, so a test can kill it exactly between two steps. Empty in
     * production.
     */
    interface Fault {
        Optional<List<String>> pauseAfter();

        @WithDefault("PT10S")
        Duration pause();
    }

    /** The account: a web3j (Ethereum V3) wallet file and where its password comes from. */
    interface Keystore {
        /** The wallet file. */
        @WithDefault("cohort-key.json")
        Path path();

        /** The environment variable holding the password (read unless a password file is set). */
        @WithDefault("COHORT_KEYSTORE_PASSWORD")
        String passwordEnv();

        /** A file whose first line is the password. */
        Optional<Path> passwordFile();
    }

    /** The chain client's discipline (docs/node.md, "The chain client"). */
    interface Gas {
        /** Added to eth_estimateGas, in percent. */
        @WithDefault("20")
        int marginPercent();

        /** A transaction not mined by then is re-sent with higher fees. */
        @WithDefault("PT30S")
        Duration bumpAfter();

        /** How much higher, in percent (at least 10). */
        @WithDefault("25")
        int bumpPercent();

        /** How long to wait for a receipt. */
        @WithDefault("PT120S")
        Duration receiptTimeout();

        /** How often to ask for it. */
        @WithDefault("PT0.2S")
        Duration receiptPoll();

        /** The largest gas limit the node signs; a call that needs more is refused unsent. */
        @WithDefault("10000000")
        long maxLimit();

        /** The highest max fee per gas (and tip) the node signs, in wei; fee bumps stop there. */
        @WithDefault("1000000000000")
        java.math.BigInteger maxFee();
    }

    /** Local training: the trainer's, and the evaluator's reference update. */
    interface Training {
        @WithDefault("1")
        int epochs();

        @WithDefault("16")
        int batchSize();

        @WithDefault("0.05")
        float learningRate();

        @WithDefault("1")
        long seed();
    }

    /** A slice of a dataset in IDX files. */
    interface Slice {
        /** {@code mnist} or {@code fashion-mnist}. */
        @WithDefault("mnist")
        String dataset();

        /** The first sample of the slice. */
        @WithDefault("0")
        int from();

        /** One past the last. */
        @WithDefault("600")
        int to();

        /**
         * {@code all} (the whole slice), or {@code dirichlet}: the slice split among {@code parts}
         * trainers with label proportions drawn from Dirichlet({@code alpha}), this trainer taking
         * part {@code part} (the same seed gives every trainer the same split).
         */
        @WithDefault("all")
        String partition();

        @WithDefault("0.5")
        double alpha();

        @WithDefault("1")
        int parts();

        @WithDefault("0")
        int part();

        @WithDefault("1")
        long partitionSeed();
    }

    interface Trainer {
        /** The trainer's private data: a slice of the dataset's training split. */
        Slice data();

        /**
         * How updates are encoded: {@code dense}, {@code dense-8bit}, {@code top-k:F} or {@code
         * top-k-8bit:F} with F the kept fraction; lossy encodings carry their error to the next
         * round (error feedback).
         */
        @WithDefault("dense")
        String compression();

        /**
         * {@code honest}; or, for demos and for testing evaluators, an attack: {@code
         * sign-flip[:SCALE]} (submits −SCALE × its update, 4 by default), {@code free-rider}
         * (trains nothing, submits zeros), {@code noise[:SIGMA]} (Gaussian noise instead of an
         * update), {@code copier} (sends another trainer's released update of the last settled
         * round as its own; submits nothing until a round settled).
         */
        @WithDefault("honest")
        String behaviour();
    }

    interface Evaluator {
        /** The root data of the reference update: a slice of the training split. */
        Slice root();

        /** The validation data: a slice of the test split. */
        Slice validation();

        /**
         * How many epochs the reference update is trained for on the root data (default: {@code
         * cohort.training.epochs}, as a trainer trains on its own data). Cohort's policy rescales
         * every accepted update to the reference's norm, so this sets the size of every round's
         * step (BENCHMARKS.md, "Why the policy's clean run is below FedAvg's").
         */
        OptionalInt referenceEpochs();

        /**
         * The largest sealed update fetched; larger is flagged fetch:too-large (larger than any
         * valid update of the project's model sealed can be is never fetched: seal:exceeds-model).
         */
        @WithDefault("16777216")
        int maxSealedBytes();

        /**
         * The most one sealed update's whole fetch may take; longer is flagged fetch:unavailable (a
         * CID whose blocks exist nowhere would otherwise stall the run loop for ever). A round's
         * submissions are fetched fetch-parallel at a time: keep (submissions / fetch-parallel,
         * rounded up) times this below the evaluation window.
         */
        @WithDefault("PT60S")
        Duration fetchTimeout();

        /**
         * How many sealed updates are fetched at once, 1 to 64. They share the link and each has
         * the whole fetch-timeout: the link should carry this many times max-sealed-bytes within
         * it, and a committee should use one value (a member that times out where the others do not
         * flags what they open).
         */
        @WithDefault("8")
        int fetchParallel();

        /**
         * {@code honest}, or {@code favour-first}: a dishonest evaluator that posts the whole
         * round's score to its first submitter (for committee tests and demos; it gets penalised).
         */
        @WithDefault("honest")
        String behaviour();

        /**
         * Whether the root and validation data go to IPFS and their CIDs into every round record,
         * so that anyone can rerun the scoring (the marketplace's {@code ?recompute=true}).
         */
        @WithDefault("true")
        boolean publishInputs();
    }
}
