package io.cohort.node.round;

import io.cohort.ipfs.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An evaluator's scoring policy as it stood after a project's settled rounds, kept on disk so that
 * a restart, or a round that voids, need not score every settled round again ({@link
 * EvaluatorNode}). The file ({@code policy-<project>.state} in the node's directory) names the
 * settled rounds the state holds with each round's record CID, then the policy's own state bytes
 * ({@code ScoringPolicy.saveState}):
 *
 * <pre>
 * magic   "cohort-evaluator-policy/1\n"
 * rounds  u32 count, then per round: i64 round, u16 CID length, the CID's bytes
 * state   the rest
 * </pre>
 *
 * A state is used only while those rounds, with those records, are still the first settled rounds
 * of the project (a reorganisation can change them).
 */
final class PolicyCheckpoint {

    static final byte[] MAGIC = "cohort-evaluator-policy/1\n".getBytes(StandardCharsets.US_ASCII);

    /** One settled round the state holds. */
    record Round(long round, byte[] reportCid) {

        boolean same(MarketClient.Settled s) {
            return s.round() == round && Arrays.equals(s.reportCid(), reportCid);
        }
    }

    /** A checkpoint read back: the rounds its state holds, in order, and the state. */
    record Saved(List<Round> rounds, byte[] state) {

        /** Whether {@code settled} begins with exactly this checkpoint's rounds. */
        boolean prefixOf(List<MarketClient.Settled> settled) {
            if (rounds.size() > settled.size()) {
                return false;
            }
            for (int i = 0; i < rounds.size(); i++) {
                if (!rounds.get(i).same(settled.get(i))) {
                    return false;
                }
            }
            return true;
        }
    }

    private PolicyCheckpoint() {}

    static Path file(Path dataDir, BigInteger project) {
        return dataDir.resolve("policy-" + project + ".state");
    }

    static void write(Path file, List<MarketClient.Settled> rounds, byte[] state)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(state.length + 64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(rounds.size());
            for (MarketClient.Settled s : rounds) {
                out.writeLong(s.round());
                out.writeShort(s.reportCid().length);
                out.write(s.reportCid());
            }
            out.write(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        Files.createDirectories(file.getParent());
        AtomicFile.write(file, bytes.toByteArray(), false);
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
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte[] magic = new byte[Math.min(MAGIC.length, bytes.length)];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not a cohort-evaluator-policy/1 file");
            }
            long count = Integer.toUnsignedLong(in.getInt());
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
}
