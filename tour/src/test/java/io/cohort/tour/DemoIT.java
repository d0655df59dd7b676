package io.cohort.tour;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo end to end, with 2 rounds and small shards: the packaged node and marketplace run as
 * processes on a real Anvil and a real Kubo the demo starts; the project is launched by REST.
 */
class DemoIT {

    @Test
    void
            theDemoCreditsTheHonestSlashesThePoisonerAndTheCopierPaysTheFreeRiderNothingAndLeavesNoProcess()
                    throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Demo.Options o =
                new Demo.Options(2, 2, 1, 1, 1, "fashion-mnist", 600, null, null, false, 30, 25);

        Demo.Summary s =
                Demo.run(
                        o,
                        Path.of("..").toAbsolutePath().normalize(),
                        new PrintStream(printed, true, StandardCharsets.UTF_8));

        String narration = printed.toString(StandardCharsets.UTF_8);
        System.out.println(narration); // in the failsafe report, whichever assertion fails
        assertThat(s.onChain()).as(narration).isTrue();
        assertThat(s.settledRounds()).as(narration).isEqualTo(2);
        for (Demo.TrainerResult t : s.trainers()) {
            switch (t.role()) {
                case "honest" -> {
                    assertThat(t.credit()).as(t.toString()).isPositive();
                    assertThat(t.flags()).as(t.toString()).isEmpty();
                }
                case "poisoner" -> {
                    assertThat(t.flags()).as(t.toString()).isNotEmpty();
                    assertThat(t.slash()).as(t.toString()).isPositive();
                    assertThat(t.credit()).isEqualTo(BigInteger.ZERO);
                }
                case "free-rider" -> {
                    assertThat(t.credit()).as(t.toString()).isEqualTo(BigInteger.ZERO);
                    assertThat(t.flags()).contains("free-rider");
                }
                case "copier" -> {
                    // round 0 had nothing to copy (it sent nothing); in round 1 it resent the
                    // best-paid update of round 0: flagged, slashed, paid nothing
                    assertThat(t.flags()).as(t.toString()).containsExactly("copy:earlier-round");
                    assertThat(t.slash()).as(t.toString()).isPositive();
                    assertThat(t.credit()).as(t.toString()).isEqualTo(BigInteger.ZERO);
                }
                default -> throw new AssertionError(t.role());
            }
        }
        assertThat(s.trainers())
                .extracting(Demo.TrainerResult::role)
                .containsExactly("honest", "honest", "poisoner", "free-rider", "copier");
        assertThat(s.auditVerdict()).as(narration).isEqualTo("clean");
        // the audit held the copy flag to both released updates (copiesHold), and every round's
        // scoring was rerun by the marketplace from what the records released
        assertThat(s.recomputed()).as(narration).containsExactly("match", "match");
        assertThat(narration)
                .contains("round 0 settled: validation accuracy")
                .contains("audit: clean")
                .contains("dashboard: http://127.0.0.1:");
        // no process left running: the nodes, the marketplace, Anvil and Kubo
        assertThat(s.pids()).hasSizeGreaterThanOrEqualTo(7);
        for (long pid : s.pids()) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("pid " + pid)
                    .isFalse();
        }
    }
}
