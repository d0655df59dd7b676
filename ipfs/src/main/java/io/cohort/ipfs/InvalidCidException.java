package io.cohort.ipfs;

/**
 * A CID string or byte sequence that is not a CID this module supports; the message is one line.
 */
public final class InvalidCidException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidCidException(String text, String reason) {
        super("invalid CID '" + abbreviate(text) + "': " + reason);
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s", " ");
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }
}
