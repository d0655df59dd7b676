package io.cohort.marketplace.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cohort.marketplace.api.Problem;
import jakarta.ws.rs.core.Response;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sign-in's bounds: how many nonces may wait, and how old a message may be. */
class AuthTest {

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @Test
    void outstandingNoncesAreCappedUntilTheFirstExpire() {
        // given: as many nonces as may be outstanding, asked for at T0
        Auth auth = new Auth();
        auth.clock = Clock.fixed(T0, ZoneOffset.UTC);
        Set<String> nonces = new HashSet<>();
        for (int i = 0; i < Auth.MAX_NONCES; i++) {
            nonces.add(auth.nonce());
        }
        assertThat(nonces).hasSize(Auth.MAX_NONCES);

        // when: one more, a minute later
        auth.clock = Clock.fixed(T0.plus(Duration.ofMinutes(1)), ZoneOffset.UTC);
        Problem full = catchThrowableOfType(Problem.class, auth::nonce);

        // then: 503, to ask again when the first expires (four minutes on)
        Response r = new Problem.Mapper().toResponse(full);
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("240");
        assertThat(full).hasMessageContaining("10000 sign-in nonces are outstanding");

        // and once they expired they are purged and a nonce is given again
        auth.clock = Clock.fixed(T0.plus(Auth.NONCE_TTL).plusSeconds(1), ZoneOffset.UTC);
        assertThat(auth.nonce()).hasSize(24).isNotIn(nonces);
    }

    @Test
    void issuedAtMayBeFiveMinutesAheadAndTenBehind() {
        Instant now = T0;
        assertThat(Auth.recent(now.plus(Duration.ofMinutes(5)), now)).isTrue();
        assertThat(Auth.recent(now.plus(Duration.ofMinutes(5)).plusSeconds(1), now)).isFalse();
        assertThat(Auth.recent(now.minus(Duration.ofMinutes(10)), now)).isTrue();
        assertThat(Auth.recent(now.minus(Duration.ofMinutes(10)).minusSeconds(1), now)).isFalse();
    }
}
