package io.cohort.node.round;

import io.cohort.ipfs.AtomicFile;
import io.cohort.learning.policy.ScoringPolicy;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An evaluator's scoring policy as it stood after a project's settled rounds, kept on disk so that
 * a restart, or a round that voids, need not score every settled round again ({@link
 * EvaluatorNode}). The file ({@code policy-<project>.state} in the node's market folder) names the
 * settled rounds the state holds with each round's record CID, then the policy's own state bytes
 * ({@link ScoringPolicy#saveState()}), then a SHA-256 of everything before it:
 *
 * <pre>
 * magic    "cohort-evaluator-policy/1\n"
 * rounds   u32 count (at least 1), then per round, ascending: i64 round, u16 CID length, the CID
 * state    the policy's bytes
 * sha256   32 bytes
 * </pre>
 *
 * A state is used only while those rounds, with those records, are still the first settled rounds
 * of the project (a reorganisation can change them).
 */
final class PolicyCheckpoint {

    static final byte[] MAGIC = "cohort-evaluator-policy/1\n".getBytes(StandardCharsets.US_ASCII);

    static final int HASH_BYTES = 32;

    /** The largest file read back: one Java array (a larger one is replayed instead). */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    /** One settled round the state holds. */
    record Round(long round, byte[] reportCid) {

        static Round of(MarketClient.Settled s) {
            return new Round(s.round(), s.reportCid());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Round r
                    && r.round == round
                    && Arrays.equals(r.reportCid, reportCid);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(round) * 31 + Arrays.hashCode(reportCid);
        }

        @Override
        public String toString() {
            return Long.toString(round);
        }
    }

    /** A checkpoint read back: the rounds its state holds, in order, and the state. */
    record Saved(List<Round> rounds, byte[] state) {

        /** Whether {@code settled} begins with exactly this checkpoint's rounds. */
        boolean prefixOf(List<MarketClient.Settled> settled) {
            return rounds.size() <= settled.size()
                    && rounds.equals(PolicyCheckpoint.rounds(settled.subList(0, rounds.size())));
        }
    }

    private PolicyCheckpoint() {}

    static Path file(Path dataDir, BigInteger project) {
        return dataDir.resolve("policy-" + project + ".state");
    }

    static List<Round> rounds(List<MarketClient.Settled> settled) {
        return settled.stream().map(Round::of).toList();
    }

    /** Writes a policy's state ({@link ScoringPolicy#saveState(OutputStream)}). */
    interface State {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code state} as holding {@code rounds} (at least one), streamed to a temporary file
     * moved into place, so the state is never held whole in memory here.
     */
    static void write(Path file, List<MarketClient.Settled> rounds, State state)
            throws IOException {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("a saved policy holds at least one settled round");
        }
        Files.createDirectories(file.getParent());
        AtomicFile.write(
                file,
                raw -> {
                    MessageDigest sha256 = sha256();
                    DataOutputStream out =
                            new DataOutputStream(new DigestOutputStream(raw, sha256));
                    out.write(MAGIC);
                    out.writeInt(rounds.size());
                    for (MarketClient.Settled s : rounds) {
                        out.writeLong(s.round());
                        out.writeShort(s.reportCid().length);
                        out.write(s.reportCid());
                    }
                    state.writeTo(out);
                    out.flush();
                    raw.write(sha256.digest());
                },
                false);
    }

    /**
     * The checkpoint in {@code file}; empty if there is none.
     *
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming what is wrong with its bytes
     */
    static Optional<Saved> read(Path file) throws IOException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException(
                        size + " bytes, more than the " + MAX_BYTES + " restored");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (bytes.length < MAGIC.length + HASH_BYTES
                || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException("not a cohort-evaluator-policy/1 file");
        }
        int body = bytes.length - HASH_BYTES;
        MessageDigest sha256 = sha256();
        sha256.update(bytes, 0, body);
        if (!Arrays.equals(sha256.digest(), Arrays.copyOfRange(bytes, body, bytes.length))) {
            throw new IllegalArgumentException("damaged: its SHA-256 does not match");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, MAGIC.length, body - MAGIC.length);
        try {
            long count = Integer.toUnsignedLong(in.getInt());
            if (count == 0) {
                throw new IllegalArgumentException("no settled round");
            }
            if (count > in.remaining() / (8 + 2)) {
                throw new IllegalArgumentException(
                        count + " rounds in " + in.remaining() + " bytes left");
            }
            List<Round> rounds = new ArrayList<>();
            for (long i = 0; i < count; i++) {
                long round = in.getLong();
                if (!rounds.isEmpty() && round <= rounds.get(rounds.size() - 1).round()) {
                    throw new IllegalArgumentException(
                            "round "
                                    + round
                                    + " after round "
                                    + rounds.get(rounds.size() - 1).round());
                }
                int length = Short.toUnsignedInt(in.getShort());
                if (length > in.remaining()) {
                    throw new IllegalArgumentException(
                            "a CID of " + length + " bytes in " + in.remaining() + " left");
                }
                byte[] cid = new byte[length];
                in.get(cid);
                rounds.add(new Round(round, cid));
            }
            byte[] state = new byte[in.remaining()];
            in.get(state);
            return Optional.of(new Saved(List.copyOf(rounds), state));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
