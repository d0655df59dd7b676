package io.cohort.ipfs.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VarintTest {

    private static final HexFormat HEX = HexFormat.of();

    /** Vectors of the multiformats unsigned-varint spec. */
    @ParameterizedTest
    @CsvSource({
        "1, 01",
        "127, 7f",
        "128, 8001",
        "255, ff01",
        "300, ac02",
        "16384, 808001",
        "262144, 808010",
        "9223372036854775807, ffffffffffffffff7f"
    })
    void encodesAndDecodesTheSpecVectors(long value, String hex) {
        assertThat(HEX.formatHex(Varint.encode(value))).isEqualTo(hex);
        byte[] bytes = HEX.parseHex(hex);
        Varint.Decoded d = Varint.decode(bytes, 0, bytes.length);
        assertThat(d.value()).isEqualTo(value);
        assertThat(d.next()).isEqualTo(bytes.length);
        assertThat(Varint.size(value)).isEqualTo(bytes.length);
    }

    @Test
    void refusesTruncatedOverlongAndNonMinimalInput() {
        assertThatThrownBy(() -> Varint.decode(HEX.parseHex("80"), 0, 1))
                .hasMessageContaining("truncated");
        assertThatThrownBy(() -> Varint.decode(HEX.parseHex("ffffffffffffffffff01"), 0, 10))
                .hasMessageContaining("longer than 9 bytes");
        assertThatThrownBy(() -> Varint.decode(HEX.parseHex("8100"), 0, 2))
                .hasMessageContaining("non-minimal");
        assertThatThrownBy(() -> Varint.encode(-1)).hasMessageContaining("negative");
    }

    @Test
    void neverReadsPastTheLimit() {
        byte[] bytes = HEX.parseHex("8001");
        assertThatThrownBy(() -> Varint.decode(bytes, 0, 1)).hasMessageContaining("truncated");
    }
}
