package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.contracts.generated.Market;
import java.io.IOException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
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

    private static Market market(StubRpc rpc) {
        Web3j web3j = rpc.web3j();
        return Market.load(
                MARKET,
                web3j,
                new ReadonlyTransactionManager(web3j, MARKET),
                new DefaultGasProvider());
    }

    @Test
    void anErrorAnswerOfTheChainIsA502NotAMismatch() throws IOException {
        try (StubRpc rpc = StubRpc.error(-32005, "rate limit exceeded")) {
            assertThatThrownBy(() -> Auditor.hashesTo(market(rpc), RESULT, "0x00", 3))
                    .isInstanceOfSatisfying(
                            Problem.class, p -> assertThat(p.status()).isEqualTo(502))
                    .hasMessageContaining("cannot check round 3's result hash");
        }
    }

    @Test
    void anHttpErrorOfTheEndpointIsA502() throws IOException {
        try (StubRpc rpc = new StubRpc(503, "service unavailable")) {
            assertThatThrownBy(() -> Auditor.hashesTo(market(rpc), RESULT, "0x00", 3))
                    .isInstanceOfSatisfying(
                            Problem.class, p -> assertThat(p.status()).isEqualTo(502));
        }
    }

    @Test
    void theHashTheChainAnswersIsComparedWithTheSettledOne() throws IOException {
        String hash = "0x" + "ab".repeat(32);
        try (StubRpc rpc =
                new StubRpc(200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + hash + "\"}")) {
            assertThat(Auditor.hashesTo(market(rpc), RESULT, hash, 3)).isTrue();
            assertThat(Auditor.hashesTo(market(rpc), RESULT, "0x" + "cd".repeat(32), 3)).isFalse();
        }
    }

    @Test
    void aResultHashIsAskedOfTheChainOnceThenKept() throws IOException {
        String hash = "0x" + "ab".repeat(32);
        try (StubRpc rpc =
                new StubRpc(200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"" + hash + "\"}")) {
            Auditor.ResultHashes kept = new Auditor.ResultHashes();
            for (int audit = 0; audit < 3; audit++) {
                assertThat(kept.hashesTo(market(rpc), RESULT, hash, 3)).isTrue();
            }
            assertThat(rpc.calls).hasValue(1);
            // another settled hash, or another result, is asked afresh
            assertThat(kept.hashesTo(market(rpc), RESULT, "0x" + "cd".repeat(32), 3)).isFalse();
            Market.Result other =
                    new Market.Result(
                            new byte[32],
                            BigInteger.TWO,
                            BigInteger.ZERO,
                            BigInteger.ONE,
                            new byte[32],
                            new byte[] {1},
                            new byte[] {2});
            assertThat(kept.hashesTo(market(rpc), other, hash, 3)).isTrue();
            assertThat(rpc.calls).hasValue(3);
        }
    }
}
