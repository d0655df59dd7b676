package io.cohort.marketplace.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The request body limits as problem+json. A launch ({@code POST /projects}) may send up to {@code
 * quarkus.http.limits.max-body-size}; every other request, {@value #SMALL_BYTES} bytes, since
 * nothing else this API takes is larger than a sign-in. A request whose {@code Content-Length} is
 * over its limit gets a 413 that says so before its body is read. Quarkus checks the same header
 * against the overall limit on a later route and answers an empty 413; this route runs first. (A
 * chunked body is checked only by Quarkus, against the overall limit, and cut off with an empty 413
 * past it.)
 */
@ApplicationScoped
public class BodyLimit {

    /** Before the sign-in check of large launches and Quarkus's own check (route order -2). */
    static final int ORDER = -4;

    /** The most any request but a launch may declare. */
    static final long SMALL_BYTES = 64 << 10;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> limit;

    void install(@Observes Router router) {
        long max = limit.map(MemorySize::asLongValue).orElse(Long.MAX_VALUE);
        long small = Math.min(max, SMALL_BYTES);
        // Vert.x matches /projects/ here too, as the resource does
        router.route(HttpMethod.POST, "/projects")
                .order(ORDER - 1)
                .handler(
                        ctx -> {
                            ctx.put(LAUNCH, Boolean.TRUE);
                            ctx.next();
                        });
        router.route()
                .order(ORDER)
                .handler(
                        ctx -> {
                            boolean launch = isLaunch(ctx);
                            long allowed = launch ? max : small;
                            Long declared = declaredLength(ctx);
                            if (declared == null && !launch && chunked(ctx)) {
                                refuse(
                                        ctx,
                                        411,
                                        "Length required",
                                        "only a launch may send a body without Content-Length;"
                                                + " declare this one's length (at most "
                                                + small
                                                + " bytes)");
                                return;
                            }
                            if (declared == null || declared <= allowed) {
                                ctx.next();
                                return;
                            }
                            String detail =
                                    "the body is "
                                            + declared
                                            + " bytes, more than the "
                                            + allowed
                                            + (launch
                                                    ? " this API takes; add large files to IPFS and"
                                                            + " send their CIDs"
                                                    : " this endpoint takes");
                            refuse(ctx, 413, "Content too large", detail);
                        });
    }

    private static final String LAUNCH = "cohort.launch";

    /** Whether the request is a launch ({@code POST /projects}), the one large-body endpoint. */
    static boolean isLaunch(RoutingContext ctx) {
        return Boolean.TRUE.equals(ctx.get(LAUNCH));
    }

    /** An HTTP/1.1 body sent in chunks, its length declared nowhere. */
    private static boolean chunked(RoutingContext ctx) {
        String te = ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING);
        return te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
    }

    /**
     * The body length a request declares, or null when it declares none (a chunked body). A
     * malformed {@code Content-Length} counts as 0 here: Vert.x refuses it itself.
     */
    static Long declaredLength(RoutingContext ctx) {
        String header = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (header == null) {
            return null;
        }
        try {
            return Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return 0L;
        }
    }

    /**
     * Answers a problem+json and closes the connection once the answer is out, leaving the body
     * unread (as Quarkus does for its own 413).
     */
    static void refuse(RoutingContext ctx, int status, String title, String detail) {
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader(HttpHeaders.CONNECTION, "close");
        ctx.response().endHandler(v -> ctx.request().connection().close());
        ctx.response()
                .end(Buffer.buffer(new JsonObject(Problem.body(status, title, detail)).encode()));
    }
}
