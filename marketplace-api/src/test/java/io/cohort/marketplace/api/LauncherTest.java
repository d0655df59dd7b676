package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launch request's checks that need no chain or IPFS. */
class LauncherTest {

    private static final long NOW = 1_700_000_000L;

    @Test
    void aStartTheContractCannotHoldIsRefusedNotOverflowed() {
        // given
        List<String> bad = new ArrayList<>();

        // when
        long negative = Launcher.start(-1L, null, NOW, bad);
        long overflowing = Launcher.start(null, Long.MAX_VALUE, NOW, bad);
        long inAnHour = Launcher.start(null, 3600L, NOW, new ArrayList<>());

        // then
        assertThat(bad)
                .containsExactly(
                        "start must be seconds since the epoch (>= 0), got -1",
                        "startsIn "
                                + Long.MAX_VALUE
                                + " seconds from now is past the largest time");
        assertThat(negative).isEqualTo(-1);
        assertThat(overflowing).isZero();
        assertThat(inAnHour).isEqualTo(NOW + 3600);
    }

    @Test
    void anUploadAtTheLimitFitsTheBodyLimitAndOneBeyondItIsRefusedUndecoded() {
        // the largest upload as base64, with room for the other fields, fits the 64 MiB body
        long base64 = 4L * ((Launcher.MAX_UPLOAD_BYTES + 2) / 3);
        assertThat(base64 + (1 << 20)).isLessThan(64L << 20);

        List<String> bad = new ArrayList<>();
        assertThat(Launcher.upload("A".repeat((int) base64 + 4), "initialWeights", bad)).isNull();
        assertThat(Launcher.upload("%%%%", "validationData", bad)).isNull();
        assertThat(bad)
                .containsExactly(
                        "initialWeights is larger than "
                                + Launcher.MAX_UPLOAD_BYTES
                                + " bytes; add it to IPFS and send initialWeightsCid",
                        "validationData is not base64: Illegal base64 character 25");
        assertThat(
                        Launcher.upload(
                                Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}),
                                "initialWeights",
                                bad))
                .containsExactly(1, 2, 3);
    }
}
