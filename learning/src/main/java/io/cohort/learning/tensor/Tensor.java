package io.cohort.learning.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float tensor as safetensors stores one: a shape and its values, row-major. The arrays are
 * not copied on access, so large tensors cost nothing to pass around; treat them as read-only.
 *
 * @param shape the dimensions, each non-negative (empty for a scalar)
 * @param data exactly {@code product(shape)} values
 */
public record Tensor(long[] shape, float[] data) {

    /**
     * @throws IllegalArgumentException if a dimension is negative, the product overflows, or the
     *     data length differs from it
     */
    public Tensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " has a negative dimension");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " holds more than 2^63 values");
            }
        }
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " holds "
                            + n
                            + " values, got "
                            + data.length);
        }
    }

    /** Equal shapes and bitwise-equal values ({@link Arrays#equals(float[], float[])}). */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
