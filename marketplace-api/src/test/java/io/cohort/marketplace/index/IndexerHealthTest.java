package io.cohort.marketplace.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the index counts as caught up with the chain. */
class IndexerHealthTest {

    @Test
    void caughtUpMeansReadToTheHeadLessTheConfirmationsWithOneBlockOfSlack() {
        // no head seen yet
        assertThat(IndexerHealth.caughtUp(-1, 0, 0)).isFalse();
        // no confirmations: after reading block 100 the next is 101; a new head 101 is slack
        assertThat(IndexerHealth.caughtUp(100, 101, 0)).isTrue();
        assertThat(IndexerHealth.caughtUp(101, 101, 0)).isTrue();
        assertThat(IndexerHealth.caughtUp(102, 101, 0)).isFalse();
        // 12 confirmations: at head 100 the indexer reads up to block 88, so next is 89
        assertThat(IndexerHealth.caughtUp(100, 89, 12)).isTrue();
        assertThat(IndexerHealth.caughtUp(101, 89, 12)).isTrue();
        assertThat(IndexerHealth.caughtUp(102, 89, 12)).isFalse();
        assertThat(IndexerHealth.caughtUp(100, 50, 12)).isFalse();
    }
}
