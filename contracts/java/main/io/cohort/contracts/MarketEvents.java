package io.cohort.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.web3j.crypto.Hash;

/**
 * The market's events by their first topic, the keccak-256 of the canonical signature, built from
 * the ABI forge compiled ({@link MarketAbi}). web3j's {@code EventEncoder} builds a struct
 * argument's part of a signature by reflection on the generated class, and inside a Quarkus
 * application that gives another topic than the chain's (the marketplace never matched {@code
 * ResultPosted}); reading the ABI needs no reflection and cannot drift from the contract.
 */
public final class MarketEvents {

    /** Signatures by event name, sorted by name. */
    private static final SortedMap<String, String> SIGNATURES = load();

    private MarketEvents() {}

    private static SortedMap<String, String> load() {
        SortedMap<String, String> out = new TreeMap<>();
        for (JsonNode entry : MarketAbi.entries("event")) {
            String name = entry.path("name").asText();
            out.put(name, name + types(entry.path("inputs")));
        }
        return Collections.unmodifiableSortedMap(out);
    }

    /** {@code (t1,t2,…)}, a tuple written as its components' types in parentheses, arrays kept. */
    private static String types(JsonNode params) {
        List<String> types = new ArrayList<>();
        for (JsonNode p : params) {
            String type = p.path("type").asText();
            types.add(
                    type.startsWith("tuple")
                            ? types(p.path("components")) + type.substring("tuple".length())
                            : type);
        }
        return "(" + String.join(",", types) + ")";
    }

    /** The names of the market's events, sorted. */
    public static List<String> names() {
        return List.copyOf(SIGNATURES.keySet());
    }

    /**
     * The canonical signature of event {@code name}, e.g. {@code
     * UpdateSubmitted(uint256,uint256,address,bytes,bytes32)}.
     *
     * @throws IllegalArgumentException if the market has no such event
     */
    public static String signature(String name) {
        String s = SIGNATURES.get(name);
        if (s == null) {
            throw new IllegalArgumentException("the market has no event " + name);
        }
        return s;
    }

    /** The first topic of event {@code name}'s logs, as {@code 0x} and 64 hex digits. */
    public static String topic(String name) {
        return Hash.sha3String(signature(name));
    }
}
