package io.cohort.learning.codec;

import java.util.Arrays;
import java.util.Objects;

/**
 * Trainer-side error feedback [Seide et al., 2014; Karimireddy et al., 2019, EF-SGD]: what
 * compression dropped or rounded in one round is added to the next round's update before it is
 * compressed, so nothing is lost for good, only delayed:
 *
 * <pre>
 * compensated = update + residual
 * bytes       = encode(compensated)
 * residual    = compensated − decode(bytes)
 * </pre>
 *
 * The decoded values come from the encoder itself (bit for bit what the evaluator will decode), so
 * a round costs one encode. One instance per trainer and model; not thread-safe.
 */
public final class ErrorFeedback {

    private final float[] residual;

    /** Feedback for a model of {@code parameters} values, starting with a zero residual. */
    public ErrorFeedback(int parameters) {
        if (parameters < 0) {
            throw new IllegalArgumentException(
                    "parameters is the model's parameter count, got " + parameters);
        }
        this.residual = new float[parameters];
    }

    /**
     * Encodes {@code update} plus the carried residual and keeps, as the new residual, what this
     * encoding does not deliver.
     *
     * @throws IllegalArgumentException if {@code update} has the wrong length or a non-finite
     *     value; the residual is then unchanged
     */
    public byte[] encode(float[] update, Compression compression) {
        Objects.requireNonNull(update, "update");
        Objects.requireNonNull(compression, "compression");
        if (update.length != residual.length) {
            throw new IllegalArgumentException(
                    "update of "
                            + update.length
                            + " values, this feedback is for a model of "
                            + residual.length);
        }
        float[] compensated = new float[update.length];
        for (int i = 0; i < update.length; i++) {
            compensated[i] = update[i] + residual[i];
            if (!Float.isFinite(compensated[i])) {
                throw new IllegalArgumentException(
                        "update value "
                                + i
                                + " is "
                                + update[i]
                                + ", plus the carried residual "
                                + residual[i]
                                + " it is "
                                + compensated[i]
                                + "; only finite values encode");
            }
        }
        UpdateEncoder.Encoded encoded = UpdateEncoder.encode(compensated, compression);
        float[] sent = encoded.sent();
        int[] positions = encoded.positions();
        if (positions == null) {
            for (int i = 0; i < compensated.length; i++) {
                residual[i] = compensated[i] - sent[i];
            }
        } else {
            System.arraycopy(compensated, 0, residual, 0, residual.length);
            for (int j = 0; j < positions.length; j++) {
                residual[positions[j]] = compensated[positions[j]] - sent[j];
            }
        }
        return encoded.bytes();
    }

    /**
     * Feedback that carries on from a residual kept earlier (a restarted trainer reads it back from
     * its data directory).
     *
     * @throws IllegalArgumentException if a value is not finite
     */
    public static ErrorFeedback resume(float[] residual) {
        ErrorFeedback feedback = new ErrorFeedback(residual.length);
        for (int i = 0; i < residual.length; i++) {
            if (!Float.isFinite(residual[i])) {
                throw new IllegalArgumentException(
                        "residual value "
                                + i
                                + " is "
                                + residual[i]
                                + "; only finite values carry");
            }
            feedback.residual[i] = residual[i];
        }
        return feedback;
    }

    /** The residual that the next {@link #encode} adds (a copy). */
    public float[] residual() {
        return residual.clone();
    }

    /** Forgets the residual, for example when the global model is replaced rather than updated. */
    public void reset() {
        Arrays.fill(residual, 0f);
    }
}
