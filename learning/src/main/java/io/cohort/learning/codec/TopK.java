package io.cohort.learning.codec;

/**
 * Selects the positions of the {@code k} largest magnitudes in linear time: the bits of a
 * non-negative float order the same way as the float, so a two-level radix select on the high and
 * low 16 bits of {@code |v|} finds the k-th largest magnitude without sorting or copying the
 * update.
 */
final class TopK {

    private static final int BUCKETS = 1 << 16;

    private TopK() {}

    /**
     * The ascending positions of the {@code k} largest {@code |values[i]|}; among equal magnitudes
     * the lower positions win. Values must be finite.
     */
    static int[] select(float[] values, int k) {
        int n = values.length;
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("k must be in [0, " + n + "], got " + k);
        }
        int[] out = new int[k];
        if (k == 0) {
            return out;
        }
        int[] histogram = new int[BUCKETS];
        for (float v : values) {
            histogram[magnitude(v) >>> 16]++;
        }
        int above = 0;
        int high = BUCKETS - 1;
        while (above + histogram[high] < k) {
            above += histogram[high--];
        }
        java.util.Arrays.fill(histogram, 0);
        for (float v : values) {
            int m = magnitude(v);
            if (m >>> 16 == high) {
                histogram[m & 0xffff]++;
            }
        }
        int low = BUCKETS - 1;
        while (above + histogram[low] < k) {
            above += histogram[low--];
        }
        int threshold = high << 16 | low;
        int ties = k - above;
        int j = 0;
        for (int i = 0; i < n && j < k; i++) {
            int m = magnitude(values[i]);
            if (m > threshold || (m == threshold && ties-- > 0)) {
                out[j++] = i;
            }
        }
        return out;
    }

    /** The bits of {@code |v|}: for finite v, a non-negative int ordered as |v| is. */
    private static int magnitude(float v) {
        return Float.floatToRawIntBits(v) & 0x7fffffff;
    }
}
