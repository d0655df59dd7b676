package io.cohort.node.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.ipfs.ContentStore;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.ForwardingStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A shared node without peers still holds everything published: its reach is local. */
class SharedIpfsTest {

    @TempDir Path dir;

    @Test
    void aSharedNodeWithNoPeerIsLocalAndOtherwiseSaysWhatItsNodeSays() throws Exception {
        try (EmbeddedStore real = EmbeddedStore.open(dir)) {
            for (ContentStore.Reach reach : ContentStore.Reach.values()) {
                ContentStore node =
                        new ForwardingStore(real) {
                            @Override
                            public Reach reach() {
                                return reach;
                            }
                        };
                assertThat(new SharedIpfs(node).reach())
                        .as("a shared node whose own reach is %s", reach)
                        .isEqualTo(
                                reach == ContentStore.Reach.ISOLATED
                                        ? ContentStore.Reach.LOCAL
                                        : reach);
            }
        }
    }
}
