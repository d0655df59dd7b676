package io.cohort.marketplace.api;

import io.cohort.marketplace.MarketplaceConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Bounds how many reads that pull large files from IPFS run at once: a model download (up to 256
 * MiB held in memory until it is sent, so its permit is held until the response ends) and an audit
 * (every settled record of a project, and with recompute the released updates). Neither needs a
 * sign-in, so without a bound anyone could make the API hold gigabytes with a few parallel
 * requests. One over the bound ({@code cohort.heavy-reads}, 4 by default) is a 503 with {@code
 * Retry-After}, not a worker thread left waiting.
 */
@ApplicationScoped
public class HeavyReads {

    /** How long a client is told to wait: about one model download on a local link. */
    static final Duration RETRY = Duration.ofSeconds(5);

    @Inject MarketplaceConfig config;

    private Semaphore gate;

    /** Refuses to start with a bound below 1 (the bean is otherwise made at the first read). */
    void check(@Observes StartupEvent ev) {
        open();
    }

    @PostConstruct
    synchronized void open() {
        if (gate != null) {
            return;
        }
        int permits = config.heavyReads();
        if (permits < 1) {
            throw new IllegalStateException(
                    "cohort.heavy-reads must be at least 1, got " + permits);
        }
        gate = new Semaphore(permits);
    }

    /**
     * Takes a permit if fewer than the bound are taken now.
     *
     * @throws Problem 503 with {@code Retry-After} if the bound is reached
     */
    public Permit enter() {
        if (!gate.tryAcquire()) {
            throw Problem.unavailable(
                    "Busy",
                    config.heavyReads()
                            + " model downloads and audits are running, the most this API runs at"
                            + " once; ask again shortly",
                    RETRY);
        }
        return new Permit();
    }

    /** Runs {@code read} within a permit (see {@link #enter}). */
    public <T> T run(Supplier<T> read) {
        try (Permit p = enter()) {
            return read.get();
        }
    }

    /** One taken place; closing it more than once gives it back once. */
    public final class Permit implements AutoCloseable {
        private final AtomicBoolean open = new AtomicBoolean(true);

        @Override
        public void close() {
            if (open.compareAndSet(true, false)) {
                gate.release();
            }
        }
    }
}
