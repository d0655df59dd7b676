package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;

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
}
