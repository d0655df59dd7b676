package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.ipfs.Cid;
import io.cohort.ipfs.EmbeddedStore;
import io.cohort.ipfs.kubo.KuboClient;
import io.cohort.ipfs.kubo.KuboNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The evaluator's fetches between two real Kubo daemons started online on loopback ports (no
 * bootstrap peers): an evaluator whose node has no peer flags nothing, one connected to the
 * trainer's node reads its update and flags only a CID nobody holds.
 */
class UpdateFetcherIT {

    private static final String TRAINER = "0x" + "cd".repeat(20);

    @TempDir Path dir;

    private final List<String> log = new ArrayList<>();

    @Test
    void anEvaluatorCutOffFromEveryPeerFlagsNothingAndOnceConnectedFetches() throws Exception {
        try (KuboNode evaluatorNode = KuboNode.startOnline();
                KuboNode trainerNode = KuboNode.startOnline();
                KuboClient evaluatorIpfs = KuboClient.connect(evaluatorNode.apiUrl());
                KuboClient trainerIpfs = KuboClient.connect(trainerNode.apiUrl())) {
            // given: the trainer published its update on its own node
            byte[] update = "sealed update".getBytes(StandardCharsets.US_ASCII);
            Cid published = trainerIpfs.add(update);
            Cid nowhere = cidOf("published nowhere");
            UpdateFetcher fetcher =
                    new UpdateFetcher(evaluatorIpfs, 1024, Duration.ofSeconds(3), log::add);
            List<UpdateFetcher.Request> round =
                    List.of(
                            new UpdateFetcher.Request(TRAINER, published.toBytes(), 0),
                            new UpdateFetcher.Request(TRAINER, nowhere.toBytes(), 1));

            // when: the evaluator's node has no peer / then: the round fails, nothing flagged
            assertThatThrownBy(() -> fetcher.fetchAll(round))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("connected to no peer")
                    .hasMessageContaining("nothing flagged");

            // when: it finds the trainer's node
            evaluatorNode.connect(trainerNode);
            List<UpdateFetcher.Fetched> fetched = fetcher.fetchAll(round);

            // then: the published update arrives, the one nobody holds is flagged
            assertThat(fetched.get(0).sealed()).isEqualTo(update);
            assertThat(fetched.get(1).sealed()).isNull();
            assertThat(fetched.get(1).flagged().unreadable()).isEqualTo(UpdateFetcher.UNAVAILABLE);
            assertThat(fetched.get(1).flagged().detail()).startsWith(nowhere.toString());
        }
    }

    /** The CID of bytes added to no Kubo node (an embedded store computes the same CID). */
    private Cid cidOf(String content) throws IOException {
        try (EmbeddedStore store = EmbeddedStore.open(dir.resolve("elsewhere"))) {
            return store.add(content.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
