package io.cohort.marketplace.api;

import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/** An HTTP error as RFC 9457 problem details ({@code application/problem+json}). */
public final class Problem extends RuntimeException {

    public static final String MEDIA_TYPE = "application/problem+json";

    private final int status;
    private final String title;

    public Problem(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not found", detail);
    }

    public static Problem badRequest(String detail) {
        return new Problem(400, "Bad request", detail);
    }

    static Response response(int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    @Provider
    public static final class Mapper implements ExceptionMapper<Problem> {
        @Override
        public Response toResponse(Problem p) {
            return response(p.status, p.title, p.getMessage());
        }
    }

    /** What the framework rejects (unknown path, wrong method, unreadable body) as problem+json. */
    @Provider
    public static final class WebMapper
            implements ExceptionMapper<jakarta.ws.rs.WebApplicationException> {
        @Override
        public Response toResponse(jakarta.ws.rs.WebApplicationException e) {
            int status = e.getResponse().getStatus();
            return response(
                    status,
                    Response.Status.fromStatusCode(status) == null
                            ? "Error"
                            : Response.Status.fromStatusCode(status).getReasonPhrase(),
                    e.getMessage());
        }
    }

    /** Anything else: a 500 that says what failed, never a stack trace. */
    @Provider
    public static final class Unexpected implements ExceptionMapper<RuntimeException> {
        private static final Logger LOG = Logger.getLogger(Unexpected.class);

        @Override
        public Response toResponse(RuntimeException e) {
            LOG.error("unexpected error", e);
            return response(
                    500, "Internal error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
