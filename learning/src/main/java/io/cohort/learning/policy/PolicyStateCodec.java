package io.cohort.learning.policy;

import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.aggregate.SybilDefence;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The bytes of a {@link ScoringPolicy}'s state (docs/scoring-policy.md, "Policy state"),
 * big-endian:
 *
 * <pre>
 * magic        "cohort-policy-state/1\n"
 * fingerprint  32 bytes: SHA-256 of what the state holds only for (policy, threads, model, reference training, root data)
 * cosines      u32 count, then per trainer: name, u32 k, k × f64 (raw bits)
 * streaks      u32 count, then per trainer: name, u32 streak
 * sybil        u8 started, i32 last round, u32 parameters, u32 count, then per trainer: name, u32 rounds, parameters × f32 (raw bits)
 * </pre>
 *
 * A name is a u16 byte length and that many bytes of UTF-8. Nothing follows. The decoder checks
 * every count against the bytes left before it allocates, so a short or hostile file costs no more
 * memory than its own length.
 */
final class PolicyStateCodec {

    static final byte[] MAGIC = "cohort-policy-state/1\n".getBytes(StandardCharsets.US_ASCII);

    static final int FINGERPRINT_BYTES = 32;

    private PolicyStateCodec() {}

    /** Writes the state to {@code sink} (buffered here; not closed). */
    static void encode(
            byte[] fingerprint, CohortPolicy.State state, int parameters, OutputStream sink)
            throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(sink, 1 << 16));
        out.write(MAGIC);
        out.write(fingerprint);
        out.writeInt(state.cosines().size());
        for (var e : state.cosines().entrySet()) {
            name(out, e.getKey());
            out.writeInt(e.getValue().length);
            for (double c : e.getValue()) {
                out.writeLong(Double.doubleToRawLongBits(c));
            }
        }
        out.writeInt(state.streaks().size());
        for (var e : state.streaks().entrySet()) {
            name(out, e.getKey());
            out.writeInt(e.getValue());
        }
        SybilDefence.State sybil = state.sybil();
        out.writeByte(sybil.started() ? 1 : 0);
        out.writeInt(sybil.lastRound());
        out.writeInt(parameters);
        out.writeInt(sybil.histories().size());
        for (var e : sybil.histories().entrySet()) {
            name(out, e.getKey());
            out.writeInt(sybil.rounds().get(e.getKey()));
            for (float v : e.getValue()) {
                out.writeInt(Float.floatToRawIntBits(v));
            }
        }
        out.flush();
    }

    private static void name(DataOutputStream out, String name) throws IOException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("a trainer name of " + b.length + " bytes");
        }
        out.writeShort(b.length);
        out.write(b);
    }

    /**
     * Decodes what {@link #encode} wrote, for a policy whose fingerprint is {@code fingerprint} and
     * whose model has {@code parameters} values.
     *
     * @throws IllegalArgumentException naming what is wrong: not a policy state, another policy's
     *     (fingerprint), a count beyond the bytes left, another parameter count, a repeated
     *     trainer, a truncated file or bytes after the end
     */
    static CohortPolicy.State decode(byte[] bytes, byte[] fingerprint, int parameters) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            byte[] magic = new byte[Math.min(MAGIC.length, bytes.length)];
            in.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException("not a cohort-policy-state/1 file");
            }
            byte[] saved = new byte[FINGERPRINT_BYTES];
            in.get(saved);
            if (!Arrays.equals(saved, fingerprint)) {
                throw new IllegalArgumentException(
                        "saved by a policy with another version, settings, model, root data,"
                                + " reference training or PyTorch thread count");
            }
            SortedMap<String, double[]> cosines = new TreeMap<>();
            int count = count(in, 2 + 4, "cosine records");
            for (int i = 0; i < count; i++) {
                String trainer = unique(in, cosines.keySet());
                double[] c = new double[count(in, 8, "cosines of " + trainer)];
                for (int j = 0; j < c.length; j++) {
                    c[j] = in.getDouble();
                }
                cosines.put(trainer, c);
            }
            SortedMap<String, Integer> streaks = new TreeMap<>();
            count = count(in, 2 + 4, "streaks");
            for (int i = 0; i < count; i++) {
                String trainer = unique(in, streaks.keySet());
                streaks.put(trainer, in.getInt());
            }
            byte started = in.get();
            if (started != 0 && started != 1) {
                throw new IllegalArgumentException("the started flag is " + started);
            }
            int lastRound = in.getInt();
            int length = in.getInt();
            if (length != parameters) {
                throw new IllegalArgumentException(
                        "histories of " + length + " values, the model has " + parameters);
            }
            SortedMap<String, float[]> histories = new TreeMap<>();
            SortedMap<String, Integer> rounds = new TreeMap<>();
            count = count(in, 2 + 4 + 4L * length, "histories");
            for (int i = 0; i < count; i++) {
                String trainer = unique(in, histories.keySet());
                rounds.put(trainer, in.getInt());
                float[] h = new float[length];
                for (int j = 0; j < length; j++) {
                    h[j] = in.getFloat();
                }
                histories.put(trainer, h);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the end");
            }
            return new CohortPolicy.State(
                    cosines,
                    streaks,
                    new SybilDefence.State(histories, rounds, lastRound, started == 1));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated", e);
        }
    }

    /** A u32 count of entries of at least {@code each} bytes, checked against the bytes left. */
    private static int count(ByteBuffer in, long each, String what) {
        long n = Integer.toUnsignedLong(in.getInt());
        if (n > in.remaining() / each) {
            throw new IllegalArgumentException(
                    n + " " + what + " in " + in.remaining() + " bytes left");
        }
        return (int) n;
    }

    private static String unique(ByteBuffer in, Set<String> seen) {
        int length = Short.toUnsignedInt(in.getShort());
        if (length > in.remaining()) {
            throw new IllegalArgumentException(
                    "a trainer name of " + length + " bytes in " + in.remaining() + " left");
        }
        byte[] b = new byte[length];
        in.get(b);
        String name = new String(b, StandardCharsets.UTF_8);
        if (seen.contains(name)) {
            throw new IllegalArgumentException("trainer " + name + " appears twice");
        }
        return name;
    }
}
