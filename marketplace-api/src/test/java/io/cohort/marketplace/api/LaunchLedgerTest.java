package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchLedgerTest {

    private static final String OWNER = "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01";

    @TempDir Path dir;

    private static Launcher.Launched launched(String project) {
        return launched(project, "0x" + "ab".repeat(32));
    }

    private static Launcher.Launched launched(String project, String transaction) {
        return new Launcher.Launched(
                project, transaction, "0xop", OWNER, "0x0", null, "3", "s", "w", null);
    }

    private static LaunchLedger.Entry asked(String key) {
        return LaunchLedger.Entry.asked(OWNER, key, "sha");
    }

    @Test
    void whatWasAskedUnderAKeyOutlivesTheProcessAndTheLastWordWins() throws Exception {
        // given: one key pending then mined, another pending then forgotten
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger ledger = LaunchLedger.open(file);
        ledger.put(asked("a").sent("0x1", "0", "0xf8", launched(null)));
        ledger.put(asked("a").sent("0x1", "0", "0xf8", launched(null)).done(launched("7")));
        ledger.put(asked("b").sent("0x2", "0", "0xf8", launched(null)));
        ledger.forget(asked("b"));

        // when: read again, as after a restart
        LaunchLedger again = LaunchLedger.open(file);

        // then: the key's last state, found for the owner in any letter case
        assertThat(again.find(OWNER.toLowerCase(), "a"))
                .hasValueSatisfying(
                        e -> {
                            assertThat(e.mined()).isTrue();
                            assertThat(e.launched().project()).isEqualTo("7");
                        });
        assertThat(again.find(OWNER, "b")).isEmpty();
        assertThat(again.find("0xsomeoneelse", "a")).isEmpty();
    }

    @Test
    void aReplacementKeepsEveryHashSignedAtTheNonceAndAnOlderLineHasJustItsOwn() throws Exception {
        // given: a launch signed twice more at its nonce, and a line written before replacements
        // existed (no "replaced" field)
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger ledger = LaunchLedger.open(file);
        ledger.put(
                asked("a")
                        .sent("0x1", "4", "0xf8", launched(null))
                        .replacedBy("0x2", "0xf9")
                        .replacedBy("0x3", "0xfa"));
        Files.writeString(
                file,
                "{\"by\":\""
                        + OWNER
                        + "\",\"key\":\"old\",\"request\":\"sha\",\"transaction\":\"0x7\","
                        + "\"nonce\":\"5\",\"raw\":\"0xf8\",\"launched\":{\"owner\":\"0xop\"}}\n",
                StandardOpenOption.APPEND);

        // when: read again, as after a restart
        LaunchLedger again = LaunchLedger.open(file);

        // then: the last signed is the transaction, with its bytes and nonce; all are looked up
        assertThat(again.find(OWNER, "a"))
                .hasValueSatisfying(
                        e -> {
                            assertThat(e.transaction()).isEqualTo("0x3");
                            assertThat(e.raw()).isEqualTo("0xfa");
                            assertThat(e.nonce()).isEqualTo("4");
                            assertThat(e.signed()).containsExactly("0x1", "0x2", "0x3");
                            // the one mined names the entry once it is done
                            LaunchLedger.Entry done = e.done(launched("8", "0x2"));
                            assertThat(done.transaction()).isEqualTo("0x2");
                            assertThat(done.replaced()).containsExactly("0x1", "0x2");
                        });
        assertThat(again.find(OWNER, "old"))
                .hasValueSatisfying(e -> assertThat(e.signed()).containsExactly("0x7"));
        // and: a line with nothing replaced has no "replaced" field, so a version before
        // replacements reads it; an unknown field, as a later version may write, is let be
        again.put(asked("b").sent("0x8", "6", "0xf8", launched(null)));
        String last = Files.readAllLines(file).get(Files.readAllLines(file).size() - 1);
        assertThat(last).contains("\"transaction\":\"0x8\"").doesNotContain("replaced");
        Files.writeString(
                file,
                last.replace("\"key\":\"b\"", "\"key\":\"c\",\"later\":1") + "\n",
                StandardOpenOption.APPEND);
        assertThat(LaunchLedger.open(file).find(OWNER, "c")).isPresent();
    }

    @Test
    void aLedgerWithManyMoreLinesThanKeysIsRewrittenWithOneLinePerKey() throws Exception {
        // given: one key written over and over, another once
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger ledger = LaunchLedger.open(file);
        for (int i = 0; i < 100; i++) {
            ledger.put(asked("busy").sent("0x" + i, "0", "0xf8", launched(null)));
        }
        ledger.put(asked("once").sent("0x9", "1", "0xf8", launched(null)).done(launched("9")));
        ledger.forget(asked("gone"));
        assertThat(ledger.lines()).isEqualTo(102);

        // when: opened again
        LaunchLedger again = LaunchLedger.open(file);

        // then: two lines, the last word of each key kept, the signed bytes of a mined one let go
        assertThat(again.lines()).isEqualTo(2);
        assertThat(again.find(OWNER, "busy"))
                .hasValueSatisfying(e -> assertThat(e.transaction()).isEqualTo("0x99"));
        assertThat(again.find(OWNER, "once"))
                .hasValueSatisfying(
                        e -> {
                            assertThat(e.launched().project()).isEqualTo("9");
                            assertThat(e.raw()).isNull();
                        });
        assertThat(LaunchLedger.open(file).find(OWNER, "busy")).isPresent();
    }

    @Test
    void aTornLastLineIsCutOffAndTheNextEntryStartsClean() throws Exception {
        // given: a crash mid-append after one whole entry
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger.open(file)
                .put(asked("a").sent("0x1", "0", "0xf8", launched(null)).done(launched("1")));
        Files.writeString(file, "{\"by\":\"0x", StandardOpenOption.APPEND);

        // when: opened and written again
        LaunchLedger ledger = LaunchLedger.open(file);
        ledger.put(asked("c").sent("0x3", "0", "0xf8", launched(null)).done(launched("3")));

        // then: both entries read back, and the file has no trace of the torn line
        LaunchLedger again = LaunchLedger.open(file);
        assertThat(again.find(OWNER, "a")).isPresent();
        assertThat(again.find(OWNER, "c")).isPresent();
        assertThat(Files.readString(file)).doesNotContain("{\"by\":\"0x{");
        assertThat(Files.readAllLines(file)).hasSize(2);
    }

    @Test
    void aLastLineWithoutItsNewlineWasNeverAcknowledgedAndIsDropped() throws Exception {
        // given: a whole entry, and a second one whose newline never reached the disk (its put
        // never returned, so what it named was never broadcast)
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger first = LaunchLedger.open(file);
        first.put(asked("a").sent("0x1", "0", "0xf8", launched(null)).done(launched("1")));
        first.put(asked("b").sent("0x2", "1", "0xf8", launched(null)));
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() - 1));

        // when: opened and written again
        LaunchLedger ledger = LaunchLedger.open(file);
        ledger.put(asked("c").sent("0x3", "2", "0xf8", launched(null)));

        // then: the first and the third
        LaunchLedger again = LaunchLedger.open(file);
        assertThat(again.find(OWNER, "a")).isPresent();
        assertThat(again.find(OWNER, "b")).isEmpty();
        assertThat(again.find(OWNER, "c")).isPresent();
        assertThat(Files.readAllLines(file)).hasSize(2);
    }

    @Test
    void anEditedLineInTheMiddleIsAnErrorNamingIt() throws Exception {
        Path file = dir.resolve(LaunchLedger.FILE);
        LaunchLedger ledger = LaunchLedger.open(file);
        ledger.put(asked("a").sent("0x1", "0", "0xf8", launched(null)).done(launched("1")));
        ledger.put(asked("b").sent("0x2", "0", "0xf8", launched(null)).done(launched("2")));
        var lines = Files.readAllLines(file);
        Files.writeString(file, "garbage\n" + lines.get(1) + "\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> LaunchLedger.open(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("line 1 is no ledger entry");
        Files.writeString(file, "{\"key\":\"a\"}\n" + lines.get(1) + "\n");
        assertThatThrownBy(() -> LaunchLedger.open(file))
                .hasMessageContaining("line 1 lacks by, key or request");
        Files.writeString(
                file, "{\"by\":\"0xa\",\"key\":\"a\",\"request\":\"r\",\"transaction\":\"0x1\"}\n");
        assertThatThrownBy(() -> LaunchLedger.open(file))
                .hasMessageContaining("line 1 names a transaction but not its launch");
        Files.writeString(
                file,
                lines.get(1).replaceFirst("\"nonce\":\"[0-9]+\"", "\"nonce\":\"0x1\"") + "\n");
        assertThatThrownBy(() -> LaunchLedger.open(file))
                .hasMessageContaining("line 1 has a nonce that is no number");
    }
}
