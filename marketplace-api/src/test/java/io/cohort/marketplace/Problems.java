package io.cohort.marketplace;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;

/** What the API's errors must look like: RFC 9457 problem details with a telling detail. */
final class Problems {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {}

    /**
     * Asserts that {@code r} is {@code application/problem+json} with {@code status} in both the
     * status line and the body, and a {@code detail} that contains each of {@code details}.
     */
    static void assertProblem(HttpResponse<String> r, int status, String... details)
            throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        JsonNode p = JSON.readTree(r.body());
        assertThat(p.path("status").asInt()).isEqualTo(status);
        for (String d : details) {
            assertThat(p.path("detail").asText()).contains(d);
        }
    }
}
