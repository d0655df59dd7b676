package io.cohort.marketplace.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cohort.marketplace.api.Problem;
import jakarta.ws.rs.core.Response;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NoncesTest {

    private static final String C = "192.0.2.1";

    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private static int status(Problem p) {
        return new Problem.Mapper().toResponse(p).getStatus();
    }

    @Test
    void askingForNoncesStoresNothingSoNoRateOfAskingLocksSignInOut() {
        // given: far more nonces asked for than the old outstanding cap of 10,000
        Nonces nonces = new Nonces(new SecureRandom(), 3);
        Set<String> issued = new HashSet<>();
        for (int i = 0; i < 50_000; i++) {
            issued.add(nonces.issue(T0));
        }

        // then: all distinct, all well-formed EIP-4361 nonces, none remembered, and the last works
        assertThat(issued).hasSize(50_000);
        assertThat(issued).allMatch(n -> n.matches("[0-9a-f]{" + Nonces.LENGTH + "}"));
        assertThat(Nonces.LENGTH).isLessThanOrEqualTo(64); // SiweMessage takes 8 to 64
        assertThat(nonces.remembered()).isZero();
        nonces.redeem(issued.iterator().next(), T0.plusSeconds(1), C, 1000);
        assertThat(nonces.remembered()).isOne();
    }

    @Test
    void aNonceRedeemsOnceBeforeItExpiresAndOnlyIfIssuedHere() {
        Nonces nonces = new Nonces(new SecureRandom(), 10);
        String n = nonces.issue(T0);

        // used twice
        nonces.redeem(n, T0.plus(Duration.ofMinutes(1)), C, 1000);
        Problem twice =
                catchThrowableOfType(
                        Problem.class,
                        () -> nonces.redeem(n, T0.plus(Duration.ofMinutes(2)), C, 1000));
        assertThat(status(twice)).isEqualTo(401);
        assertThat(twice).hasMessageContaining("unknown, used or expired nonce");

        // expired: good at its last second, not after (on their own Nonces, as time only moves
        // forward there)
        Nonces later = new Nonces(new SecureRandom(), 10);
        String late = later.issue(T0);
        later.redeem(later.issue(T0), T0.plus(Nonces.TTL), C, 1000);
        Problem expired =
                catchThrowableOfType(
                        Problem.class,
                        () -> later.redeem(late, T0.plus(Nonces.TTL).plusSeconds(1), C, 1000));
        assertThat(status(expired)).isEqualTo(401);

        // one digit changed (its expiry pushed later), another process's, no nonce of ours, or a
        // used one spelled in capitals
        String fresh = nonces.issue(T0);
        char[] c = fresh.toCharArray();
        c[20] = c[20] == 'f' ? 'e' : 'f';
        String otherProcess = new Nonces(new SecureRandom(), 10).issue(T0);
        for (String forged :
                new String[] {
                    new String(c), otherProcess, "abcdefgh12345678", null, n.toUpperCase()
                }) {
            Problem p =
                    catchThrowableOfType(Problem.class, () -> nonces.redeem(forged, T0, C, 1000));
            assertThat(status(p)).as(forged).isEqualTo(401);
        }
        nonces.redeem(fresh, T0, C, 1000);
    }

    @Test
    void signInsPerFiveMinutesAreCappedUntilTheFirstExpires() {
        // given: as many sign-ins as are remembered, at T0
        Nonces nonces = new Nonces(new SecureRandom(), 3);
        for (int i = 0; i < 3; i++) {
            nonces.redeem(nonces.issue(T0), T0, C, 1000);
        }

        // when: one more, a minute later
        Instant minute = T0.plus(Duration.ofMinutes(1));
        String next = nonces.issue(minute);
        Problem full =
                catchThrowableOfType(Problem.class, () -> nonces.redeem(next, minute, C, 1000));

        // then: 503, to ask again when the first expires (four minutes on)
        Response r = new Problem.Mapper().toResponse(full);
        assertThat(r.getStatus()).isEqualTo(503);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("240");
        assertThat(full).hasMessageContaining("3 sign-ins in the last five minutes");

        // and once they expired they are forgotten, and the same nonce redeems
        nonces.redeem(next, T0.plus(Nonces.TTL).plusSeconds(1), C, 1000);
        assertThat(nonces.remembered()).isOne();
    }

    @Test
    void oneClientSignsInAtMostPerClientTimesPerFiveMinutes() {
        // given: client A redeemed two nonces, at T0 and a minute later
        Nonces nonces = new Nonces(new SecureRandom(), 1000);
        nonces.redeem(nonces.issue(T0), T0, "A", 2);
        Instant one = T0.plus(Duration.ofMinutes(1));
        nonces.redeem(nonces.issue(one), one, "A", 2);

        // when: A tries a third, two minutes on
        Instant two = T0.plus(Duration.ofMinutes(2));
        String third = nonces.issue(two);
        Problem full = catchThrowableOfType(Problem.class, () -> nonces.redeem(third, two, "A", 2));

        // then: 429 until A's first expires; the nonce is not used up
        Response r = new Problem.Mapper().toResponse(full);
        assertThat(r.getStatus()).isEqualTo(429);
        assertThat(r.getHeaderString("Retry-After")).isEqualTo("180");
        assertThat(full).hasMessageContaining("2 sign-ins from A in the last five minutes");
        assertThat(nonces.remembered()).isEqualTo(2);

        // and B is not held back by A, and once A's first expired A signs in again
        nonces.redeem(nonces.issue(two), two, "B", 2);
        nonces.redeem(third, T0.plus(Nonces.TTL).plusSeconds(1), "A", 2);
        assertThat(nonces.remembered()).isEqualTo(3);
    }

    @Test
    void aNonceRedeemedInItsLastSecondCountsFiveMinutesFromItsUse() {
        // given: one sign-in per client, a nonce from T0 redeemed a second before it expires
        Nonces nonces = new Nonces(new SecureRandom(), 1000);
        Instant late = T0.plus(Nonces.TTL).minusSeconds(1);
        nonces.redeem(nonces.issue(T0), late, "A", 1);

        // when: the same client signs in again just after that nonce expired
        Instant after = T0.plus(Nonces.TTL).plusSeconds(1);
        String next = nonces.issue(after);
        Problem full =
                catchThrowableOfType(Problem.class, () -> nonces.redeem(next, after, "A", 1));

        // then: still counted, for five minutes from its use, not one sign-in per second
        assertThat(new Problem.Mapper().toResponse(full).getStatus()).isEqualTo(429);
        assertThat(new Problem.Mapper().toResponse(full).getHeaderString("Retry-After"))
                .isEqualTo("298");
        nonces.redeem(next, late.plus(Nonces.TTL).plusSeconds(1), "A", 1);
    }

    @Test
    void aRedeemAskedAtAnEarlierTimeThanOneSeenDoesNotBringAPurgedNonceBack() {
        // given: N redeemed at one minute, then forgotten when M is redeemed past N's five minutes
        Nonces nonces = new Nonces(new SecureRandom(), 1000);
        String n = nonces.issue(T0);
        nonces.redeem(n, T0.plus(Duration.ofMinutes(1)), C, 1000);
        Instant two = T0.plus(Duration.ofMinutes(2));
        Instant past = T0.plus(Duration.ofMinutes(6)).plusSeconds(1);
        nonces.redeem(nonces.issue(two), past, C, 1000);
        assertThat(nonces.remembered()).isOne();

        // when: a sign-in whose clock was read earlier (at four minutes) arrives with N again
        Problem replay =
                catchThrowableOfType(
                        Problem.class,
                        () -> nonces.redeem(n, T0.plus(Duration.ofMinutes(4)), C, 1000));

        // then: N is expired at the latest time seen, so it does not redeem twice
        assertThat(new Problem.Mapper().toResponse(replay).getStatus()).isEqualTo(401);
    }
}
