/**
 * Named float tensors and the safetensors file format that carries them between Java and the Python
 * ecosystem. See docs/data-and-tensors.md.
 */
package io.cohort.learning.tensor;
