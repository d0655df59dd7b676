package io.cohort.ipfs.unixfs;

import io.cohort.ipfs.codec.Protobuf;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The UnixFS {@code Data} message of a file node: its type, inline data (only for leaves that are
 * not raw), the file size below it and the size of each child.
 *
 * @param type 2 for a file; 0 raw, 1 directory and the others are refused by readers of files
 * @param data inline bytes (null when absent)
 * @param fileSize bytes of file content below this node (-1 when absent)
 * @param blockSizes file bytes below each child link, in link order
 */
public record UnixFsData(int type, byte[] data, long fileSize, List<Long> blockSizes) {

    public static final int RAW = 0;
    public static final int FILE = 2;

    public UnixFsData {
        blockSizes = List.copyOf(blockSizes);
    }

    /**
     * Encodes as Kubo does: Type = 1, Data = 2 (if any), filesize = 3, blocksizes = 4 (unpacked).
     */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 + blockSizes.size() * 4);
        Protobuf.writeVarint(out, 1, type);
        if (data != null) {
            Protobuf.writeBytes(out, 2, data);
        }
        if (fileSize >= 0) {
            Protobuf.writeVarint(out, 3, fileSize);
        }
        for (long size : blockSizes) {
            Protobuf.writeVarint(out, 4, size);
        }
        return out.toByteArray();
    }

    /** Decodes, refusing unknown fields and a missing type. */
    public static UnixFsData decode(byte[] bytes, int maxBlockSizes) {
        int type = -1;
        byte[] data = null;
        long fileSize = -1;
        List<Long> sizes = new ArrayList<>();
        Protobuf.Reader r = new Protobuf.Reader(bytes);
        while (r.next()) {
            switch (r.field()) {
                case 1 -> type = (int) Math.min(r.varint(), Integer.MAX_VALUE);
                case 2 -> data = r.bytes();
                case 3 -> fileSize = r.varint();
                case 4 -> {
                    if (sizes.size() >= maxBlockSizes) {
                        throw new IllegalArgumentException(
                                "UnixFS node with more block sizes than links");
                    }
                    sizes.add(r.varint());
                }
                // hashType, fanout, mode, mtime: not used by the files this module reads
                case 5, 6, 7, 8 -> {
                    if (r.wireType() == Protobuf.VARINT) {
                        r.varint();
                    } else {
                        r.delimited();
                    }
                }
                default ->
                        throw new IllegalArgumentException(
                                "UnixFS data with unknown field " + r.field());
            }
        }
        if (type < 0) {
            throw new IllegalArgumentException("UnixFS data without a type");
        }
        return new UnixFsData(type, data, fileSize, sizes);
    }
}
