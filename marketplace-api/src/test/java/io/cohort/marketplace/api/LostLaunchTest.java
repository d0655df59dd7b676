package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.marketplace.MarketplaceConfig;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lost launch whose nonce another launch of the ledger took launches afresh only once that
 * launch's block is {@code cohort.index.confirmations} deep (LaunchApiIT runs with 0).
 */
class LostLaunchTest {

    private static final String OPERATOR = "0x" + "0a".repeat(20);
    private static final String LOST = "0x" + "11".repeat(32);
    private static final String LATER = "0x" + "22".repeat(32);

    @TempDir Path dir;

    @Test
    void relaunchesOnlyOnceTheOtherLaunchsBlockIsConfirmationsDeep() throws Exception {
        // given: the ledger holds a lost launch and a later one at the same nonce, mined in block
        // 10; the marketplace trusts blocks 3 deep
        Launcher.LaunchRequest request =
                new Launcher.LaunchRequest(
                        null, null, null, null, null, null, null, null, null, null, null, null,
                        null, null, null, null, null, null, null);
        Path ledgerFile = dir.resolve("launches.jsonl");
        LaunchLedger ledger = LaunchLedger.open(ledgerFile);
        ledger.put(
                LaunchLedger.Entry.asked("0xowner", "lost", Launcher.sha256(request))
                        .sent(LOST, "5", "0x02", pending()));
        ledger.put(
                LaunchLedger.Entry.asked("0xother", "later", "another request")
                        .sent(LATER, "5", "0x02", pending()));
        AtomicLong head = new AtomicLong(11);
        try (StubRpc rpc =
                StubRpc.answering(
                        call -> {
                            if (call.contains("eth_blockNumber")) {
                                return "\"0x" + Long.toHexString(head.get()) + "\"";
                            }
                            if (call.contains("eth_getTransactionReceipt")
                                    && call.contains(LATER)) {
                                return "{\"transactionHash\":\""
                                        + LATER
                                        + "\",\"blockNumber\":\"0xa\",\"status\":\"0x1\"}";
                            }
                            if (call.contains("eth_getBlockByNumber")) {
                                return "{\"number\":\"0x"
                                        + Long.toHexString(head.get())
                                        + "\",\"timestamp\":\"0x64\"}";
                            }
                            return "null"; // the lost one is known nowhere
                        })) {
            Launcher launcher = new Launcher();
            launcher.config = config(rpc.url(), ledgerFile, 3);

            // when: the lost key asks while the later launch is 1 block deep
            // then: 409, the key kept
            assertThatThrownBy(() -> launcher.launch(request, "0xowner", "lost"))
                    .isInstanceOf(Problem.class)
                    .hasMessageContaining(LATER + " of another launch took its nonce 5")
                    .hasMessageContaining("1 block(s) below the head; once that is 3 deep");
            assertThat(LaunchLedger.open(ledgerFile).find("0xowner", "lost")).isPresent();

            // when: 3 deep
            head.set(13);
            // then: the key is forgotten and the request is checked as a new launch (this one
            // is empty, so it stops at its checks: a 400, nothing sent)
            assertThatThrownBy(() -> launcher.launch(request, "0xowner", "lost"))
                    .isInstanceOf(Problem.class)
                    .hasMessageContaining("modelSpec or modelSpecCid is required");
            assertThat(LaunchLedger.open(ledgerFile).find("0xowner", "lost")).isEmpty();
            assertThat(LaunchLedger.open(ledgerFile).find("0xother", "later")).isPresent();
        }
    }

    private static Launcher.Launched pending() {
        return new Launcher.Launched(
                null,
                null,
                OPERATOR,
                "0xowner",
                "0x" + "00".repeat(20),
                null,
                "1",
                null,
                null,
                null);
    }

    /** The settings the lost-launch path reads: the RPC URL, the ledger, the confirmations. */
    private static MarketplaceConfig config(String rpcUrl, Path ledger, int confirmations) {
        MarketplaceConfig.Operator operator =
                proxy(MarketplaceConfig.Operator.class, "ledger", ledger);
        MarketplaceConfig.Index index =
                proxy(MarketplaceConfig.Index.class, "confirmations", confirmations);
        return (MarketplaceConfig)
                Proxy.newProxyInstance(
                        MarketplaceConfig.class.getClassLoader(),
                        new Class<?>[] {MarketplaceConfig.class},
                        (p, m, a) ->
                                switch (m.getName()) {
                                    case "rpcUrl" -> rpcUrl;
                                    case "operator" -> operator;
                                    case "index" -> index;
                                    default -> throw new UnsupportedOperationException(m.getName());
                                });
    }

    private static <T> T proxy(Class<T> type, String method, Object value) {
        return type.cast(
                Proxy.newProxyInstance(
                        type.getClassLoader(),
                        new Class<?>[] {type},
                        (p, m, a) -> {
                            if (m.getName().equals(method)) {
                                return value;
                            }
                            throw new UnsupportedOperationException(m.getName());
                        }));
    }
}
