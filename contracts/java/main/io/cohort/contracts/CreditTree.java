package io.cohort.contracts;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * The Merkle tree of every trainer's cumulative credit and slash that evaluators post and trainers
 * claim against.
 *
 * <p>Leaves use OpenZeppelin's StandardMerkleTree encoding, {@code keccak256(bytes.concat(
 * keccak256(abi.encode(trainer, credit, slash))))}, and inner nodes hash their children in sorted
 * order, as {@code MerkleProof.verify} expects. Leaves are ordered by their hash, so the root
 * depends only on the set of leaves, never on the order they were given in.
 */
public final class CreditTree {

    /** One trainer's cumulative credit and slash, in the project's token units (wei for ETH). */
    public record Leaf(String trainer, BigInteger credit, BigInteger slash) {
        private static final BigInteger UINT128_LIMIT = BigInteger.ONE.shiftLeft(128);

        public Leaf {
            Objects.requireNonNull(trainer, "trainer");
            if (!Numeric.cleanHexPrefix(trainer).matches("[0-9a-fA-F]{40}")) {
                throw new IllegalArgumentException(
                        "trainer must be a 20-byte hex address, found '" + trainer + "'");
            }
            trainer = "0x" + Numeric.cleanHexPrefix(trainer).toLowerCase();
            checkUint128("credit", credit);
            checkUint128("slash", slash);
        }

        private static void checkUint128(String name, BigInteger value) {
            Objects.requireNonNull(value, name);
            if (value.signum() < 0 || value.compareTo(UINT128_LIMIT) >= 0) {
                throw new IllegalArgumentException(name + " must fit in uint128, found " + value);
            }
        }

        /** The leaf hash the contract recomputes from {@code (trainer, credit, slash)}. */
        public byte[] hash() {
            byte[] encoded = new byte[96];
            byte[] address = Numeric.hexStringToByteArray(trainer);
            System.arraycopy(address, 0, encoded, 12, 20);
            putWord(encoded, 32, credit);
            putWord(encoded, 64, slash);
            return Hash.sha3(Hash.sha3(encoded));
        }

        private static void putWord(byte[] out, int offset, BigInteger value) {
            byte[] raw = value.toByteArray();
            int skip = raw.length > 32 ? raw.length - 32 : 0;
            int len = raw.length - skip;
            System.arraycopy(raw, skip, out, offset + 32 - len, len);
        }
    }

    private final List<byte[][]> levels;
    private final Map<String, Integer> positions;
    private final Map<String, Leaf> leaves;

    private CreditTree(
            List<byte[][]> levels, Map<String, Integer> positions, Map<String, Leaf> leaves) {
        this.levels = levels;
        this.positions = positions;
        this.leaves = leaves;
    }

    /**
     * Builds the tree of the given leaves.
     *
     * @throws IllegalArgumentException if there are no leaves or a trainer appears twice
     */
    public static CreditTree of(Collection<Leaf> leaves) {
        if (leaves.isEmpty()) {
            throw new IllegalArgumentException("a credit tree needs at least one leaf");
        }
        Map<String, Leaf> byTrainer = new HashMap<>();
        for (Leaf leaf : leaves) {
            if (byTrainer.put(leaf.trainer(), leaf) != null) {
                throw new IllegalArgumentException(
                        "trainer " + leaf.trainer() + " has more than one leaf");
            }
        }
        // each leaf hashed once (two keccaks), not at every comparison of the sort
        Map<Leaf, byte[]> hashes = new java.util.IdentityHashMap<>();
        for (Leaf leaf : leaves) {
            hashes.put(leaf, leaf.hash());
        }
        List<Leaf> sorted = new ArrayList<>(leaves);
        sorted.sort(Comparator.comparing(hashes::get, Arrays::compareUnsigned));
        byte[][] level = new byte[sorted.size()][];
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < sorted.size(); i++) {
            level[i] = hashes.get(sorted.get(i));
            positions.put(sorted.get(i).trainer(), i);
        }
        List<byte[][]> levels = new ArrayList<>();
        levels.add(level);
        while (level.length > 1) {
            byte[][] next = new byte[(level.length + 1) / 2][];
            for (int i = 0; i < next.length; i++) {
                int left = 2 * i;
                // An odd node out is carried up unchanged; its proof simply skips that level.
                next[i] =
                        left + 1 < level.length
                                ? hashPair(level[left], level[left + 1])
                                : level[left];
            }
            levels.add(next);
            level = next;
        }
        return new CreditTree(levels, positions, byTrainer);
    }

    /** The root to post on-chain. */
    public byte[] root() {
        return levels.get(levels.size() - 1)[0].clone();
    }

    /** The root as 0x-prefixed hex. */
    public String rootHex() {
        return Numeric.toHexString(root());
    }

    /** The leaf of {@code trainer}. */
    public Leaf leaf(String trainer) {
        Leaf leaf = leaves.get(normalise(trainer));
        if (leaf == null) {
            throw new IllegalArgumentException("trainer " + trainer + " has no leaf in this tree");
        }
        return leaf;
    }

    /** The proof of {@code trainer}'s leaf, bottom-up, as {@code MerkleProof.verify} takes it. */
    public List<byte[]> proof(String trainer) {
        leaf(trainer);
        int index = positions.get(normalise(trainer));
        List<byte[]> proof = new ArrayList<>();
        for (int depth = 0; depth < levels.size() - 1; depth++) {
            byte[][] level = levels.get(depth);
            int sibling = index ^ 1;
            if (sibling < level.length) {
                proof.add(level[sibling].clone());
            }
            index /= 2;
        }
        return proof;
    }

    /** Checks a proof the way the contract does. */
    public static boolean verify(byte[] root, Leaf leaf, List<byte[]> proof) {
        byte[] node = leaf.hash();
        for (byte[] sibling : proof) {
            node = hashPair(node, sibling);
        }
        return Arrays.equals(node, root);
    }

    private static byte[] hashPair(byte[] a, byte[] b) {
        byte[] joined = new byte[64];
        boolean aFirst = Arrays.compareUnsigned(a, b) <= 0;
        System.arraycopy(aFirst ? a : b, 0, joined, 0, 32);
        System.arraycopy(aFirst ? b : a, 0, joined, 32, 32);
        return Hash.sha3(joined);
    }

    private static String normalise(String trainer) {
        return "0x" + Numeric.cleanHexPrefix(trainer).toLowerCase();
    }
}
