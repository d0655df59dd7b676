package io.cohort.learning.codec;

/**
 * Trainer-side error feedback: what compression dropped or rounded in one round is added to the
 * next round's update before it is compressed, so nothing is lost for good, only delayed. {@code
 * compensated = update + residual; sent = encode(compensated); residual = compensated −
 * decode(sent)}. One instance per trainer and model; not thread-safe.
 */
public final class ErrorFeedback {

    private final float[] residual;

    public ErrorFeedback(int parameters) {
        this.residual = new float[parameters];
    }

    /** Compresses {@code update} with the carried residual and keeps the new residual. */
    public byte[] encode(float[] update, UpdateCodec.Options options) {
        if (update.length != residual.length) {
            throw new IllegalArgumentException(
                    "update of "
                            + update.length
                            + " values, this feedback tracks "
                            + residual.length);
        }
        float[] compensated = new float[update.length];
        for (int i = 0; i < update.length; i++) {
            compensated[i] = update[i] + residual[i];
        }
        byte[] bytes = UpdateCodec.encode(compensated, options);
        float[] sent;
        try {
            sent = UpdateCodec.decode(bytes, update.length);
        } catch (MalformedUpdateException e) {
            throw new IllegalStateException(
                    "the encoder produced an update its decoder refuses", e);
        }
        for (int i = 0; i < update.length; i++) {
            residual[i] = compensated[i] - sent[i];
        }
        return bytes;
    }

    /** The residual carried to the next round (a copy). */
    public float[] residual() {
        return residual.clone();
    }
}
