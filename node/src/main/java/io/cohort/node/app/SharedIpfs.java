package io.cohort.node.app;

import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.ForwardingStore;
import java.io.IOException;

/**
 * The IPFS node every party of the installation adds to ({@code cohort.ipfs-shared}, as in
 * docker-compose.yml): what is not on it was published nowhere, so a node with no peer is still
 * {@link ContentStore.Reach#LOCAL} to the evaluator (it flags an update it cannot find instead of
 * waiting for peers that would not have it either), and a trainer is not warned about it.
 */
final class SharedIpfs extends ForwardingStore {

    SharedIpfs(ContentStore store) {
        super(store);
    }

    @Override
    public Reach reach() throws IOException {
        Reach reach = unwrapped().reach();
        return reach == Reach.ISOLATED ? Reach.LOCAL : reach;
    }
}
