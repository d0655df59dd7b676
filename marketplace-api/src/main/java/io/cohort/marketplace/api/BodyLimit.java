package io.cohort.marketplace.api;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The request body limit ({@code quarkus.http.limits.max-body-size}) as problem+json: a request
 * whose {@code Content-Length} is over it gets a 413 that says so before its body is read. Quarkus
 * checks the same header on a later route and answers an empty 413; this route runs first. (A
 * chunked body that grows past the limit is still cut off by Quarkus, with an empty 413.)
 */
@ApplicationScoped
public class BodyLimit {

    /** Before the sign-in check of large launches and Quarkus's own check (route order -2). */
    static final int ORDER = -4;

    @ConfigProperty(name = "quarkus.http.limits.max-body-size")
    Optional<MemorySize> limit;

    void install(@Observes Router router) {
        if (limit.isEmpty()) {
            return;
        }
        long max = limit.get().asLongValue();
        router.route()
                .order(ORDER)
                .handler(
                        ctx -> {
                            String header = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
                            long declared;
                            try {
                                declared = header == null ? -1 : Long.parseLong(header.strip());
                            } catch (NumberFormatException e) {
                                ctx.next(); // Vert.x refuses a malformed Content-Length itself
                                return;
                            }
                            if (declared <= max) {
                                ctx.next();
                                return;
                            }
                            String detail =
                                    "the body is "
                                            + declared
                                            + " bytes, more than the "
                                            + max
                                            + " this API takes; add large files to IPFS and send"
                                            + " their CIDs";
                            refuse(ctx, 413, "Content too large", detail);
                        });
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
