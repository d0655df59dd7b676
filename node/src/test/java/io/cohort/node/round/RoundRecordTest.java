package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.contracts.CreditTree;
import io.cohort.contracts.RoundRecords;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.policy.PolicyInputs;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A round record's credits as the node reads them back: its own, and another evaluator's. */
class RoundRecordTest {

    private static final String ALICE = "0x" + "a1".repeat(20);
    private static final String BOB = "0x" + "b2".repeat(20);

    @Test
    void theCreditsWrittenAreTheCreditsRead() throws Exception {
        List<CreditTree.Leaf> leaves =
                List.of(
                        new CreditTree.Leaf(ALICE, BigInteger.valueOf(700), BigInteger.ZERO),
                        new CreditTree.Leaf(BOB, BigInteger.ZERO, BigInteger.valueOf(50)));
        byte[] record =
                RoundRecord.write(
                        BigInteger.ONE,
                        3,
                        "model",
                        "onnx",
                        List.of(new RoundRecords.Submission(ALICE, "cid", null, 10_000, null)),
                        leaves,
                        "0x00",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        null,
                        1);
        assertThat(RoundRecord.credits(record)).isEqualTo(leaves);
        assertThat(RoundRecord.submissions(record))
                .containsExactly(new RoundRecords.Submission(ALICE, "cid", null, 10_000, null));
    }

    @Test
    void aRecordIsTheSameBytesWhateverTheSystemLineSeparator() throws Exception {
        // given: this JVM's record, and one written by a JVM whose line separator is "\r\n"
        byte[] here = sample();
        Process child =
                new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-Dline.separator=\r\n",
                                "-cp",
                                System.getProperty("java.class.path"),
                                SampleWriter.class.getName())
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
        byte[] there = child.getInputStream().readAllBytes();
        assertThat(child.waitFor()).isZero();
        // then
        assertThat(new String(here, StandardCharsets.UTF_8)).doesNotContain("\r").contains("\n");
        assertThat(new String(there, StandardCharsets.UTF_8))
                .isEqualTo(new String(here, StandardCharsets.UTF_8));
        // and on a "\n" system nothing changed: records written before stay byte-identical
        if (System.lineSeparator().equals("\n")) {
            assertThat(here)
                    .isEqualTo(
                            new ObjectMapper()
                                    .writerWithDefaultPrettyPrinter()
                                    .writeValueAsBytes(new ObjectMapper().readTree(here)));
        }
    }

    @Test
    void numbersAreWrittenInTheirShortestFormOnEveryJdk() throws Exception {
        // 2^-31: JDK 17's Double.toString writes 4.6566128730773926E-10, JDK 19 and later
        // 4.656612873077393E-10; two evaluators on two JDKs must publish the same record
        byte[] record =
                RoundRecord.write(
                        BigInteger.ONE,
                        3,
                        "model",
                        "onnx",
                        List.of(),
                        List.of(),
                        "0x00",
                        "{\"metrics\":{\"cos\":[4.6566128730773926E-10]}}"
                                .getBytes(StandardCharsets.UTF_8),
                        null,
                        1);
        assertThat(new String(record, StandardCharsets.UTF_8))
                .contains("4.656612873077393E-10")
                .doesNotContain("4.6566128730773926E-10");
    }

    /** A record with every part, nested objects and arrays included. */
    static byte[] sample() throws IOException {
        return RoundRecord.write(
                BigInteger.ONE,
                3,
                "model",
                "onnx",
                List.of(
                        new RoundRecords.Submission(ALICE, "cid", null, 10_000, "0x01"),
                        new RoundRecords.Submission(BOB, "cid2", "outlier", 0, null)),
                List.of(new CreditTree.Leaf(ALICE, BigInteger.valueOf(700), BigInteger.ZERO)),
                "0x00",
                "{\"trainers\":[{\"a\":1},{\"b\":[1,2]}],\"metrics\":{}}"
                        .getBytes(StandardCharsets.UTF_8),
                new PolicyInputs("bafyroot", "bafyvalidation", TrainConfig.sgd(1, 16, 0.05f, 1)),
                1);
    }

    /** Writes {@link #sample} to stdout, in a JVM of its own. */
    static final class SampleWriter {
        public static void main(String[] args) throws IOException {
            System.out.write(sample());
            System.out.flush();
        }
    }

    @Test
    void aMalformedRecordIsAnIoErrorThatSaysWhy() {
        String bad =
                "{\"format\":\"cohort-round/1\",\"credits\":[{\"trainer\":\""
                        + ALICE
                        + "\",\"credit\":\"lots\",\"slash\":\"0\"}]}";
        assertThatThrownBy(() -> RoundRecord.credits(bad.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "a malformed cohort-round/1 record: credit leaf 0's credit is not a"
                                + " decimal integer: \"lots\"");
        String badScore =
                "{\"format\":\"cohort-round/1\",\"submissions\":[{\"trainer\":\""
                        + ALICE
                        + "\",\"cid\":\"x\",\"score-bps\":20000}]}";
        assertThatThrownBy(() -> RoundRecord.submissions(badScore.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class)
                .hasMessage(
                        "a malformed cohort-round/1 record: submission 0's score-bps is not 0 to"
                                + " 10,000: 20000");
        assertThatThrownBy(
                        () ->
                                RoundRecord.credits(
                                        "{\"format\":\"other\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("not a cohort-round/1 record");
    }
}
