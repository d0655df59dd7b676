package io.cohort.contracts.seal;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;

/**
 * An evaluator's X25519 key pair: the public half is part of the project (trainers seal for it),
 * the private half opens what was sealed for it. Raw 32-byte keys (RFC 7748).
 */
public final class X25519KeyPair {

    /** Bytes of a raw X25519 key. */
    public static final int KEY_LENGTH = 32;

    private final X25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    private X25519KeyPair(X25519PrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    /** A fresh key pair. */
    public static X25519KeyPair generate(SecureRandom random) {
        return new X25519KeyPair(new X25519PrivateKeyParameters(random));
    }

    /** The key pair of a raw 32-byte private key. */
    public static X25519KeyPair fromPrivateKey(byte[] privateKey) {
        if (privateKey == null || privateKey.length != KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "an X25519 private key is 32 bytes, got "
                            + (privateKey == null ? "null" : privateKey.length + " bytes"));
        }
        return new X25519KeyPair(new X25519PrivateKeyParameters(privateKey, 0));
    }

    /**
     * The node's seal key, derived from its account's secp256k1 private key with HKDF-SHA256 (salt
     * {@code cohort/seal-key/1}), so the keystore alone restores it: one secret to keep, and the
     * public half is a pure function of it that {@code keys show} prints for the project owner.
     */
    public static X25519KeyPair derivedFrom(byte[] accountPrivateKey) {
        if (accountPrivateKey == null || accountPrivateKey.length != 32) {
            throw new IllegalArgumentException("an account private key is 32 bytes");
        }
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(
                new HKDFParameters(
                        accountPrivateKey,
                        "cohort/seal-key/1".getBytes(StandardCharsets.US_ASCII),
                        "x25519".getBytes(StandardCharsets.US_ASCII)));
        byte[] key = new byte[KEY_LENGTH];
        hkdf.generateBytes(key, 0, key.length);
        return fromPrivateKey(key);
    }

    /** The raw public key, for the project's committee list. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** The raw private key, for the node's key file. */
    public byte[] privateKey() {
        return privateKey.getEncoded();
    }

    /** The 32-byte shared secret with {@code peerPublicKey}; false if it is all zero. */
    boolean agree(byte[] peerPublicKey, byte[] out) {
        try {
            privateKey.generateSecret(
                    new org.bouncycastle.crypto.params.X25519PublicKeyParameters(peerPublicKey, 0),
                    out,
                    0);
            return true;
        } catch (IllegalStateException e) { // a low-order public key gives an all-zero secret
            return false;
        }
    }
}
