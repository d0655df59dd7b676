package io.cohort.node.journal;

import java.io.IOException;

/** A journal file with a malformed line that is not a torn last one. */
public final class JournalCorruptException extends IOException {

    private static final long serialVersionUID = 1L;

    JournalCorruptException(String message) {
        super(message);
    }
}
