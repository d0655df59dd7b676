package io.cohort.node.round;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.ContentTooLargeException;
import io.cohort.ipfs.DeadlineStore;
import io.cohort.learning.policy.ScoringPolicy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Fetches the sealed bytes of one submission within a deadline, or says why not as the flag the
 * round record carries ({@code fetch:bad-cid}, {@code fetch:too-large}, {@code fetch:unavailable},
 * and {@link #EXCEEDS_MODEL}).
 *
 * <p>Two bounds: this evaluator's own ({@code cohort.evaluator.max-sealed-bytes}), past which an
 * update is {@code fetch:too-large} and slashes nothing (another member may allow more), and the
 * project's, the longest any valid update of its model sealed for its committee can be ({@link
 * #fetchAll(List, long)}), past which it is {@link #EXCEEDS_MODEL}: no honest trainer sends that,
 * and anyone who can read the update and the model spec can check it (the audit does), so it
 * slashes like every flag that shows intent. The smaller bound is read up to and names the flag.
 *
 * <p>The deadline covers the whole fetch: a CID whose root block exists but one of whose leaves
 * exists nowhere makes Kubo's {@code cat} stream stall with its headers sent, and Java's HttpClient
 * has no timeout on a body, so without it one hostile submission would hold the evaluator's single
 * run loop (every project's) for ever. The reads go through a {@link DeadlineStore} with the fetch
 * deadline ({@code cohort.evaluator.fetch-timeout}).
 *
 * <p>A round's submissions are fetched P at a time ({@link #fetchAll}; {@code
 * cohort.evaluator.fetch-parallel}, 8 by default), so K submissions whose CIDs resolve nowhere cost
 * about K / P deadlines, not K. The P fetches share the link and each has the whole deadline: a
 * member whose link cannot carry P × max-sealed-bytes within it could flag slow honest updates that
 * faster members open (a split), so a committee should agree on P and a link that can.
 *
 * <p>Every honest evaluator must write the same record, so an unavailable update's detail is the
 * CID and a fixed phrase: the local reason (Kubo's URL, an error's wording, a timeout) goes to the
 * progress log only. Before it flags one, the fetcher asks its own IPFS node whether it holds the
 * root block ({@link ContentStore#has}, local only) and whether it has peers ({@link
 * ContentStore#reach}): a node that does not answer is down, and an online node with no peer cannot
 * fetch anyone's update; either way the fault is the evaluator's, not the trainer's, and the whole
 * fetch fails with an {@link IOException} (the run loop tries the round again) rather than flagging
 * every honest update. (A node with some peers but not the trainer's still flags: it cannot tell a
 * partition from an update published nowhere.)
 */
final class UpdateFetcher {

    static final String UNAVAILABLE = "fetch:unavailable";

    /** The flag of an update longer than any valid one of the project's model sealed can be. */
    static final String EXCEEDS_MODEL = "seal:exceeds-model";

    /** The detail of a {@code fetch:unavailable} flag after the CID. */
    static final String UNAVAILABLE_DETAIL = "not retrieved from IPFS";

    /** How many submissions are fetched at once unless told otherwise. */
    static final int PARALLEL = EvaluatorNode.Config.FETCH_PARALLEL;

    /** The most submissions fetched at once. */
    static final int MAX_PARALLEL = 64;

    /** One submission to fetch: who sent it, the CID bytes the chain holds, its sequence. */
    record Request(String trainer, byte[] cid, long sequence) {}

    /** The sealed bytes, or (when {@code sealed} is null) the flagged submission. */
    record Fetched(byte[] sealed, ScoringPolicy.Received flagged) {}

    private final DeadlineStore ipfs;
    private final int maxBytes;
    private final int parallel;
    private final Consumer<String> progress;
    private final ExecutorService pool =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "evaluator-fetch");
                        t.setDaemon(true);
                        return t;
                    });

    /**
     * @param ipfs where updates are read from
     * @param maxBytes the largest sealed update read; more is flagged {@code fetch:too-large}
     * @param deadline the most one update's whole fetch (and the local question after a failed one)
     *     may take
     * @param progress where the local reasons for unavailable updates go
     */
    UpdateFetcher(ContentStore ipfs, int maxBytes, Duration deadline, Consumer<String> progress) {
        this(ipfs, maxBytes, deadline, PARALLEL, progress);
    }

    /**
     * @param parallel how many updates are fetched at once, 1 to {@value #MAX_PARALLEL}
     */
    UpdateFetcher(
            ContentStore ipfs,
            int maxBytes,
            Duration deadline,
            int parallel,
            Consumer<String> progress) {
        checkBounds(maxBytes, deadline, parallel);
        // unwrapped first: the node's own reads may carry a longer deadline of their own
        this.ipfs =
                new DeadlineStore(ipfs instanceof DeadlineStore d ? d.unwrapped() : ipfs, deadline);
        this.maxBytes = maxBytes;
        this.parallel = parallel;
        this.progress = progress;
    }

    /**
     * Refuses bounds a fetcher cannot work with, naming the setting: {@code parallel} 1 to {@link
     * #MAX_PARALLEL}, {@code maxBytes} at least 1, a positive {@code deadline}.
     *
     * @throws IllegalArgumentException naming the setting
     */
    static void checkBounds(int maxBytes, Duration deadline, int parallel) {
        if (parallel < 1 || parallel > MAX_PARALLEL) {
            throw new IllegalArgumentException(
                    "cohort.evaluator.fetch-parallel must be 1 to "
                            + MAX_PARALLEL
                            + ", got "
                            + parallel);
        }
        if (maxBytes < 1) {
            throw new IllegalArgumentException(
                    "cohort.evaluator.max-sealed-bytes must be at least 1, got " + maxBytes);
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException(
                    "the fetch deadline must be positive (cohort.evaluator.fetch-timeout), got "
                            + deadline);
        }
    }

    /**
     * Every submission's sealed bytes or flag, in the order asked, fetched {@code parallel} at a
     * time, each within the deadline.
     *
     * @throws IOException if this evaluator's own IPFS node does not answer (nothing is flagged)
     */
    List<Fetched> fetchAll(List<Request> requests) throws IOException {
        return fetchAll(requests, Long.MAX_VALUE);
    }

    /**
     * {@link #fetchAll(List)}, each at most {@code modelBound} bytes (the longest a valid update of
     * the project's model sealed for its committee can be) and the fetcher's own bound, refused
     * before it is read whole: past the model's bound {@link #EXCEEDS_MODEL}, past the fetcher's
     * (when it is the smaller) {@code fetch:too-large}.
     */
    List<Fetched> fetchAll(List<Request> requests, long modelBound) throws IOException {
        Bound bound = bound(modelBound);
        Fetched[] out = new Fetched[requests.size()];
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < Math.min(parallel, requests.size()); w++) {
            workers.add(
                    pool.submit(
                            () -> {
                                for (int i; (i = next.getAndIncrement()) < out.length; ) {
                                    Request r = requests.get(i);
                                    out[i] = fetch(r.trainer(), r.cid(), r.sequence(), bound);
                                }
                                return null;
                            }));
        }
        try {
            for (Future<?> w : workers) {
                w.get();
            }
        } catch (InterruptedException e) {
            workers.forEach(w -> w.cancel(true));
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted fetching the round's updates");
        } catch (ExecutionException e) {
            workers.forEach(w -> w.cancel(true));
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("fetching the round's updates", cause);
        }
        return Arrays.asList(out);
    }

    /**
     * The submission's sealed bytes, or its flag.
     *
     * @throws IOException if this evaluator's own IPFS node does not answer, or this thread is
     *     interrupted while it waits
     */
    Fetched fetch(String trainer, byte[] cidBytes, long sequence) throws IOException {
        return fetch(trainer, cidBytes, sequence, bound(Long.MAX_VALUE));
    }

    /** The most bytes read of one update, and the flag of one longer. */
    private record Bound(int bytes, String flag) {}

    /** The smaller of the model's bound and this fetcher's own, with the flag it gives. */
    private Bound bound(long modelBound) {
        return modelBound <= maxBytes
                ? new Bound((int) modelBound, EXCEEDS_MODEL)
                : new Bound(maxBytes, "fetch:too-large");
    }

    private Fetched fetch(String trainer, byte[] cidBytes, long sequence, Bound bound)
            throws IOException {
        Cid cid;
        try {
            cid = Cid.fromBytes(cidBytes);
        } catch (IllegalArgumentException e) { // InvalidCidException and friends
            return flagged(trainer, "fetch:bad-cid", e.getMessage(), sequence);
        }
        try {
            return new Fetched(ipfs.readAllBytes(cid, bound.bytes()), null);
        } catch (ContentTooLargeException tooLarge) {
            return flagged(trainer, bound.flag(), tooLarge.getMessage(), sequence);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            return unavailable(trainer, cid, String.valueOf(e.getMessage()), sequence);
        }
    }

    private Fetched unavailable(String trainer, Cid cid, String localReason, long sequence)
            throws IOException {
        requireLocalNode(cid, localReason);
        progress.accept(trainer + "'s update " + cid + " is unavailable: " + localReason);
        return flagged(trainer, UNAVAILABLE, cid + ": " + UNAVAILABLE_DETAIL, sequence);
    }

    /**
     * Returns if this evaluator's own IPFS node answers a local question about {@code cid} within
     * the deadline (whatever the answer) and is not an online node without peers, else throws.
     */
    private void requireLocalNode(Cid cid, String localReason) throws IOException {
        ContentStore.Reach reach;
        try {
            ipfs.has(cid);
            reach = ipfs.reach();
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            throw new IOException(
                    "could not fetch "
                            + cid
                            + " ("
                            + localReason
                            + ") and the local IPFS node does not answer either ("
                            + e.getMessage()
                            + "); nothing flagged, the round is tried again",
                    e);
        }
        if (reach == ContentStore.Reach.ISOLATED) {
            throw new IOException(
                    "could not fetch "
                            + cid
                            + " ("
                            + localReason
                            + ") and the local IPFS node is connected to no peer, so it can fetch"
                            + " nobody's update; nothing flagged, the round is tried again (set"
                            + " cohort.ipfs-shared if every party adds to this one node)");
        }
    }

    private static Fetched flagged(String trainer, String reason, String detail, long sequence) {
        return new Fetched(
                null, ScoringPolicy.Received.unreadable(trainer, reason, detail, sequence));
    }
}
