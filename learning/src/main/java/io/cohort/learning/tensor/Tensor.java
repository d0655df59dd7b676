package io.cohort.learning.tensor;

import java.util.Arrays;

/**
 * A dense float tensor: a shape and its values, row-major.
 *
 * @param shape dimensions (empty for a scalar)
 * @param data {@code product(shape)} values
 */
public record Tensor(long[] shape, float[] data) {

    public Tensor {
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
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
