package io.cohort.learning.tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors element types this reader converts to float, with their widths in bytes. Values
 * are little-endian; integers wider than 24 bits round to the nearest float.
 */
enum Dtype {
    F64(8),
    F32(4),
    F16(2),
    BF16(2),
    I64(8),
    I32(4),
    I16(2),
    I8(1),
    U8(1),
    BOOL(1);

    /** Bytes per element. */
    final int width;

    Dtype(int width) {
        this.width = width;
    }

    /** Whether the type can hold NaN or infinities. */
    boolean isFloat() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /** The type named {@code name} in a header, or an error naming the tensor. */
    static Dtype of(String tensor, String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException(
                "tensor "
                        + tensor
                        + ": dtype '"
                        + name
                        + "' is not supported (supported: "
                        + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "))
                        + ")");
    }

    /**
     * Element {@code i} of the data starting at absolute position {@code at} in {@code b}
     * (little-endian), rounded once to the nearest float. F64 values beyond the float range become
     * infinities; the reader checks for them.
     */
    float get(ByteBuffer b, int at, int i) {
        int p = at + i * width;
        return switch (this) {
            case F64 -> (float) b.getDouble(p);
            case F32 -> b.getFloat(p);
            case F16 -> halfToFloat(b.getShort(p));
            case BF16 -> Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
            case I64 -> (float) b.getLong(p);
            case I32 -> (float) b.getInt(p);
            case I16 -> (float) b.getShort(p);
            case I8 -> (float) b.get(p);
            case U8, BOOL -> (float) (b.get(p) & 0xff);
        };
    }

    /** IEEE 754 binary16 to float, exactly (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f; // subnormal or zero
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
