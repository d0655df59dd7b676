package io.cohort.learning.tensor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (readable by PyTorch and the Python {@code safetensors} package): an
 * 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
 * range, then the little-endian data. Writes F32 tensors, names sorted, header padded with spaces
 * to 8 bytes as the Python package does. Reads F32, F16, BF16 and F64 into floats after checking
 * the header length, every dtype, shape and range against the buffer (ranges contiguous, covering
 * it exactly) before allocating, and refuses NaN and infinities.
 */
public final class SafeTensors {

    /** Largest header accepted (the reference implementation's limit is 100 MB). */
    public static final long MAX_HEADER = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A file's tensors (in file order) and its string metadata.
     *
     * @param tensors by name
     * @param metadata the {@code __metadata__} entries
     */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    private SafeTensors() {}

    public static byte[] write(Map<String, Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            long end = offset + 4L * e.getValue().data().length;
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a safetensors header", e);
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
            for (float v : t.data()) {
                b.putFloat(v);
            }
        }
        return b.array();
    }

    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        Files.write(file, write(tensors, metadata));
    }

    public static Contents read(Path file) throws IOException {
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new IOException(file + " is larger than 2 GiB");
        }
        try {
            return read(Files.readAllBytes(file));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a safetensors buffer; any inconsistency is an {@link IllegalArgumentException}. */
    public static Contents read(byte[] bytes) {
        if (bytes.length < 8) {
            throw new IllegalArgumentException(
                    "safetensors data of " + bytes.length + " bytes has no header length");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = b.getLong(0);
        if (headerLength < 2 || headerLength > MAX_HEADER || headerLength > bytes.length - 8L) {
            throw new IllegalArgumentException(
                    "header length " + headerLength + " does not fit " + bytes.length + " bytes");
        }
        JsonNode header;
        try {
            header =
                    JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("header is not JSON: " + e.getOriginalMessage());
        }
        if (header == null || !header.isObject()) {
            throw new IllegalArgumentException("header is not a JSON object");
        }
        int dataStart = 8 + (int) headerLength;
        long buffer = bytes.length - (long) dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        record Entry(String name, String dtype, long[] shape, long begin, long end) {}
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals("__metadata__")) {
                if (!f.getValue().isObject()) {
                    throw new IllegalArgumentException("__metadata__ is not an object");
                }
                f.getValue()
                        .fields()
                        .forEachRemaining(
                                m -> {
                                    if (!m.getValue().isTextual()) {
                                        throw new IllegalArgumentException(
                                                "metadata " + m.getKey() + " is not a string");
                                    }
                                    metadata.put(m.getKey(), m.getValue().asText());
                                });
                continue;
            }
            JsonNode t = f.getValue();
            String name = f.getKey();
            String dtype = t.path("dtype").asText("");
            int width = width(name, dtype);
            JsonNode shapeNode = t.path("shape");
            JsonNode offsets = t.path("data_offsets");
            if (!shapeNode.isArray()
                    || shapeNode.size() > 16
                    || !offsets.isArray()
                    || offsets.size() != 2) {
                throw new IllegalArgumentException(
                        "tensor " + name + ": shape or data_offsets malformed");
            }
            long[] shape = new long[shapeNode.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = shapeNode.get(i);
                if (!d.canConvertToLong() || d.asLong() < 0) {
                    throw new IllegalArgumentException(
                            "tensor "
                                    + name
                                    + ": dimension "
                                    + d
                                    + " is not a non-negative integer");
                }
                shape[i] = d.asLong();
                try {
                    count = Math.multiplyExact(count, shape[i]);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("tensor " + name + ": shape overflows");
                }
            }
            long begin = offsets.get(0).asLong(-1);
            long end = offsets.get(1).asLong(-1);
            if (begin < 0 || end < begin || end > buffer) {
                throw new IllegalArgumentException(
                        "tensor "
                                + name
                                + ": data_offsets ["
                                + begin
                                + ", "
                                + end
                                + "] outside the "
                                + buffer
                                + "-byte buffer");
            }
            if (count > Integer.MAX_VALUE / 8 || count * width != end - begin) {
                throw new IllegalArgumentException(
                        "tensor "
                                + name
                                + ": "
                                + count
                                + " "
                                + dtype
                                + " values need "
                                + (count * width)
                                + " bytes, its range has "
                                + (end - begin));
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort((x, y) -> Long.compare(x.begin(), y.begin()));
        long expected = 0;
        for (Entry e : byOffset) {
            if (e.begin() != expected) {
                throw new IllegalArgumentException(
                        "tensor "
                                + e.name()
                                + " starts at "
                                + e.begin()
                                + ", expected "
                                + expected
                                + " (ranges must be contiguous)");
            }
            expected = e.end();
        }
        if (expected != buffer) {
            throw new IllegalArgumentException(
                    "tensors cover " + expected + " of the " + buffer + " data bytes");
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            int count = (int) ((e.end() - e.begin()) / width(e.name(), e.dtype()));
            float[] values = new float[count];
            int at = dataStart + (int) e.begin();
            for (int i = 0; i < count; i++) {
                float v =
                        switch (e.dtype()) {
                            case "F32" -> b.getFloat(at + 4 * i);
                            case "F64" -> (float) b.getDouble(at + 8 * i);
                            case "F16" -> halfToFloat(b.getShort(at + 2 * i));
                            case "BF16" ->
                                    Float.intBitsToFloat((b.getShort(at + 2 * i) & 0xffff) << 16);
                            default ->
                                    throw new IllegalArgumentException(
                                            "unreachable dtype " + e.dtype());
                        };
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "tensor " + e.name() + ": value " + i + " is " + v);
                }
                values[i] = v;
            }
            tensors.put(e.name(), new Tensor(e.shape(), values));
        }
        return new Contents(tensors, metadata);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float value = mantissa * 0x1p-24f; // subnormal (or zero)
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static int width(String name, String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F64" -> 8;
            case "F16", "BF16" -> 2;
            default ->
                    throw new IllegalArgumentException(
                            "tensor "
                                    + name
                                    + ": dtype '"
                                    + dtype
                                    + "' is not supported (F32, F64, F16, BF16)");
        };
    }
}
