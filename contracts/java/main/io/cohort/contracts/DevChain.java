package io.cohort.contracts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * A local Anvil chain on a free loopback port, for tests and the demo: started from the binary the
 * setup installed, stopped by its PID.
 *
 * <pre>{@code
 * try (DevChain chain = DevChain.start()) {
 *     Web3j web3j = chain.web3j();
 *     ...
 * }
 * }</pre>
 */
public final class DevChain implements AutoCloseable {

    /** Chain id Anvil runs with. */
    public static final long CHAIN_ID = 31337;

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final String ANVIL_RELATIVE =
            "tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";

    private final Process process;
    private final int port;
    private final Path logFile;
    private final HttpService service;
    private final Web3j web3j;

    private DevChain(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
        this.service = new HttpService(rpcUrl());
        this.web3j = Web3j.build(service);
    }

    /** Starts Anvil with automine on a free loopback port and waits until it answers. */
    public static DevChain start() {
        return start(0);
    }

    /**
     * Starts Anvil mining a block every {@code blockTimeSeconds} (0: a block per transaction), so
     * that the chain's clock moves on its own, as a live chain's does (the demo runs on it).
     */
    public static DevChain start(int blockTimeSeconds) {
        Path anvil = locateAnvil();
        IOException last = null;
        // A free port can be taken between probing and binding: try a few.
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            try {
                Path log = Files.createTempFile("cohort-anvil-" + port + "-", ".log");
                List<String> command = new ArrayList<>();
                command.add(anvil.toString());
                command.addAll(
                        List.of(
                                "--host",
                                "127.0.0.1",
                                "--port",
                                Integer.toString(port),
                                "--chain-id",
                                Long.toString(CHAIN_ID),
                                "--accounts",
                                "1"));
                if (blockTimeSeconds > 0) {
                    command.addAll(List.of("--block-time", Integer.toString(blockTimeSeconds)));
                }
                Process process =
                        new ProcessBuilder(command)
                                .redirectErrorStream(true)
                                .redirectOutput(log.toFile())
                                .start();
                DevChain chain = new DevChain(process, port, log);
                if (chain.awaitReady()) {
                    return chain;
                }
                chain.close();
                last = new IOException("anvil did not answer on port " + port + "; log: " + log);
            } catch (IOException e) {
                last = e;
            }
        }
        throw new UncheckedIOException("could not start anvil from " + anvil, last);
    }

    /** The JSON-RPC endpoint, {@code http://127.0.0.1:<port>}. */
    public String rpcUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** A web3j client of this chain; closed with the chain. */
    public Web3j web3j() {
        return web3j;
    }

    /** The operating-system process id of Anvil. */
    public long pid() {
        return process.pid();
    }

    /** Sets the balance of {@code address} (Anvil's {@code anvil_setBalance}). */
    public void setBalance(String address, BigInteger wei) {
        call("anvil_setBalance", address, Numeric.toHexStringWithPrefix(wei));
    }

    /**
     * Replaces the code at {@code address} ({@code anvil_setCode}, hex runtime bytecode; {@code
     * "0x"} for none): a test's way to make an account a contract that refuses payments.
     */
    public void setCode(String address, String code) {
        call("anvil_setCode", address, code);
    }

    /** Mines one block whose timestamp is {@code timestamp} (seconds since the epoch). */
    public void mineAt(long timestamp) {
        call(
                "evm_setNextBlockTimestamp",
                Numeric.toHexStringWithPrefix(BigInteger.valueOf(timestamp)));
        call("evm_mine");
    }

    /**
     * Whether a block is mined for every transaction as it arrives ({@code evm_setAutomine}, on by
     * default). Off, transactions wait in the pool until {@link #mine}: a test's way to make a
     * receipt late.
     */
    public void setAutomine(boolean on) {
        call("evm_setAutomine", on);
    }

    /**
     * Removes a transaction from the pool ({@code anvil_dropTransaction}), as a node that lost it:
     * it is unknown to the node afterwards and is never mined unless sent again.
     */
    public void dropTransaction(String hash) {
        call("anvil_dropTransaction", hash);
    }

    /**
     * Sets the base fee of the next block mined ({@code anvil_setNextBlockBaseFeePerGas}); later
     * blocks follow EIP-1559 from it. A test's way to make fees rise while a transaction waits.
     */
    public void setNextBlockBaseFee(BigInteger wei) {
        call("anvil_setNextBlockBaseFeePerGas", Numeric.toHexStringWithPrefix(wei));
    }

    /** Mines one block now with what the pool holds ({@code evm_mine}). */
    public void mine() {
        call("evm_mine");
    }

    /**
     * Records the chain's state ({@code evm_snapshot}) and returns its id, for {@link #revert}: a
     * test's way to make a reorganisation, since everything mined after it can be dropped.
     */
    public String snapshot() {
        return String.valueOf(call("evm_snapshot"));
    }

    /**
     * Drops every block mined since {@code snapshot} ({@code evm_revert}): the chain continues from
     * there, as after a reorganisation that replaced those blocks with nothing. A snapshot is used
     * up by its revert.
     *
     * @throws IllegalStateException if Anvil does not know the snapshot
     */
    public void revert(String snapshot) {
        if (!Boolean.TRUE.equals(call("evm_revert", snapshot))) {
            throw new IllegalStateException(
                    "evm_revert to " + snapshot + " refused on " + rpcUrl());
        }
    }

    /** The timestamp of the latest block. */
    public long latestTimestamp() {
        try {
            return web3j.ethGetBlockByNumber(
                            org.web3j.protocol.core.DefaultBlockParameterName.LATEST, false)
                    .send()
                    .getBlock()
                    .getTimestamp()
                    .longValueExact();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the latest block from " + rpcUrl(), e);
        }
    }

    /** Stops Anvil by its PID (SIGTERM, then SIGKILL after five seconds) and deletes its log. */
    @Override
    public void close() {
        web3j.shutdown();
        ProcessHandle handle = process.toHandle();
        handle.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                handle.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(logFile);
        } catch (IOException e) {
            // the log is in the temp folder; leaving it behind is harmless
        }
    }

    private boolean awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            try {
                BigInteger id = web3j.ethChainId().send().getChainId();
                if (id != null && id.longValue() == CHAIN_ID) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    private Object call(String method, Object... params) {
        try {
            Response<?> response =
                    new Request<>(method, List.of(params), service, RawResponse.class).send();
            if (response.hasError()) {
                throw new IllegalStateException(
                        method
                                + " failed on "
                                + rpcUrl()
                                + ": "
                                + response.getError().getMessage());
            }
            return response.getResult();
        } catch (IOException e) {
            throw new UncheckedIOException(method + " failed on " + rpcUrl(), e);
        }
    }

    /** Response of an RPC whose result is not needed. */
    public static final class RawResponse extends Response<Object> {}

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    /**
     * Finds the Anvil binary: the {@code cohort.anvil} system property, the {@code COHORT_ANVIL}
     * environment variable, or {@value #ANVIL_RELATIVE} in this folder or one above it.
     */
    static Path locateAnvil() {
        Optional<String> configured =
                Optional.ofNullable(System.getProperty("cohort.anvil"))
                        .or(() -> Optional.ofNullable(System.getenv("COHORT_ANVIL")));
        if (configured.isPresent()) {
            Path path = Path.of(configured.get());
            if (!Files.isExecutable(path)) {
                throw new IllegalStateException("anvil at " + path + " is not executable");
            }
            return path;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(ANVIL_RELATIVE);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "anvil not found: run ./setup (it installs "
                        + ANVIL_RELATIVE
                        + ") or set COHORT_ANVIL to its path");
    }
}
