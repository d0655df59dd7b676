package io.cohort.ipfs;

import io.cohort.ipfs.codec.Multibase;
import io.cohort.ipfs.codec.Varint;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A content identifier: version, codec and a sha2-256 multihash. CIDv1 prints as base32 lower case
 * (the {@code bafy…}/{@code bafk…} form Kubo prints); CIDv0 ({@code Qm…}) is parsed and printed in
 * base58btc. Only the codecs a UnixFS file uses are accepted: raw ({@code 0x55}) and dag-pb ({@code
 * 0x70}).
 */
public final class Cid {

    /** Multicodec of raw blocks (UnixFS raw leaves). */
    public static final int RAW = 0x55;

    /** Multicodec of dag-pb blocks (UnixFS nodes). */
    public static final int DAG_PB = 0x70;

    /** Multihash code of sha2-256. */
    public static final int SHA2_256 = 0x12;

    private static final int DIGEST_LENGTH = 32;

    private final int version;
    private final int codec;
    private final byte[] digest;

    private Cid(int version, int codec, byte[] digest) {
        this.version = version;
        this.codec = codec;
        this.digest = digest;
    }

    /** The CIDv1 of {@code block} under {@code codec}: sha2-256 of the bytes. */
    public static Cid of(int codec, byte[] block) {
        return of(codec, block, 0, block.length);
    }

    /** The CIDv1 of {@code length} bytes of {@code block} from {@code offset}. */
    public static Cid of(int codec, byte[] block, int offset, int length) {
        if (codec != RAW && codec != DAG_PB) {
            throw new IllegalArgumentException(
                    "codec 0x"
                            + Integer.toHexString(codec)
                            + " is neither raw (0x55) nor dag-pb (0x70)");
        }
        MessageDigest sha = sha256();
        sha.update(block, offset, length);
        return new Cid(1, codec, sha.digest());
    }

