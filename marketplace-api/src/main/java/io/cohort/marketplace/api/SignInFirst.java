package io.cohort.marketplace.api;

import io.cohort.marketplace.auth.Auth;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Checks the sign-in of a launch ({@code POST /projects}) before its body is read: a launch body
 * may be 64 MiB of base64 uploads, and without this anyone could make the API buffer and parse one
 * per request (the resource checks the token only once it has the parsed body). A request without a
 * valid token gets the resource's own 401 problem+json, its body unread.
 */
@ApplicationScoped
public class SignInFirst {

    /** After the body limit's route, before Quarkus reads the body. */
    static final int ORDER = BodyLimit.ORDER + 1;

    /** The most body an unsigned launch may make the API read. */
    static final long UNSIGNED_BYTES = 1 << 20;

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
                                auth.require(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
                            } catch (Problem p) {
                                BodyLimit.refuse(ctx, p.status(), p.title(), p.getMessage());
                                return;
                            }
                            ctx.next();
                        });
    }
}
