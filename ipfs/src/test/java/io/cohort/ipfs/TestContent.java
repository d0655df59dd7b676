package io.cohort.ipfs;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-random content of any size, generated as it is read, so tests can add and
 * compare hundreds of MiB without holding them in memory.
 */
public final class TestContent extends InputStream {

    private final SplittableRandom random;
    private final long size;
    private long position;
    private volatile long consumed;

    public TestContent(long size, long seed) {
        this.size = size;
        this.random = new SplittableRandom(seed);
    }

    /** Bytes handed out so far (readable from another thread). */
    public long consumed() {
        return consumed;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= size) {
            return -1;
        }
        int n = (int) Math.min(len, size - position);
        for (int i = 0; i < n; i++) {
            b[off + i] = (byte) random.nextInt(256);
        }
        position += n;
        consumed = position;
        return n;
    }

    /** The SHA-256 of the content of {@code size} bytes from {@code seed}. */
    public static String sha256(long size, long seed) throws IOException {
        return sha256(new TestContent(size, seed));
    }

    /** The SHA-256 of a stream, read to its end and closed. */
    public static String sha256(InputStream in) throws IOException {
        try (in) {
            MessageDigest sha = Cid.sha256();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
