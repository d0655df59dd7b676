package io.cohort.learning.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two separate JVM processes scoring the same rounds write the same reports and models. */
class PolicyDeterminismTest {

    @Test
    void twoProcessesAndThisOneProduceBitIdenticalReportsAndModels() throws Exception {
        // when
        List<String> first = runInNewJvm();
        List<String> second = runInNewJvm();
        List<String> here = PolicyReplay.replay();
        // then
        assertThat(first).hasSize(2);
        assertThat(first.get(0)).startsWith("round 1 report ");
        assertThat(second).isEqualTo(first);
        assertThat(here).isEqualTo(first);
    }

    private static List<String> runInNewJvm() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String key :
                List.of(
                        "ai.djl.offline",
                        "cohort.data.dir",
                        "ai.djl.pytorch.num_threads",
                        "ai.djl.pytorch.num_interop_threads")) {
            String value = System.getProperty(key);
            if (value != null) {
                command.add("-D" + key + "=" + value);
            }
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(PolicyReplay.class.getName());
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the replay finished").isTrue();
            assertThat(p.exitValue()).as("exit status; output: %s", out).isZero();
            return out.lines().filter(l -> l.startsWith("round ")).toList();
        } finally {
            p.destroyForcibly();
        }
    }
}
