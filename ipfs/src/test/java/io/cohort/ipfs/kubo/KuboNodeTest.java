package io.cohort.ipfs.kubo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the CLI runner bounds and reports a command (with {@code sh}, no Kubo needed). */
class KuboNodeTest {

    @Test
    void aCommandPastItsTimeoutIsKilledAndNamed() {
        // a command that holds its output open: reading it to its end would wait the 30 s
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () ->
                        assertThatThrownBy(
                                        () ->
                                                KuboNode.run(
                                                        List.of("sh", "-c", "exec sleep 30"),
                                                        Map.of(),
                                                        Duration.ofMillis(300)))
                                .isInstanceOf(IllegalStateException.class)
                                .hasMessage("sh -c exec sleep 30 timed out after PT0.3S"));
    }

    @Test
    void anExitOtherThanZeroCarriesStderrAndOutputIsReturned() {
        assertThat(
                        KuboNode.run(
                                List.of("sh", "-c", "echo \"$X\""),
                                Map.of("X", "out"),
                                Duration.ofSeconds(10)))
                .isEqualTo("out\n");
        assertThatThrownBy(
                        () ->
                                KuboNode.run(
                                        List.of("sh", "-c", "echo bad >&2; exit 3"),
                                        Map.of(),
                                        Duration.ofSeconds(10)))
                .hasMessage("sh -c echo bad >&2; exit 3 exited with 3: bad");
    }
}
