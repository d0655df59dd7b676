package io.cohort.ipfs;

import java.io.IOException;

/**
 * A storage operation that failed. The message names where (the store or the Kubo endpoint) and
 * what (the CID, when there is one) in one line.
 */
public class IpfsException extends IOException {
    private static final long serialVersionUID = 1L;

    public IpfsException(String message) {
        super(message);
    }

    public IpfsException(String message, Throwable cause) {
        super(message, cause);
    }
}
