package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which updates copy another trainer's update of an earlier round. */
class EarlierCopiesTest {

    private static final String A = "0x00000000000000000000000000000000000000aa";
    private static final String B = "0x00000000000000000000000000000000000000bb";
    private static final String C = "0x00000000000000000000000000000000000000cc";

    /** A unit vector at {@code degrees} from the first axis, in the plane of the first two. */
    private static float[] at(double degrees) {
        float[] v = new float[8];
        v[0] = (float) Math.cos(Math.toRadians(degrees));
        v[1] = (float) Math.sin(Math.toRadians(degrees));
        return v;
    }

    private static EarlierCopies.Earlier voided(long round, String trainer, float[] update) {
        return new EarlierCopies.Earlier(round, false, trainer, update);
    }

    @Test
    void anExactCopyIsNamedWithItsTrainerRoundAndCosine() {
        float[] honest = {0.5f, -1.5f, 2f, 0.25f};

        assertThat(
                        EarlierCopies.copyOf(
                                B,
                                honest.clone(),
                                List.of(voided(3, A.toUpperCase().replace("0X", "0x"), honest))))
                .isEqualTo(
                        "cosine 1.000000 (threshold 0.99) to the update of "
                                + A
                                + " in void round 3");
        assertThat(
                        EarlierCopies.copyOf(
                                B,
                                honest.clone(),
                                List.of(new EarlierCopies.Earlier(2, true, A, honest))))
                .endsWith(" in settled round 2");
    }

    @Test
    void aCopyWithNoiseOrRescaledIsStillACopyWhileItsCosineReachesTheThreshold() {
        Random random = new Random(7);
        float[] honest = new float[1000];
        for (int i = 0; i < honest.length; i++) {
            honest[i] = (float) random.nextGaussian();
        }
        float[] noisy = new float[honest.length];
        for (int i = 0; i < honest.length; i++) {
            // noise of a tenth of each coordinate's scale: cosine about 0.995
            noisy[i] = 3 * (honest[i] + 0.1f * (float) random.nextGaussian());
        }

        assertThat(EarlierCopies.copyOf(B, noisy, List.of(voided(0, A, honest))))
                .contains("to the update of " + A);
        // 8 degrees: cosine 0.9903, a copy; 8.2 degrees: 0.9898, not
        assertThat(EarlierCopies.copyOf(B, at(8), List.of(voided(0, A, at(0)))))
                .startsWith("cosine 0.9902");
        assertThat(EarlierCopies.copyOf(B, at(8.2), List.of(voided(0, A, at(0))))).isNull();
    }

    @Test
    void aTrainerMaySendItsOwnEarlierUpdateAgain() {
        float[] own = at(0);

        assertThat(EarlierCopies.copyOf(A, own, List.of(voided(1, A, own)))).isNull();
        // the address compares without regard to case (the chain's logs and records differ)
        assertThat(
                        EarlierCopies.copyOf(
                                A.toUpperCase().replace("0X", "0x"),
                                own,
                                List.of(voided(1, A, own))))
                .isNull();
    }

    @Test
    void theFirstMatchingEarlierUpdateIsNamedAndUnrelatedOnesAreSkipped() {
        var earlier =
                List.of(
                        voided(2, A, at(90)), // orthogonal
                        voided(2, C, at(180)), // opposite
                        voided(3, A, at(1)),
                        voided(3, C, at(0)));

        assertThat(EarlierCopies.copyOf(B, at(0), earlier))
                .endsWith("to the update of " + A + " in void round 3");
    }

    @Test
    void zeroUpdatesAndUpdatesOfAnotherLengthAreNeverCopies() {
        var earlier = List.of(voided(0, A, new float[8]), voided(0, C, new float[] {1, 0}));

        assertThat(EarlierCopies.copyOf(B, at(0), earlier)).isNull();
        assertThat(EarlierCopies.copyOf(B, new float[8], List.of(voided(0, A, at(0))))).isNull();
        assertThat(EarlierCopies.copyOf(B, at(0), List.of())).isNull();
    }
}
