package io.cohort.learning.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One layer of a {@link ModelSpec}. Which fields matter depends on {@code type}:
 *
 * <ul>
 *   <li>{@code conv2d}: {@code filters}, {@code kernel}, {@code stride} (1), {@code padding} (0)
 *   <li>{@code maxpool}: {@code kernel}, {@code stride} (= kernel)
 *   <li>{@code dense}: {@code units}
 *   <li>{@code dropout}: {@code rate} in [0, 1)
 *   <li>{@code relu}, {@code flatten}, {@code batchnorm}: nothing
 * </ul>
 *
 * Layers are square-kernelled; the model ends in logits (no softmax layer).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
public record LayerSpec(
        String type,
        Integer filters,
        Integer kernel,
        Integer stride,
        Integer padding,
        Integer units,
        Double rate) {

    public static LayerSpec conv2d(int filters, int kernel, int stride, int padding) {
        return new LayerSpec("conv2d", filters, kernel, stride, padding, null, null);
    }

    public static LayerSpec maxpool(int kernel, int stride) {
        return new LayerSpec("maxpool", null, kernel, stride, null, null, null);
    }

    public static LayerSpec dense(int units) {
        return new LayerSpec("dense", null, null, null, null, units, null);
    }

    public static LayerSpec dropout(double rate) {
        return new LayerSpec("dropout", null, null, null, null, null, rate);
    }

    public static LayerSpec relu() {
        return new LayerSpec("relu", null, null, null, null, null, null);
    }

    public static LayerSpec flatten() {
        return new LayerSpec("flatten", null, null, null, null, null, null);
    }

    public static LayerSpec batchnorm() {
        return new LayerSpec("batchnorm", null, null, null, null, null, null);
    }

    int strideOr(int fallback) {
        return stride == null ? fallback : stride;
    }

    int paddingOrZero() {
        return padding == null ? 0 : padding;
    }
}
