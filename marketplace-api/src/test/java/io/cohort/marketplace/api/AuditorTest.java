package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.ReadonlyTransactionManager;
import org.web3j.tx.gas.DefaultGasProvider;

/** The result-hash check against a stub JSON-RPC endpoint: what the chain answers, not cheats. */
class AuditorTest {

    private static final String MARKET = "0x" + "11".repeat(20);
    private static final Market.Result RESULT =
            new Market.Result(
                    new byte[32],
                    BigInteger.ONE,
                    BigInteger.ZERO,
                    BigInteger.ONE,
                    new byte[32],
                    new byte[] {1},
                    new byte[] {2});

    private HttpServer server;

    /** A market whose endpoint answers every call with {@code status} and {@code body}. */
    private Market answering(int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/",
                exchange -> {
                    exchange.getRequestBody().readAllBytes();
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(status, bytes.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                });
        server.start();
        Web3j web3j =
                Web3j.build(new HttpService("http://127.0.0.1:" + server.getAddress().getPort()));
        return Market.load(
                MARKET,
                web3j,
                new ReadonlyTransactionManager(web3j, MARKET),
                new DefaultGasProvider());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void anErrorAnswerOfTheChainIsA502NotAMismatch() throws IOException {
        Market market =
                answering(
                        200,
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32005,"
                                + "\"message\":\"rate limit exceeded\"}}");
        assertThatThrownBy(() -> Auditor.hashesTo(market, RESULT, "0x00", 3))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(502))
                .hasMessageContaining("cannot check round 3's result hash");
    }

    @Test
    void anHttpErrorOfTheEndpointIsA502() throws IOException {
        Market market = answering(503, "service unavailable");
        assertThatThrownBy(() -> Auditor.hashesTo(market, RESULT, "0x00", 3))
                .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.status()).isEqualTo(502));
    }

    @Test
    void theHashTheChainAnswersIsComparedWithTheSettledOne() throws IOException {
        String hash = "0x" + "ab".repeat(32);
        Market market =
                answering(200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + hash + "\"}");
        assertThat(Auditor.hashesTo(market, RESULT, hash, 3)).isTrue();
        assertThat(Auditor.hashesTo(market, RESULT, "0x" + "cd".repeat(32), 3)).isFalse();
    }
}
