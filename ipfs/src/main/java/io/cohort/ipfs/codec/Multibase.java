package io.cohort.ipfs.codec;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.Locale;
import org.apache.commons.codec.binary.Base32;

/**
 * The two multibase encodings CIDs come in: base32 lower case without padding (prefix {@code b},
 * what Kubo prints for CIDv1) and base58btc (CIDv0's bare {@code Qm…} form, prefix {@code z} in
 * multibase).
 */
public final class Multibase {

    private static final String BASE58 =
            "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static final BigInteger FIFTY_EIGHT = BigInteger.valueOf(58);

    private Multibase() {}

    /** RFC 4648 base32, lower case, no padding, prefixed with {@code b}. */
    public static String encodeBase32(byte[] bytes) {
        String upper = new Base32().encodeAsString(bytes);
        int end = upper.length();
        while (end > 0 && upper.charAt(end - 1) == '=') {
            end--;
        }
        return "b" + upper.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** Decodes base32 lower case without padding and without the {@code b} prefix. */
    public static byte[] decodeBase32(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '2' && c <= '7')) {
                throw new IllegalArgumentException(
                        "character '" + c + "' at " + i + " is not lower-case base32");
            }
        }
        int rem = text.length() % 8;
        if (rem == 1 || rem == 3 || rem == 6) {
            throw new IllegalArgumentException("base32 text of impossible length " + text.length());
        }
        String padded = text.toUpperCase(Locale.ROOT) + "=".repeat((8 - rem) % 8);
        byte[] bytes = new Base32().decode(padded);
        // Canonical text only: trailing bits that do not round-trip would give one CID two names.
        if (!encodeBase32(bytes).substring(1).equals(text)) {
            throw new IllegalArgumentException("base32 text with non-zero trailing bits");
        }
        return bytes;
    }

    /** base58btc (Bitcoin alphabet), no prefix. */
    public static String encodeBase58(byte[] bytes) {
        int zeros = 0;
        while (zeros < bytes.length && bytes[zeros] == 0) {
            zeros++;
        }
        StringBuilder sb = new StringBuilder();
        BigInteger n = new BigInteger(1, bytes);
        while (n.signum() > 0) {
            BigInteger[] qr = n.divideAndRemainder(FIFTY_EIGHT);
            sb.append(BASE58.charAt(qr[1].intValue()));
            n = qr[0];
        }
        sb.append("1".repeat(zeros));
        return sb.reverse().toString();
    }

    /** Decodes base58btc without prefix; refuses characters outside the alphabet. */
    public static byte[] decodeBase58(String text) {
        BigInteger n = BigInteger.ZERO;
        int zeros = 0;
        while (zeros < text.length() && text.charAt(zeros) == '1') {
            zeros++;
        }
        for (int i = 0; i < text.length(); i++) {
            int digit = BASE58.indexOf(text.charAt(i));
            if (digit < 0) {
                throw new IllegalArgumentException(
                        "character '" + text.charAt(i) + "' at " + i + " is not base58btc");
            }
            n = n.multiply(FIFTY_EIGHT).add(BigInteger.valueOf(digit));
        }
        byte[] magnitude = n.signum() == 0 ? new byte[0] : n.toByteArray();
        if (magnitude.length > 0 && magnitude[0] == 0) {
            magnitude = Arrays.copyOfRange(magnitude, 1, magnitude.length);
        }
        byte[] out = new byte[zeros + magnitude.length];
        System.arraycopy(magnitude, 0, out, zeros, magnitude.length);
        return out;
    }
}
