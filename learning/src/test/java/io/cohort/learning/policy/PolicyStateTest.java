package io.cohort.learning.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.aggregate.SybilDefence;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A policy restored from a saved state scores the next round as the one that saved it. */
class PolicyStateTest {

    static PolicyFixtures fx;
    static float[] global;
    static List<ScoringPolicy.Received> round;

    @BeforeAll
    static void inputs() throws Exception {
        fx = new PolicyFixtures(1200, 4, 2);
        global = PolicyFixtures.initial();
        round = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            round.add(
                    new ScoringPolicy.Received(
                            "0xhonest" + c,
                            PolicyFixtures.dense(fx.honestUpdate(global, c, 1)),
                            fx.clients.get(c).size(),
                            c));
        }
        float[] honest = fx.honestUpdate(global, 0, 1);
        float[] flipped = new float[honest.length];
        float[] clone = new float[honest.length];
        for (int i = 0; i < honest.length; i++) {
            flipped[i] = -2 * honest[i];
            clone[i] = 0.5f * honest[i] + 1e-4f * ((i * 31) % 7 - 3);
        }
        float[] twin = clone.clone();
        twin[0] += 1e-6f; // other bytes, the same direction: a Sybil pair, not a duplicate
        round.add(new ScoringPolicy.Received("0xflipped", PolicyFixtures.dense(flipped), 10, 10));
        round.add(new ScoringPolicy.Received("0xsybil-a", PolicyFixtures.dense(clone), 10, 11));
        round.add(new ScoringPolicy.Received("0xsybil-b", PolicyFixtures.dense(twin), 10, 12));
    }

    @Test
    void aRestoredPolicyScoresTheNextRoundBitForBitAsTheOneThatSavedIt() {
        // given: two rounds scored, the state saved
        ScoringPolicy running = fx.policy();
        running.score(1, global, round);
        running.score(2, global, round);
        byte[] state = running.saveState();
        ScoringPolicy restored = fx.policy();
        // when
        restored.restoreState(state);
        // then
        assertThat(restored.saveState()).isEqualTo(state);
        ScoringPolicy.Outcome expected = running.score(3, global, round);
        ScoringPolicy.Outcome got = restored.score(3, global, round);
        assertThat(got.report()).isEqualTo(expected.report());
        assertThat(got.modelHash()).isEqualTo(expected.modelHash());
        // the state is what makes round 3: a fresh policy judges it otherwise (no outlier record)
        assertThat(expected.flags())
                .extracting(ScoringPolicy.Flag::trainer)
                .contains("0xflipped", "0xsybil-a", "0xsybil-b");
        assertThat(fx.policy().score(3, global, round).report()).isNotEqualTo(expected.report());
    }

    @Test
    void aStateOfAnotherPolicyModelRootDataOrTrainingIsRefused() {
        // given
        ScoringPolicy running = fx.policy();
        running.score(1, global, round);
        byte[] state = running.saveState();
        var otherSettings =
                new ScoringPolicy(
                        PolicyFixtures.MLP,
                        fx.root,
                        fx.validation,
                        PolicyFixtures.LOCAL,
                        new CohortPolicy(4, 0.01, 0, 4, 3, 0.1, new SybilDefence()));
        var otherRoot =
                new ScoringPolicy(
                        PolicyFixtures.MLP,
                        fx.root.slice(0, fx.root.size() - 1),
                        fx.validation,
                        PolicyFixtures.LOCAL,
                        new CohortPolicy());
        var otherTraining =
                new ScoringPolicy(
                        PolicyFixtures.MLP,
                        fx.root,
                        fx.validation,
                        PolicyFixtures.LOCAL.withEpochs(2),
                        new CohortPolicy());
        var otherModel =
                new ScoringPolicy(
                        io.cohort.learning.model.ModelSpec.mnistMlp(8),
                        fx.root,
                        fx.validation,
                        PolicyFixtures.LOCAL,
                        new CohortPolicy());
        // then
        for (ScoringPolicy other : List.of(otherSettings, otherRoot, otherTraining, otherModel)) {
            byte[] before = other.saveState();
            assertThatThrownBy(() -> other.restoreState(state))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("another version, settings, model, root data");
            assertThat(other.saveState()).isEqualTo(before);
        }
        // and a process computing with another PyTorch thread count
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        try {
            System.setProperty(
                    "ai.djl.pytorch.num_threads", Integer.toString(Integer.parseInt(threads) + 1));
            ScoringPolicy otherThreads = fx.policy();
            assertThatThrownBy(() -> otherThreads.restoreState(state))
                    .hasMessageContaining("another version, settings, model, root data");
        } finally {
            System.setProperty("ai.djl.pytorch.num_threads", threads);
        }
    }

    @Test
    void damagedStatesAreRefusedWithTheirReasonAndChangeNothing() {
        // given
        ScoringPolicy running = fx.policy();
        running.score(1, global, round);
        byte[] state = running.saveState();
        ScoringPolicy target = fx.policy();
        target.score(1, global, round.subList(0, 4));
        byte[] before = target.saveState();
        int counts = PolicyStateCodec.MAGIC.length + PolicyStateCodec.FINGERPRINT_BYTES;
        byte[] hugeCount = state.clone();
        ByteBuffer.wrap(hugeCount).putInt(counts, -1); // 4 billion cosine records
        byte[] trailing = Arrays.copyOf(state, state.length + 1);
        byte[] notAState = "{}".getBytes();
        // then
        assertRefused(target, Arrays.copyOf(state, state.length - 3), "truncated");
        assertRefused(target, trailing, "1 bytes after the end");
        assertRefused(target, hugeCount, "4294967295 cosine records in");
        assertRefused(target, notAState, "not a cohort-policy-state/1 file");
        assertThat(target.saveState()).isEqualTo(before);
    }

    private static void assertRefused(ScoringPolicy target, byte[] state, String reason) {
        assertThatThrownBy(() -> target.restoreState(state))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(reason);
    }
}
