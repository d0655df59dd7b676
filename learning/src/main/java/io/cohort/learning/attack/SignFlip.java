package io.cohort.learning.attack;

/**
 * Sends its trained update reversed and scaled: {@code −scale·Δ}. Knows only its own update.
 *
 * @param scale positive and finite; 1 is a plain sign flip
 */
public record SignFlip(double scale) implements Behaviour {

    public SignFlip {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException(
                    "sign-flip scale must be positive and finite, got " + scale);
        }
    }

    @Override
    public String name() {
        return "sign-flip(scale=" + scale + ")";
    }

    @Override
    public float[] submit(float[] trained, RoundView view) {
        float[] out = new float[trained.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (-scale * trained[i]);
        }
        return out;
    }
}