    /** Parses the text form: CIDv1 in base32 ({@code b…}) or CIDv0 ({@code Qm…}). */
    public static Cid parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidCidException(String.valueOf(text), "empty");
        }
        if (text.length() > 200) {
            throw new InvalidCidException(text, "longer than any supported CID");
        }
        if (text.length() == 46 && text.startsWith("Qm")) {
            byte[] mh;
            try {
                mh = Multibase.decodeBase58(text);
            } catch (IllegalArgumentException e) {
                throw new InvalidCidException(text, e.getMessage());
            }
            return fromMultihash(text, 0, DAG_PB, mh, 0);
        }
        if (text.startsWith("Qm")) {
            throw new InvalidCidException(
                    text, "a CIDv0 is 46 characters ('Qm' and 44 more), got " + text.length());
        }
        char base = text.charAt(0);
        if (base != 'b') {
            throw new InvalidCidException(
                    text,
                    "multibase prefix '"
                            + base
                            + "' is not supported (base32 'b…' for CIDv1, 'Qm…' for CIDv0)");
        }
        byte[] bytes;
        try {
            bytes = Multibase.decodeBase32(text.substring(1));
        } catch (IllegalArgumentException e) {
            throw new InvalidCidException(text, e.getMessage());
        }
        // The CID spec: a multibase value that starts with 0x12 is an error, since CIDv0 has
        // exactly one text form; accepting it would give one CID a second name.
        if (bytes.length > 0 && bytes[0] == SHA2_256) {
            throw new InvalidCidException(
                    text, "a CIDv0 multihash in multibase; CIDv0 is written only as 'Qm…'");
        }
        return fromV1Bytes(text, bytes);
    }

    /** Parses the binary form (as the contract stores it): CIDv1 bytes or a CIDv0 multihash. */
    public static Cid fromBytes(byte[] bytes) {
        // the hex is for error messages: of the first bytes only, whatever length was handed in
        String text =
                HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 48))
                        + (bytes.length > 48 ? "..." : "");
        if (bytes.length > 100) {
            throw new InvalidCidException(
                    text, bytes.length + " bytes, longer than any supported CID");
        }
        return fromBytes(text, bytes);
    }

    private static Cid fromBytes(String text, byte[] bytes) {
        if (bytes.length == 34 && bytes[0] == SHA2_256 && bytes[1] == DIGEST_LENGTH) {
            return fromMultihash(text, 0, DAG_PB, bytes, 0);
        }
        return fromV1Bytes(text, bytes);
    }

    private static Cid fromV1Bytes(String text, byte[] bytes) {
        try {
            Varint.Decoded version = Varint.decode(bytes, 0, bytes.length);
            if (version.value() != 1) {
                throw new InvalidCidException(text, "CID version " + version.value() + " is not 1");
            }
            Varint.Decoded codec = Varint.decode(bytes, version.next(), bytes.length);
            checkCodec(codec.value(), text);
            return fromMultihash(text, 1, (int) codec.value(), bytes, codec.next());
        } catch (InvalidCidException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidCidException(text, e.getMessage());
        }
    }

    private static Cid fromMultihash(String text, int version, int codec, byte[] b, int at) {
        try {
            Varint.Decoded hash = Varint.decode(b, at, b.length);
            if (hash.value() != SHA2_256) {
                throw new InvalidCidException(
                        text, "multihash 0x" + Long.toHexString(hash.value()) + " is not sha2-256");
            }
            Varint.Decoded length = Varint.decode(b, hash.next(), b.length);
            if (length.value() != DIGEST_LENGTH) {
                throw new InvalidCidException(
                        text, "sha2-256 digest of " + length.value() + " bytes, not 32");
            }
            if (b.length - length.next() != DIGEST_LENGTH) {
                throw new InvalidCidException(
                        text,
                        (b.length - length.next() < DIGEST_LENGTH ? "truncated" : "trailing bytes")
                                + " after the multihash header: "
                                + (b.length - length.next())
                                + " digest bytes");
            }
            return new Cid(version, codec, Arrays.copyOfRange(b, length.next(), b.length));
        } catch (InvalidCidException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidCidException(text, e.getMessage());
        }
    }

    private static void checkCodec(long codec, String text) {
        if (codec != RAW && codec != DAG_PB) {
            throw new InvalidCidException(
                    text,
                    "codec 0x"
                            + Long.toHexString(codec)
                            + " is neither raw (0x55) nor dag-pb (0x70)");
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    public int version() {
        return version;
    }

    public int codec() {
        return codec;
    }

    /** The sha2-256 digest (a copy). */
    public byte[] digest() {
        return digest.clone();
    }

    /** Whether {@code block} is what this CID names: its sha2-256 equals the digest. */
    public boolean matches(byte[] block, int length) {
        MessageDigest sha = sha256();
        sha.update(block, 0, length);
        return MessageDigest.isEqual(sha.digest(), digest);
    }

    /** The binary form: {@code <version><codec><multihash>} for v1, the multihash for v0. */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(36);
        if (version == 1) {
            Varint.write(out, 1);
            Varint.write(out, codec);
        }
        Varint.write(out, SHA2_256);
        Varint.write(out, DIGEST_LENGTH);
        out.write(digest, 0, digest.length);
        return out.toByteArray();
    }

    /** The same content named as CIDv1 (what Kubo prints with {@code --cid-version=1}). */
    public Cid toV1() {
        return version == 1 ? this : new Cid(1, codec, digest);
    }

    /** Base32 ({@code b…}) for CIDv1, base58btc ({@code Qm…}) for CIDv0, as Kubo prints them. */
    @Override
    public String toString() {
        return version == 1 ? Multibase.encodeBase32(toBytes()) : Multibase.encodeBase58(toBytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cid other
                && version == other.version
                && codec == other.codec
                && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * version + codec) + Arrays.hashCode(digest);
    }
}
