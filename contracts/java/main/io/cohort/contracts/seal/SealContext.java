package io.cohort.contracts.seal;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a sealed update is bound to: the chain, the market contract, the project, the round and the
 * trainer who submits it. Its 88-byte encoding is part of the authenticated header, so an update
 * copied to another trainer, round or project does not open.
 *
 * @param chainId the EIP-155 chain id, non-negative
 * @param contract the market contract's 20-byte address
 * @param project the project id, a uint256
 * @param round the round, non-negative
 * @param trainer the submitting trainer's 20-byte address
 */
public record SealContext(
        long chainId, byte[] contract, BigInteger project, long round, byte[] trainer) {

    /** Bytes of {@link #encode()}. */
    public static final int ENCODED_LENGTH = 8 + 20 + 32 + 8 + 20;

    private static final BigInteger UINT256_LIMIT = BigInteger.ONE.shiftLeft(256);

    public SealContext {
        if (chainId < 0) {
            throw new IllegalArgumentException("chain id must be non-negative, got " + chainId);
        }
        if (round < 0) {
            throw new IllegalArgumentException("round must be non-negative, got " + round);
        }
        if (project == null || project.signum() < 0 || project.compareTo(UINT256_LIMIT) >= 0) {
            throw new IllegalArgumentException("project id must be a uint256, got " + project);
        }
        contract = address("contract", contract);
        trainer = address("trainer", trainer);
    }

    /** A context from hex addresses ({@code 0x} optional). */
    public static SealContext of(
            long chainId, String contract, BigInteger project, long round, String trainer) {
        return new SealContext(chainId, hex(contract), project, round, hex(trainer));
    }

    private static byte[] hex(String address) {
        String digits = address.startsWith("0x") ? address.substring(2) : address;
        try {
            return HexFormat.of().parseHex(digits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a hex address: " + address, e);
        }
    }

    private static byte[] address(String what, byte[] address) {
        if (address == null || address.length != 20) {
            throw new IllegalArgumentException(
                    what
                            + " address must be 20 bytes, got "
                            + (address == null ? "null" : address.length + " bytes"));
        }
        return address.clone();
    }

    @Override
    public byte[] contract() {
        return contract.clone();
    }

    @Override
    public byte[] trainer() {
        return trainer.clone();
    }

    /** chain id (u64) · contract (20) · project (u256) · round (u64) · trainer (20), big-endian. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(ENCODED_LENGTH);
        b.putLong(chainId).put(contract);
        byte[] p = project.toByteArray(); // minimal two's complement, at most 33 bytes
        int skip = p.length > 32 ? 1 : 0;
        b.position(b.position() + 32 - (p.length - skip));
        b.put(p, skip, p.length - skip);
        b.putLong(round).put(trainer);
        return b.array();
    }

    static SealContext decode(byte[] bytes, int offset) {
        ByteBuffer b = ByteBuffer.wrap(bytes, offset, ENCODED_LENGTH);
        long chainId = b.getLong();
        byte[] contract = new byte[20];
        b.get(contract);
        byte[] project = new byte[32];
        b.get(project);
        long round = b.getLong();
        byte[] trainer = new byte[20];
        b.get(trainer);
        return new SealContext(chainId, contract, new BigInteger(1, project), round, trainer);
    }

    /** The first field in which this context differs from {@code expected}, or null if none. */
    String difference(SealContext expected) {
        SealContext other = expected;
        if (chainId != other.chainId) {
            return "chain id " + chainId + ", expected " + other.chainId;
        }
        if (!Arrays.equals(contract, other.contract)) {
            return "contract " + hexOf(contract) + ", expected " + hexOf(other.contract);
        }
        if (!project.equals(other.project)) {
            return "project " + project + ", expected " + other.project;
        }
        if (round != other.round) {
            return "round " + round + ", expected " + other.round;
        }
        if (!Arrays.equals(trainer, other.trainer)) {
            return "trainer " + hexOf(trainer) + ", expected " + hexOf(other.trainer);
        }
        return null;
    }

    private static String hexOf(byte[] address) {
        return "0x" + HexFormat.of().formatHex(address);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SealContext c && difference(c) == null;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "SealContext[chain "
                + chainId
                + ", contract "
                + hexOf(contract)
                + ", project "
                + project
                + ", round "
                + round
                + ", trainer "
                + hexOf(trainer)
                + "]";
    }
}
