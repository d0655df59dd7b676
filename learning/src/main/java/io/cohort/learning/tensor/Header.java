package io.cohort.learning.tensor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checked safetensors header: every entry's dtype, shape and byte range agree with each other and
 * with the data buffer, and the ranges tile the buffer exactly. Nothing larger than the header
 * itself is allocated before every check has passed.
 *
 * @param dataStart where the data buffer starts in the file ({@code 8 + header length})
 * @param entries the tensors in the order of their data
 * @param metadata the {@code __metadata__} entries, in header order
 */
record Header(int dataStart, List<Header.Entry> entries, Map<String, String> metadata) {

    /** The key of the string-to-string metadata object. */
    static final String METADATA = "__metadata__";

    private static final Set<String> FIELDS = Set.of("dtype", "shape", "data_offsets");

    static final ObjectMapper JSON =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .build();

    /**
     * One tensor's header entry.
     *
     * @param name the tensor's name
     * @param dtype its element type
     * @param shape its dimensions
     * @param count the product of the dimensions
     * @param begin first byte in the data buffer
     * @param end one past the last byte
     */
    record Entry(String name, Dtype dtype, long[] shape, long count, long begin, long end) {}

    /**
     * Parses and checks the header of a whole safetensors file.
     *
     * @throws IllegalArgumentException naming the first problem found
     */
    static Header parse(byte[] file, long maxHeader) {
        if (file.length < 8) {
            throw new IllegalArgumentException(
                    "safetensors data of " + file.length + " bytes has no 8-byte header length");
        }
        long length = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        if (length < 2 || length > maxHeader || length > file.length - 8L) {
            throw new IllegalArgumentException(
                    "header length "
                            + Long.toUnsignedString(length)
                            + " does not fit: it must be between 2 and "
                            + Math.min(maxHeader, file.length - 8L)
                            + " for "
                            + file.length
                            + " bytes (limit "
                            + maxHeader
                            + ")");
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(file, 8, (int) length))
                            .toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("header is not valid UTF-8");
        }
        if (!text.startsWith("{")) {
            throw new IllegalArgumentException("header does not start with '{'");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("header is not a JSON object");
        }
        int dataStart = 8 + (int) length;
        long buffer = file.length - (long) dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA)) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(entry(field.getKey(), field.getValue(), buffer));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        for (Entry e : entries) {
            if (e.begin() != expected) {
                throw new IllegalArgumentException(
                        "tensor "
                                + e.name()
                                + ": data_offsets start at "
                                + e.begin()
                                + ", expected "
                                + expected
                                + (e.begin() < expected
                                        ? " (overlaps the tensor before it)"
                                        : " (leaves a gap)")
                                + "; ranges must be contiguous");
            }
            expected = e.end();
        }
        if (expected != buffer) {
            throw new IllegalArgumentException(
                    "tensors cover " + expected + " of the " + buffer + " data bytes");
        }
        return new Header(dataStart, List.copyOf(entries), metadata);
    }

    private static void readMetadata(JsonNode node, Map<String, String> into) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(METADATA + " is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw new IllegalArgumentException(
                        METADATA + " entry '" + m.getKey() + "' is not a string");
            }
            into.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry entry(String name, JsonNode node, long buffer) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("tensor " + name + ": entry is not a JSON object");
        }
        for (Map.Entry<String, JsonNode> f : node.properties()) {
            if (!FIELDS.contains(f.getKey())) {
                throw new IllegalArgumentException(
                        "tensor " + name + ": unknown field '" + f.getKey() + "'");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": dtype missing or not a string");
        }
        Dtype dtype = Dtype.of(name, dtypeNode.textValue());
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": shape missing or not an array");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(name, "shape", shapeNode.get(i));
            try {
                count = Math.multiplyExact(count, shape[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "tensor " + name + ": shape " + shapeNode + " overflows 64 bits");
            }
        }
        JsonNode offsets = node.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new IllegalArgumentException(
                    "tensor " + name + ": data_offsets is not an array [begin, end]");
        }
        long begin = nonNegativeLong(name, "data_offsets", offsets.get(0));
        long end = nonNegativeLong(name, "data_offsets", offsets.get(1));
        if (end < begin || end > buffer) {
            throw new IllegalArgumentException(
                    "tensor "
                            + name
                            + ": data_offsets ["
                            + begin
                            + ", "
                            + end
                            + "] do not lie within the "
                            + buffer
                            + "-byte data buffer");
        }
        if (count > end - begin || count * dtype.width != end - begin) {
            throw new IllegalArgumentException(
                    "tensor "
                            + name
                            + ": shape "
                            + Arrays.toString(shape)
                            + " of "
                            + dtype
                            + " needs "
                            + (count > buffer ? "more than " + buffer : count * dtype.width)
                            + " bytes, data_offsets give "
                            + (end - begin));
        }
        return new Entry(name, dtype, shape, count, begin, end);
    }

    private static long nonNegativeLong(String tensor, String field, JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new IllegalArgumentException(
                    "tensor "
                            + tensor
                            + ": "
                            + field
                            + " holds "
                            + n
                            + ", expected a non-negative integer below 2^63");
        }
        return n.longValue();
    }
}
