package io.cohort.marketplace.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cohort.contracts.DevKit;
import io.cohort.marketplace.MarketplaceConfig;
import io.cohort.marketplace.TestConfig;
import io.cohort.marketplace.api.Problem;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;

/**
 * Sign-in: how old a message may be, and who may sign in (the nonces' bounds are in NoncesTest).
 */
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

    /** Auth with these owners, its clock at T0, the rest as the application's defaults. */
    private static Auth auth(Optional<List<String>> owners) {
        return auth(owners, 100);
    }

    /** Auth with these owners and sign-ins per client, its clock at T0. */
    private static Auth auth(Optional<List<String>> owners, int perClient) {
        MarketplaceConfig.Auth a =
                TestConfig.of(
                        MarketplaceConfig.Auth.class,
                        Map.of(
                                "domain",
                                "localhost",
                                "tokenTtl",
                                Duration.ofMinutes(15),
                                "owners",
                                owners,
                                "signInsPerClient",
                                perClient));
        Auth auth = new Auth();
        auth.config = TestConfig.of(MarketplaceConfig.class, Map.of("auth", a, "chainId", 31337L));
        auth.clock = Clock.fixed(T0, ZoneOffset.UTC);
        return auth;
    }

    /**
     * Signs {@code key} in to {@code auth}: a fresh nonce, a message issued at its clock's time,
     * its signature.
     */
    private static Auth.Token signIn(Auth auth, Credentials key) {
        return signIn(auth, key, "");
    }

    /** As {@link #signIn(Auth, Credentials)}, with {@code more} lines after {@code Issued At}. */
    private static Auth.Token signIn(Auth auth, Credentials key, String more) {
        String message =
                "localhost wants you to sign in with your Ethereum account:\n"
                        + key.getAddress()
                        + "\n\nLaunch Cohort projects.\n\nURI: http://localhost/\nVersion: 1\n"
                        + "Chain ID: 31337\nNonce: "
                        + auth.nonce()
                        + "\nIssued At: "
                        + auth.clock.instant()
                        + more;
        return auth.login(message, DevKit.personalSign(message, key), "127.0.0.1");
    }

    @Test
    void aSessionEndsNoLaterThanTheMessageSaysAndTheSchemeIsCaseInsensitive() throws Exception {
        Auth auth = auth(Optional.of(List.of("*")));
        Credentials alice = Credentials.create(Keys.createEcKeyPair());
        // a message that expires in a minute gets a token for a minute, not the 15 of token-ttl
        Auth.Token brief =
                signIn(auth, alice, "\nExpiration Time: " + T0.plus(Duration.ofMinutes(1)));
        assertThat(brief.expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(1)));
        assertThat(signIn(auth, alice).expiresAt()).isEqualTo(T0.plus(Duration.ofMinutes(15)));
        // any letter case of the scheme
        assertThat(auth.require("bearer " + brief.token()).address())
                .isEqualTo(alice.getAddress().toLowerCase());
        auth.clock = Clock.fixed(T0.plus(Duration.ofMinutes(1)), ZoneOffset.UTC);
        assertThatThrownBy(() -> auth.require("BEARER " + brief.token()))
                .hasMessageContaining("the token expired");
    }

    @Test
    void aMessageWithAFieldTwiceUnknownOrOutOfOrderIsRefused() {
        String head =
                "localhost wants you to sign in with your Ethereum account:\n0x"
                        + "11".repeat(20)
                        + "\n\nURI: http://localhost/\nVersion: 1\n";
        String tail = "Nonce: abcdefgh12\nIssued At: " + T0;
        assertThat(SiweMessage.parse(head + "Chain ID: 31337\n" + tail).chainId()).isEqualTo(31337);
        assertThatThrownBy(() -> SiweMessage.parse(head + "Chain ID: 1\nChain ID: 31337\n" + tail))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("line 7: 'Chain ID:' appears twice");
        assertThatThrownBy(() -> SiweMessage.parse(head + "Chain ID: 31337\nFoo: bar\n" + tail))
                .hasMessage("line 7: 'Foo:' is no EIP-4361 field");
        assertThatThrownBy(
                        () ->
                                SiweMessage.parse(
                                        head
                                                + "Chain ID: 31337\n"
                                                + tail
                                                + "\nExpiration Time: "
                                                + T0
                                                + "\nNonce: zzzzzzzz"))
                .hasMessage("line 10: 'Nonce:' appears twice");
        assertThatThrownBy(
                        () ->
                                SiweMessage.parse(
                                        head
                                                + "Chain ID: 31337\n"
                                                + tail
                                                + "\nNot Before: "
                                                + T0
                                                + "\nExpiration Time: "
                                                + T0))
                .hasMessage("line 10: 'Expiration Time:' must come before 'Not Before:'");
    }

    @Test
    void onlyTheOwnersListedSignInAndUnsetNobodyDoes() throws Exception {
        Credentials alice = Credentials.create(Keys.createEcKeyPair());
        Credentials bob = Credentials.create(Keys.createEcKeyPair());

        // unset: nobody, with a reason that says what to set
        Problem none =
                catchThrowableOfType(Problem.class, () -> signIn(auth(Optional.empty()), alice));
        assertThat(new Problem.Mapper().toResponse(none).getStatus()).isEqualTo(403);
        assertThat(none).hasMessageContaining("cohort.auth.owners is not set");

        // listed (in any letter case): that address only
        Auth listed =
                auth(Optional.of(List.of(alice.getAddress().toUpperCase().replace("0X", "0x"))));
        assertThat(signIn(listed, alice).address()).isEqualTo(alice.getAddress());
        Problem other = catchThrowableOfType(Problem.class, () -> signIn(listed, bob));
        assertThat(other).hasMessageContaining(bob.getAddress() + " may not launch projects here");

        // *: anyone
        assertThat(signIn(auth(Optional.of(List.of("*"))), bob).token()).hasSize(64);

        // an entry that is neither refuses to start
        assertThatThrownBy(() -> auth(Optional.of(List.of("*", "bob"))).check(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 'bob'");
        assertThatThrownBy(() -> auth(Optional.of(List.of("*")), 0).check(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("sign-ins-per-client must be at least 1, got 0");
    }

    @Test
    void aClientIsAnIpv4AddressOrAnIpv6Slash64() throws Exception {
        assertThat(Auth.client(InetAddress.getByName("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(Auth.client(InetAddress.getByName("::ffff:192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(Auth.client(InetAddress.getByName("2001:db8:1:2:3:4:5:6")))
                .isEqualTo("2001:db8:1:2::/64")
                .isEqualTo(Auth.client(InetAddress.getByName("2001:db8:1:2::9")));
        assertThat(Auth.client(InetAddress.getByName("2001:db8:1:3::9")))
                .isEqualTo("2001:db8:1:3::/64");
        assertThat(Auth.client(InetAddress.getByName("::1"))).isEqualTo("0:0:0:0::/64");
    }

    @Test
    void aSignInForgetsTheSessionsThatExpired() throws Exception {
        // given: two sessions from T0 and one from ten minutes later (tokens live 15 minutes)
        Auth auth = auth(Optional.of(List.of("*")));
        Credentials alice = Credentials.create(Keys.createEcKeyPair());
        Auth.Token first = signIn(auth, alice);
        signIn(auth, alice);
        auth.clock = Clock.fixed(T0.plus(Duration.ofMinutes(10)), ZoneOffset.UTC);
        Auth.Token later = signIn(auth, alice);

        // when: one more sign-in as the first two expire
        auth.clock = Clock.fixed(T0.plus(Duration.ofMinutes(15)), ZoneOffset.UTC);
        signIn(auth, alice);

        // then: those two are forgotten, the later one still authenticates
        assertThat(auth.sessions()).isEqualTo(2);
        assertThat(auth.require("Bearer " + later.token()).address())
                .isEqualTo(alice.getAddress().toLowerCase());
        assertThatThrownBy(() -> auth.require("Bearer " + first.token()))
                .hasMessageContaining("unknown token");
    }
}
