package io.cohort.node.chain;

import io.cohort.ipfs.AtomicFile;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The transaction a {@link Transactor} has in flight, kept on disk so that the next process with
 * the key can replace it if this one dies while it waits: without it, a restarted node's sends
 * queue behind the dead process's transaction, and if the chain's fees outgrew it, for ever.
 *
 * <p>Written before every broadcast, cleared when a receipt comes, and left naming what may still
 * land when a send ends without one. Only one process uses the file at a time: it holds a lock on
 * {@code <file>.lock} while its transactor is open (taken at its first send). A second process with
 * the same state folder (a {@code withdraw} beside a running node) gets no file and replaces
 * nothing, since the other's transaction may be healthy and in flight; the lock dies with its
 * holder, so a restarted process finds what a crashed one left.
 *
 * <p>The file is a few lines of {@code key=value}; one that does not parse, or names another chain
 * or account, is reported and ignored.
 */
final class WaitingFile implements AutoCloseable {

    /** The longest file read; a real one is a few hundred bytes. */
    static final int MAX_BYTES = 16 * 1024;

    /** The most hashes kept (every attempt of one send); more is refused as corrupt. */
    static final int MAX_HASHES = 64;

    private static final Pattern HASH = Pattern.compile("0x[0-9a-f]{64}");
    private static final Pattern NUMBER = Pattern.compile("[0-9]{1,78}");

    /**
     * The lock files held in this JVM: a second channel's {@code tryLock} here would throw, and
     * closing that channel would release the first one's lock (POSIX locks are per process).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final Path lockFile;
    private final long chainId;
    private final String address;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private WaitingFile(
            Path file,
            Path lockFile,
            long chainId,
            String address,
            FileChannel lockChannel,
            FileLock lock) {
        this.file = file;
        this.lockFile = lockFile;
        this.chainId = chainId;
        this.address = address;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * The file, locked for this process, or empty (with a line to {@code progress}) when another
     * process holds it.
     *
     * @throws IOException if the folder cannot be created or the lock file opened
     */
    static Optional<WaitingFile> open(
            Path file, long chainId, String address, Consumer<String> progress) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path lockFile =
                file.resolveSibling(file.getFileName() + ".lock").toAbsolutePath().normalize();
        FileLock lock = null;
        FileChannel channel = null;
        if (HELD.add(lockFile)) {
            try {
                channel =
                        FileChannel.open(
                                lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                lock = channel.tryLock(); // null: another process holds it
            } catch (IOException | RuntimeException e) {
                HELD.remove(lockFile);
                if (channel != null) {
                    channel.close();
                }
                throw e;
            }
        }
        if (lock == null) {
            if (channel != null) {
                channel.close();
                HELD.remove(lockFile);
            }
            progress.accept(
                    "another process with this key holds "
                            + lockFile
                            + "; a transaction it leaves waiting is not replaced by this one");
            return Optional.empty();
        }
        return Optional.of(
                new WaitingFile(
                        file, lockFile, chainId, address.toLowerCase(Locale.ROOT), channel, lock));
    }

    /** What an earlier process left, if anything readable for this chain and account. */
    Optional<Transactor.Waiting> read(Consumer<String> progress) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException(size + " bytes, more than " + MAX_BYTES);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    fields.put(line.substring(0, eq), line.substring(eq + 1).strip());
                }
            }
            if (!String.valueOf(chainId).equals(fields.get("chain"))
                    || !address.equals(fields.get("address"))) {
                throw new IllegalArgumentException(
                        "written for chain "
                                + fields.get("chain")
                                + ", account "
                                + fields.get("address"));
            }
            BigInteger nonce = number(fields.get("nonce"), "nonce");
            String[] fees = required(fields.get("fees"), "fees").split(",", -1);
            if (fees.length != 2) {
                throw new IllegalArgumentException("fees must be two numbers");
            }
            String[] hashes = required(fields.get("hashes"), "hashes").split(",", -1);
            if (hashes.length > MAX_HASHES) {
                throw new IllegalArgumentException("more than " + MAX_HASHES + " hashes");
            }
            for (String h : hashes) {
                if (!HASH.matcher(h).matches()) {
                    throw new IllegalArgumentException("not a transaction hash: " + h);
                }
            }
            return Optional.of(
                    new Transactor.Waiting(
                            nonce,
                            new BigInteger[] {number(fees[0], "fee"), number(fees[1], "fee")},
                            List.of(hashes)));
        } catch (IOException | IllegalArgumentException e) {
            progress.accept("ignoring " + file + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Keeps {@code waiting} (replacing what was kept), or forgets it when null. */
    void write(Transactor.Waiting waiting) throws IOException {
        if (waiting == null) {
            Files.deleteIfExists(file);
            return;
        }
        String text =
                "chain="
                        + chainId
                        + "\naddress="
                        + address
                        + "\nnonce="
                        + waiting.nonce()
                        + "\nfees="
                        + waiting.fees()[0]
                        + ","
                        + waiting.fees()[1]
                        + "\nhashes="
                        + String.join(",", waiting.hashes())
                        + "\n";
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8), true);
    }

    private static String required(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("no " + name);
        }
        return value;
    }

    private static BigInteger number(String value, String name) {
        if (value == null || !NUMBER.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " is not a number: " + value);
        }
        return new BigInteger(value);
    }

    /** Releases the lock; the file stays for the next process. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            lockChannel.close();
            HELD.remove(lockFile);
        }
    }
}
