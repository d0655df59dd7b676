package io.cohort.ipfs.kubo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.cohort.ipfs.Cid;
import io.cohort.ipfs.IpfsException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against a fake Kubo on a loopback port that answers every call the same way. */
class KuboClientTest {

    private HttpServer server;

    /**
     * Starts a server answering every {@code /api/v0/} call with {@code status} and {@code body}.
     */
    private KuboClient answering(int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return serving(
                exchange -> {
                    try (OutputStream out = exchange.getResponseBody()) {
                        exchange.sendResponseHeaders(status, bytes.length);
                        out.write(bytes);
                    } catch (IOException e) {
                        // the client stopped reading: what the size test wants of it
                    } finally {
                        exchange.close();
                    }
                },
                1);
    }

    /**
     * Starts a server handling every {@code /api/v0/} call; the client tries each call so often.
     */
    private KuboClient serving(HttpHandler handler, int attempts) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/api/v0/", handler);
        server.start();
        URI api = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        return KuboClient.connect(
                api,
                new KuboClient.Options(
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        attempts,
                        Duration.ofMillis(1),
                        1));
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aLongErrorMessageIsDecodedAndCutToOneShortLine() throws IOException {
        // given: a 500 whose Message is 200,000 characters, with escapes at its start
        String message = "pin: \\\"quoted\\\" \\\\ \\u003cx\\u003e\\n" + "x".repeat(200_000);
        try (KuboClient client =
                answering(500, "{\"Message\":\"" + message + "\",\"Code\":0,\"Type\":\"error\"}")) {
            // when / then: a KuboCallException, not a StackOverflowError from a regex
            assertThatThrownBy(client::version)
                    .isInstanceOf(KuboClient.KuboCallException.class)
                    .hasMessageStartingWith(client.api() + "/api/v0/version answered 500: ")
                    .hasMessageContaining("pin: \"quoted\" \\ <x> xxx")
                    .hasMessageEndingWith("...")
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300))
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
    }

    @Test
    void kubosUsualErrorIsItsMessage() throws IOException {
        // given: Kubo 0.42.0's answer to `pin/ls` of a CID that is not pinned
        String body =
                "{\"Message\":\"path 'bafk…' is not pinned\",\"Code\":0,\"Type\":\"error\"}\n";
        try (KuboClient client = answering(500, body)) {
            // when / then
            assertThatThrownBy(client::version)
                    .isInstanceOf(KuboClient.KuboCallException.class)
                    .hasMessage(
                            client.api()
                                    + "/api/v0/version answered 500: path 'bafk…' is not pinned");
        }
    }

    @Test
    void aBlockSizeNoLongHoldsIsAnIpfsExceptionNotANumberFormatException() throws IOException {
        Cid cid = Cid.of(Cid.RAW, new byte[] {1, 2, 3});
        try (KuboClient client =
                answering(200, "{\"Key\":\"" + cid + "\",\"Size\":99999999999999999999}")) {
            assertThatThrownBy(() -> client.stat(cid))
                    .isInstanceOf(IpfsException.class)
                    .hasMessage(
                            client.api()
                                    + "/api/v0/block/stat answered a Size that is no block size:"
                                    + " 99999999999999999999");
        }
    }

    @Test
    void anAnswerOverTheLimitIsRefused() throws IOException {
        // given: a 200 answer of 2 MiB to a call whose answer is a few hundred bytes
        String body = "{\"Version\":\"0.42.0\",\"Pad\":\"" + "x".repeat(2 << 20) + "\"}";
        try (KuboClient client = answering(200, body)) {
            // when / then
            assertThatThrownBy(client::version)
                    .isInstanceOf(IpfsException.class)
                    .isNotInstanceOf(KuboClient.KuboCallException.class)
                    .hasMessage(
                            client.api()
                                    + "/api/v0/version answered more than "
                                    + KuboClient.MAX_ANSWER_BYTES
                                    + " bytes; no answer to this call is that large");
        }
    }

    @Test
    void addReadsTheCallersStreamToItsEndAndLeavesItOpen() throws IOException {
        // given: a Kubo that reads the whole request and answers with the bytes' CID
        byte[] bytes = "abc".getBytes(StandardCharsets.UTF_8);
        Cid cid = Cid.of(Cid.RAW, bytes);
        byte[] answer =
                ("{\"Name\":\"data\",\"Hash\":\"" + cid + "\",\"Size\":\"3\"}")
                        .getBytes(StandardCharsets.UTF_8);
        boolean[] closed = {false};
        var in =
                new ByteArrayInputStream(bytes) {
                    @Override
                    public void close() {
                        closed[0] = true;
                    }
                };
        try (KuboClient client =
                serving(
                        exchange -> {
                            exchange.getRequestBody().readAllBytes();
                            exchange.sendResponseHeaders(200, answer.length);
                            try (OutputStream out = exchange.getResponseBody()) {
                                out.write(answer);
                            }
                        },
                        1)) {
            // when
            Cid added = client.add(in);
            // then: the stream is used up but still the caller's to close (a zip entry, say)
            assertThat(added).isEqualTo(cid);
            assertThat(in.available()).isZero();
            assertThat(closed[0]).isFalse();
        }
    }

    @Test
    void aBlockWhoseAnswerBreaksOffIsRetriedAndNamed() throws IOException {
        // given: a Kubo that promises 1000 bytes of a block, sends 10 and hangs up
        AtomicInteger calls = new AtomicInteger();
        Cid cid = Cid.of(Cid.RAW, new byte[] {1, 2, 3});
        try (KuboClient client =
                serving(
                        exchange -> {
                            calls.incrementAndGet();
                            exchange.sendResponseHeaders(200, 1000);
                            OutputStream out = exchange.getResponseBody();
                            out.write(new byte[10]);
                            out.flush();
                            exchange.close();
                        },
                        3)) {
            // when / then: a lost connection, tried three times, naming the call and the block
            assertThatThrownBy(() -> client.getBlock(cid))
                    .isInstanceOf(IpfsException.class)
                    .hasMessageStartingWith(client.api() + "/api/v0/block/get: connection lost")
                    .hasMessageContaining(cid.toString())
                    .hasMessageEndingWith("(gave up after 3 attempts)");
            assertThat(calls).hasValue(3);
        }
    }
}
