package io.cohort.marketplace.auth;

import io.cohort.marketplace.MarketplaceConfig;
import io.cohort.marketplace.api.Problem;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;

/**
 * Sign-in with an Ethereum signature (EIP-4361 message, EIP-191 personal signature) and the
 * short-lived bearer tokens that authenticate writes. Nonces are single-use and expire after five
 * minutes; asking for one stores nothing ({@link Nonces}), so anyone may ask as often as they like;
 * at most {@link #MAX_SIGN_INS} sign-ins are remembered per five minutes, and {@code
 * cohort.auth.sign-ins-per-client} of them from one {@link #client}. Tokens expire after {@code
 * cohort.auth.token-ttl}. Both live in memory: a restart signs everyone out.
 */
@ApplicationScoped
public class Auth {

    static final Duration NONCE_TTL = Nonces.TTL;
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /**
     * Redeemed nonces remembered at most (each until it expires): signed sign-ins per five minutes.
     */
    static final int MAX_SIGN_INS = 100_000;

    /** A signed-in owner. */
    public record Session(String address, Instant expiresAt) {}

    /** What a sign-in returns. */
    public record Token(String token, String address, Instant expiresAt) {}

    @Inject MarketplaceConfig config;

    /** The {@code cohort.auth.owners} entry that lets anyone who signs in launch. */
    static final String ANYONE = "*";

    /** Refuses to start with an owner that is neither an address nor {@link #ANYONE}. */
    void check(@Observes StartupEvent ev) {
        if (config.auth().signInsPerClient() < 1) {
            throw new IllegalArgumentException(
                    "cohort.auth.sign-ins-per-client must be at least 1, got "
                            + config.auth().signInsPerClient());
        }
        for (String o : config.auth().owners().orElse(List.of())) {
            if (!o.equals(ANYONE) && !o.matches("0x[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException(
                        "cohort.auth.owners takes addresses (0x and 40 hex digits) or *, got '"
                                + o
                                + "'");
            }
        }
    }

    Clock clock = Clock.systemUTC();

    private final SecureRandom random = new SecureRandom();
    private final Nonces nonces = new Nonces(random, MAX_SIGN_INS);
    private final Map<String, Session> tokens = new ConcurrentHashMap<>();
    // the same tokens, soonest expiry first, so a sign-in forgets the expired without a scan
    private final PriorityQueue<Nonces.Expiring> expiring = new PriorityQueue<>();

    /** A fresh nonce for a sign-in message, good for one sign-in within five minutes. */
    public String nonce() {
        return nonces.issue(clock.instant());
    }

    /**
     * Whether a message's {@code Issued At} is recent: at most {@link #CLOCK_SKEW} ahead of {@code
     * now}, and at most the nonce's life plus the skew (ten minutes) behind it.
     */
    static boolean recent(Instant issuedAt, Instant now) {
        return !issuedAt.isAfter(now.plus(CLOCK_SKEW))
                && !issuedAt.isBefore(now.minus(NONCE_TTL).minus(CLOCK_SKEW));
    }

