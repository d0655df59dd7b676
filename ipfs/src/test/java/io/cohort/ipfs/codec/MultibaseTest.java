package io.cohort.ipfs.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultibaseTest {

    /** RFC 4648 section 10 test vectors, lower-cased and without padding. */
    @ParameterizedTest
    @CsvSource({
        "f, bmy",
        "fo, bmzxq",
        "foo, bmzxw6",
        "foob, bmzxw6yq",
        "fooba, bmzxw6ytb",
        "foobar, bmzxw6ytboi"
    })
    void base32MatchesRfc4648(String text, String encoded) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        assertThat(Multibase.encodeBase32(bytes)).isEqualTo(encoded);
        assertThat(Multibase.decodeBase32(encoded.substring(1))).isEqualTo(bytes);
    }

    @Test
    void base32OfTheEmptyRawCidIsWhatKuboPrints() {
        byte[] cid =
                HexFormat.of()
                        .parseHex(
                                "01551220e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(Multibase.encodeBase32(cid))
                .isEqualTo("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    }

    @Test
    void base32RefusesUpperCaseForeignCharactersAndNonCanonicalTails() {
        assertThatThrownBy(() -> Multibase.decodeBase32("MZXW6"))
                .hasMessageContaining("not lower-case base32");
        assertThatThrownBy(() -> Multibase.decodeBase32("mzx1")).hasMessageContaining("'1'");
        assertThatThrownBy(() -> Multibase.decodeBase32("m"))
                .hasMessageContaining("impossible length");
        // "mz" would decode to 'f' with two stray bits set; "my" is the canonical form
        assertThatThrownBy(() -> Multibase.decodeBase32("mz"))
                .hasMessageContaining("trailing bits");
    }

    /** Vectors from the base58btc draft (draft-msporny-base58). */
    @ParameterizedTest
    @CsvSource({"48656c6c6f20576f726c6421, 2NEpo7TZRRrLZSi2U", "0000287fb4cd, 11233QC4", "00, 1"})
    void base58MatchesTheDraftVectors(String hex, String encoded) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        assertThat(Multibase.encodeBase58(bytes)).isEqualTo(encoded);
        assertThat(Multibase.decodeBase58(encoded)).isEqualTo(bytes);
    }

    @Test
    void base58RefusesCharactersOutsideItsAlphabet() {
        assertThatThrownBy(() -> Multibase.decodeBase58("0OIl"))
                .hasMessageContaining("not base58btc");
    }
}
