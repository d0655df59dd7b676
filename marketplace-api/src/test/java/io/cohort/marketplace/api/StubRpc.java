package io.cohort.marketplace.api;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/** A JSON-RPC endpoint on a loopback port that answers every call with one status and body. */
final class StubRpc implements AutoCloseable {

    private final HttpServer server;

    /** How many calls it answered. */
    final java.util.concurrent.atomic.AtomicInteger calls =
            new java.util.concurrent.atomic.AtomicInteger();

    StubRpc(int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    exchange.getRequestBody().readAllBytes();
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

    Web3j web3j() {
        return Web3j.build(new HttpService("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
