package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * The evaluator folds a round's submission events into the market's rolling hash itself. The
 * expected values are cast's: {@code cast keccak $(cast abi-encode "f(bytes32,address,bytes)" h
 * trainer cid)}.
 */
class SubmissionsHashTest {

    @Test
    void foldsAsTheMarketDoesOneSubmissionAfterAnother() {
        byte[] first =
                EvaluatorNode.nextSubmissionsHash(
                        new byte[32],
                        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        Numeric.hexStringToByteArray("0x01551220aabbcc"));
        assertThat(Numeric.toHexString(first))
                .isEqualTo("0xcd53e69622b0ec43e6ef6cc4683de5ea7ce1848b08599813dc9576ad7fb327ed");
        // a 36-byte CID spans two words of the encoding
        byte[] second =
                EvaluatorNode.nextSubmissionsHash(
                        first,
                        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
                        Numeric.hexStringToByteArray(
                                "0x0170122000112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0011"));
        assertThat(Numeric.toHexString(second))
                .isEqualTo("0x863c8dc5fe8931d3de20443e47efc74a80be48235364f5d4914559de874f05e5");
    }
}
