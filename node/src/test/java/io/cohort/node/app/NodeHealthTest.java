package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.ForwardingStore;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readiness of the node's IPFS from what its store says of its peers. Node logic only: the stores
 * are stand-ins (KuboIT checks what a real Kubo answers).
 */
class NodeHealthTest {

    @TempDir Path dir;

    @Test
    void anIsolatedOrSilentNodeIsNotReadyUnlessShared() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir)) {
            assertThat(NodeHealth.ipfsReady(real)).isTrue(); // a folder: local
            assertThat(NodeHealth.ipfsReady(reaching(real, ContentStore.Reach.CONNECTED))).isTrue();
            assertThat(NodeHealth.ipfsReady(reaching(real, ContentStore.Reach.LOCAL))).isTrue();
            assertThat(NodeHealth.ipfsReady(reaching(real, ContentStore.Reach.ISOLATED))).isFalse();
            assertThat(
                            NodeHealth.ipfsReady(
                                    new SharedIpfs(reaching(real, ContentStore.Reach.ISOLATED))))
                    .isTrue();
            assertThat(NodeHealth.ipfsReady(reaching(real, null))).isFalse(); // does not answer
        }
    }

    /** A store whose reach is {@code reach}, or which fails to answer when it is null. */
    private static ContentStore reaching(ContentStore real, ContentStore.Reach reach) {
        return new ForwardingStore(real) {
            @Override
            public Reach reach() throws IOException {
                if (reach == null) {
                    throw new IOException("swarm/peers: connection refused");
                }
                return reach;
            }
        };
    }
}
