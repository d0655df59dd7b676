package io.cohort.learning.codec;

import java.util.SplittableRandom;

/**
 * 8-bit affine quantization of kept values in blocks: each block of {@code blockSize} consecutive
 * kept values has its own {@code min} and {@code scale}, and a value is stored as the level {@code
 * q} in [0, 255] with {@code value ≈ min + q · scale}. Per-block parameters keep a few large values
 * from coarsening every other block.
 */
final class BlockQuantizer {

    /** Quantized values and what the decoder will make of them. */
    record Quantized(float[] mins, float[] scales, byte[] levels, float[] decoded) {}

    private BlockQuantizer() {}

    /**
     * The one formula for a level's value, shared by encoder and decoder so that the trainer's
     * residual matches what the evaluator decodes bit for bit. It is computed in double and rounded
     * once, so {@code 255 · scale} of a block spanning ±{@code Float.MAX_VALUE} does not overflow
     * on its way to a finite result.
     */
    static float level(float min, float scale, int q) {
        return (float) (min + (double) q * scale);
    }

    static Quantized quantize(
            float[] values, int blockSize, Compression.Rounding rounding, long seed) {
        int k = values.length;
        int blocks = (int) ((k + (long) blockSize - 1) / blockSize);
        float[] mins = new float[blocks];
        float[] scales = new float[blocks];
        byte[] levels = new byte[k];
        float[] decoded = new float[k];
        SplittableRandom random = new SplittableRandom(seed);
        for (int b = 0; b < blocks; b++) {
            int from = (int) ((long) b * blockSize);
            int to = (int) Math.min(k, (long) from + blockSize);
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = from; j < to; j++) {
                min = Math.min(min, values[j]);
                max = Math.max(max, values[j]);
            }
            float scale = scale(min, max);
            mins[b] = min;
            scales[b] = scale;
            for (int j = from; j < to; j++) {
                int q =
                        rounding == Compression.Rounding.NEAREST
                                ? nearest(values[j], min, scale)
                                : stochastic(values[j], min, scale, random);
                levels[j] = (byte) q;
                decoded[j] = level(min, scale, q);
            }
        }
        return new Quantized(mins, scales, levels, decoded);
    }

    /**
     * {@code (max − min) / 255}, positive (the smallest float when the block is constant, where
     * every level is 0) and small enough that the top level is finite.
     */
    private static float scale(float min, float max) {
        float scale = (float) (((double) max - min) / Layout.LEVELS);
        if (!(scale > 0)) {
            scale = Float.MIN_VALUE;
        }
        while (!Float.isFinite(level(min, scale, Layout.LEVELS))) {
            scale = Math.nextDown(scale);
        }
        return scale;
    }

    /** The level whose decoded value is nearest to {@code v} (checking the float rounding). */
    private static int nearest(float v, float min, float scale) {
        int guess = clamp(Math.round(((double) v - min) / scale));
        int best = guess;
        double bestError = Math.abs((double) level(min, scale, guess) - v);
        for (int q = Math.max(0, guess - 1); q <= Math.min(Layout.LEVELS, guess + 1); q++) {
            double error = Math.abs((double) level(min, scale, q) - v);
            if (error < bestError) {
                best = q;
                bestError = error;
            }
        }
        return best;
    }

    /**
     * The level below or above, the upper with probability equal to the distance from the lower.
     */
    private static int stochastic(float v, float min, float scale, SplittableRandom random) {
        double x = ((double) v - min) / scale;
        double floor = Math.floor(x);
        return clamp((long) floor + (random.nextDouble() < x - floor ? 1 : 0));
    }

    private static int clamp(long q) {
        return (int) Math.max(0, Math.min(Layout.LEVELS, q));
    }
}
