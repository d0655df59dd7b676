package io.cohort.marketplace.auth;

import io.cohort.marketplace.api.Problem;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.PriorityQueue;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Sign-in nonces that cost the server nothing until they are used. A nonce carries its own expiry
 * and a MAC under a key this process drew at start (9 random bytes, 5 bytes of expiry in seconds,
 * 16 bytes of HMAC-SHA256, as 60 hex digits): asking for one ({@code GET /auth/nonce}, no sign-in)
 * stores nothing, so no rate of asking can use up sign-in for others. A nonce is remembered only
 * once a correctly signed message redeems it, for five minutes from then, so it works once; at most
 * {@code maxUsed} are remembered, a bound only signed sign-ins can reach, and at most a given
 * number of them redeemed by one client (see {@link Auth#client}), so one client alone cannot reach
 * it. A restart draws a new key: nonces given before it no longer redeem.
 */
final class Nonces {

    static final Duration TTL = Duration.ofMinutes(5);

    /** The length of a nonce in hex digits. */
    static final int LENGTH = 60;

    private static final int RANDOM = 9;
    private static final int EXPIRY = 5;
    private static final int TAG = 16;

    private final SecureRandom random;
    private final SecretKeySpec key;
    private final int maxUsed;
    private final Map<String, String> used = new HashMap<>(); // redeemed nonce -> its client
    // the same nonces, soonest expiry first: forgetting the expired costs only their own removal
    private final PriorityQueue<Expiring> expiring = new PriorityQueue<>();
    // each client's redeemed nonces' expiries, soonest first
    private final Map<String, PriorityQueue<Instant>> byClient = new HashMap<>();
    private Instant horizon; // the latest time a redeem was asked at

    /** A remembered nonce and when it expires. */
    record Expiring(Instant expires, String key) implements Comparable<Expiring> {
        @Override
        public int compareTo(Expiring o) {
            return expires.compareTo(o.expires);
        }
    }

    Nonces(SecureRandom random, int maxUsed) {
        this.random = random;
        byte[] k = new byte[32];
        random.nextBytes(k);
        this.key = new SecretKeySpec(k, "HmacSHA256");
        this.maxUsed = maxUsed;
    }

    /** A fresh nonce that redeems until {@code now} plus {@link #TTL}. */
    String issue(Instant now) {
        byte[] body = new byte[RANDOM + EXPIRY];
        byte[] r = new byte[RANDOM];
        random.nextBytes(r);
        System.arraycopy(r, 0, body, 0, RANDOM);
        long expiry = now.plus(TTL).getEpochSecond();
        for (int i = 0; i < EXPIRY; i++) {
            body[RANDOM + i] = (byte) (expiry >>> (8 * (EXPIRY - 1 - i)));
        }
        return HexFormat.of().formatHex(body) + HexFormat.of().formatHex(tag(body));
    }

    /**
     * Redeems a nonce of a correctly signed message sent by {@code client} at {@code asked}: once,
     * before it expires, and while fewer than {@code perClient} nonces that client redeemed in the
     * last five minutes are remembered. A redeemed nonce is remembered for five minutes from its
     * use (at least until it expires).
     *
     * @throws Problem 401 if it was not issued here, expired or was used; 429 with {@code
     *     Retry-After} if {@code perClient} nonces redeemed by this client are remembered; 503 with
     *     {@code Retry-After} if {@code maxUsed} are remembered in all
     */
    synchronized void redeem(String nonce, Instant asked, String client, int perClient) {
        // callers read the clock before a slow signature check and may arrive out of order: a
        // time behind one already seen could accept a nonce that time has purged, so never go back
        if (horizon == null || asked.isAfter(horizon)) {
            horizon = asked;
        }
        Instant now = horizon;
        Instant expires = expiry(nonce);
        if (expires == null || expires.isBefore(now)) {
            throw new Problem(
                    401,
                    "Unauthorized",
                    "unknown, used or expired nonce; ask GET /auth/nonce for a new one");
        }
        purge(now);
        if (used.containsKey(nonce)) {
            throw new Problem(
                    401,
                    "Unauthorized",
                    "unknown, used or expired nonce; ask GET /auth/nonce for a new one");
        }
        PriorityQueue<Instant> mine = byClient.get(client);
        if (mine != null && mine.size() >= perClient) {
            throw Problem.tooMany(
                    "Too many sign-ins",
                    perClient
                            + " sign-ins from "
                            + client
                            + " in the last five minutes; ask again when one expires",
                    Duration.between(now, mine.peek()));
        }
        if (used.size() >= maxUsed) {
            throw Problem.unavailable(
                    "Too many sign-ins",
                    maxUsed + " sign-ins in the last five minutes; ask again when one expires",
                    Duration.between(now, expiring.peek().expires()));
        }
        // remembered (and counted) five minutes from its use, not just until it expires: one
        // redeemed in its last second would otherwise count for a second, and the bounds per five
        // minutes would be bounds per second. Never less than until it expires, so it works once.
        Instant until = now.plus(TTL).isAfter(expires) ? now.plus(TTL) : expires;
        used.put(nonce, client);
        expiring.add(new Expiring(until, nonce));
        byClient.computeIfAbsent(client, c -> new PriorityQueue<>()).add(until);
    }

    /** How many redeemed nonces are remembered now. */
    synchronized int remembered() {
        return used.size();
    }

    /** The expiry a nonce issued here carries, or null if it was not issued here. */
    private Instant expiry(String nonce) {
        if (nonce == null || !nonce.matches("[0-9a-f]{" + LENGTH + "}")) {
            return null; // as issued: lower case only, or one nonce would redeem in many spellings
        }
        byte[] all;
        try {
            all = HexFormat.of().parseHex(nonce);
        } catch (IllegalArgumentException e) {
            return null;
        }
        byte[] body = Arrays.copyOf(all, RANDOM + EXPIRY);
        byte[] tag = Arrays.copyOfRange(all, RANDOM + EXPIRY, all.length);
        if (!MessageDigest.isEqual(tag, tag(body))) {
            return null;
        }
        long expiry = 0;
        for (int i = 0; i < EXPIRY; i++) {
            expiry = (expiry << 8) | (body[RANDOM + i] & 0xff);
        }
        return Instant.ofEpochSecond(expiry);
    }

    private byte[] tag(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(body), TAG);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private void purge(Instant now) {
        while (!expiring.isEmpty() && expiring.peek().expires().isBefore(now)) {
            String client = used.remove(expiring.poll().key());
            // the soonest to expire overall is also the soonest of its client's
            PriorityQueue<Instant> mine = byClient.get(client);
            mine.poll();
            if (mine.isEmpty()) {
                byClient.remove(client);
            }
        }
    }
}
