package io.cohort.marketplace.api;

import io.cohort.marketplace.auth.Auth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Checks the sign-in of a launch ({@code POST /projects}) that declares more than {@link
 * #UNSIGNED_BYTES} or no length (chunked) before its body is read: a launch body may be 64 MiB of
 * base64 uploads, and without this anyone could make the API buffer and parse one per request (the
 * resource checks the token of a smaller launch once it has the parsed body). A request without a
 * valid token gets the resource's own 401 problem+json, its body unread; the session of a valid one
 * is what the resource acts for, however long the upload took.
 */
@ApplicationScoped
public class SignInFirst {

    /** After the body limit's route, before Quarkus reads the body. */
    static final int ORDER = BodyLimit.ORDER + 1;

    /**
     * Where the session checked here is kept for the resource ({@link Auth.Session}): a token valid
     * when a large launch arrives is not refused because it expires while the body uploads.
     */
    static final String SESSION = "cohort.launch.session";

    /** The most body an unsigned launch may make the API read. */
    static final long UNSIGNED_BYTES = 1 << 20;

    /** Signed launches with a body over {@link #UNSIGNED_BYTES} held at once. */
    static final int LARGE_LAUNCHES = 2;

    /** How long a client is told to wait: about one launch. */
    static final java.time.Duration LAUNCH_RETRY = java.time.Duration.ofSeconds(30);

    private final java.util.concurrent.Semaphore launches =
            new java.util.concurrent.Semaphore(LARGE_LAUNCHES);

    @Inject Auth auth;

    void install(@Observes Router router) {
        router.route(HttpMethod.POST, "/projects")
                .order(ORDER)
                .handler(
                        ctx -> {
                            Long declared = BodyLimit.declaredLength(ctx);
                            if (declared != null && declared <= UNSIGNED_BYTES) {
                                ctx.next();
                                return;
                            }
                            try {
                                ctx.put(
                                        SESSION,
                                        auth.require(
                                                ctx.request()
                                                        .getHeader(HttpHeaders.AUTHORIZATION)));
                            } catch (Problem p) {
                                BodyLimit.refuse(ctx, p.status(), p.title(), p.getMessage());
                                return;
                            }
                            // launches run one at a time: a large body beyond one running and
                            // one waiting would only be held in memory, minutes long
                            if (!launches.tryAcquire()) {
                                ctx.response()
                                        .putHeader(
                                                "Retry-After",
                                                Long.toString(LAUNCH_RETRY.toSeconds()));
                                BodyLimit.refuse(
                                        ctx,
                                        503,
                                        "Busy",
                                        LARGE_LAUNCHES
                                                + " launches with large bodies are in flight, the"
                                                + " most this API holds at once; ask again shortly");
                                return;
                            }
                            java.util.concurrent.atomic.AtomicBoolean held =
                                    new java.util.concurrent.atomic.AtomicBoolean(true);
                            Runnable release =
                                    () -> {
                                        if (held.compareAndSet(true, false)) {
                                            launches.release();
                                        }
                                    };
                            ctx.addEndHandler(v -> release.run());
                            ctx.next();
                        });
    }
}
