package io.cohort.learning.model;

/** A model spec that cannot be built; the message names the bad layer (index and type). */
public final class InvalidSpecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidSpecException(String message) {
        super(message);
    }

    static InvalidSpecException at(int index, LayerSpec layer, String problem) {
        return new InvalidSpecException(
                "layer "
                        + index
                        + " ("
                        + (layer == null ? "null" : layer.type())
                        + "): "
                        + problem);
    }
}
