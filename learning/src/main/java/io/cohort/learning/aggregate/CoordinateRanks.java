package io.cohort.learning.aggregate;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/**
 * Ranks the submissions' values coordinate by coordinate for the coordinate-wise rules: values
 * ascending, equal values by lower index, {@code −0.0} as {@code 0.0}; what tied ranks earn is
 * shared by every submission holding the value ({@link #shareRuns}). A value and its index are
 * packed into one {@code long} (the float's bits made order-preserving as a signed int in the high
 * half, the index in the low half), so one primitive sort ranks a coordinate.
 */
final class CoordinateRanks {

    /** Receives the ranking of one coordinate. */
    interface Visitor {
        /**
         * @param keys ascending; {@link #index(long)} and {@link #value(long)} read each one; only
         *     valid during the call
         */
        void visit(int coordinate, long[] keys);
    }

    private CoordinateRanks() {}

    static void forEach(List<Submission> submissions, int length, Visitor visitor) {
        int n = submissions.size();
        float[][] updates = new float[n][];
        for (int k = 0; k < n; k++) {
            updates[k] = submissions.get(k).update();
        }
        long[] keys = new long[n];
        for (int i = 0; i < length; i++) {
            for (int k = 0; k < n; k++) {
                keys[k] = key(updates[k][i], k);
            }
            Arrays.sort(keys);
            visitor.visit(i, keys);
        }
    }

    /**
     * Adds to {@code into[k]} what the ranks holding submission k's value earn ({@code earned(r)}
     * for rank r), shared equally by every submission holding that value. Equal values are one run
     * of ranks whose order follows the input's, so without the sharing who is credited with a tied
     * value (sparse updates share many zeros) would change with the order the submissions came in.
     */
    static void shareRuns(long[] keys, IntToDoubleFunction earned, double[] into) {
        int n = keys.length;
        int b;
        for (int a = 0; a < n; a = b) {
            long value = keys[a] >> 32;
            double sum = earned.applyAsDouble(a);
            for (b = a + 1; b < n && keys[b] >> 32 == value; b++) {
                sum += earned.applyAsDouble(b);
            }
            if (sum != 0) {
                double each = sum / (b - a);
                for (int j = a; j < b; j++) {
                    into[index(keys[j])] += each;
                }
            }
        }
    }

    static int index(long key) {
        return (int) key;
    }

    static float value(long key) {
        int sortable = (int) (key >> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    private static long key(float value, int index) {
        // adding 0.0f turns −0.0 into 0.0, so the two zeros tie and fall back to the index
        int bits = Float.floatToRawIntBits(value + 0.0f);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | index;
    }
}
