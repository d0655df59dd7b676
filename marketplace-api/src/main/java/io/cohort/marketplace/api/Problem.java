package io.cohort.marketplace.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/** An HTTP error as RFC 9457 problem details ({@code application/problem+json}). */
public final class Problem extends RuntimeException {

    public static final String MEDIA_TYPE = "application/problem+json";

    private final int status;
    private final String title;
    private final Duration retryAfter;

    public Problem(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    private Problem(int status, String title, String detail, Duration retryAfter) {
        super(detail);
        this.status = status;
        this.title = title;
        this.retryAfter = retryAfter;
    }

    /** The HTTP status it answers with. */
    int status() {
        return status;
    }

    /** Its title, as the body's {@code title}. */
    String title() {
        return title;
    }

    /**
     * A 503 for a resource that is busy or full now, with when to ask again ({@code Retry-After}).
     */
    public static Problem unavailable(String title, String detail, Duration retryAfter) {
        return new Problem(503, title, detail, retryAfter);
    }

    /**
     * A 429 for a client that asked too often, with when it may ask again ({@code Retry-After}).
     */
    public static Problem tooMany(String title, String detail, Duration retryAfter) {
        return new Problem(429, title, detail, retryAfter);
    }

    public static Problem notFound(String detail) {
        return new Problem(404, "Not found", detail);
    }

    public static Problem badRequest(String detail) {
        return new Problem(400, "Bad request", detail);
    }

    static Map<String, Object> body(int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        return body;
    }

    static Response response(int status, String title, String detail) {
        return Response.status(status).type(MEDIA_TYPE).entity(body(status, title, detail)).build();
    }

    @Provider
    public static final class Mapper implements ExceptionMapper<Problem> {
        @Override
        public Response toResponse(Problem p) {
            Response.ResponseBuilder r =
                    Response.status(p.status)
                            .type(MEDIA_TYPE)
                            .entity(body(p.status, p.title, p.getMessage()));
            if (p.retryAfter != null) {
                // whole seconds, at least one (RFC 9110, 10.2.3)
                r.header("Retry-After", Math.max(1, (p.retryAfter.toMillis() + 999) / 1000));
            }
            return r.build();
        }
    }

    /**
     * A JSON body whose value has the wrong type for its field ({@code "rounds": "ten"}, {@code
     * "committee": {}}, a body {@code []}): Jackson's {@link MismatchedInputException}, which would
     * otherwise reach Quarkus's built-in mapper (a 400 that is no problem+json, empty outside dev
     * and test mode). A user mapper for the same type takes precedence over the built-in one.
     */
    @Provider
    public static final class BodyMapper implements ExceptionMapper<MismatchedInputException> {
        @Override
        public Response toResponse(MismatchedInputException e) {
            return response(400, "Bad request", unreadableBody(e));
        }
    }

    private static final Set<Class<?>> INTEGERS =
            Set.of(
                    Integer.class,
                    int.class,
                    Long.class,
                    long.class,
                    Short.class,
                    short.class,
                    Byte.class,
                    byte.class,
                    BigInteger.class);

    /**
     * Why a JSON body cannot be read, in the API's words: the field's path and what it must be, or
     * where the text stops being JSON. Never a Java type name.
     */
    static String unreadableBody(JsonProcessingException e) {
        JsonLocation l = e.getLocation();
        String at =
                l == null || l.getLineNr() < 1
                        ? ""
                        : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
        if (e instanceof MismatchedInputException m) {
            String field = path(m.getPath());
            return (field.isEmpty() ? "the body" : field)
                    + " must be "
                    + expected(m.getTargetType())
                    + at;
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return path(m.getPath())
                    + (m.getCause() instanceof InputCoercionException c
                            ? ": " + firstLine(c.getOriginalMessage())
                            : " cannot be read")
                    + at;
        }
        return "the body is not JSON: " + firstLine(e.getOriginalMessage()) + at;
    }

    /** {@code committee[1].address}, as a client writes it. */
    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                out.append(out.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (INTEGERS.contains(type)) {
            return "an integer";
        }
        if (type == double.class || type == float.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (JsonNode.class.isAssignableFrom(type)) {
            return "JSON";
        }
        return "an object";
    }

    /** Jackson's reason without the source excerpt it may append. */
    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        String m = message.lines().findFirst().orElse("");
        int marker = m.indexOf(" (start marker at");
        if (marker >= 0) {
            m = m.substring(0, marker);
        }
        return m.length() > 160 ? m.substring(0, 160) + "…" : m;
    }

    /** What the framework rejects (unknown path, wrong method, unreadable body) as problem+json. */
    @Provider
    public static final class WebMapper
            implements ExceptionMapper<jakarta.ws.rs.WebApplicationException> {

        @jakarta.ws.rs.core.Context jakarta.ws.rs.core.UriInfo uri;

        @jakarta.ws.rs.core.Context jakarta.ws.rs.core.Request request;

        @Override
        public Response toResponse(jakarta.ws.rs.WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String title =
                    Response.Status.fromStatusCode(status) == null
                            ? "Error"
                            : Response.Status.fromStatusCode(status).getReasonPhrase();
            if (status == 405) {
                // the framework's 405 names no methods: Allow is required (RFC 9110, 15.5.6)
                String path = uri.getPath();
                String allow = AllowedMethods.of(path).orElse("");
                return Response.status(405)
                        .type(MEDIA_TYPE)
                        .header("Allow", allow)
                        .entity(
                                body(
                                        405,
                                        title,
                                        request.getMethod()
                                                + " is not allowed on "
                                                + path
                                                + (allow.isEmpty() ? "" : "; it answers " + allow)))
                        .build();
            }
            // a body the JSON reader refused: say where, not just "HTTP 400 Bad Request"
            String detail =
                    e.getCause() instanceof JsonProcessingException j
                            ? unreadableBody(j)
                            : e.getMessage();
            return response(status, title, detail);
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
