package io.cohort.learning.bench;

import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.Stream;

/**
 * Local training that keeps every update it computes on disk, keyed by a SHA-256 of everything the
 * update is a function of, and hands back the stored update when the same inputs come again.
 *
 * <p>Training is deterministic (fixed seeds, fixed thread counts; the determinism test holds it
 * across processes), so an update is a function of the model spec, the global model, the data and
 * the training config, and reusing it gives the bits that training again would. The attack matrix's
 * runs share much of that work: wherever a rule keeps every attacker out, the global model follows
 * the honest trainers' path, which is the same in every attack with the same seed and attacker
 * fraction, and so are the honest trainers' updates along it.
 *
 * <p>The key does not cover the code that trains: the caller puts each version of the training code
 * in its own directory ({@code bench/attack-matrix} names it by the git trees of the learning
 * module's sources and build files, and uses no cache while they have uncommitted changes).
 *
 * <p>Files are raw little-endian float32, one per update, read back only when their size is the
 * model's parameter count times four; anything else is trained again and overwritten. When the
 * directory outgrows its cap the least recently used files go first.
 */
final class TrainingCache implements Simulation.LocalTraining {

    /** Changes whenever what goes into the key changes. */
    private static final String FORMAT = "cohort-training-cache/2";

    private final Path dir;
    // LabeledData is a record of arrays, so it equals only itself (or one holding the very same
    // arrays); held weakly, a poisoning behaviour's per-round copy is freed after its round
    private final Map<LabeledData, byte[]> dataDigests = new WeakHashMap<>();
    // every client of a round trains from the same global model: digested once per round
    private float[] lastGlobal;
    private byte[] lastGlobalDigest;
    private int hits;
    private int misses;

    TrainingCache(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the training cache " + dir, e);
        }
    }

    /** Updates taken from the cache so far. */
    int hits() {
        return hits;
    }

    /** Updates trained (and stored) so far. */
    int misses() {
        return misses;
    }

    @Override
    public float[] updateFrom(
            DjlModel model, float[] global, LabeledData data, TrainConfig config) {
        Path file = file(key(model, global, data, config));
        float[] stored = read(file, global.length);
        if (stored != null) {
            hits++;
            return stored;
        }
        float[] update = model.updateFrom(global, data, config);
        write(file, update);
        misses++;
        return update;
    }

    /** The stored update's file: two levels, so no directory holds more than a few thousand. */
    Path file(String key) {
        return dir.resolve(key.substring(0, 2)).resolve(key + ".f32");
    }

    String key(DjlModel model, float[] global, LabeledData data, TrainConfig config) {
        MessageDigest sha = sha256();
        text(sha, FORMAT);
        text(sha, model.spec().toJson());
        text(sha, config.toString());
        sha.update(globalDigest(global));
        sha.update(dataDigests.computeIfAbsent(data, TrainingCache::digest));
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The digest of {@code global}, reused while the same values come again. */
    private byte[] globalDigest(float[] global) {
        if (lastGlobal == null || !Arrays.equals(global, lastGlobal)) {
            MessageDigest sha = sha256();
            sha.update(floats(global));
            lastGlobalDigest = sha.digest();
            lastGlobal = global.clone();
        }
        return lastGlobalDigest;
    }

    /**
     * The digest of {@code data}'s contents. Kept per instance: an honest client trains on the same
     * partition object every round, and its data do not change (a poisoning behaviour builds new
     * instances, which are digested afresh).
     */
    private static byte[] digest(LabeledData data) {
        MessageDigest sha = sha256();
        text(sha, "classes=" + data.numClasses() + " shape=" + Arrays.toString(data.sampleShape()));
        ByteBuffer labels =
                ByteBuffer.allocate(data.labels().length * 4).order(ByteOrder.LITTLE_ENDIAN);
        labels.asIntBuffer().put(data.labels());
        sha.update(labels);
        sha.update(floats(data.features()));
        return sha.digest();
    }

    private static ByteBuffer floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b;
    }

    private static void text(MessageDigest sha, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(4).putInt(bytes.length).flip());
        sha.update(bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** The update stored in {@code file}, or null when there is none of {@code length} values. */
    static float[] read(Path file, int length) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) != 4L * length) {
                return null;
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != 4L * length) {
                return null;
            }
            float[] values = new float[length];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
            return values;
        } catch (IOException e) {
            return null;
        }
    }

    private static void write(Path file, float[] update) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "part-", ".tmp");
            ByteBuffer b = floats(update);
            Files.write(tmp, b.array());
            try {
                Files.move(
                        tmp,
                        file,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store a trained update in " + file, e);
        }
    }

    /**
     * Deletes the least recently used updates under {@code dir} until they take at most {@code
     * capBytes}; returns how many bytes it freed.
     */
    static long trim(Path dir, long capBytes) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        record Entry(Path path, long size, long used) {}
        List<Entry> entries = new ArrayList<>();
        long total = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                long size = Files.size(p);
                entries.add(new Entry(p, size, Files.getLastModifiedTime(p).toMillis()));
                total += size;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the training cache " + dir, e);
        }
        entries.sort(Comparator.comparingLong(Entry::used));
        long freed = 0;
        for (Entry e : entries) {
            if (total - freed <= capBytes) {
                break;
            }
            try {
                Files.deleteIfExists(e.path());
                freed += e.size();
            } catch (IOException x) {
                throw new UncheckedIOException("cannot trim the training cache " + dir, x);
            }
        }
        return freed;
    }
}
