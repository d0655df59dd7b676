package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
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
        PolicyCheckpoint.write(
                file, List.of(settled(0, 1), settled(2, 2)), out -> out.write(state));
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
        PolicyCheckpoint.write(file, List.of(settled(0, 1), settled(1, 2)), out -> out.write(9));
        byte[] good = Files.readAllBytes(file);
        byte[] body = Arrays.copyOf(good, good.length - PolicyCheckpoint.HASH_BYTES);
        int count = PolicyCheckpoint.MAGIC.length;
        byte[] flipped = good.clone();
        flipped[good.length - PolicyCheckpoint.HASH_BYTES - 1] ^= 1; // the state's byte
        byte[] huge = body.clone();
        ByteBuffer.wrap(huge).putInt(count, -1);
        byte[] none = body.clone();
        ByteBuffer.wrap(none).putInt(count, 0);
        byte[] backwards = body.clone();
        ByteBuffer.wrap(backwards).putLong(count + 4 + 8 + 2 + 36, 0); // round 1 becomes 0
        byte[] longCid = body.clone();
        ByteBuffer.wrap(longCid).putShort(count + 4 + 8, (short) 0xFFFF);
        // then: a flipped bit anywhere, then each structural check behind a matching hash
        assertRefused(file, flipped, "damaged: its SHA-256 does not match");
        assertRefused(file, Arrays.copyOf(good, good.length - 1), "damaged");
        assertRefused(file, hashed(Arrays.copyOf(body, count + 2)), "truncated");
        assertRefused(
                file,
                hashed(Arrays.copyOf(body, count + 4 + 8 + 2 + 10)),
                "a CID of 36 bytes in 10");
        assertRefused(file, hashed(huge), "4294967295 rounds in");
        assertRefused(file, hashed(none), "no settled round");
        assertRefused(file, hashed(backwards), "round 0 after round 0");
        assertRefused(file, hashed(longCid), "a CID of 65535 bytes in");
        assertRefused(file, "cohort".getBytes(), "not a cohort-evaluator-policy/1 file");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PolicyCheckpoint.write(file, List.of(), out -> out.write(9)))
                .withMessageContaining("at least one settled round");
    }

    private static byte[] hashed(byte[] body) throws Exception {
        byte[] hash = MessageDigest.getInstance("SHA-256").digest(body);
        byte[] out = Arrays.copyOf(body, body.length + hash.length);
        System.arraycopy(hash, 0, out, body.length, hash.length);
        return out;
    }

    private static void assertRefused(Path file, byte[] bytes, String reason) throws Exception {
        Files.write(file, bytes);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> PolicyCheckpoint.read(file))
                .withMessageContaining(reason);
    }
}
