package io.cohort.ipfs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A content store whose whole-file reads ({@link #readAllBytes}), local look-ups ({@link #has}),
 * questions about its peers ({@link #reach}) and adds of bytes or a file ({@link #add(byte[])},
 * {@link #add(Path)}) end within a deadline; everything else (an add from a stream, whose length is
 * unknown; pins) goes straight to the store it wraps.
 *
 * <p>Kubo's {@code cat} of a CID whose root block exists but one of whose leaves exists nowhere
 * sends its headers and then stalls for ever, and Java's HttpClient has no timeout on a body. The
 * nodes and the marketplace read content other parties published (the model spec, the global model
 * an evaluator posted, a round's record, a trainer's update): without a deadline one such CID would
 * hold a node's single run loop, every project's, or a marketplace request (and the recompute lock)
 * for ever. Each bounded call runs on a daemon thread; at the deadline it is cancelled
 * (interrupted, which closes its stream) and the caller gets a {@link TimedOutException} whether or
 * not that thread ever wakes.
 *
 * <p>An add's deadline grows with its size: the deadline plus the time to send it at {@link
 * #MIN_ADD_BYTES_PER_SECOND}, so a large model is not cut off while an add that has stopped (a Kubo
 * that takes the request and never answers) no longer holds a trainer's or an evaluator's run loop
 * for ever: it fails the tick, which is tried again at the next poll.
 */
public final class DeadlineStore extends ForwardingStore {

    /** A bounded call that did not end within its deadline. */
    public static final class TimedOutException extends IOException {
        TimedOutException(String message) {
            super(message);
        }
    }

    /** The slowest an add is taken to be still working: 1 MiB a second. */
    public static final long MIN_ADD_BYTES_PER_SECOND = 1 << 20;

    private final Duration deadline;
    private final ExecutorService calls =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "ipfs-bounded");
                        t.setDaemon(true);
                        return t;
                    });

    /**
     * @param store the store to read from (closed with this one)
     * @param deadline how long one bounded call may take, positive
     */
    public DeadlineStore(ContentStore store, Duration deadline) {
        super(store);
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException(
                    "an IPFS deadline must be positive, got " + deadline);
        }
        this.deadline = deadline;
    }

    /** How long one bounded call may take. */
    public Duration deadline() {
        return deadline;
    }

    /**
     * The whole file, within the deadline.
     *
     * @throws TimedOutException at the deadline
     * @throws ContentTooLargeException if it holds more than {@code maxBytes}
     * @throws InterruptedIOException if this thread is interrupted while it waits (its interrupt
     *     status is kept)
     */
    @Override
    public byte[] readAllBytes(Cid cid, int maxBytes) throws IOException {
        return bounded("reading " + cid, () -> unwrapped().readAllBytes(cid, maxBytes));
    }

    /** Whether the root block is stored locally, within the deadline. */
    @Override
    public boolean has(Cid cid) throws IOException {
        return bounded("looking for " + cid + " locally", () -> unwrapped().has(cid));
    }

    /** Whether the store can get content from others now, within the deadline. */
    @Override
    public Reach reach() throws IOException {
        return bounded("asking for peers", () -> unwrapped().reach());
    }

    /**
     * Adds {@code bytes}, within the deadline plus their time at {@link #MIN_ADD_BYTES_PER_SECOND}.
     *
     * @throws TimedOutException at that deadline (the store may hold some of its blocks)
     */
    @Override
    public Cid add(byte[] bytes) throws IOException {
        return bounded(
                "adding " + bytes.length + " bytes",
                addDeadline(bytes.length),
                () -> unwrapped().add(bytes));
    }

    /**
     * Adds the file, within the deadline plus its time at {@link #MIN_ADD_BYTES_PER_SECOND}.
     *
     * @throws TimedOutException at that deadline
     */
    @Override
    public Cid add(Path file) throws IOException {
        long size = Files.size(file);
        return bounded(
                "adding " + file.getFileName() + " (" + size + " bytes)",
                addDeadline(size),
                () -> unwrapped().add(file));
    }

    /** How long an add of {@code bytes} may take. */
    Duration addDeadline(long bytes) {
        long millis = Math.multiplyExact(bytes, 1000L) / MIN_ADD_BYTES_PER_SECOND;
        return deadline.plusMillis(millis);
    }

    private <T> T bounded(String what, Callable<T> call) throws IOException {
        return bounded(what, deadline, call);
    }

    private <T> T bounded(String what, Duration within, Callable<T> call) throws IOException {
        Future<T> running = calls.submit(call);
        try {
            return running.get(within.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            running.cancel(true);
            throw new TimedOutException(what + ": no answer within " + within);
        } catch (InterruptedException e) {
            running.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException unchecked) {
                throw unchecked.getCause();
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(what, cause);
        }
    }

    @Override
    public void close() throws IOException {
        calls.shutdownNow();
        super.close();
    }
}
