package io.cohort.ipfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * A content store that passes every call to another; subclasses override the calls they change
 * ({@link DeadlineStore} bounds the reads, tests make one call stall or fail).
 */
public abstract class ForwardingStore implements ContentStore {

    private final ContentStore store;

    /**
     * @param store the store every call goes to (closed with this one)
     */
    protected ForwardingStore(ContentStore store) {
        this.store = store;
    }

    /** The store this one passes calls to. */
    public ContentStore unwrapped() {
        return store;
    }

    @Override
    public Cid add(InputStream in) throws IOException {
        return store.add(in);
    }

    @Override
    public Cid add(byte[] bytes) throws IOException {
        return store.add(bytes);
    }

    @Override
    public Cid add(Path file) throws IOException {
        return store.add(file);
    }

    @Override
    public InputStream read(Cid cid) throws IOException {
        return store.read(cid);
    }

    @Override
    public byte[] readAllBytes(Cid cid, int maxBytes) throws IOException {
        return store.readAllBytes(cid, maxBytes);
    }

    @Override
    public void pin(Cid cid) throws IOException {
        store.pin(cid);
    }

    @Override
    public void unpin(Cid cid) throws IOException {
        store.unpin(cid);
    }

    @Override
    public boolean has(Cid cid) throws IOException {
        return store.has(cid);
    }

    @Override
    public Reach reach() throws IOException {
        return store.reach();
    }

    @Override
    public Stat stat(Cid cid) throws IOException {
        return store.stat(cid);
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
