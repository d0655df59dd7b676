package io.cohort.marketplace.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * A JSON-RPC endpoint on a loopback port that answers every call with one status and body, or each
 * method with its own result ({@link #byMethod}).
 */
final class StubRpc implements AutoCloseable {

    private final HttpServer server;

    /** How many calls it answered. */
    final java.util.concurrent.atomic.AtomicInteger calls =
            new java.util.concurrent.atomic.AtomicInteger();

    StubRpc(int status, String body) throws IOException {
        this(status, request -> body);
    }

    /** An endpoint that answers each request body with {@code answer}'s body for it. */
    private StubRpc(int status, java.util.function.UnaryOperator<String> answer)
            throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    byte[] bytes =
                            answer.apply(
                                            new String(
                                                    exchange.getRequestBody().readAllBytes(),
                                                    StandardCharsets.UTF_8))
                                    .getBytes(StandardCharsets.UTF_8);
                    calls.incrementAndGet();
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(status, bytes.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                });
        server.start();
    }

    /** An endpoint that answers every call with JSON-RPC error {@code code}. */
    static StubRpc error(int code, String message) throws IOException {
        return new StubRpc(
                200,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":"
                        + code
                        + ",\"message\":\""
                        + message
                        + "\"}}");
    }

    /**
     * An endpoint that answers a call of method {@code m} with the JSON result {@code
     * results.get(m)}, or with a JSON-RPC error (code -32000) for a method it does not name.
     */
    static StubRpc byMethod(java.util.Map<String, String> results) throws IOException {
        java.util.regex.Pattern method = java.util.regex.Pattern.compile("\"method\":\"([^\"]+)\"");
        return new StubRpc(
                200,
                request -> {
                    java.util.regex.Matcher m = method.matcher(request);
                    String result = m.find() ? results.get(m.group(1)) : null;
                    return result == null
                            ? "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32000,"
                                    + "\"message\":\"no answer to this call\"}}"
                            : "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + result + "}";
                });
    }

    /** An endpoint that answers each request body with the JSON-RPC result {@code result} gives. */
    static StubRpc answering(java.util.function.UnaryOperator<String> result) throws IOException {
        return new StubRpc(
                200,
                request ->
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + result.apply(request) + "}");
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Web3j web3j() {
        return Web3j.build(new HttpService("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
