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

    Index index();

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
