package io.cohort.marketplace.api;

import io.cohort.marketplace.MarketplaceConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * Bounds how many reads that pull large files from IPFS run at once: a model download (up to 256
 * MiB held in memory until it is sent) and an audit (every settled record of a project, and with
 * recompute the released updates). Neither needs a sign-in, so without a bound anyone could make
 * the API hold gigabytes with a few parallel requests. One over the bound ({@code
 * cohort.heavy-reads}, 4 by default) is a 503 with {@code Retry-After}, not a worker thread left
 * waiting.
 */
@ApplicationScoped
public class HeavyReads {

    /** How long a client is told to wait: about one model download on a local link. */
    static final Duration RETRY = Duration.ofSeconds(5);

    @Inject MarketplaceConfig config;

    private Semaphore gate;

    @PostConstruct
    void open() {
        int permits = config.heavyReads();
        if (permits < 1) {
            throw new IllegalStateException(
                    "cohort.heavy-reads must be at least 1, got " + permits);
        }
        gate = new Semaphore(permits);
    }

    /**
     * Runs {@code read} if fewer than the bound run now.
     *
     * @throws Problem 503 with {@code Retry-After} if the bound is reached
     */
    public <T> T run(Supplier<T> read) {
        if (!gate.tryAcquire()) {
            throw Problem.unavailable(
                    "Busy",
                    config.heavyReads()
                            + " model downloads and audits are running, the most this API runs at"
                            + " once; ask again shortly",
                    RETRY);
        }
        try {
            return read.get();
        } finally {
            gate.release();
        }
    }
}
