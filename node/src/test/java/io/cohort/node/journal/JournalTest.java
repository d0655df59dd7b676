package io.cohort.node.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {

    @TempDir Path dir;

    @Test
    void whatWasRecordedIsThereAfterReopening() throws Exception {
        try (Journal j = Journal.open(dir, "7")) {
            assertThat(j.lastRound()).isEqualTo(-1);
            j.record(1, "trained", "sha256:ab12");
            j.record(1, "added", "bafkreiabc");
            j.record(2, "trained", "sha256:cd34");
        }
        try (Journal j = Journal.open(dir, "7")) {
            assertThat(j.find(1, "added")).contains("bafkreiabc");
            assertThat(j.done(2, "trained")).isTrue();
            assertThat(j.done(2, "added")).isFalse();
            assertThat(j.find(3, "trained")).isEmpty();
            assertThat(j.lastRound()).isEqualTo(2);
            j.record(2, "trained", "sha256:ef56"); // the latest record of a step wins
            assertThat(j.find(2, "trained")).contains("sha256:ef56");
        }
        try (Journal j = Journal.open(dir, "7")) {
            assertThat(j.find(2, "trained")).contains("sha256:ef56");
        }
    }

    @Test
    void aValueRecordedAgainUnchangedAddsNoLine() throws Exception {
        try (Journal j = Journal.open(dir, "p")) {
            for (int retry = 0; retry < 5; retry++) {
                j.recordIfChanged(3, "published", "bafy-record");
            }
            j.recordIfChanged(3, "published", "bafy-other");
            j.recordIfChanged(3, "published", "bafy-other");
            assertThat(j.find(3, "published")).contains("bafy-other");
        }
        assertThat(Files.readAllLines(dir.resolve("p.journal")))
                .containsExactly("3 published bafy-record", "3 published bafy-other");
    }

    @Test
    void aTornLastLineIsIgnoredAndOverwritten() throws Exception {
        try (Journal j = Journal.open(dir, "p")) {
            j.record(4, "submitted", "0xfeed");
        }
        Path file = dir.resolve("p.journal");
        Files.writeString(file, "5 trai", StandardOpenOption.APPEND);
        try (Journal j = Journal.open(dir, "p")) {
            assertThat(j.lastRound()).isEqualTo(4);
            j.record(5, "trained", "sha256:00");
        }
        assertThat(Files.readString(file)).isEqualTo("4 submitted 0xfeed\n5 trained sha256:00\n");
    }

    @Test
    void aMalformedLineInTheMiddleIsAnErrorNamingItsLine() throws Exception {
        Files.writeString(dir.resolve("p.journal"), "1 trained x\n1 added\n2 trained y\n");
        assertThatThrownBy(() -> Journal.open(dir, "p"))
                .isInstanceOf(JournalCorruptException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("1 added");
    }

    @Test
    void refusesNamesAndValuesThatWouldBreakTheFormat() throws Exception {
        assertThatIllegalArgumentException().isThrownBy(() -> Journal.open(dir, "../x"));
        try (Journal j = Journal.open(dir, "p")) {
            assertThatIllegalArgumentException().isThrownBy(() -> j.record(-1, "trained", "x"));
            assertThatIllegalArgumentException().isThrownBy(() -> j.record(1, "Trained", "x"));
            assertThatIllegalArgumentException().isThrownBy(() -> j.record(1, "trained", "a b"));
            assertThatIllegalArgumentException().isThrownBy(() -> j.record(1, "trained", "a\nb"));
            assertThatIllegalArgumentException().isThrownBy(() -> j.record(1, "trained", ""));
        }
    }

    /**
     * A separate JVM records rounds and prints each one after {@link Journal#record} returns; it is
     * killed with SIGKILL mid-stream. Every round it acknowledged is in the journal, and the
     * journal opens and takes new records.
     */
    @Test
    void everyAcknowledgedRecordSurvivesAKill() throws Exception {
        Process child =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                JournalWriter.class.getName(),
                                dir.toString())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        long acknowledged = -1;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = out.readLine()) != null) {
                acknowledged = Long.parseLong(line);
                if (acknowledged == 300) {
                    child.destroyForcibly(); // SIGKILL
                    break;
                }
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).isEqualTo(300);
        try (Journal j = Journal.open(dir, "killed")) {
            for (long r = 0; r <= acknowledged; r++) {
                assertThat(j.find(r, "submitted")).as("round %d", r).contains("0xtx" + r);
            }
            long last = j.lastRound();
            j.record(last + 1, "submitted", "0xafter");
        }
        try (Journal j = Journal.open(dir, "killed")) {
            assertThat(j.find(j.lastRound(), "submitted")).contains("0xafter");
        }
    }

    /** The child of {@link #everyAcknowledgedRecordSurvivesAKill}. */
    public static final class JournalWriter {
        public static void main(String[] args) throws Exception {
            try (Journal j = Journal.open(Path.of(args[0]), "killed")) {
                for (long r = 0; r < 1_000_000; r++) {
                    j.record(r, "submitted", "0xtx" + r);
                    System.out.println(r);
                    System.out.flush();
                }
            }
        }
    }
}
