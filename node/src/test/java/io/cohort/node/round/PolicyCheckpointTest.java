package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCheckpointTest {

    @TempDir Path dir;

    private static MarketClient.Settled settled(long round, int cidByte) {
        byte[] cid = new byte[36];
        Arrays.fill(cid, (byte) cidByte);
        return new MarketClient.Settled(round, new byte[32], new byte[36], cid);
    }

    @Test
    void readsBackTheRoundsAndTheStateAndKnowsWhetherTheyStillLeadTheSettledRounds()
            throws Exception {
        // given
        Path file = PolicyCheckpoint.file(dir.resolve("node"), BigInteger.valueOf(7));
        byte[] state = {1, 2, 3, 4, 5};
        // when
        PolicyCheckpoint.write(file, List.of(settled(0, 1), settled(2, 2)), state);
        PolicyCheckpoint.Saved saved = PolicyCheckpoint.read(file).orElseThrow();
        // then
        assertThat(file.getFileName()).hasToString("policy-7.state");
        assertThat(saved.rounds())
                .extracting(PolicyCheckpoint.Round::round)
                .containsExactly(0L, 2L);
        assertThat(saved.state()).isEqualTo(state);
        assertThat(saved.prefixOf(List.of(settled(0, 1), settled(2, 2), settled(3, 3)))).isTrue();
        assertThat(saved.prefixOf(List.of(settled(0, 1), settled(2, 2)))).isTrue();
        // another record for round 2 (a reorganisation), a round missing, fewer settled rounds
        assertThat(saved.prefixOf(List.of(settled(0, 1), settled(2, 9)))).isFalse();
        assertThat(saved.prefixOf(List.of(settled(0, 1), settled(1, 1), settled(2, 2)))).isFalse();
        assertThat(saved.prefixOf(List.of(settled(0, 1)))).isFalse();
        assertThat(PolicyCheckpoint.read(dir.resolve("none.state"))).isEmpty();
    }

    @Test
    void refusesDamagedFilesWithTheirReasonBeforeAllocating() throws Exception {
        // given
        Path file = dir.resolve("policy-1.state");
        PolicyCheckpoint.write(file, List.of(settled(0, 1), settled(1, 2)), new byte[] {9});
        byte[] good = Files.readAllBytes(file);
        int count = PolicyCheckpoint.MAGIC.length;
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).putInt(count, -1);
        byte[] backwards = good.clone();
        ByteBuffer.wrap(backwards).putLong(count + 4 + 8 + 2 + 36, 0); // round 1 becomes 0
        byte[] longCid = good.clone();
        ByteBuffer.wrap(longCid).putShort(count + 4 + 8, (short) 0xFFFF);
        // then
        assertRefused(file, Arrays.copyOf(good, count + 2), "truncated");
        assertRefused(file, Arrays.copyOf(good, count + 4 + 8 + 2 + 10), "a CID of 36 bytes in 10");
        assertRefused(file, huge, "4294967295 rounds in");
        assertRefused(file, backwards, "round 0 after round 0");
        assertRefused(file, longCid, "a CID of 65535 bytes in");
        assertRefused(file, "cohort".getBytes(), "not a cohort-evaluator-policy/1 file");
    }

    private static void assertRefused(Path file, byte[] bytes, String reason) throws Exception {
        Files.write(file, bytes);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PolicyCheckpoint.read(file))
                .withMessageContaining(reason);
    }
}
