package io.cohort.marketplace.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.marketplace.MarketplaceConfig;
import java.lang.reflect.Proxy;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.TransactionDecoder;
import org.web3j.crypto.TransactionEncoder;
import org.web3j.crypto.WalletUtils;
import org.web3j.crypto.transaction.type.Transaction1559;
import org.web3j.utils.Numeric;

/**
 * Launches whose transaction waits, against a stub endpoint where Anvil cannot stand in: a lost
 * launch whose nonce another launch of the ledger took launches afresh only once that launch's
 * block is {@code cohort.index.confirmations} deep (LaunchApiIT runs with 0); a launch the node
 * keeps below a risen base fee (Anvil drops it) is signed again at its nonce; a replacement the
 * ledger recorded but the node never got is broadcast.
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
        Launcher.LaunchRequest request = emptyRequest();
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

    private static final BigInteger GWEI = BigInteger.TEN.pow(9);
    private static final long CHAIN_ID = 31337;

    /**
     * A createProject at nonce 5 offering a tip of {@code tip} wei and a max fee of {@code
     * maxGwei}.
     */
    private static String signed(Credentials key, BigInteger tip, long maxGwei) {
        RawTransaction tx =
                RawTransaction.createTransaction(
                        CHAIN_ID,
                        BigInteger.valueOf(5),
                        BigInteger.valueOf(500_000),
                        "0x" + "0c".repeat(20),
                        BigInteger.ZERO,
                        "0x1234",
                        tip,
                        BigInteger.valueOf(maxGwei).multiply(GWEI));
        return Numeric.toHexString(TransactionEncoder.signMessage(tx, CHAIN_ID, key));
    }

    /**
     * An endpoint where nothing is mined, the transactions {@code pooled} wait in the pool, the
     * latest block's base fee is 30 gwei, the next one's 33.75 (the latest is full) and the tip 1
     * gwei; the raw transactions broadcast to it go to {@code broadcast}.
     */
    private static StubRpc chainWith(List<String> pooled, List<String> broadcast) throws Exception {
        Pattern raw = Pattern.compile("\\[\"(0x[0-9a-f]+)\"\\]");
        String thirty = "\"0x6fc23ac00\"";
        String next = "\"0x7dba82180\"";
        return StubRpc.answering(
                call -> {
                    if (call.contains("eth_getTransactionByHash")) {
                        return pooled.stream()
                                .filter(call::contains)
                                .findFirst()
                                .map(
                                        h ->
                                                "{\"hash\":\""
                                                        + h
                                                        + "\",\"nonce\":\"0x5\","
                                                        + "\"blockHash\":null,\"blockNumber\":null}")
                                .orElse("null");
                    }
                    if (call.contains("eth_getBlockByNumber")) {
                        return "{\"number\":\"0xa\",\"baseFeePerGas\":" + thirty + "}";
                    }
                    if (call.contains("eth_feeHistory")) {
                        return "{\"oldestBlock\":\"0xa\",\"baseFeePerGas\":["
                                + thirty
                                + ","
                                + next
                                + "],\"gasUsedRatio\":[1.0]}";
                    }
                    if (call.contains("eth_maxPriorityFeePerGas")) {
                        return "\"0x3b9aca00\"";
                    }
                    if (call.contains("eth_sendRawTransaction")) {
                        Matcher m = raw.matcher(call);
                        m.find();
                        broadcast.add(m.group(1));
                        return "\"" + Hash.sha3(m.group(1)) + "\"";
                    }
                    return "null"; // no receipts: nothing is mined
                });
    }

    /** An operator key in a keystore in {@code dir}, its password in a file, a 100 gwei cap. */
    private MarketplaceConfig.Operator operator(Credentials key, Path ledger) throws Exception {
        Path password = dir.resolve("password");
        Files.writeString(password, "secret\n");
        String file =
                WalletUtils.generateWalletFile("secret", key.getEcKeyPair(), dir.toFile(), false);
        return proxy(
                MarketplaceConfig.Operator.class,
                Map.of(
                        "ledger", ledger,
                        "keystore", Optional.of(dir.resolve(file)),
                        "passwordFile", Optional.of(password),
                        "passwordEnv", "COHORT_OPERATOR_PASSWORD",
                        "maxFee", GWEI.multiply(BigInteger.valueOf(100))));
    }

    @Test
    void aLaunchTheNodeKeepsBelowARisenBaseFeeIsSignedAgainAtItsNonce() throws Exception {
        // given: a launch whose createProject offers a max fee of 20 gwei, waiting in the pool of
        // a node whose next block's base fee is 33.75 (Anvil drops such a transaction; a node may
        // keep it)
        Credentials key = Credentials.create(Keys.createEcKeyPair());
        Launcher.LaunchRequest request = emptyRequest();
        Path ledgerFile = dir.resolve("launches.jsonl");
        String raw = signed(key, GWEI, 20);
        String hash = Hash.sha3(raw);
        LaunchLedger.open(ledgerFile)
                .put(
                        LaunchLedger.Entry.asked("0xowner", "stuck", Launcher.sha256(request))
                                .sent(hash, "5", raw, pending(key.getAddress())));
        List<String> broadcast = new CopyOnWriteArrayList<>();
        try (StubRpc rpc = chainWith(List.of(hash), broadcast)) {
            Launcher launcher = new Launcher();
            launcher.config = config(rpc.url(), operator(key, ledgerFile), 0);

            // when: its key asks again
            // then: 409 naming the replacement, signed at the same nonce with room for the base
            // fee (twice the next block's plus the tip, a tenth more than the old tip) and
            // broadcast
            assertThatThrownBy(() -> launcher.launch(request, "0xowner", "stuck"))
                    .isInstanceOfSatisfying(
                            Problem.class, p -> assertThat(p.status()).isEqualTo(409))
                    .hasMessageContaining("waited for createProject " + hash)
                    .hasMessageContaining("signed again at the same nonce");
            assertThat(broadcast).hasSize(1);
            RawTransaction again = TransactionDecoder.decode(broadcast.get(0));
            Transaction1559 fees = (Transaction1559) again.getTransaction();
            BigInteger tip = GWEI.add(GWEI.divide(BigInteger.TEN)).add(BigInteger.ONE);
            assertThat(again.getNonce()).isEqualTo(5);
            assertThat(again.getData()).isEqualTo("1234");
            assertThat(fees.getMaxPriorityFeePerGas()).isEqualTo(tip);
            assertThat(fees.getMaxFeePerGas())
                    .isEqualTo(GWEI.multiply(BigInteger.valueOf(135)).shiftRight(1).add(tip));
            // and: the ledger holds both, the replacement newest
            LaunchLedger.Entry e =
                    LaunchLedger.open(ledgerFile).find("0xowner", "stuck").orElseThrow();
            assertThat(e.signed()).containsExactly(hash, Hash.sha3(broadcast.get(0)));
            assertThat(e.raw()).isEqualTo(broadcast.get(0));
        }
    }

    @Test
    void aReplacementRecordedButNeverBroadcastIsSentWhileTheNodeHoldsTheOneItReplaces()
            throws Exception {
        // given: the ledger recorded a replacement (its broadcast never happened: the server
        // stopped between), the node holds the first
        Credentials key = Credentials.create(Keys.createEcKeyPair());
        Launcher.LaunchRequest request = emptyRequest();
        Path ledgerFile = dir.resolve("launches.jsonl");
        String first = signed(key, GWEI, 20);
        String replacement = signed(key, GWEI.multiply(BigInteger.TWO), 70);
        String replacementHash = Hash.sha3(replacement);
        LaunchLedger.open(ledgerFile)
                .put(
                        LaunchLedger.Entry.asked("0xowner", "recorded", Launcher.sha256(request))
                                .sent(Hash.sha3(first), "5", first, pending(key.getAddress()))
                                .replacedBy(replacementHash, replacement));
        List<String> broadcast = new CopyOnWriteArrayList<>();
        try (StubRpc rpc = chainWith(List.of(Hash.sha3(first)), broadcast)) {
            Launcher launcher = new Launcher();
            launcher.config = config(rpc.url(), operator(key, ledgerFile), 0);

            // when: its key asks again
            // then: the recorded replacement is broadcast as it was signed, and the key waits
            // for it
            assertThatThrownBy(() -> launcher.launch(request, "0xowner", "recorded"))
                    .isInstanceOfSatisfying(
                            Problem.class, p -> assertThat(p.status()).isEqualTo(409))
                    .hasMessageContaining("is waiting for createProject " + replacementHash);
            assertThat(broadcast).containsExactly(replacement);
        }
    }

    private static Launcher.LaunchRequest emptyRequest() {
        return new Launcher.LaunchRequest(
                null, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null);
    }

    private static Launcher.Launched pending() {
        return pending(OPERATOR);
    }

    private static Launcher.Launched pending(String operator) {
        return new Launcher.Launched(
                null,
                null,
                operator,
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
        return config(
                rpcUrl,
                proxy(MarketplaceConfig.Operator.class, Map.of("ledger", ledger)),
                confirmations);
    }

    private static MarketplaceConfig config(
            String rpcUrl, MarketplaceConfig.Operator operator, int confirmations) {
        MarketplaceConfig.Index index =
                proxy(MarketplaceConfig.Index.class, Map.of("confirmations", confirmations));
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

    /** A {@code type} whose methods named in {@code values} answer their value, others throw. */
    private static <T> T proxy(Class<T> type, Map<String, Object> values) {
        return type.cast(
                Proxy.newProxyInstance(
                        type.getClassLoader(),
                        new Class<?>[] {type},
                        (p, m, a) -> {
                            if (values.containsKey(m.getName())) {
                                return values.get(m.getName());
                            }
                            throw new UnsupportedOperationException(m.getName());
                        }));
    }
}
