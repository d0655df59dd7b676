package io.cohort.marketplace.auth;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Sign-In with Ethereum message (EIP-4361), parsed strictly: the header line with the domain, the
 * address, an optional statement, then {@code URI}, {@code Version} (1), {@code Chain ID}, {@code
 * Nonce} (at least 8 alphanumerics), {@code Issued At} and optionally {@code Expiration Time},
 * {@code Not Before}, {@code Request ID} and {@code Resources}, each once and in that order.
 * Anything else is an {@link IllegalArgumentException} naming what is wrong.
 */
public record SiweMessage(
        String domain,
        String address,
        String statement,
        String uri,
        long chainId,
        String nonce,
        Instant issuedAt,
        Instant expirationTime,
        Instant notBefore) {

    /** The longest message accepted, checked before parsing. */
    public static final int MAX_LENGTH = 4096;

    private static final Pattern HEADER =
            Pattern.compile("^(\\S+) wants you to sign in with your Ethereum account:$");
    private static final Pattern FIELD = Pattern.compile("^([A-Za-z ]+): (.*)$");

    /** The fields after the statement, in the order EIP-4361 writes them. */
    private static final java.util.List<String> FIELDS =
            java.util.List.of(
                    "URI",
                    "Version",
                    "Chain ID",
                    "Nonce",
                    "Issued At",
                    "Expiration Time",
                    "Not Before",
                    "Request ID",
                    "Resources");

    public static SiweMessage parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("the message is empty");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "the message is " + text.length() + " characters, more than " + MAX_LENGTH);
        }
        String[] lines = text.split("\n", -1);
        Matcher h = HEADER.matcher(lines[0]);
        if (!h.matches()) {
            throw new IllegalArgumentException(
                    "the first line must be '<domain> wants you to sign in with your Ethereum account:'");
        }
        if (lines.length < 3 || !lines[1].matches("0x[0-9a-fA-F]{40}")) {
            throw new IllegalArgumentException(
                    "the second line must be the address (0x and 40 hex digits)");
        }
        int i = 2;
        StringBuilder statement = new StringBuilder();
        while (i < lines.length && !lines[i].startsWith("URI: ")) {
            if (!lines[i].isEmpty()) {
                statement.append(statement.length() == 0 ? "" : "\n").append(lines[i]);
            }
            i++;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        int order = -1;
        for (; i < lines.length; i++) {
            if (lines[i].isEmpty() && i == lines.length - 1) {
                break; // a final newline
            }
            Matcher f = FIELD.matcher(lines[i]);
            boolean field = f.matches();
            String name = field ? f.group(1) : lines[i].equals("Resources:") ? "Resources" : null;
            if (name != null) {
                // EIP-4361's fields, each once and in its order: a wallet shows anything else as
                // plain text, without its checks of the domain
                int at = FIELDS.indexOf(name);
                if (at < 0) {
                    throw new IllegalArgumentException(
                            "line " + (i + 1) + ": '" + name + ":' is no EIP-4361 field");
                }
                if (fields.containsKey(name)) {
                    throw new IllegalArgumentException(
                            "line " + (i + 1) + ": '" + name + ":' appears twice");
                }
                if (at < order) {
                    throw new IllegalArgumentException(
                            "line "
                                    + (i + 1)
                                    + ": '"
                                    + name
                                    + ":' must come before '"
                                    + FIELDS.get(order)
                                    + ":'");
                }
                order = at;
                fields.put(name, field ? f.group(2) : "");
            } else if (lines[i].startsWith("- ") && fields.containsKey("Resources")) {
                continue; // a resource URI
            } else {
                throw new IllegalArgumentException(
                        "cannot read line " + (i + 1) + ": '" + lines[i] + "'");
            }
        }
        String version = required(fields, "Version");
        if (!version.equals("1")) {
            throw new IllegalArgumentException("Version must be 1, got " + version);
        }
        long chainId;
        try {
            chainId = Long.parseLong(required(fields, "Chain ID"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Chain ID is not a number");
        }
        String nonce = required(fields, "Nonce");
        if (!nonce.matches("[A-Za-z0-9]{8,64}")) {
            throw new IllegalArgumentException("Nonce must be 8 to 64 letters and digits");
        }
        return new SiweMessage(
                h.group(1),
                lines[1],
                statement.length() == 0 ? null : statement.toString(),
                required(fields, "URI"),
                chainId,
                nonce,
                time(fields, "Issued At", true),
                time(fields, "Expiration Time", false),
                time(fields, "Not Before", false));
    }

    private static String required(Map<String, String> fields, String name) {
        String v = fields.get(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("the message has no '" + name + ":' line");
        }
        return v;
    }

    private static Instant time(Map<String, String> fields, String name, boolean required) {
        String v = required ? required(fields, name) : fields.get(name);
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " is not an RFC 3339 time: " + v);
        }
    }
}
