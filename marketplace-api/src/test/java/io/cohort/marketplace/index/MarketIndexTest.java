package io.cohort.marketplace.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.MarketEvents;
import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.utils.Numeric;

/** The index's own reading of {@code ResultPosted}, which it cannot leave to web3j's binding. */
class MarketIndexTest {

    private static byte[] data(byte[] reportCid) {
        byte[] h = new byte[32];
        Arrays.fill(h, (byte) 7);
        Market.Result result =
                new Market.Result(
                        new byte[32],
                        BigInteger.TEN,
                        BigInteger.ONE,
                        BigInteger.TWO,
                        new byte[32],
                        new byte[] {1, 2, 3},
                        reportCid);
        return Numeric.hexStringToByteArray(
                FunctionEncoder.encodeConstructor(List.of(new Bytes32(h), result)));
    }

    @Test
    void everyEventTheMarketDeclaresIsIndexed() {
        assertThat(MarketIndex.INDEXED).containsExactlyInAnyOrderElementsOf(MarketEvents.names());
        // outside Quarkus web3j derives the struct's signature right: the two must agree
        assertThat(MarketEvents.topic("ResultPosted"))
                .isEqualTo(EventEncoder.encode(Market.RESULTPOSTED_EVENT));
    }

    @Test
    void theReportCidIsReadFromTheEncodedResultAndBadOffsetsAreRefused() throws Exception {
        byte[] cid = new byte[36];
        Arrays.fill(cid, (byte) 0x55);
        byte[] data = data(cid);
        assertThat(MarketIndex.reportCidOf(data)).isEqualTo(cid);
        assertThat(MarketIndex.reportCidOf(data(new byte[0]))).isEmpty();

        assertThatThrownBy(() -> MarketIndex.reportCidOf(Arrays.copyOf(data, data.length - 32)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("overruns");
        assertThatThrownBy(() -> MarketIndex.reportCidOf(Arrays.copyOf(data, 40)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has no word at");
        byte[] huge = data.clone();
        huge[32] = (byte) 0xff; // the tuple's offset, 2^255 and more
        assertThatThrownBy(() -> MarketIndex.reportCidOf(huge))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("an offset or length of");
    }

    @Test
    void anEventThatDoesNotDecodeIsSkippedAndCountedNotThrown() throws Exception {
        MarketIndex index = new MarketIndex();
        org.web3j.protocol.core.methods.response.Log log =
                new org.web3j.protocol.core.methods.response.Log();
        log.setBlockNumber("0x5");
        log.setLogIndex("0x0");
        log.setData("0x");
        log.setTopics(java.util.List.of(MarketEvents.topic("ResultPosted"), "0x01", "0x02"));
        MarketIndex.TermsSource noTerms =
                id -> {
                    throw new IllegalStateException("no terms asked for");
                };
        index.apply(log, noTerms);
        assertThat(index.skipped()).isOne();
        assertThat(index.skippedWhy())
                .isEqualTo("a ResultPosted log with 3 topics, not 4 (block 5, log 0)");
        assertThat(index.events()).isZero();
        // replayed, it is skipped as a position already applied, not counted twice
        index.apply(log, noTerms);
        assertThat(index.skipped()).isOne();
    }
}
