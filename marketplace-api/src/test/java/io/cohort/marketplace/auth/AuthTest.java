package io.cohort.marketplace.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Sign-in's bounds: how old a message may be (the nonces' own are in NoncesTest). */
class AuthTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void issuedAtMayBeFiveMinutesAheadAndTenBehind() {
        Instant now = T0;
        assertThat(Auth.recent(now.plus(Duration.ofMinutes(5)), now)).isTrue();
        assertThat(Auth.recent(now.plus(Duration.ofMinutes(5)).plusSeconds(1), now)).isFalse();
        assertThat(Auth.recent(now.minus(Duration.ofMinutes(10)), now)).isTrue();
        assertThat(Auth.recent(now.minus(Duration.ofMinutes(10)).minusSeconds(1), now)).isFalse();
    }
}
