package io.cohort.learning.attack;

import io.cohort.learning.data.LabeledData;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * A backdoor trigger [Gu et al., 2017, BadNets]: a {@code size × size} square of pixels set to
 * {@code value} in one corner of an image, in every channel. Samples must be images, {@code
 * [channels, height, width]} or {@code [height, width]}.
 *
 * @param corner where the square sits, flush with the image's edges
 * @param size the side in pixels, ≥ 1
 * @param value what the pixels are set to (1 is white for images scaled to [0, 1])
 */
public record Trigger(Corner corner, int size, float value) {

    /** The corner the square sits in. */
    public enum Corner {
        TOP_LEFT,
        TOP_RIGHT,
        BOTTOM_LEFT,
        BOTTOM_RIGHT
    }

    public Trigger {
        if (corner == null) {
            throw new IllegalArgumentException("a trigger needs a corner");
        }
        if (size < 1) {
            throw new IllegalArgumentException("a trigger's size must be at least 1, got " + size);
        }
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("a trigger's value must be finite, got " + value);
        }
    }

    /** A white {@code size × size} square in the bottom-right corner. */
    public static Trigger whiteSquare(int size) {
        return new Trigger(Corner.BOTTOM_RIGHT, size, 1f);
    }

    /**
     * The offsets, within one sample of {@code sampleShape}, of the pixels the trigger sets,
     * ascending.
     *
     * @throws IllegalArgumentException if the samples are not images or are smaller than the
     *     trigger
     */
    public int[] pixels(int[] sampleShape) {
        int channels;
        int height;
        int width;
        if (sampleShape.length == 3) {
            channels = sampleShape[0];
            height = sampleShape[1];
            width = sampleShape[2];
        } else if (sampleShape.length == 2) {
            channels = 1;
            height = sampleShape[0];
            width = sampleShape[1];
        } else {
            throw new IllegalArgumentException(
                    "a trigger needs image samples [channels, height, width] or [height, width],"
                            + " got "
                            + Arrays.toString(sampleShape));
        }
        if (size > height || size > width) {
            throw new IllegalArgumentException(
                    "a "
                            + size
                            + "x"
                            + size
                            + " trigger does not fit images of "
                            + height
                            + "x"
                            + width);
        }
        boolean bottom = corner == Corner.BOTTOM_LEFT || corner == Corner.BOTTOM_RIGHT;
        boolean right = corner == Corner.TOP_RIGHT || corner == Corner.BOTTOM_RIGHT;
        int row0 = bottom ? height - size : 0;
        int col0 = right ? width - size : 0;
        int[] out = new int[channels * size * size];
        int k = 0;
        for (int ch = 0; ch < channels; ch++) {
            for (int r = row0; r < row0 + size; r++) {
                for (int c = col0; c < col0 + size; c++) {
                    out[k++] = (ch * height + r) * width + c;
                }
            }
        }
        return out;
    }

    /**
     * A copy of {@code data} in which the samples at {@code samples} carry the trigger and the
     * label {@code target}; every other value is unchanged.
     */
    public LabeledData stamp(LabeledData data, int[] samples, int target) {
        if (target < 0 || target >= data.numClasses()) {
            throw new IllegalArgumentException(
                    "backdoor target "
                            + target
                            + " is not a class of [0, "
                            + data.numClasses()
                            + ")");
        }
        int[] offsets = pixels(data.sampleShape());
        int per = data.sampleSize();
        float[] x = data.features().clone();
        int[] y = data.labels().clone();
        for (int i : samples) {
            if (i < 0 || i >= y.length) {
                throw new IndexOutOfBoundsException("sample " + i + " of " + y.length);
            }
            for (int o : offsets) {
                x[i * per + o] = value;
            }
            y[i] = target;
        }
        return new LabeledData(x, y, data.sampleShape(), data.numClasses());
    }

    /**
     * The backdoor test set of {@code test}: its samples whose label is not {@code target}, with
     * the trigger and the label {@code target}. A model's accuracy on it is the attack success
     * rate, the fraction of triggered inputs it classifies as the target.
     */
    public LabeledData testSet(LabeledData test, int target) {
        int[] keep =
                IntStream.range(0, test.size()).filter(i -> test.labels()[i] != target).toArray();
        LabeledData others = test.subset(keep);
        int[] all = IntStream.range(0, others.size()).toArray();
        return stamp(others, all, target);
    }
}
