package io.cohort.ipfs;

/** Bytes that are not what their CID names: a tampered, truncated or malformed block. */
public final class ContentMismatchException extends IpfsException {
    private static final long serialVersionUID = 1L;

    public ContentMismatchException(String where, Cid cid, String reason) {
        super(where + ": block " + cid + " " + reason);
    }
}
