package io.cohort.ipfs;

/**
 * Content larger than the caller's limit for reading it whole ({@link ContentStore#readAllBytes}).
 */
public final class ContentTooLargeException extends IpfsException {

    private static final long serialVersionUID = 1L;

    public ContentTooLargeException(Cid cid, int maxBytes) {
        super(cid + " is larger than " + maxBytes + " bytes");
    }
}
