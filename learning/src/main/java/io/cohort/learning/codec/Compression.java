package io.cohort.learning.codec;

import java.util.Objects;

/**
 * How a trainer compresses an update: which values it keeps (top-k by magnitude, as in Deep
 * Gradient Compression [Lin et al., 2018]) and how it writes them (float32, or 8-bit affine per
 * block of kept values with nearest or stochastic rounding [Alistarh et al., 2017, QSGD]).
 *
 * <p>Build one with the factories: {@link #dense()}, {@link #dense8Bit()}, {@link #topK(double)},
 * {@link #topK8Bit(double)}, then adjust with {@link #withBlockSize(int)} or {@link
 * #withStochasticRounding(long)}.
 *
 * @param keep fraction of values kept, in [0, 1]: {@code k = round(keep · n)}; 1 keeps all (a dense
 *     update, no index section)
 * @param precision how each kept value is written
 * @param blockSize for {@link Precision#UINT8}: kept values per (min, scale) pair, at least 1
 * @param rounding for {@link Precision#UINT8}: how a value is mapped to one of the 256 levels
 * @param seed for {@link Rounding#STOCHASTIC}: the seed of the rounding's random numbers; derive a
 *     fresh one per round (for example from trainer and round), or the same values round the same
 *     way every round
 */
public record Compression(
        double keep, Precision precision, int blockSize, Rounding rounding, long seed) {

    /** Kept values per quantization block unless set otherwise: 8 bytes of (min, scale) per 256. */
    public static final int DEFAULT_BLOCK_SIZE = 256;

    /** How each kept value is written. */
    public enum Precision {
        /** 4 bytes, exact. */
        FLOAT32,
        /** 1 byte: {@code value = min + q · scale} with {@code min, scale} of the value's block. */
        UINT8
    }

    /** How an 8-bit value is chosen. */
    public enum Rounding {
        /** The nearest level: error at most {@code scale / 2}, deterministic. */
        NEAREST,
        /**
         * The level below or above with probabilities that make the decoded value unbiased: error
         * below {@code scale}, reproducible from {@link #seed()}.
         */
        STOCHASTIC
    }

    public Compression {
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(rounding, "rounding");
        if (!(keep >= 0 && keep <= 1)) {
            throw new IllegalArgumentException(
                    "keep is the fraction of values kept and must be in [0, 1], got " + keep);
        }
        if (blockSize < 1) {
            throw new IllegalArgumentException(
                    "blockSize must be at least 1 (use Integer.MAX_VALUE for one block), got "
                            + blockSize);
        }
    }

    /** Every value as float32: exact, 4 bytes per parameter. */
    public static Compression dense() {
        return new Compression(1, Precision.FLOAT32, DEFAULT_BLOCK_SIZE, Rounding.NEAREST, 0);
    }

    /** Every value in 8 bits, nearest rounding, blocks of {@link #DEFAULT_BLOCK_SIZE}. */
    public static Compression dense8Bit() {
        return new Compression(1, Precision.UINT8, DEFAULT_BLOCK_SIZE, Rounding.NEAREST, 0);
    }

    /** The {@code keep} fraction of largest |values| as float32. */
    public static Compression topK(double keep) {
        return new Compression(keep, Precision.FLOAT32, DEFAULT_BLOCK_SIZE, Rounding.NEAREST, 0);
    }

    /**
     * The {@code keep} fraction of largest |values| in 8 bits, nearest rounding; {@code
     * topK8Bit(0.01)} is the trainers' default.
     */
    public static Compression topK8Bit(double keep) {
        return new Compression(keep, Precision.UINT8, DEFAULT_BLOCK_SIZE, Rounding.NEAREST, 0);
    }

    /** The same compression with {@code blockSize} kept values per (min, scale) pair. */
    public Compression withBlockSize(int blockSize) {
        return new Compression(keep, precision, blockSize, rounding, seed);
    }

    /** The same compression with unbiased stochastic rounding drawn from {@code seed}. */
    public Compression withStochasticRounding(long seed) {
        return new Compression(keep, precision, blockSize, Rounding.STOCHASTIC, seed);
    }

    /** How many of {@code n} values are kept: {@code round(keep · n)}, within [0, n]. */
    int keptCount(int n) {
        return (int) Math.min(n, Math.round(keep * n));
    }
}
