package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.marketplace.auth.AuthResource;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a client is told about a body it got wrong, and a busy resource's answer. */
class ProblemTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String why(String body, Class<?> type) {
        JsonProcessingException e =
                catchThrowableOfType(
                        JsonProcessingException.class, () -> JSON.readValue(body, type));
        assertThat(e).as(body).isNotNull();
        return Problem.unreadableBody(e);
    }

    @Test
    void aValueOfTheWrongTypeIsNamedByItsPathAndWhatItMustBe() {
        // given a launch request or a login with a field of the wrong type, when it is read
        Map<String, String> cases =
                Map.of(
                        "{\"rounds\":\"ten\"}", "rounds must be an integer (line 1, column 11)",
                        "{\"committee\":{}}", "committee must be an array (line 1, column 14)",
                        "[]", "the body must be an object (line 1, column 1)",
                        "{\"committee\":[{\"address\":[]}]}",
                                "committee[0].address must be a string (line 1, column 26)",
                        "{\"startsIn\":true}", "startsIn must be an integer (line 1, column 13)");

        // then the detail names the field as the client wrote it
        cases.forEach(
                (body, detail) ->
                        assertThat(why(body, Launcher.LaunchRequest.class)).isEqualTo(detail));
        assertThat(why("{\"message\":{}}", AuthResource.Login.class))
                .isEqualTo("message must be a string (line 1, column 12)");
    }

    @Test
    void brokenJsonSaysWhereAndNoJavaTypeIsNamed() {
        String broken = why("{\"rounds\": 3,\n \"quorum\": }", Launcher.LaunchRequest.class);
        String cut = why("{\"rounds\": 3", Launcher.LaunchRequest.class);
        String tooBig = why("{\"rounds\": 99999999999}", Launcher.LaunchRequest.class);

        assertThat(broken)
                .startsWith("the body is not JSON: Unexpected character ('}'")
                .endsWith("(line 2, column 12)");
        assertThat(cut).startsWith("the body is not JSON: Unexpected end-of-input");
        assertThat(tooBig).startsWith("rounds: Numeric value (99999999999) out of range of int");
        for (String detail : new String[] {broken, cut, tooBig}) {
            assertThat(detail)
                    .doesNotContain("io.cohort", "java.", "`", "Source")
                    .hasSizeLessThan(200);
        }
    }

    @Test
    void aBusyResourceSaysWhenToAskAgain() {
        Response r =
                new Problem.Mapper()
                        .toResponse(
                                Problem.unavailable(
                                        "Recompute busy", "another runs", Duration.ofMillis(1500)));

        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("2");
        assertThat(r.getMediaType().toString()).isEqualTo(Problem.MEDIA_TYPE);
        assertThat(
                        new Problem.Mapper()
                                .toResponse(Problem.badRequest("no"))
                                .getHeaderString("Retry-After"))
                .isNull();
    }
}