    /**
     * Who counts as one client for {@code cohort.auth.sign-ins-per-client}: an IPv4 address, or an
     * IPv6 address's /64 prefix (one subscriber's usual allocation), as text.
     */
    static String client(InetAddress from) {
        if (from instanceof Inet6Address) {
            byte[] a = from.getAddress();
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i += 2) {
                s.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff))).append(':');
            }
            return s.append(":/64").toString();
        }
        return from.getHostAddress();
    }

    /**
     * Verifies a signed sign-in message sent from {@code client} (see {@link #client}) and opens a
     * session; a {@link Problem} if anything is off.
     */
    public Token login(String message, String signature, String client) {
        SiweMessage m;
        try {
            m = SiweMessage.parse(message);
        } catch (IllegalArgumentException e) {
            throw Problem.badRequest("not an EIP-4361 message: " + e.getMessage());
        }
        MarketplaceConfig.Auth a = config.auth();
        if (!m.domain().equals(a.domain())) {
            throw unauthorized("the message is for " + m.domain() + ", this is " + a.domain());
        }
        if (m.chainId() != config.chainId()) {
            throw unauthorized(
                    "the message is for chain " + m.chainId() + ", this is " + config.chainId());
        }
        Instant now = clock.instant();
        if (!recent(m.issuedAt(), now)) {
            throw unauthorized(
                    "Issued At "
                            + m.issuedAt()
                            + " is not recent (at most "
                            + CLOCK_SKEW.toMinutes()
                            + " minutes ahead of this server's clock or "
                            + NONCE_TTL.plus(CLOCK_SKEW).toMinutes()
                            + " behind it)");
        }
        if (m.expirationTime() != null && !m.expirationTime().isAfter(now)) {
            throw unauthorized("the message expired at " + m.expirationTime());
        }
        if (m.notBefore() != null && m.notBefore().isAfter(now)) {
            throw unauthorized("the message is not valid before " + m.notBefore());
        }
        String signer = signer(message, signature);
        if (!signer.equalsIgnoreCase(m.address())) {
            throw unauthorized("the signature is by " + signer + ", not by " + m.address());
        }
        String address = m.address().toLowerCase();
        List<String> owners = a.owners().orElse(List.of());
        if (owners.isEmpty()) {
            throw new Problem(
                    403,
                    "Forbidden",
                    "nobody may launch projects here: cohort.auth.owners is not set (addresses, or *"
                            + " for anyone)");
        }
        if (!owners.contains(ANYONE)
                && owners.stream().noneMatch(o -> o.equalsIgnoreCase(address))) {
            throw new Problem(403, "Forbidden", address + " may not launch projects here");
        }
        // after the owners check: keys nobody listed cannot fill the redeemed-nonce bound
        nonces.redeem(m.nonce(), now, client, a.signInsPerClient());
        byte[] t = new byte[32];
        random.nextBytes(t);
        String token = HexFormat.of().formatHex(t);
        Instant expires = now.plus(a.tokenTtl());
        if (m.expirationTime() != null && m.expirationTime().isBefore(expires)) {
            expires = m.expirationTime(); // the session lasts no longer than the signer allowed
        }
        synchronized (expiring) {
            while (!expiring.isEmpty() && !expiring.peek().expires().isAfter(now)) {
                tokens.remove(expiring.poll().key());
            }
            tokens.put(token, new Session(address, expires));
            expiring.add(new Nonces.Expiring(expires, token));
        }
        return new Token(token, address, expires);
    }

    /** The session of an {@code Authorization: Bearer} header; 401 otherwise. */
    public Session require(String authorization) {
        // the scheme's name is case-insensitive (RFC 9110, 11.1)
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized(
                    "sign in (GET /auth/nonce, POST /auth/login) and send Authorization: Bearer <token>");
        }
        String token = authorization.substring(7).strip();
        Session s = tokens.get(token);
        if (s == null) {
            throw unauthorized("unknown token; sign in again");
        }
        if (!s.expiresAt().isAfter(clock.instant())) {
            tokens.remove(token);
            throw unauthorized("the token expired at " + s.expiresAt() + "; sign in again");
        }
        return s;
    }

    /** The address whose key made an EIP-191 signature of {@code message}. */
    static String signer(String message, String signature) {
        if (signature == null || !signature.matches("0x[0-9a-fA-F]{130}")) {
            throw Problem.badRequest("the signature must be 65 bytes as 0x and 130 hex digits");
        }
        byte[] sig = HexFormat.of().parseHex(signature.substring(2));
        byte v = sig[64];
        if (v < 27) {
            v += 27;
        }
        byte[] r = java.util.Arrays.copyOfRange(sig, 0, 32);
        byte[] s = java.util.Arrays.copyOfRange(sig, 32, 64);
        try {
            BigInteger key =
                    Sign.signedPrefixedMessageToKey(
                            message.getBytes(StandardCharsets.UTF_8),
                            new Sign.SignatureData(v, r, s));
            return "0x" + Keys.getAddress(key);
        } catch (java.security.SignatureException | RuntimeException e) {
            throw unauthorized("the signature does not recover a key: " + e.getMessage());
        }
    }

    private static Problem unauthorized(String detail) {
        return new Problem(401, "Unauthorized", detail);
    }

    /** How many sessions are held, expired ones not yet forgotten included. */
    int sessions() {
        return tokens.size();
    }
}
