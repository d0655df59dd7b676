package io.cohort.node.app;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.LinkedHashMap;
import java.util.Map;

/** The node's HTTP errors as RFC 9457 problem details ({@code application/problem+json}). */
final class Problems {

    static final String MEDIA_TYPE = "application/problem+json";

    private Problems() {}

    static Response response(int status, String title, String detail) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail == null ? title : detail);
        return Response.status(status).type(MEDIA_TYPE).entity(body).build();
    }

    /**
     * What the framework rejects (an unknown path such as {@code /proofs/1}, a wrong method) as
     * problem+json too, not Quarkus's default error.
     */
    @Provider
    public static final class WebMapper implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse().getStatus();
            Response.Status known = Response.Status.fromStatusCode(status);
            Response problem =
                    response(
                            status,
                            known == null ? "Error" : known.getReasonPhrase(),
                            e.getMessage());
            String allow = e.getResponse().getHeaderString("Allow");
            return allow == null
                    ? problem
                    : Response.fromResponse(problem).header("Allow", allow).build();
        }
    }
}
