package io.cohort.learning.tensor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format (Hugging Face; readable by PyTorch and the Python {@code
 * safetensors} package): an 8-byte little-endian header length N, N bytes of JSON naming each
 * tensor's dtype, shape and byte range plus optional string metadata, then the little-endian data.
 *
 * <p>Writing is deterministic: F32 only, tensors sorted by name (code point order, as the Rust and
 * Python writers sort) and laid out contiguously in that order, metadata keys sorted, the header
 * padded with spaces to a multiple of 8 bytes as the Python package does. Reading accepts F32, F64,
 * F16, BF16, I64, I32, I16, I8, U8 and BOOL, converting to float, after checking the header length
 * (at most {@link #MAX_HEADER} and within the data), every dtype, shape and byte range against each
 * other and the buffer, and that the ranges tile the buffer; by default it refuses NaN and
 * infinities. docs/data-and-tensors.md lists every check.
 */
public final class SafeTensors {

    /** Largest header accepted (the reference implementation's limit, 100 MB). */
    public static final long MAX_HEADER = 100_000_000L;

    /** What reading does with NaN and infinite values in floating-point tensors. */
    public enum NonFinite {
        /** Refuse the file, naming the tensor and the value's index. */
        REJECT,
        /** Keep the values as they are. */
        KEEP
    }

    /**
     * A file's tensors and its string metadata.
     *
     * @param tensors by name, in the order their data appears in the file
     * @param metadata the {@code __metadata__} entries in header order (empty if none)
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    /** UTF-8 byte order (code point order), the order the Rust and Python writers sort names in. */
    private static final Comparator<String> CODE_POINT_ORDER =
            (a, b) -> {
                int i = 0;
                int j = 0;
                while (i < a.length() && j < b.length()) {
                    int x = a.codePointAt(i);
                    int y = b.codePointAt(j);
                    if (x != y) {
                        return Integer.compare(x, y);
                    }
                    i += Character.charCount(x);
                    j += Character.charCount(y);
                }
                return Integer.compare(a.length() - i, b.length() - j);
            };

    private SafeTensors() {}

    /**
     * Encodes tensors as F32 safetensors.
     *
     * @param tensors by name; no name may be {@code __metadata__}
     * @param metadata string pairs for the {@code __metadata__} entry, or {@code null} or empty for
     *     none
     * @return the file's bytes
     * @throws IllegalArgumentException if a name is reserved or the result would exceed 2 GiB
     */
    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(tensors, "tensors");
        ObjectNode header = Header.JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(Header.METADATA);
            sortedByCodePoint(metadata)
                    .forEach(
                            (k, v) ->
                                    meta.put(
                                            k,
                                            wellFormed(
                                                    Objects.requireNonNull(
                                                            v, "metadata value " + k))));
        }
        TreeMap<String, Tensor> sorted = sortedByCodePoint(tensors);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            if (e.getKey().equals(Header.METADATA)) {
                throw new IllegalArgumentException(
                        "a tensor cannot be named " + Header.METADATA + ": the key is reserved");
            }
            Tensor t = Objects.requireNonNull(e.getValue(), "tensor " + e.getKey());
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", Dtype.F32.name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + 4L * t.data().length;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            // via a String: Jackson's byte output escapes characters beyond U+FFFF, Python's does
            // not
            json = Header.JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a safetensors header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "tensors of " + total + " bytes do not fit one array; write them in parts");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        for (Tensor t : sorted.values()) {
            b.asFloatBuffer().put(t.data());
            b.position(b.position() + 4 * t.data().length);
        }
        return b.array();
    }

    /**
     * Writes {@link #write(Map, Map)}'s bytes to {@code file}, replacing it.
     *
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Files.write(file, write(tensors, metadata));
    }

    /**
     * Decodes safetensors bytes, refusing NaN and infinities.
     *
     * @throws IllegalArgumentException naming the first inconsistency
     */
    public static Contents read(byte[] bytes) {
        return read(bytes, NonFinite.REJECT);
    }

    /**
     * Decodes safetensors bytes.
     *
     * @param nonFinite whether NaN and infinities are refused or kept
     * @throws IllegalArgumentException naming the first inconsistency
     */
    public static Contents read(byte[] bytes, NonFinite nonFinite) {
        return read(bytes, nonFinite, MAX_HEADER);
    }

    /**
     * Decodes safetensors bytes whose header is at most {@code maxHeader} bytes: a reader that
     * knows how many tensors to expect (a model of a known layout) refuses a header far larger than
     * those need before it parses it, rather than build the JSON tree of up to {@link #MAX_HEADER}
     * bytes first.
     *
     * @param nonFinite whether NaN and infinities are refused or kept
     * @param maxHeader the largest header accepted, 2 to {@link #MAX_HEADER}
     * @throws IllegalArgumentException naming the first inconsistency
     */
    public static Contents read(byte[] bytes, NonFinite nonFinite, long maxHeader) {
        Objects.requireNonNull(nonFinite, "nonFinite");
        if (maxHeader < 2 || maxHeader > MAX_HEADER) {
            throw new IllegalArgumentException(
                    "a header limit must be between 2 and " + MAX_HEADER + ", got " + maxHeader);
        }
        Header header = Header.parse(bytes, maxHeader);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Header.Entry e : header.entries()) {
            tensors.put(e.name(), decode(e, b, header.dataStart(), nonFinite));
        }
        return new Contents(tensors, header.metadata());
    }

    /**
     * Reads a safetensors file, refusing NaN and infinities.
     *
     * @throws IOException if the file cannot be read or is inconsistent (the message names it)
     */
    public static Contents read(Path file) throws IOException {
        return read(file, NonFinite.REJECT);
    }

    /**
     * Reads a safetensors file.
     *
     * @param nonFinite whether NaN and infinities are refused or kept
     * @throws IOException if the file cannot be read or is inconsistent (the message names it)
     */
    public static Contents read(Path file, NonFinite nonFinite) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": " + size + " bytes, more than one array holds");
        }
        try {
            return read(Files.readAllBytes(file), nonFinite);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static <V> TreeMap<String, V> sortedByCodePoint(Map<String, V> map) {
        TreeMap<String, V> sorted = new TreeMap<>(CODE_POINT_ORDER);
        for (Map.Entry<String, V> e : map.entrySet()) {
            sorted.put(wellFormed(Objects.requireNonNull(e.getKey(), "a null name")), e.getValue());
        }
        return sorted;
    }

    /** The string itself, if UTF-8 can encode it (no unpaired surrogate); UTF-8 would drop it. */
    private static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(
                        "'"
                                + s
                                + "' has an unpaired surrogate at index "
                                + i
                                + ", which UTF-8 cannot encode");
            }
        }
        return s;
    }

    private static Tensor decode(Header.Entry e, ByteBuffer b, int dataStart, NonFinite nonFinite) {
        if (e.count() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "tensor " + e.name() + ": " + e.count() + " values do not fit one array");
        }
        float[] values = new float[(int) e.count()];
        int at = dataStart + (int) e.begin();
        if (e.dtype() == Dtype.F32) {
            b.slice(at, values.length * 4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer()
                    .get(values);
        } else {
            for (int i = 0; i < values.length; i++) {
                values[i] = e.dtype().get(b, at, i);
            }
        }
        if (e.dtype() == Dtype.BOOL) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] > 1) {
                    throw new IllegalArgumentException(
                            "tensor "
                                    + e.name()
                                    + ": BOOL value "
                                    + i
                                    + " is the byte "
                                    + (int) values[i]
                                    + ", expected 0 or 1");
                }
            }
        }
        if (e.dtype().isFloat()) {
            for (int i = 0; i < values.length; i++) {
                if (Float.isFinite(values[i])) {
                    continue;
                }
                if (e.dtype() == Dtype.F64 && Double.isFinite(b.getDouble(at + 8 * i))) {
                    throw new IllegalArgumentException(
                            "tensor "
                                    + e.name()
                                    + ": F64 value "
                                    + i
                                    + " ("
                                    + b.getDouble(at + 8 * i)
                                    + ") is beyond the float range");
                }
                if (nonFinite == NonFinite.REJECT) {
                    throw new IllegalArgumentException(
                            "tensor "
                                    + e.name()
                                    + ": value "
                                    + i
                                    + " is "
                                    + values[i]
                                    + " (non-finite values are refused)");
                }
            }
        }
        return new Tensor(e.shape(), values);
    }
}
