package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.node.chain.Transactor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.Web3jService;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.BatchResponse;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.websocket.events.Notification;

/**
 * What the evaluator journals for a round it already posted. Node logic only: the "chain" here is a
 * stub that answers every {@code eth_call} with a non-zero word, so {@code postedResult} says this
 * evaluator posted.
 */
class EvaluatorPostedTest {

    @TempDir Path dir;

    @Test
    void aPostedRoundIsJournaledOnceHoweverOftenItIsAsked() throws Exception {
        // given
        Web3j web3j = Web3j.build(new PostedEverywhere());
        MarketClient market = new MarketClient(web3j, "0x" + "11".repeat(20), 31337);
        Transactor key =
                new Transactor(
                        web3j,
                        Credentials.create("0x" + "22".repeat(32)),
                        31337,
                        new Transactor.Options(
                                20,
                                Duration.ofSeconds(1),
                                Duration.ofSeconds(1),
                                25,
                                Duration.ofMillis(10),
                                10_000_000),
                        line -> {});
        EvaluatorNode evaluator =
                new EvaluatorNode(
                        market,
                        null,
                        key,
                        null,
                        null,
                        new EvaluatorNode.Config(dir, 1024),
                        line -> {});
        // when: the run loop asks every poll until the round settles
        for (int poll = 0; poll < 50; poll++) {
            assertThat(evaluator.round(BigInteger.ONE, 3))
                    .isEqualTo(EvaluatorNode.Result.ALREADY_POSTED);
        }
        // then
        assertThat(Files.readAllLines(dir.resolve("evaluator-1.journal")))
                .containsExactly("3 posted on-chain");
    }

    /** Answers every {@code eth_call} with the word 0x01…01; anything else is a test error. */
    private static final class PostedEverywhere implements Web3jService {
        @Override
        public <T extends Response> T send(Request request, Class<T> responseType)
                throws IOException {
            if (!request.getMethod().equals("eth_call")) {
                throw new IOException("unexpected " + request.getMethod());
            }
            try {
                T response = responseType.getDeclaredConstructor().newInstance();
                @SuppressWarnings("unchecked")
                Response<String> r = (Response<String>) response;
                r.setResult("0x" + "01".repeat(32));
                return response;
            } catch (ReflectiveOperationException e) {
                throw new IOException(e);
            }
        }

        @Override
        public <T extends Response> CompletableFuture<T> sendAsync(
                Request request, Class<T> responseType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public BatchResponse sendBatch(BatchRequest batchRequest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public CompletableFuture<BatchResponse> sendBatchAsync(BatchRequest batchRequest) {
            throw new UnsupportedOperationException();
        }

        @Override
        public <T extends Notification<?>> io.reactivex.Flowable<T> subscribe(
                Request request, String unsubscribeMethod, Class<T> responseType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {}
    }
}
