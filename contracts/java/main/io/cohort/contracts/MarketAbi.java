package io.cohort.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The ABI forge compiled ({@code Market.abi.json}, packaged beside the bindings), read once. */
final class MarketAbi {

    private static final JsonNode ABI = load();

    private MarketAbi() {}

    private static JsonNode load() {
        try (InputStream in = MarketAbi.class.getResourceAsStream("Market.abi.json")) {
            if (in == null) {
                throw new IllegalStateException("Market.abi.json is not on the class path");
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Market.abi.json", e);
        }
    }

    /** The entries of one {@code type}: {@code event}, {@code error}, {@code function}… */
    static List<JsonNode> entries(String type) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode entry : ABI) {
            if (type.equals(entry.path("type").asText())) {
                out.add(entry);
            }
        }
        return out;
    }
}
