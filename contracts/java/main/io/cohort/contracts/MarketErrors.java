package io.cohort.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Names the market's custom errors in revert data: {@code 0x3b4c…} becomes {@code
 * UpdateAlreadySubmitted(projectId=1, round=2, trainer=0x70…)}. The errors come from the ABI forge
 * compiled ({@code Market.abi.json}, packaged beside the bindings), so they cannot drift from the
 * contract.
 */
public final class MarketErrors {

    private record Error(String name, List<String> names, List<String> types) {}

    private static final Map<String, Error> BY_SELECTOR = load();

    private MarketErrors() {}

    private static Map<String, Error> load() {
        Map<String, Error> errors = new HashMap<>();
        for (JsonNode entry : MarketAbi.entries("error")) {
            List<String> names = new ArrayList<>();
            List<String> types = new ArrayList<>();
            for (JsonNode input : entry.path("inputs")) {
                names.add(input.path("name").asText());
                types.add(input.path("type").asText());
            }
            String name = entry.path("name").asText();
            String signature = name + "(" + String.join(",", types) + ")";
            errors.put(selector(signature), new Error(name, names, types));
        }
        return Map.copyOf(errors);
    }

    /** The 4-byte selector of an error or function signature, as {@code 0x} and 8 hex digits. */
    public static String selector(String signature) {
        byte[] hash = Hash.sha3(signature.getBytes(StandardCharsets.US_ASCII));
        return Numeric.toHexString(hash, 0, 4, true);
    }

    /**
     * Whether a JSON-RPC error answer to a call or an estimate is the contract reverting (code 3,
     * revert data, or a message saying so) rather than the node failing: a rate limit, a missing
     * header or no ETH for the gas say nothing about the call.
     */
    public static boolean isRevert(org.web3j.protocol.core.Response.Error error) {
        String data = error.getData() == null ? "" : error.getData().replace("\"", "");
        String message = error.getMessage() == null ? "" : error.getMessage();
        return error.getCode() == 3
                || (data.startsWith("0x") && data.length() > 2)
                || message.toLowerCase(java.util.Locale.ROOT).contains("revert");
    }

    /**
     * Why a JSON-RPC call (an {@code eth_estimateGas}, an {@code eth_call}) reverted: the market
     * error its data encodes, or else the node's message. web3j keeps the JSON text of {@code
     * data}, so a hex string arrives with its quotes; they are dropped here.
     */
    public static String reason(org.web3j.protocol.core.Response.Error error) {
        String revert = error.getData();
        return describe(revert == null ? null : revert.replace("\"", ""))
                .orElse(error.getMessage());
    }

    /**
     * The name of the market error a JSON-RPC call reverted with (e.g. {@code
     * UpdateAlreadySubmitted}), or empty if its data is not one: for code that acts on one error.
     */
    public static Optional<String> name(org.web3j.protocol.core.Response.Error error) {
        String revert = error.getData();
        return describe(revert == null ? null : revert.replace("\"", ""))
                .map(d -> d.substring(0, d.indexOf('(')));
    }

    /**
     * The market error {@code revertData} encodes, with its arguments, or empty if it is not one
     * (or its arguments are cut short).
     */
    public static Optional<String> describe(String revertData) {
        if (revertData == null) {
            return Optional.empty();
        }
        String hex = Numeric.cleanHexPrefix(revertData).toLowerCase(java.util.Locale.ROOT);
        if (hex.length() < 8 || !hex.matches("[0-9a-f]*")) {
            return Optional.empty();
        }
        Error error = BY_SELECTOR.get("0x" + hex.substring(0, 8));
        if (error == null || hex.length() < 8 + 64 * error.types().size()) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder(error.name()).append('(');
        for (int i = 0; i < error.types().size(); i++) {
            String word = hex.substring(8 + 64 * i, 8 + 64 * (i + 1));
            out.append(i == 0 ? "" : ", ").append(error.names().get(i)).append('=');
            String type = error.types().get(i);
            if (type.equals("address")) {
                out.append("0x").append(word.substring(24));
            } else if (type.startsWith("uint")) {
                out.append(new BigInteger(word, 16));
            } else if (type.equals("bool")) {
                out.append(!new BigInteger(word, 16).equals(BigInteger.ZERO));
            } else {
                out.append("0x").append(word);
            }
        }
        return Optional.of(out.append(')').toString());
    }
}
