package io.cohort.marketplace;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;

/** The marketplace's configuration (docs/marketplace.md lists every key). */
@ConfigMapping(prefix = "cohort")
public interface MarketplaceConfig {

    /** The chain's JSON-RPC endpoint. */
    @WithDefault("http://127.0.0.1:8545")
    String rpcUrl();

    /** The market contract whose events are indexed. */
    String market();

    /** Kubo's RPC API, or {@code embedded:<folder>}. */
    @WithDefault("http://127.0.0.1:5001")
    String ipfsUrl();

    /**
     * The most one whole-file read from IPFS may take (a record, a model, an update of a
     * recompute); longer answers 502. A CID whose blocks exist nowhere would otherwise hold the
     * request, and a recompute's lock, for ever.
     */
    @WithDefault("PT2M")
    Duration ipfsReadTimeout();

    /**
     * How many model downloads and audits may run at once (each may hold a large file in memory);
     * one more is a 503 with Retry-After.
     */
    @WithDefault("4")
    int heavyReads();

    /** The chain id sign-in messages and transactions are for. */
    @WithDefault("31337")
    long chainId();

    Index index();

    Auth auth();

    Operator operator();

    /** Sign-in with Ethereum. */
    interface Auth {
        /** The domain sign-in messages must name (the host clients reach this API at). */
        @WithDefault("localhost")
        String domain();

        /** How long a token lasts. */
        @WithDefault("PT15M")
        Duration tokenTtl();

        /**
         * Sign-ins one client (an IPv4 address, an IPv6 /64) may make per five minutes; one more is
         * a 429 with {@code Retry-After}.
         */
        @WithDefault("100")
        int signInsPerClient();

        /**
         * Addresses allowed to sign in and launch projects with the operator's funds, or {@code *}
         * for anyone; unset, nobody may.
         */
        java.util.Optional<java.util.List<String>> owners();
    }

    /** The key that creates and funds projects on-chain for signed-in owners. */
    interface Operator {
        /** A web3j wallet file; without it, POST /projects answers 503. */
        java.util.Optional<Path> keystore();

        @WithDefault("COHORT_OPERATOR_PASSWORD")
        String passwordEnv();

        java.util.Optional<Path> passwordFile();

        /**
         * How long a launch waits for each of its transactions to be mined before it answers 504
         * with the transaction's hash.
         */
        @WithDefault("PT2M")
        Duration receiptTimeout();

        /**
         * The most the operator pays per unit of gas, in wei (1,000 gwei by default, the nodes'
         * {@code cohort.gas.max-fee}): the most a transaction, or a replacement of a stuck one, is
         * signed for. A launch while the chain asks more (base fee plus tip, or gas price) answers
         * 503 and sends no createProject (an ERC-20 launch's approval may be mined by then).
         */
        @WithDefault("1000000000000")
        java.math.BigInteger maxFee();

        /**
         * The launch ledger: what was launched under each Idempotency-Key. Kept apart from the
         * index folder, which may be deleted to rebuild the index.
         */
        @WithDefault("marketplace-launches.jsonl")
        Path ledger();
    }

    interface Index {
        /** Where the event log and the cursor live. */
        @WithDefault("marketplace-index")
        Path dir();

        /** The first block to read (the market's deployment block, or 0). */
        @WithDefault("0")
        long startBlock();

        /** The most blocks one eth_getLogs covers. */
        @WithDefault("2000")
        int maxRange();

        /** Blocks to stay behind the head (0 on a dev chain; more where blocks reorganise). */
        @WithDefault("0")
        int confirmations();

        /** How often the indexer asks for new blocks. */
        @WithDefault("PT1S")
        Duration poll();
    }
}
