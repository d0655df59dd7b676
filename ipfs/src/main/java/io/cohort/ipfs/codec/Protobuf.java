package io.cohort.ipfs.codec;

import java.io.ByteArrayOutputStream;

/**
 * The protobuf wire format as far as dag-pb and UnixFS need it: varint fields (wire type 0) and
 * length-delimited fields (wire type 2). The reader checks every length against the input before it
 * slices, so a hostile block cannot make it allocate more than the block itself.
 */
public final class Protobuf {

    public static final int VARINT = 0;
    public static final int LENGTH_DELIMITED = 2;

    private Protobuf() {}

    /** Appends a varint field. */
    public static void writeVarint(ByteArrayOutputStream out, int field, long value) {
        Varint.write(out, ((long) field << 3) | VARINT);
        Varint.write(out, value);
    }

    /** Appends a length-delimited field. */
    public static void writeBytes(ByteArrayOutputStream out, int field, byte[] value) {
        Varint.write(out, ((long) field << 3) | LENGTH_DELIMITED);
        Varint.write(out, value.length);
        out.write(value, 0, value.length);
    }

    /** Reads fields one after the other from a byte range. */
    public static final class Reader {
        private final byte[] bytes;
        private final int limit;
        private int pos;
        private int field;
        private int wireType;

        public Reader(byte[] bytes) {
            this(bytes, 0, bytes.length);
        }

        public Reader(byte[] bytes, int offset, int limit) {
            this.bytes = bytes;
            this.pos = offset;
            this.limit = limit;
        }

        /** Advances to the next field; false at the end of the range. */
        public boolean next() {
            if (pos >= limit) {
                return false;
            }
            Varint.Decoded key = Varint.decode(bytes, pos, limit);
            pos = key.next();
            if (key.value() >>> 3 > Integer.MAX_VALUE || key.value() >>> 3 == 0) {
                throw new IllegalArgumentException(
                        "invalid protobuf field number " + (key.value() >>> 3));
            }
            field = (int) (key.value() >>> 3);
            wireType = (int) (key.value() & 7);
            if (wireType != VARINT && wireType != LENGTH_DELIMITED) {
                throw new IllegalArgumentException(
                        "unsupported protobuf wire type " + wireType + " in field " + field);
            }
            return true;
        }

        public int field() {
            return field;
        }

        public int wireType() {
            return wireType;
        }

        /** The value of a varint field. */
        public long varint() {
            expect(VARINT);
            Varint.Decoded v = Varint.decode(bytes, pos, limit);
            pos = v.next();
            return v.value();
        }

        /** The start offset of a length-delimited field's value; {@link #end()} is its end. */
        private int start;

        private int end;

        /** Positions on a length-delimited value, checking its length against the input. */
        public void delimited() {
            expect(LENGTH_DELIMITED);
            Varint.Decoded len = Varint.decode(bytes, pos, limit);
            if (len.value() > limit - len.next()) {
                throw new IllegalArgumentException(
                        "field "
                                + field
                                + " claims "
                                + len.value()
                                + " bytes, "
                                + (limit - len.next())
                                + " remain");
            }
            start = len.next();
            end = start + (int) len.value();
            pos = end;
        }

        /** The current length-delimited value, copied. */
        public byte[] bytes() {
            delimited();
            byte[] copy = new byte[end - start];
            System.arraycopy(bytes, start, copy, 0, copy.length);
            return copy;
        }

        /** A reader over the current length-delimited value (an embedded message). */
        public Reader message() {
            delimited();
            return new Reader(bytes, start, end);
        }

        private void expect(int type) {
            if (wireType != type) {
                throw new IllegalArgumentException(
                        "field " + field + " has wire type " + wireType + ", expected " + type);
            }
        }
    }
}
