package io.cohort.contracts.seal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The sealed update of DESIGN.md step 3: an encoded update encrypted with a fresh AES-256-GCM
 * content key, the key wrapped for every evaluator of the committee by X25519 and HKDF-SHA256, the
 * whole header (with the {@link SealContext}) authenticated. The byte layout is in docs/node.md.
 *
 * <p>Version 2 makes every wrap checkable by whoever holds the content key: the ephemeral X25519
 * key is derived from the content key and the context (HKDF), so the wraps are a function of the
 * content key and the committee's public keys. A member that unwraps its own key recomputes every
 * other member's wrap and the ephemeral public key, and refuses the update ({@code bad-wrap}) if
 * any differs; a member whose own wrap does not open, or opens to another key, refuses it with the
 * same reason and words. So a trainer cannot give one member a good wrap and another a bad one and
 * split an honest committee (version 1 could not show that, and is refused).
 *
 * <p>{@link #open} checks every length and bound before it allocates, then the context (a copy of
 * another trainer's CID fails here with {@code wrong-context}), then the wraps and the tag. After
 * settlement an evaluator publishes the content key ({@link #contentKey}) and anyone can {@link
 * #openWithContentKey}, which checks the wraps too.
 */
public final class SealedUpdate {

    /** The first four bytes: ASCII {@code CHSL}. */
    static final byte[] MAGIC = {'C', 'H', 'S', 'L'};

    /** The layout version this class writes and reads. */
    public static final int VERSION = 2;

    /** The most evaluators one update is sealed for. */
    public static final int MAX_RECIPIENTS = 32;

    static final int KEY = 32;
    static final int TAG = 16;
    static final int NONCE = 12;
    static final int RECIPIENT = KEY + KEY + TAG; // public key, wrapped content key
    static final int FIXED = MAGIC.length + 1 + SealContext.ENCODED_LENGTH + KEY + 1;
    private static final byte[] WRAP_INFO =
            "cohort/seal/2 content-key wrap".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPHEMERAL_INFO =
            "cohort/seal/2 ephemeral key".getBytes(StandardCharsets.US_ASCII);

    /**
     * The length of the sealed form of a {@code payload}-byte update sealed for {@code recipients}
     * evaluators: the header (magic, version, context, ephemeral key, one key and wrap per
     * recipient, nonce, length), the ciphertext and its tag.
     */
    public static long sealedLength(long payload, int recipients) {
        return FIXED + (long) recipients * RECIPIENT + NONCE + 4 + payload + TAG;
    }

    /** The detail of every {@code bad-wrap}: the same words on every member, whatever it saw. */
    static final String BAD_WRAP = "the content key is not wrapped alike for every evaluator";

    private SealedUpdate() {}

    /**
     * Seals {@code plaintext} for {@code recipients} (raw X25519 public keys, distinct, 1 to
     * {@value #MAX_RECIPIENTS}).
     */
    public static byte[] seal(
            byte[] plaintext, SealContext context, List<byte[]> recipients, SecureRandom random) {
        return sealed(plaintext, context, recipients, -1, random);
    }

    /**
     * An adversarial seal, for tests and attack simulations: sealed for {@code recipients} as
     * {@link #seal} does, and authenticated, but the wrap for recipient {@code member} is random
     * bytes. Every member refuses it ({@code bad-wrap}), that one included.
     */
    public static byte[] sealWithUnlikeWrap(
            byte[] plaintext,
            SealContext context,
            List<byte[]> recipients,
            int member,
            SecureRandom random) {
        if (member < 0 || member >= recipients.size()) {
            throw new IllegalArgumentException(
                    "member " + member + " of " + recipients.size() + " recipients");
        }
        return sealed(plaintext, context, recipients, member, random);
    }

    /** {@link #seal}, with random bytes as the wrap of recipient {@code unlike} if it is one. */
    private static byte[] sealed(
            byte[] plaintext,
            SealContext context,
            List<byte[]> recipients,
            int unlike,
            SecureRandom random) {
        if (recipients.isEmpty() || recipients.size() > MAX_RECIPIENTS) {
            throw new IllegalArgumentException(
                    "seal for 1 to " + MAX_RECIPIENTS + " evaluators, got " + recipients.size());
        }
        for (int i = 0; i < recipients.size(); i++) {
            if (recipients.get(i).length != KEY) {
                throw new IllegalArgumentException(
                        "evaluator key " + i + " is not 32 bytes: " + recipients.get(i).length);
            }
            for (int j = 0; j < i; j++) {
                if (Arrays.equals(recipients.get(i), recipients.get(j))) {
                    throw new IllegalArgumentException(
                            "evaluator keys " + j + " and " + i + " are the same");
                }
            }
        }
        if (plaintext.length > Integer.MAX_VALUE - TAG) {
            throw new IllegalArgumentException("update too large to seal: " + plaintext.length);
        }
        byte[] contentKey = new byte[KEY];
        random.nextBytes(contentKey);
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        byte[] garbage = new byte[KEY + TAG];
        random.nextBytes(garbage);
        try {
            return assemble(
                    plaintext,
                    context,
                    recipients,
                    contentKey,
                    ephemeral(contentKey, context),
                    nonce,
                    i -> i == unlike ? garbage : contentKey);
        } finally {
            Arrays.fill(contentKey, (byte) 0);
        }
    }

    /**
     * The sealed bytes for a given content key, ephemeral key and nonce. {@code wrapped} gives, for
     * each recipient's index, the 32-byte key to wrap for it (the content key when sealing) or 48
     * bytes to use as its wrap: tests build bad seals with it.
     */
    static byte[] assemble(
            byte[] plaintext,
            SealContext context,
            List<byte[]> recipients,
            byte[] contentKey,
            X25519KeyPair ephemeral,
            byte[] nonce,
            IntFunction<byte[]> wrapped) {
        int m = recipients.size();
        int headerLength = FIXED + m * RECIPIENT + NONCE + 4;
        ByteBuffer out = ByteBuffer.allocate(headerLength + plaintext.length + TAG);
        out.put(MAGIC).put((byte) VERSION).put(context.encode()).put(ephemeral.publicKey());
        out.put((byte) m);
        byte[] prefix = Arrays.copyOf(out.array(), FIXED);
        for (int i = 0; i < m; i++) {
            byte[] recipient = recipients.get(i);
            byte[] key = wrapped.apply(i);
            byte[] wrap = key.length == KEY ? wrap(ephemeral, recipient, prefix, key) : key.clone();
            if (wrap == null) {
                throw new IllegalArgumentException("an evaluator key is a low-order point");
            }
            out.put(recipient).put(wrap);
        }
        out.put(nonce).putInt(plaintext.length + TAG);
        byte[] header = Arrays.copyOf(out.array(), headerLength);
        out.put(gcm(true, contentKey, nonce, header, plaintext));
        return out.array();
    }

    /** The ephemeral key pair version 2 derives from the content key and the context. */
    static X25519KeyPair ephemeral(byte[] contentKey, SealContext context) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(contentKey, context.encode(), EPHEMERAL_INFO));
        byte[] privateKey = new byte[KEY];
        hkdf.generateBytes(privateKey, 0, KEY);
        return X25519KeyPair.fromPrivateKey(privateKey);
    }

    /** {@code key} wrapped for {@code recipient}, or null if its key is a low-order point. */
    private static byte[] wrap(
            X25519KeyPair ephemeral, byte[] recipient, byte[] prefix, byte[] key) {
        byte[] secret = new byte[KEY];
        if (!ephemeral.agree(recipient, secret)) {
            return null;
        }
        byte[] kek = wrappingKey(secret, ephemeral.publicKey(), recipient);
        return gcm(true, kek, new byte[NONCE], wrapAad(prefix, recipient), key);
    }

    /**
     * Checks that the header's ephemeral key and every wrap are what {@code contentKey} gives.
     *
     * @throws SealException {@code bad-wrap}, with {@link #BAD_WRAP}
     */
    private static void requireWraps(byte[] sealed, Header header, byte[] contentKey)
            throws SealException {
        X25519KeyPair ephemeral = ephemeral(contentKey, header.context());
        byte[] prefix = Arrays.copyOf(sealed, FIXED);
        boolean alike =
                MessageDigest.isEqual(
                        ephemeral.publicKey(),
                        Arrays.copyOfRange(sealed, FIXED - 1 - KEY, FIXED - 1));
        for (int i = 0; i < header.recipients().size() && alike; i++) {
            byte[] expected = wrap(ephemeral, header.recipients().get(i), prefix, contentKey);
            int at = FIXED + i * RECIPIENT + KEY;
            alike =
                    expected != null
                            && MessageDigest.isEqual(
                                    expected, Arrays.copyOfRange(sealed, at, at + KEY + TAG));
        }
        if (!alike) {
            throw new SealException("bad-wrap", BAD_WRAP);
        }
    }

    /** The parsed, bound-checked header of a sealed update; nothing decrypted yet. */
    public record Header(SealContext context, List<byte[]> recipients, int headerLength) {}

    /**
     * Parses and checks the layout: magic, version, recipient count, and that the payload length is
     * at most {@code maxPayload} and matches the bytes there are.
     */
    public static Header header(byte[] sealed, int maxPayload) throws SealException {
        if (sealed.length < FIXED) {
            throw new SealException(
                    "truncated", sealed.length + " bytes, a header needs at least " + FIXED);
        }
        if (!Arrays.equals(sealed, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new SealException("bad-magic", "not a Cohort sealed update");
        }
        int version = sealed[MAGIC.length] & 0xff;
        if (version != VERSION) {
            throw new SealException("unsupported-version", "version " + version);
        }
        int m = sealed[FIXED - 1] & 0xff;
        if (m < 1 || m > MAX_RECIPIENTS) {
            throw new SealException(
                    "bad-recipient-count", m + " evaluators, allowed 1 to " + MAX_RECIPIENTS);
        }
        int headerLength = FIXED + m * RECIPIENT + NONCE + 4;
        if (sealed.length < headerLength) {
            throw new SealException(
                    "truncated",
                    sealed.length + " bytes, the header for " + m + " needs " + headerLength);
        }
        long payload = ByteBuffer.wrap(sealed, headerLength - 4, 4).getInt() & 0xffffffffL;
        if (payload > (long) maxPayload + TAG) {
            throw new SealException(
                    "too-large", "payload of " + payload + " bytes, the limit is " + maxPayload);
        }
        if (payload < TAG || headerLength + payload != sealed.length) {
            throw new SealException(
                    "length-mismatch",
                    "payload says "
                            + payload
                            + " bytes, "
                            + (sealed.length - headerLength)
                            + " follow the header");
        }
        SealContext context;
        try {
            context = SealContext.decode(sealed, MAGIC.length + 1);
        } catch (IllegalArgumentException e) { // a chain id or round of 2^63 or more
            throw new SealException("bad-context", e.getMessage());
        }
        List<byte[]> recipients = new ArrayList<>(m);
        for (int i = 0; i < m; i++) {
            int at = FIXED + i * RECIPIENT;
            recipients.add(Arrays.copyOfRange(sealed, at, at + KEY));
        }
        return new Header(context, List.copyOf(recipients), headerLength);
    }

    /**
     * The content key of {@code sealed}, unwrapped with {@code evaluator}'s key, after the header
     * and the context have been checked against {@code expected}, and checked to give the header's
     * ephemeral key and every member's wrap ({@code bad-wrap} else, also when this member's own
     * wrap does not open).
     */
    public static byte[] contentKey(
            byte[] sealed, SealContext expected, X25519KeyPair evaluator, int maxPayload)
            throws SealException {
        return contentKey(sealed, checked(sealed, expected, maxPayload), evaluator);
    }

    private static byte[] contentKey(byte[] sealed, Header header, X25519KeyPair evaluator)
            throws SealException {
        byte[] me = evaluator.publicKey();
        for (int i = 0; i < header.recipients().size(); i++) {
            if (!MessageDigest.isEqual(header.recipients().get(i), me)) {
                continue;
            }
            byte[] ephemeral = Arrays.copyOfRange(sealed, FIXED - 1 - KEY, FIXED - 1);
            byte[] secret = new byte[KEY];
            if (!evaluator.agree(ephemeral, secret)) {
                throw new SealException("bad-key", "the ephemeral key is a low-order point");
            }
            int at = FIXED + i * RECIPIENT + KEY;
            byte[] wrapped = Arrays.copyOfRange(sealed, at, at + KEY + TAG);
            byte[] prefix = Arrays.copyOf(sealed, FIXED);
            byte[] contentKey;
            try {
                contentKey =
                        run(
                                false,
                                wrappingKey(secret, ephemeral, me),
                                new byte[NONCE],
                                wrapAad(prefix, me),
                                wrapped);
            } catch (InvalidCipherTextException e) {
                // the members whose wraps open see this one differ: the same reason and words
                throw new SealException("bad-wrap", BAD_WRAP);
            }
            requireWraps(sealed, header, contentKey);
            return contentKey;
        }
        throw new SealException(
                "not-a-recipient", "sealed for " + header.recipients().size() + " other keys");
    }

    /**
     * Checks that {@code sealed} (its layout and context already as {@link #open} checks them) is
     * sealed for exactly {@code committee}: each of its keys once, in any order, and no other.
     * Every member can check this, and gets the same answer, before it tries its own key; an update
     * sealed for part of the committee would otherwise be opened by some members and flagged by the
     * others, and an honest committee would post different results.
     *
     * @throws SealException {@code not-the-committee}, or what the layout or context check throws
     */
    public static void requireCommittee(
            byte[] sealed, SealContext expected, List<byte[]> committee, int maxPayload)
            throws SealException {
        requireCommittee(checked(sealed, expected, maxPayload), committee);
    }

    private static void requireCommittee(Header header, List<byte[]> committee)
            throws SealException {
        int present = 0;
        for (byte[] member : committee) {
            if (contains(header.recipients(), member)) {
                present++;
            }
        }
        boolean outsider = false;
        for (byte[] r : header.recipients()) {
            outsider |= !contains(committee, r);
        }
        if (outsider
                || present != committee.size()
                || header.recipients().size() != committee.size()) {
            throw new SealException(
                    "not-the-committee",
                    "sealed for "
                            + header.recipients().size()
                            + " keys, "
                            + present
                            + " of the committee's "
                            + committee.size()
                            + " among them");
        }
    }

    private static boolean contains(List<byte[]> keys, byte[] key) {
        for (byte[] k : keys) {
            if (MessageDigest.isEqual(k, key)) {
                return true;
            }
        }
        return false;
    }

    /** Opens {@code sealed} as one of its evaluators. */
    public static byte[] open(
            byte[] sealed, SealContext expected, X25519KeyPair evaluator, int maxPayload)
            throws SealException {
        Header header = checked(sealed, expected, maxPayload);
        return decrypt(sealed, header, contentKey(sealed, header, evaluator));
    }

    /**
     * An update a committee member opened, and the content key it releases after settlement.
     *
     * @param contentKey the AES content key
     * @param update the plaintext
     */
    public record Opened(byte[] contentKey, byte[] update) {}

    /**
     * Opens {@code sealed} as a member of {@code committee}: the checks of {@link
     * #requireCommittee}, then of {@link #contentKey}, then the update's tag, in that order, on one
     * reading of the header and one check of the wraps.
     */
    public static Opened openAsMember(
            byte[] sealed,
            SealContext expected,
            List<byte[]> committee,
            X25519KeyPair evaluator,
            int maxPayload)
            throws SealException {
        Header header = checked(sealed, expected, maxPayload);
        requireCommittee(header, committee);
        byte[] contentKey = contentKey(sealed, header, evaluator);
        return new Opened(contentKey, decrypt(sealed, header, contentKey));
    }

    /**
     * Opens {@code sealed} with its published content key (an auditor after settlement): the
     * payload's tag first ({@code authentication-failed} for a wrong key), then the wraps ({@code
     * bad-wrap}: an evaluator released the key of an update it should have refused).
     */
    public static byte[] openWithContentKey(
            byte[] sealed, SealContext expected, byte[] contentKey, int maxPayload)
            throws SealException {
        if (contentKey.length != KEY) {
            throw new SealException(
                    "bad-key", "a content key is 32 bytes, got " + contentKey.length);
        }
        Header header = checked(sealed, expected, maxPayload);
        byte[] plaintext = decrypt(sealed, header, contentKey);
        requireWraps(sealed, header, contentKey);
        return plaintext;
    }

    /** The update under {@code header}, decrypted with {@code contentKey} and its tag checked. */
    private static byte[] decrypt(byte[] sealed, Header header, byte[] contentKey)
            throws SealException {
        int h = header.headerLength();
        byte[] nonce = Arrays.copyOfRange(sealed, h - 4 - NONCE, h - 4);
        try {
            return run(
                    false,
                    contentKey,
                    nonce,
                    Arrays.copyOf(sealed, h),
                    Arrays.copyOfRange(sealed, h, sealed.length));
        } catch (InvalidCipherTextException e) {
            throw new SealException(
                    "authentication-failed", "the update or its header was altered");
        }
    }

    private static Header checked(byte[] sealed, SealContext expected, int maxPayload)
            throws SealException {
        Header header = header(sealed, maxPayload);
        String difference = header.context().difference(expected);
        if (difference != null) {
            throw new SealException("wrong-context", "sealed for " + difference);
        }
        return header;
    }

    private static byte[] wrapAad(byte[] prefix, byte[] recipient) {
        byte[] aad = Arrays.copyOf(prefix, prefix.length + KEY);
        System.arraycopy(recipient, 0, aad, prefix.length, KEY);
        return aad;
    }

    private static byte[] wrappingKey(byte[] secret, byte[] ephemeral, byte[] recipient) {
        byte[] salt = Arrays.copyOf(ephemeral, 2 * KEY);
        System.arraycopy(recipient, 0, salt, KEY, KEY);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, salt, WRAP_INFO));
        byte[] kek = new byte[KEY];
        hkdf.generateBytes(kek, 0, KEY);
        return kek;
    }

    private static byte[] gcm(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] in) {
        try {
            return run(encrypt, key, nonce, aad, in);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    private static byte[] run(boolean encrypt, byte[] key, byte[] nonce, byte[] aad, byte[] in)
            throws InvalidCipherTextException {
        GCMModeCipher cipher = GCMBlockCipher.newInstance(AESEngine.newInstance());
        cipher.init(encrypt, new AEADParameters(new KeyParameter(key), TAG * 8, nonce, aad));
        byte[] out = new byte[cipher.getOutputSize(in.length)];
        int n = cipher.processBytes(in, 0, in.length, out, 0);
        n += cipher.doFinal(out, n);
        return n == out.length ? out : Arrays.copyOf(out, n);
    }
}
