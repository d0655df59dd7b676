package io.cohort.ipfs.unixfs;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.codec.Protobuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A dag-pb node: links, then optional data, serialised as Kubo (boxo) does — every link carries its
 * hash, its name (empty for file chunks, still written) and its cumulative size.
 *
 * @param links the children in order
 * @param data the UnixFS metadata (null when absent)
 */
public record DagPbNode(List<Link> links, byte[] data) {

    /** The most links a decoded node may have (Kubo builds at most 174 per file node). */
    public static final int MAX_LINKS = 8192;

    /**
     * A link to a child block.
     *
     * @param cid the child
     * @param name the link name (empty for file chunks)
     * @param tsize the child's block size plus every block below it
     */
    public record Link(Cid cid, String name, long tsize) {}

    public DagPbNode {
        links = List.copyOf(links);
    }

    /** The canonical encoding: PBNode { repeated PBLink Links = 2; optional bytes Data = 1 }. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + links.size() * 48);
        for (Link link : links) {
            ByteArrayOutputStream l = new ByteArrayOutputStream(48);
            Protobuf.writeBytes(l, 1, link.cid().toBytes());
            Protobuf.writeBytes(l, 2, link.name().getBytes(StandardCharsets.UTF_8));
            Protobuf.writeVarint(l, 3, link.tsize());
            Protobuf.writeBytes(out, 2, l.toByteArray());
        }
        if (data != null) {
            Protobuf.writeBytes(out, 1, data);
        }
        return out.toByteArray();
    }

    /** Decodes a dag-pb block; refuses unknown fields, bad lengths and too many links. */
    public static DagPbNode decode(byte[] block) {
        List<Link> links = new ArrayList<>();
        byte[] data = null;
        Protobuf.Reader r = new Protobuf.Reader(block);
        while (r.next()) {
            switch (r.field()) {
                case 2 -> {
                    if (data != null) {
                        throw new IllegalArgumentException("dag-pb link after the data field");
                    }
                    if (links.size() == MAX_LINKS) {
                        throw new IllegalArgumentException(
                                "dag-pb node with more than " + MAX_LINKS + " links");
                    }
                    links.add(decodeLink(r.message()));
                }
                case 1 -> {
                    if (data != null) {
                        throw new IllegalArgumentException("dag-pb node with two data fields");
                    }
                    data = r.bytes();
                }
                default ->
                        throw new IllegalArgumentException(
                                "dag-pb node with unknown field " + r.field());
            }
        }
        return new DagPbNode(links, data);
    }

    private static Link decodeLink(Protobuf.Reader r) {
        Cid cid = null;
        String name = "";
        long tsize = -1;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> cid = Cid.fromBytes(r.bytes());
                case 2 -> name = new String(r.bytes(), StandardCharsets.UTF_8);
                case 3 -> tsize = r.varint();
                default ->
                        throw new IllegalArgumentException(
                                "dag-pb link with unknown field " + r.field());
            }
        }
        if (cid == null) {
            throw new IllegalArgumentException("dag-pb link without a hash");
        }
        return new Link(cid, name, tsize);
    }
}
