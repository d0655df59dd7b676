package io.cohort.node.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The waiting-transaction file: what it keeps, what it refuses to read, and its lock. */
class WaitingFileTest {

    private static final String ADDRESS = "0x" + "Ab".repeat(20);
    private static final String HASH = "0x" + "0f".repeat(32);

    @TempDir Path dir;

    private final List<String> log = new ArrayList<>();

    @Test
    void keepsATransactionForTheNextOpenAndForgetsIt() throws Exception {
        Path file = dir.resolve("state/transactions/w");
        try (WaitingFile w = WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow()) {
            assertThat(w.read(log::add)).isEmpty();
            w.write(
                    new Transactor.Waiting(
                            BigInteger.valueOf(7),
                            new BigInteger[] {BigInteger.TWO, BigInteger.TEN},
                            List.of(HASH, HASH.replace('f', 'e'))));
        }
        try (WaitingFile w = WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow()) {
            Transactor.Waiting back = w.read(log::add).orElseThrow();
            assertThat(back.nonce()).isEqualTo(7);
            assertThat(back.fees()).containsExactly(BigInteger.TWO, BigInteger.TEN);
            assertThat(back.hashes()).containsExactly(HASH, HASH.replace('f', 'e'));
            w.write(null);
            assertThat(file).doesNotExist();
        }
        assertThat(log).isEmpty();
    }

    @Test
    void aFileOfAnotherChainOrAccountOrOneThatDoesNotParseIsIgnoredWithAReason() throws Exception {
        Path file = dir.resolve("w");
        String good =
                "chain=31337\naddress=" + ADDRESS.toLowerCase() + "\nnonce=1\nfees=1,2\nhashes=";
        List<String> bad =
                List.of(
                        good.replace("31337", "1") + HASH,
                        good.replace("0xab", "0xcd") + HASH,
                        good + "0x12",
                        good.replace("nonce=1", "nonce=-1") + HASH,
                        good.replace("fees=1,2", "fees=1") + HASH,
                        good + String.join(",", Collections.nCopies(65, HASH)),
                        good + HASH + "\n" + "#".repeat(WaitingFile.MAX_BYTES));
        try (WaitingFile w = WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow()) {
            Files.writeString(file, good + HASH, StandardCharsets.UTF_8);
            assertThat(w.read(log::add)).isPresent();
            for (String text : bad) {
                Files.writeString(file, text, StandardCharsets.UTF_8);
                assertThat(w.read(log::add)).as(text).isEmpty();
            }
        }
        assertThat(log).hasSize(bad.size()).allMatch(l -> l.startsWith("ignoring " + file + ": "));
        assertThat(log.get(0)).contains("written for chain 1");
        assertThat(log.get(5)).contains("more than 64 hashes");
        assertThat(log.get(6)).contains("more than 16384");
    }

    @Test
    void anotherProcessHoldingTheFileKeepsItFromThisOneUntilItDies() throws Exception {
        // given: another JVM took the file and holds it
        Path file = dir.resolve("w");
        Process holder =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                Holder.class.getName(),
                                file.toString())
                        .redirectErrorStream(true)
                        .start();
        try {
            java.io.BufferedReader out =
                    new java.io.BufferedReader(
                            new java.io.InputStreamReader(
                                    holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("holding");
            // when / then: this process gets no file while it lives
            assertThat(WaitingFile.open(file, 31337, ADDRESS, log::add)).isEmpty();
            assertThat(log).singleElement().asString().startsWith("another process with this key");
            // and the file once it was killed (a crash releases its lock)
            holder.destroyForcibly().waitFor();
            WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow().close();
        } finally {
            holder.destroyForcibly();
        }
    }

    /** Takes the file named by its argument, says "holding", and keeps it until killed. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            WaitingFile held =
                    WaitingFile.open(Path.of(args[0]), 31337, ADDRESS, System.out::println)
                            .orElseThrow();
            System.out.println("holding");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
            held.close();
        }
    }

    @Test
    void aSecondOpenWhileTheFirstIsHeldGetsNoFile() throws Exception {
        Path file = dir.resolve("w");
        try (WaitingFile first = WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow()) {
            assertThat(WaitingFile.open(file, 31337, ADDRESS, log::add)).isEmpty();
            assertThat(log).singleElement().asString().startsWith("another process with this key");
        }
        // released with the first
        WaitingFile.open(file, 31337, ADDRESS, log::add).orElseThrow().close();
    }
}
