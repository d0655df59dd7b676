package io.cohort.node.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.contracts.DevChain;
import io.cohort.contracts.DevKit;
import io.cohort.contracts.generated.Market;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;

/** {@link Transactor} against a real Anvil: nonces, fee bumps, reverts, an RPC outage. */
class TransactorIT {

    private static DevChain chain;
    private static Web3j web3j;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startChain() {
        chain = DevChain.start();
        web3j = chain.web3j();
    }

    @AfterAll
    static void stopChain() {
        if (chain != null) {
            chain.close();
        }
    }

    private static Credentials account() throws Exception {
        return DevKit.fundedAccount(chain, DevKit.ether("100"));
    }

    private Transactor transactor(Web3j client, Credentials key, Transactor.Options options) {
        return new Transactor(client, key, DevChain.CHAIN_ID, options, log::add);
    }

    private static Transactor.Options quick(Duration timeout, Duration bumpAfter) {
        return new Transactor.Options(20, timeout, bumpAfter, 25, Duration.ofMillis(50));
    }

    private static BigInteger nonceOf(String address) throws Exception {
        return web3j.ethGetTransactionCount(address, DefaultBlockParameterName.LATEST)
                .send()
                .getTransactionCount();
    }

    @Test
    void concurrentSendsFromOneKeyUseEveryNonceExactlyOnce() throws Exception {
        Credentials key = account();
        Transactor t = transactor(web3j, key, Transactor.Options.defaults());
        String to = account().getAddress();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Transactor.Sent>> sends = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sends.add(pool.submit(() -> t.send("transfer", to, "0x", BigInteger.valueOf(1000))));
        }
        List<BigInteger> nonces = new ArrayList<>();
        for (Future<Transactor.Sent> f : sends) {
            Transactor.Sent sent = f.get(60, TimeUnit.SECONDS);
            assertThat(sent.receipt().isStatusOK()).isTrue();
            assertThat(sent.attempts()).isEqualTo(1);
            // the estimate (21,000) plus the 20 % margin
            assertThat(sent.gasLimit()).isEqualTo(BigInteger.valueOf(25_200));
            nonces.add(sent.nonce());
        }
        pool.shutdown();
        Collections.sort(nonces);
        List<BigInteger> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add(BigInteger.valueOf(i));
        }
        assertThat(nonces).isEqualTo(expected);
        assertThat(nonceOf(key.getAddress())).isEqualTo(BigInteger.valueOf(20));
        assertThat(web3j.ethGetBalance(to, DefaultBlockParameterName.LATEST).send().getBalance())
                .isEqualTo(DevKit.ether("100").add(BigInteger.valueOf(20_000)));
    }

    @Test
    void aStuckTransactionIsResentWithHigherFeesAndLandsOnce() throws Exception {
        Credentials key = account();
        Transactor t =
                transactor(web3j, key, quick(Duration.ofSeconds(60), Duration.ofMillis(300)));
        String to = account().getAddress();
        withoutAutomine(
                1,
                pool -> {
                    Future<Transactor.Sent> sending =
                            pool.submit(() -> t.send("transfer", to, "0x", BigInteger.ONE));
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (log.stream().noneMatch(l -> l.contains("(re-send 2)"))
                            && System.nanoTime() < until) {
                        Thread.sleep(50);
                    }
                    assertThat(log).anyMatch(l -> l.contains("(re-send 2)"));
                    chain.mine();
                    Transactor.Sent sent = sending.get(30, TimeUnit.SECONDS);
                    assertThat(sent.attempts()).isGreaterThanOrEqualTo(3);
                    TransactionReceipt receipt = sent.receipt();
                    BigInteger firstMaxFee = maxFee(log.get(0));
                    BigInteger minedMaxFee =
                            web3j.ethGetTransactionByHash(receipt.getTransactionHash())
                                    .send()
                                    .getTransaction()
                                    .orElseThrow()
                                    .getMaxFeePerGas();
                    assertThat(minedMaxFee).isGreaterThan(firstMaxFee);
                    assertThat(nonceOf(key.getAddress())).isEqualTo(BigInteger.ONE);
                    assertThat(
                                    web3j.ethGetBalance(to, DefaultBlockParameterName.LATEST)
                                            .send()
                                            .getBalance())
                            .isEqualTo(DevKit.ether("100").add(BigInteger.ONE));
                });
    }

    @Test
    void feeBumpsStopAtTheCapAndTheTransactionStillLandsOnce() throws Exception {
        // given: a cap at 1.5 times the first attempt's max fee, re-sends every 200 ms
        Credentials key = account();
        BigInteger tip = web3j.ethMaxPriorityFeePerGas().send().getMaxPriorityFeePerGas();
        BigInteger base =
                web3j.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false)
                        .send()
                        .getBlock()
                        .getBaseFeePerGas();
        BigInteger cap = base.shiftLeft(1).add(tip).multiply(BigInteger.valueOf(3)).shiftRight(1);
        Transactor t =
                transactor(
                        web3j,
                        key,
                        new Transactor.Options(
                                20,
                                Duration.ofSeconds(60),
                                Duration.ofMillis(200),
                                25,
                                Duration.ofMillis(50),
                                Transactor.Options.DEFAULT_MAX_GAS,
                                cap));
        String to = account().getAddress();
        withoutAutomine(
                1,
                pool -> {
                    // when: nothing is mined for a dozen bump intervals
                    Future<Transactor.Sent> sending =
                            pool.submit(() -> t.send("capped", to, "0x", BigInteger.ONE));
                    Thread.sleep(2_500);
                    // then: the attempts reached the cap and no further (1.25 x, then 1.5 x; at
                    // the cap the same transaction goes out again)
                    List<BigInteger> fees =
                            log.stream()
                                    .filter(l -> l.startsWith("capped: sent"))
                                    .map(TransactorIT::maxFee)
                                    .distinct()
                                    .toList();
                    assertThat(fees).hasSize(3).allMatch(f -> f.compareTo(cap) <= 0);
                    assertThat(fees.get(2)).isEqualTo(cap);
                    // and it lands once when a block comes
                    chain.mine();
                    Transactor.Sent sent = sending.get(30, TimeUnit.SECONDS);
                    assertThat(
                                    web3j.ethGetTransactionByHash(
                                                    sent.receipt().getTransactionHash())
                                            .send()
                                            .getTransaction()
                                            .orElseThrow()
                                            .getMaxFeePerGas())
                            .isEqualTo(cap);
                    assertThat(balanceOf(to)).isEqualTo(DevKit.ether("100").add(BigInteger.ONE));
                });
    }

    /** Sends 1 wei to {@code to} on a chain that mines nothing: the send times out. */
    private static void timesOut(Transactor t, String what, String to) {
        ChainException e =
                org.assertj.core.api.Assertions.catchThrowableOfType(
                        ChainException.class, () -> t.send(what, to, "0x", BigInteger.ONE));
        assertThat(e.kind()).isEqualTo(ChainException.Kind.TIMEOUT);
    }

    private static BigInteger maxFee(String line) {
        String after = line.substring(line.indexOf(" max fee ") + 9);
        return new BigInteger(after.substring(0, after.indexOf(' ')));
    }

    @Test
    void aCallAboveTheGasCapIsRefusedBeforeSendingAndSpendsNoNonce() throws Exception {
        Credentials key = account();
        Transactor t =
                transactor(
                        web3j,
                        key,
                        new Transactor.Options(
                                20,
                                Duration.ofSeconds(60),
                                Duration.ofSeconds(30),
                                25,
                                Duration.ofMillis(50),
                                1_000_000));
        BigInteger before = nonceOf(key.getAddress());
        // deploying the market needs a few million gas
        String deploy = "0x" + Market.BINARY;
        ChainException e =
                org.assertj.core.api.Assertions.catchThrowableOfType(
                        ChainException.class,
                        () -> t.send("deploy", null, deploy, BigInteger.ZERO));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(ChainException.Kind.GAS_CAP);
        assertThat(e.getMessage())
                .startsWith("deploy: needs a gas limit of ")
                .contains("above the cap of 1000000");
        assertThat(nonceOf(key.getAddress())).isEqualTo(before);
        // within the cap it sends, at the nonce the refused call did not use
        assertThat(t.send("transfer", account().getAddress(), "0x", BigInteger.ONE).nonce())
                .isEqualTo(before);
    }

    @Test
    void aCallThatWouldRevertNamesTheMarketErrorAndSpendsNoNonce() throws Exception {
        Credentials key = account();
        Market market = Market.deploy(web3j, DevKit.tx(web3j, key), DevKit.gas()).send();
        Transactor t = transactor(web3j, key, Transactor.Options.defaults());
        BigInteger before = nonceOf(key.getAddress());
        String data =
                FunctionEncoder.encode(
                        new Function(
                                "submit",
                                List.of(
                                        new Uint256(99),
                                        new Uint256(0),
                                        new DynamicBytes(DevKit.cid("update"))),
                                List.of()));
        ChainException e =
                org.assertj.core.api.Assertions.catchThrowableOfType(
                        ChainException.class,
                        () ->
                                t.send(
                                        "submit(project 99, round 0)",
                                        market.getContractAddress(),
                                        data,
                                        BigInteger.ZERO));
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(ChainException.Kind.WOULD_REVERT);
        assertThat(e.getMessage())
                .isEqualTo(
                        "submit(project 99, round 0): would revert: ProjectNotFound(projectId=99)");
        assertThat(nonceOf(key.getAddress())).isEqualTo(before);
        // the next transaction takes the nonce the refused one did not use
        Transactor.Sent next = t.send("transfer", account().getAddress(), "0x", BigInteger.ONE);
        assertThat(next.nonce()).isEqualTo(before);
    }

    @Test
    void anRpcEndpointDownForTenSecondsDelaysTheTransactionWithoutLosingIt() throws Exception {
        Credentials key = account();
        int anvilPort = URI.create(chain.rpcUrl()).getPort();
        try (TcpProxy proxy = new TcpProxy(anvilPort)) {
            HttpService service = new HttpService("http://127.0.0.1:" + proxy.port());
            Web3j client = Web3j.build(service);
            try {
                Transactor t =
                        transactor(
                                client, key, quick(Duration.ofSeconds(60), Duration.ofSeconds(30)));
                String to = account().getAddress();
                t.send("transfer", to, "0x", BigInteger.ONE); // connected, nonce 0
                proxy.down();
                ExecutorService pool = Executors.newSingleThreadExecutor();
                Future<Transactor.Sent> sending =
                        pool.submit(() -> t.send("transfer", to, "0x", BigInteger.TWO));
                Thread.sleep(10_000);
                assertThat(sending).isNotDone();
                proxy.up();
                Transactor.Sent sent = sending.get(30, TimeUnit.SECONDS);
                pool.shutdown();
                assertThat(sent.receipt().isStatusOK()).isTrue();
                assertThat(sent.nonce()).isEqualTo(BigInteger.ONE);
                assertThat(log).anyMatch(l -> l.contains("RPC unreachable"));
                assertThat(nonceOf(key.getAddress())).isEqualTo(BigInteger.TWO);
                assertThat(
                                web3j.ethGetBalance(to, DefaultBlockParameterName.LATEST)
                                        .send()
                                        .getBalance())
                        .isEqualTo(DevKit.ether("100").add(BigInteger.valueOf(3)));
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void noReceiptBeforeTheTimeoutIsATimeoutNamingTheNonce() throws Exception {
        Credentials key = account();
        Transactor t = transactor(web3j, key, quick(Duration.ofSeconds(2), Duration.ofSeconds(10)));
        withoutAutomine(
                1,
                pool -> {
                    ChainException e =
                            org.assertj.core.api.Assertions.catchThrowableOfType(
                                    ChainException.class,
                                    () ->
                                            t.send(
                                                    "transfer",
                                                    account().getAddress(),
                                                    "0x",
                                                    BigInteger.ONE));
                    assertThat(e).isNotNull();
                    assertThat(e.kind()).isEqualTo(ChainException.Kind.TIMEOUT);
                    assertThat(e.getMessage()).contains("not mined within 2 s").contains("nonce 0");
                });
        chain.mine();
        // the timed-out transaction landed with the mined block; the next one asks the chain
        Transactor.Sent next = t.send("transfer", account().getAddress(), "0x", BigInteger.ONE);
        assertThat(next.nonce()).isEqualTo(BigInteger.ONE);
    }

    @Test
    void aTransactionLeftWaitingByATimeoutIsReplacedByTheNextSendNotQueuedBehind()
            throws Exception {
        // given: a send that timed out, its transaction still waiting at nonce 0 (no block mined)
        Credentials key = account();
        Transactor t = transactor(web3j, key, quick(Duration.ofSeconds(8), Duration.ofSeconds(30)));
        String first = account().getAddress();
        String second = account().getAddress();
        withoutAutomine(
                1,
                pool -> {
                    timesOut(t, "first", first);
                    // when: the next send of the same transactor (the caller found nothing on the
                    // chain)
                    Future<Transactor.Sent> sending =
                            pool.submit(() -> t.send("second", second, "0x", BigInteger.TWO));
                    awaitLog("second: sent");
                    chain.mine();
                    Transactor.Sent sent = sending.get(30, TimeUnit.SECONDS);
                    // then: it took nonce 0 with higher fees, and the waiting one never lands
                    assertThat(sent.nonce()).isZero();
                    assertThat(log)
                            .anyMatch(
                                    l ->
                                            l.equals(
                                                    "second: replacing the transaction left waiting"
                                                            + " at nonce 0"));
                    assertThat(
                                    maxFee(
                                            log.stream()
                                                    .filter(l -> l.startsWith("second: sent"))
                                                    .findFirst()
                                                    .orElseThrow()))
                            .isGreaterThan(maxFee(log.get(0)));
                    chain.mine();
                    assertThat(nonceOf(key.getAddress())).isEqualTo(BigInteger.ONE);
                    assertThat(balanceOf(first)).isEqualTo(DevKit.ether("100"));
                    assertThat(balanceOf(second))
                            .isEqualTo(DevKit.ether("100").add(BigInteger.TWO));
                });
    }

    @Test
    void aTransactionLeftByAProcessThatDiedWaitingIsReplacedByTheNextProcess(@TempDir Path dir)
            throws Exception {
        // given: a process sent at nonce 0 and died waiting for it (its thread stopped mid-wait,
        // before any timeout): nothing in memory survives, only its state folder
        Credentials key = account();
        Path file = dir.resolve("waiting");
        String first = account().getAddress();
        String second = account().getAddress();
        withoutAutomine(
                2,
                pool -> {
                    Transactor dead = withFile(key, file);
                    Thread dying =
                            new Thread(
                                    () -> {
                                        try {
                                            dead.send("first", first, "0x", BigInteger.ONE);
                                        } catch (ChainException | RuntimeException e) {
                                            log.add("first: died: " + e);
                                        }
                                    });
                    dying.start();
                    awaitLog("first: sent");
                    // written before it was broadcast: what a process killed now would leave
                    assertThat(java.nio.file.Files.readString(file))
                            .contains("nonce=0")
                            .contains(hashIn(firstLine("first: sent")));
                    dying.interrupt(); // stops its wait for the receipt
                    dying.join(TimeUnit.SECONDS.toMillis(10));
                    assertThat(dying.isAlive()).isFalse();
                    assertThat(log).anyMatch(l -> l.startsWith("first: died:"));
                    dead.close();
                    // when: the next process with the key sends (its caller found nothing on the
                    // chain)
                    Transactor next = withFile(key, file);
                    Future<Transactor.Sent> sending =
                            pool.submit(() -> next.send("second", second, "0x", BigInteger.TWO));
                    awaitLog("second: sent");
                    assertThat(log)
                            .contains(
                                    "an earlier process left a transaction waiting at nonce 0; the next"
                                            + " send replaces it unless it has landed");
                    chain.mine();
                    Transactor.Sent sent = sending.get(30, TimeUnit.SECONDS);
                    next.close();
                    // then: it took nonce 0 over the dead process's transaction, which never lands
                    assertThat(sent.nonce()).isZero();
                    chain.mine();
                    assertThat(nonceOf(key.getAddress())).isEqualTo(BigInteger.ONE);
                    assertThat(balanceOf(first)).isEqualTo(DevKit.ether("100"));
                    assertThat(balanceOf(second))
                            .isEqualTo(DevKit.ether("100").add(BigInteger.TWO));
                    assertThat(file).doesNotExist(); // the receipt cleared it
                });
    }

    @Test
    void aSendOfAnotherProcessWithTheKeyMovesTheNextNonce() throws Exception {
        // given: two transactors of one key (the node's run loop and the CLI's withdraw beside it)
        Credentials key = account();
        Duration minute = Duration.ofMinutes(1);
        Transactor run = transactor(web3j, key, quick(minute, minute));
        Transactor beside = transactor(web3j, key, quick(minute, minute));
        String to = account().getAddress();
        assertThat(run.send("first", to, "0x", BigInteger.ONE).nonce()).isZero();
        assertThat(beside.send("beside", to, "0x", BigInteger.ONE).nonce()).isOne();
        // when / then: the first one's next send asks the chain, not only its own count
        assertThat(run.send("second", to, "0x", BigInteger.ONE).nonce()).isEqualTo(2);
        assertThat(balanceOf(to)).isEqualTo(DevKit.ether("100").add(BigInteger.valueOf(3)));
    }

    @Test
    void anErrorAskingAboutTheWaitingTransactionSendsNothingAndKeepsItToReplace() throws Exception {
        // given: a send that timed out, its transaction waiting at nonce 0 (no block mined)
        Credentials key = account();
        FailingEndpoint endpoint = new FailingEndpoint(chain.rpcUrl());
        Transactor t =
                transactor(
                        Web3j.build(endpoint),
                        key,
                        quick(Duration.ofSeconds(5), Duration.ofSeconds(30)));
        String to = account().getAddress();
        withoutAutomine(
                1,
                pool -> {
                    timesOut(t, "first", to);
                    // when: the next send cannot learn whether the node still holds it
                    endpoint.fail("eth_getTransactionByHash", 1, "rate limit exceeded");
                    ChainException refused =
                            org.assertj.core.api.Assertions.catchThrowableOfType(
                                    ChainException.class,
                                    () -> t.send("second", to, "0x", BigInteger.TWO));
                    // then: nothing is sent (it would queue behind the waiting one for good)
                    assertThat(refused.kind()).isEqualTo(ChainException.Kind.REFUSED);
                    assertThat(refused)
                            .hasMessage(
                                    "second: the node answered an error when asked about the"
                                            + " transaction waiting at nonce 0 (rate limit"
                                            + " exceeded); nothing was sent");
                    assertThat(
                                    web3j.ethGetTransactionCount(
                                                    key.getAddress(),
                                                    DefaultBlockParameterName.PENDING)
                                            .send()
                                            .getTransactionCount())
                            .isOne();
                    // and the send after it replaces the waiting one at nonce 0
                    Future<Transactor.Sent> third =
                            pool.submit(() -> t.send("third", to, "0x", BigInteger.TWO));
                    awaitLog("third: sent");
                    chain.mine();
                    assertThat(third.get(30, TimeUnit.SECONDS).nonce()).isZero();
                    assertThat(balanceOf(to)).isEqualTo(DevKit.ether("100").add(BigInteger.TWO));
                });
    }

    @Test
    void anErrorAnswerToTheEstimateIsNoRevertVerdict() throws Exception {
        // given: a provider that answers the next gas estimate with a rate limit
        Credentials key = account();
        FailingEndpoint endpoint = new FailingEndpoint(chain.rpcUrl());
        Duration minute = Duration.ofMinutes(1);
        Transactor t = transactor(Web3j.build(endpoint), key, quick(minute, minute));
        String to = account().getAddress();
        endpoint.fail("eth_estimateGas", 1, "rate limit exceeded");
        // when
        ChainException refused =
                org.assertj.core.api.Assertions.catchThrowableOfType(
                        ChainException.class, () -> t.send("pay", to, "0x", BigInteger.ONE));
        // then: refused, not "would revert" (a caller gives up on a call that would revert)
        assertThat(refused.kind()).isEqualTo(ChainException.Kind.REFUSED);
        assertThat(refused)
                .hasMessage(
                        "pay: the node answered the gas estimate with an error (rate limit"
                                + " exceeded); nothing was sent");
        assertThat(endpoint.raw).isEmpty();
        // and the next try goes through at nonce 0
        assertThat(t.send("pay", to, "0x", BigInteger.ONE).nonce()).isZero();
    }

    @Test
    void anErrorAnswerToTheNonceOrFeeReadsIsRefusedInWordsNotAFailureToDecode() throws Exception {
        // given: a provider that answers the next nonce read, then the next tip read, with an
        // error (a rate limit, as some answer it: HTTP 200 with an error body)
        Credentials key = account();
        FailingEndpoint endpoint = new FailingEndpoint(chain.rpcUrl());
        Duration minute = Duration.ofMinutes(1);
        Transactor t = transactor(Web3j.build(endpoint), key, quick(minute, minute));
        String to = account().getAddress();
        for (String method : List.of("eth_getTransactionCount", "eth_maxPriorityFeePerGas")) {
            endpoint.fail(method, 1, "rate limit exceeded");
            // when
            ChainException refused =
                    org.assertj.core.api.Assertions.catchThrowableOfType(
                            ChainException.class, () -> t.send("pay", to, "0x", BigInteger.ONE));
            // then: refused, naming what was asked and the node's words
            assertThat(refused).as(method).isNotNull();
            assertThat(refused.kind()).isEqualTo(ChainException.Kind.REFUSED);
            assertThat(refused.getMessage())
                    .startsWith("pay: the node answered the request for the ")
                    .endsWith(" with an error (rate limit exceeded)");
        }
        assertThat(endpoint.raw).isEmpty();
        // and the next try goes through at nonce 0
        assertThat(t.send("pay", to, "0x", BigInteger.ONE).nonce()).isZero();
    }

    /** A contract whose call succeeds once and reverts after: storage slot 0 from 0 to 1. */
    private static final String ONCE = "0x60005415600b57600080fd5b600160005500";

    @Test
    void aCallWhoseReplacedFirstSendLandsAfterAllIsNotSentAgainAsADuplicate() throws Exception {
        // given: a call that can succeed only once, sent and timed out (waiting at nonce 0)
        Credentials key = account();
        String once = account().getAddress();
        chain.setCode(once, ONCE);
        FailingEndpoint endpoint = new FailingEndpoint(chain.rpcUrl());
        endpoint.estimateAtLatest = true; // else the pending first send makes the retry revert
        Transactor t =
                transactor(
                        Web3j.build(endpoint),
                        key,
                        quick(Duration.ofSeconds(5), Duration.ofSeconds(30)));
        withoutAutomine(
                1,
                pool -> {
                    ChainException timedOut =
                            org.assertj.core.api.Assertions.catchThrowableOfType(
                                    ChainException.class,
                                    () -> t.send("first", once, "0x", BigInteger.ZERO));
                    assertThat(timedOut.kind()).isEqualTo(ChainException.Kind.TIMEOUT);
                    String first = endpoint.raw.get(0);
                    // when: the step is retried: the retry replaces it at nonce 0 ...
                    Future<Transactor.Sent> retry =
                            pool.submit(() -> t.send("retry", once, "0x", BigInteger.ZERO));
                    awaitLog("retry: sent");
                    String replacement = endpoint.raw.get(1);
                    // ... but the first one lands after all (its node had kept it)
                    chain.dropTransaction(org.web3j.crypto.Hash.sha3(replacement));
                    assertThat(web3j.ethSendRawTransaction(first).send().hasError()).isFalse();
                    chain.mine();
                    // then: the retry sees the call done (the estimate at the next nonce reverts)
                    // and sends nothing more
                    assertThat(
                                    org.assertj.core.api.Assertions.catchThrowableOfType(
                                                    java.util.concurrent.ExecutionException.class,
                                                    () -> retry.get(30, TimeUnit.SECONDS))
                                            .getCause())
                            .isInstanceOfSatisfying(
                                    ChainException.class,
                                    e ->
                                            assertThat(e.kind())
                                                    .isEqualTo(ChainException.Kind.WOULD_REVERT));
                    assertThat(endpoint.raw).hasSize(2);
                    chain.mine();
                    assertThat(nonceOf(key.getAddress())).isOne();
                });
    }

    @Test
    void aSecondLiveProcessWithTheKeyQueuesBehindAndReplacesNothing(@TempDir Path dir)
            throws Exception {
        // given: one transactor with a transaction in flight at nonce 0, holding the file
        Credentials key = account();
        Path file = dir.resolve("waiting");
        String first = account().getAddress();
        String second = account().getAddress();
        withoutAutomine(
                2,
                pool -> {
                    try (Transactor running = withFile(key, file);
                            Transactor beside = withFile(key, file)) {
                        Future<Transactor.Sent> a =
                                pool.submit(
                                        () -> running.send("first", first, "0x", BigInteger.ONE));
                        awaitLog("first: sent");
                        // when: the other process sends
                        Future<Transactor.Sent> b =
                                pool.submit(
                                        () -> beside.send("second", second, "0x", BigInteger.TWO));
                        awaitLog("second: sent");
                        // then: it found the file held, so it did not replace the first (the file
                        // names it)
                        assertThat(log)
                                .anyMatch(l -> l.startsWith("another process with this key holds"));
                        assertThat(log).noneMatch(l -> l.startsWith("second: replacing"));
                        chain.mine();
                        // and both land, the second behind the first
                        assertThat(a.get(30, TimeUnit.SECONDS).nonce()).isZero();
                        assertThat(b.get(30, TimeUnit.SECONDS).nonce()).isOne();
                        assertThat(balanceOf(first))
                                .isEqualTo(DevKit.ether("100").add(BigInteger.ONE));
                        assertThat(balanceOf(second))
                                .isEqualTo(DevKit.ether("100").add(BigInteger.TWO));
                    }
                });
    }

    @Test
    void aWaitingTransactionTheNodeDroppedIsNotReplacedOverAnotherProcesssOne(@TempDir Path dir)
            throws Exception {
        // given: a send timed out at nonce 0, then the node dropped its transaction, and another
        // process with the key (no file) has a healthy one in flight at nonce 0
        Credentials key = account();
        String first = account().getAddress();
        String other = account().getAddress();
        String third = account().getAddress();
        withoutAutomine(
                2,
                pool -> {
                    try (Transactor t =
                            new Transactor(
                                    web3j,
                                    key,
                                    DevChain.CHAIN_ID,
                                    quick(Duration.ofSeconds(3), Duration.ofSeconds(30)),
                                    log::add,
                                    dir.resolve("waiting"))) {
                        ChainException e =
                                org.assertj.core.api.Assertions.catchThrowableOfType(
                                        ChainException.class,
                                        () -> t.send("first", first, "0x", BigInteger.ONE));
                        assertThat(e.kind()).isEqualTo(ChainException.Kind.TIMEOUT);
                        String dropped = hashIn(firstLine("first: sent"));
                        chain.dropTransaction(dropped);
                        Transactor another =
                                transactor(
                                        web3j,
                                        key,
                                        quick(Duration.ofSeconds(60), Duration.ofSeconds(60)));
                        Future<Transactor.Sent> healthy =
                                pool.submit(
                                        () -> another.send("other", other, "0x", BigInteger.TWO));
                        awaitLog("other: sent");
                        // when
                        Future<Transactor.Sent> next =
                                pool.submit(() -> t.send("third", third, "0x", BigInteger.TEN));
                        awaitLog("third: sent");
                        chain.mine();
                        // then: the other process's transaction keeps nonce 0, this one queues
                        // behind it
                        assertThat(healthy.get(30, TimeUnit.SECONDS).nonce()).isZero();
                        assertThat(next.get(30, TimeUnit.SECONDS).nonce()).isOne();
                        assertThat(log)
                                .contains(
                                        "third: the transaction left waiting at nonce 0 is no longer known to"
                                                + " the node; not replaced");
                        assertThat(balanceOf(first)).isEqualTo(DevKit.ether("100"));
                        assertThat(balanceOf(other))
                                .isEqualTo(DevKit.ether("100").add(BigInteger.TWO));
                        assertThat(balanceOf(third))
                                .isEqualTo(DevKit.ether("100").add(BigInteger.TEN));
                    }
                });
    }

    private String firstLine(String prefix) {
        return log.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    /** The transaction hash of a "sent" log line. */
    private static String hashIn(String line) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("0x[0-9a-f]{64}").matcher(line);
        assertThat(m.find()).as(line).isTrue();
        return m.group();
    }

    /** A transactor that keeps its transaction in flight in {@code file}; one minute to land. */
    private Transactor withFile(Credentials key, Path file) {
        Duration minute = Duration.ofSeconds(60);
        return new Transactor(web3j, key, DevChain.CHAIN_ID, quick(minute, minute), log::add, file);
    }

    /** What runs on a chain that mines only when told, with a pool for sends that must wait. */
    private interface WithoutAutomine {
        void run(ExecutorService pool) throws Exception;
    }

    /**
     * Runs {@code body} with automine off and a pool of {@code threads}; automine is back on and
     * the pool stopped however it ends.
     */
    private static void withoutAutomine(int threads, WithoutAutomine body) throws Exception {
        chain.setAutomine(false);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            body.run(pool);
        } finally {
            chain.setAutomine(true);
            pool.shutdownNow();
        }
    }

    private void awaitLog(String prefix) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (log.stream().noneMatch(l -> l.startsWith(prefix)) && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(log).anyMatch(l -> l.startsWith(prefix));
    }

    private static BigInteger balanceOf(String address) throws Exception {
        return web3j.ethGetBalance(address, DefaultBlockParameterName.LATEST).send().getBalance();
    }
}
