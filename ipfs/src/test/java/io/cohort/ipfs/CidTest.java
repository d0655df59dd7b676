package io.cohort.ipfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.codec.Multibase;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CidTest {

    /** CIDs printed by Kubo 0.42.0 ({@code ipfs add -Q --cid-version=1 --raw-leaves}). */
    @ParameterizedTest
    @CsvSource({
        "'', bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "a, bafkreigks6arfsq3xxfpvqrrwonchxcnu6do76auprhhfomao6c273sixm"
    })
    void rawCidsOfSmallContentMatchKubo(String content, String kubo) {
        Cid cid = Cid.of(Cid.RAW, content.getBytes(StandardCharsets.UTF_8));
        assertThat(cid.toString()).isEqualTo(kubo);
        assertThat(Cid.parse(kubo)).isEqualTo(cid);
        assertThat(Cid.fromBytes(cid.toBytes())).isEqualTo(cid);
        assertThat(cid.version()).isEqualTo(1);
        assertThat(cid.codec()).isEqualTo(Cid.RAW);
    }

    @Test
    void cidV0ParsesPrintsAndConvertsToV1() {
        // Kubo: `ipfs add -Q` of "a" (CIDv0) and `ipfs cid base32` of it
        Cid v0 = Cid.parse("QmfDmsHTywy6L9Ne5RXsj5YumDedfBLMvCvmaxjBoe6w4d");
        assertThat(v0.version()).isZero();
        assertThat(v0.codec()).isEqualTo(Cid.DAG_PB);
        assertThat(v0.toString()).isEqualTo("QmfDmsHTywy6L9Ne5RXsj5YumDedfBLMvCvmaxjBoe6w4d");
        assertThat(v0.toV1().toString()).startsWith("bafybei");
        assertThat(Cid.fromBytes(v0.toBytes())).isEqualTo(v0);
    }

    @Test
    void matchesOnlyTheBytesItNames() {
        byte[] block = "block".getBytes(StandardCharsets.UTF_8);
        Cid cid = Cid.of(Cid.RAW, block);
        assertThat(cid.matches(block, block.length)).isTrue();
        block[0] ^= 1;
        assertThat(cid.matches(block, block.length)).isFalse();
        assertThat(cid.matches(block, block.length - 1)).isFalse();
    }

    @ParameterizedTest
    @CsvSource({
        "'', empty",
        "hello, multibase prefix 'h' is not supported",
        "zQmfDmsHTy, multibase prefix 'z' is not supported",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvy, truncated",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk, impossible length",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykuaa, trailing bytes",
        "BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU, multibase prefix 'B'",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk!, is not lower-case base32",
        "QmfDmsHTywy6L9Ne5RXsj5YumDedfBLMvCvmaxjBoe6w40, is not base58btc",
        "QmfDmsHTywy6L9Ne5RXsj5YumDedfBLMvCvmaxjBoe6w, 'a CIDv0 is 46 characters (''Qm'' and 44 more), got 44'",
        "bagaaierasords4njcts6vs7qvdjfcvgnume4hqohf65zsfguprqphs3icwea, codec 0x",
    })
    void refusesBadCidsWithAOneLineReason(String text, String reason) {
        assertThatThrownBy(() -> Cid.parse(text))
                .isInstanceOf(InvalidCidException.class)
                .hasMessageContaining(reason)
                .hasMessageStartingWith("invalid CID '")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void refusesACidV0MultihashInBase32() {
        // given: 'b' + base32 of 0x12 0x20 and 32 zero bytes, a CIDv0's binary form in multibase
        String text = "bciqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        byte[] multihash = new byte[34];
        multihash[0] = 0x12;
        multihash[1] = 0x20;
        assertThat(Multibase.encodeBase32(multihash)).isEqualTo(text);
        // when / then: only the base58btc 'Qm…' form names a CIDv0
        assertThatThrownBy(() -> Cid.parse(text))
                .isInstanceOf(InvalidCidException.class)
                .hasMessageContaining("CIDv0 is written only as 'Qm…'");
        // the binary form the contract stores still is the bare multihash
        assertThat(Cid.fromBytes(multihash).toString()).startsWith("Qm");
    }

    @Test
    void bytesLongerThanAnyCidAreRefusedByTheirLengthAndNamedByTheirStart() {
        byte[] huge = new byte[1 << 20];
        huge[0] = 0x01;
        assertThatThrownBy(() -> Cid.fromBytes(huge))
                .isInstanceOf(InvalidCidException.class)
                .hasMessageStartingWith("invalid CID '0100")
                .hasMessageEndingWith("...': 1048576 bytes, longer than any supported CID");
        assertThatThrownBy(() -> Cid.of(0x71, new byte[3]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("codec 0x71 is neither raw (0x55) nor dag-pb (0x70)");
    }

    @Test
    void refusesHashesOtherThanSha256() {
        // CIDv1 raw with an identity multihash (0x00) of 3 bytes
        byte[] bytes = {0x01, 0x55, 0x00, 0x03, 'a', 'b', 'c'};
        assertThatThrownBy(() -> Cid.fromBytes(bytes)).hasMessageContaining("is not sha2-256");
    }
}
