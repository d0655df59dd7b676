/**
 * The compressed update format: a trainer's flat parameter delta, sparsified (top-k) and quantized
 * (8 bits per value), with error feedback on the trainer side and a decoder that trusts nothing it
 * receives. {@link io.cohort.learning.codec.UpdateCodec} is the entry point; docs/update-format.md
 * describes the bytes.
 */
package io.cohort.learning.codec;
