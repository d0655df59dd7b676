package io.cohort.marketplace.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.utils.Numeric;

class EventLogTest {

    @TempDir Path dir;

    private static Log log(long block, long index, String data) {
        Log l = new Log();
        l.setBlockNumber(Numeric.toHexStringWithPrefix(BigInteger.valueOf(block)));
        l.setLogIndex(Numeric.toHexStringWithPrefix(BigInteger.valueOf(index)));
        l.setTransactionHash("0x" + "ab".repeat(32));
        l.setTopics(List.of("0x" + "01".repeat(32), "0x" + "02".repeat(32)));
        l.setData(data);
        return l;
    }

    @Test
    void logsAndTheCursorSurviveAReopen() throws IOException {
        try (EventLog log = EventLog.open(dir)) {
            assertThat(log.cursor(7)).isEqualTo(7);
            log.append(List.of(log(3, 0, "0x00"), log(3, 1, "0x0102")));
            assertThat(log.cursorTime()).isZero();
            log.moveCursor(4, 1_700_000_000L, null);
        }
        try (EventLog log = EventLog.open(dir)) {
            List<Log> back = log.read();
            assertThat(back).hasSize(2);
            assertThat(back.get(1).getLogIndex()).isEqualTo(BigInteger.ONE);
            assertThat(back.get(1).getData()).isEqualTo("0x0102");
            assertThat(back.get(1).getTopics()).hasSize(2);
            assertThat(log.cursor(0)).isEqualTo(4);
            assertThat(log.cursorTime()).isEqualTo(1_700_000_000L);
        }
        // a cursor written before the time was kept still reads, with no time
        Files.writeString(dir.resolve("cursor"), "next-block 9\n");
        try (EventLog log = EventLog.open(dir)) {
            assertThat(log.cursor(0)).isEqualTo(9);
            assertThat(log.cursorTime()).isZero();
        }
    }

    @Test
    void blockHashesAreKeptAndLogsAfterABlockAreCutOff() throws IOException {
        String h3 = "0x" + "c3".repeat(32);
        String h5 = "0x" + "c5".repeat(32);
        try (EventLog log = EventLog.open(dir)) {
            Log a = log(3, 0, "0x00");
            a.setBlockHash(h3);
            Log b = log(5, 0, "0x01");
            b.setBlockHash(h5);
            log.append(List.of(a, b, log(6, 0, "0x02"), log(6, 1, "0x03")));
            log.moveCursor(7, 1_700_000_000L, h5.toUpperCase().replace("0X", "0x"));
            assertThat(log.cursorHash()).isEqualTo(h5);

            // when: the blocks after 4 are dropped
            log.dropAfter(4);

            // then: block 3's log is left, with its hash, and appends go on after it
            assertThat(log.read()).extracting(Log::getBlockHash).containsExactly(h3);
            log.append(List.of(log(5, 0, "0x09")));
            assertThat(log.read()).extracting(Log::getData).containsExactly("0x00", "0x09");
            log.dropAfter(-1);
            assertThat(log.read()).isEmpty();
        }
    }

    @Test
    void aTornLastLineIsDroppedAndTheNextAppendStartsClean() throws IOException {
        try (EventLog log = EventLog.open(dir)) {
            log.append(List.of(log(1, 0, "0x00")));
        }
        Files.writeString(
                dir.resolve("events.jsonl"), "{\"block\":2,\"ind", StandardOpenOption.APPEND);
        try (EventLog log = EventLog.open(dir)) {
            assertThat(log.read()).hasSize(1);
            log.append(List.of(log(2, 0, "0x01")));
        }
        try (EventLog log = EventLog.open(dir)) {
            assertThat(log.read())
                    .extracting(l -> l.getBlockNumber().longValue())
                    .containsExactly(1L, 2L);
        }
    }

    @Test
    void linesAcrossReadChunksAreReadWholeAndAnOverlongOneIsRefusedWithItsPlace()
            throws IOException {
        // logs of 100,000 hex digits each: every line spans read chunks (64 KiB)
        try (EventLog log = EventLog.open(dir)) {
            for (int b = 1; b <= 5; b++) {
                log.append(List.of(log(b, 0, "0x" + Integer.toString(b).repeat(100_000))));
            }
        }
        try (EventLog log = EventLog.open(dir)) {
            assertThat(log.read())
                    .extracting(l -> l.getData().length())
                    .containsExactly(100_002, 100_002, 100_002, 100_002, 100_002);
            log.dropAfter(3);
            assertThat(log.read())
                    .extracting(l -> l.getData().substring(0, 3))
                    .containsExactly("0x1", "0x2", "0x3");
        }
        // a line longer than any log can be is refused before it is held
        Files.writeString(
                dir.resolve("events.jsonl"),
                "x".repeat(EventLog.MAX_LINE_BYTES + 1) + "\n",
                StandardOpenOption.APPEND);
        try (EventLog log = EventLog.open(dir)) {
            assertThatThrownBy(log::read)
                    .hasMessageEndingWith(
                            "events.jsonl line 4 is longer than "
                                    + EventLog.MAX_LINE_BYTES
                                    + " bytes");
        }
    }

    @Test
    void aDamagedLogOrCursorIsRefusedWithItsPlace() throws IOException {
        String good =
                "{\"block\":1,\"index\":0,\"tx\":\"0x01\",\"topics\":[\"0x02\"],\"data\":\"0x\"}\n";
        Files.writeString(dir.resolve("cursor"), "next block?\n");
        // a line that is no JSON, and lines that lost a field or have a bad one
        for (String damaged :
                new String[] {
                    "not json",
                    "{\"block\":1}",
                    good.strip().replace("\"block\":1", "\"block\":-1"),
                    good.strip().replace("\"index\":0", "\"index\":\"x\""),
                    good.strip().replace("[\"0x02\"]", "[]")
                }) {
            Files.writeString(
                    dir.resolve("events.jsonl"), good + damaged + "\n", StandardCharsets.UTF_8);
            try (EventLog log = EventLog.open(dir)) {
                assertThatThrownBy(log::read)
                        .as(damaged)
                        .hasMessageContaining("line 2 is not an indexed log");
                assertThatThrownBy(() -> log.cursor(0)).hasMessageContaining("is not a cursor");
            }
        }
    }
}
