package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.smallrye.config.ConfigValidationException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The jar runs DJL offline unless told otherwise: nothing may download at run time. */
class MainTest {

    private final String before = System.getProperty("ai.djl.offline");

    @AfterEach
    void restore() {
        if (before == null) {
            System.clearProperty("ai.djl.offline");
        } else {
            System.setProperty("ai.djl.offline", before);
        }
    }

    @Test
    void djlIsOfflineUnlessTheCommandLineSaysOtherwise() {
        System.clearProperty("ai.djl.offline");
        Main.offlineByDefault();
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");

        System.setProperty("ai.djl.offline", "false");
        Main.offlineByDefault();
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("false");
    }

    @Test
    void aSettingThatCannotBeReadIsOneLineAndAUsageErrorOtherFailuresKeepTheirStatus() {
        var unreadable =
                new ConfigValidationException(
                        new ConfigValidationException.Problem[] {
                            new ConfigValidationException.Problem(
                                    "java.lang.IllegalArgumentException: SRCFG00039: The config"
                                            + " property cohort.chain-id with the config value"
                                            + " \"0x7a69\" threw\n\tan Exception")
                        });
        var err = new ByteArrayOutputStream();
        var print = new PrintStream(err, true, StandardCharsets.UTF_8);

        assertThat(Main.exitStatus(1, new RuntimeException("start", unreadable), print))
                .isEqualTo(2);
        // wrapped in a ConfigurationException: still a line per setting
        err.reset();
        assertThat(
                        Main.exitStatus(
                                1,
                                new io.quarkus.runtime.configuration.ConfigurationException(
                                        "config", unreadable),
                                print))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "cohort-node: SRCFG00039: The config property cohort.chain-id with the"
                                + " config value \"0x7a69\" threw an Exception"
                                + System.lineSeparator());

        err.reset();
        assertThat(Main.exitStatus(1, new IllegalStateException("port\n8080 taken"), print))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "cohort-node: cannot start: java.lang.IllegalStateException: port 8080"
                                + " taken"
                                + System.lineSeparator());

        err.reset();
        assertThat(Main.exitStatus(0, null, print)).isZero();
        assertThat(Main.exitStatus(3, null, print)).isEqualTo(3);
        assertThat(err.size()).isZero();
    }
}
