package io.cohort.node.round;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which updates copy another trainer's update of a void round. */
class VoidRoundCopiesTest {

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

    @Test
    void anExactCopyOfAnotherTrainersVoidUpdateIsNamedWithItsRoundAndCosine() {
        float[] honest = {0.5f, -1.5f, 2f, 0.25f};
        var earlier =
                List.of(
                        new VoidRoundCopies.Earlier(
                                3, A.toUpperCase().replace("0X", "0x"), honest));

        assertThat(VoidRoundCopies.copyOf(B, honest.clone(), earlier))
                .isEqualTo(
                        "cosine 1.000000 (threshold 0.99) to the update of "
                                + A
                                + " in void round 3");
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
        var earlier = List.of(new VoidRoundCopies.Earlier(0, A, honest));

        assertThat(VoidRoundCopies.copyOf(B, noisy, earlier)).contains("to the update of " + A);
        // 8 degrees: cosine 0.9903, a copy; 8.2 degrees: 0.9898, not
        assertThat(
                        VoidRoundCopies.copyOf(
                                B, at(8), List.of(new VoidRoundCopies.Earlier(0, A, at(0)))))
                .startsWith("cosine 0.9902");
        assertThat(
                        VoidRoundCopies.copyOf(
                                B, at(8.2), List.of(new VoidRoundCopies.Earlier(0, A, at(0)))))
                .isNull();
    }

    @Test
    void aTrainerMaySendItsOwnVoidUpdateAgain() {
        float[] own = at(0);

        assertThat(VoidRoundCopies.copyOf(A, own, List.of(new VoidRoundCopies.Earlier(1, A, own))))
                .isNull();
        // the address compares without regard to case (the chain's logs and records differ)
        assertThat(
                        VoidRoundCopies.copyOf(
                                A.toUpperCase().replace("0X", "0x"),
                                own,
                                List.of(new VoidRoundCopies.Earlier(1, A, own))))
                .isNull();
    }

    @Test
    void theFirstMatchingEarlierUpdateIsNamedAndUnrelatedOnesAreSkipped() {
        var earlier =
                List.of(
                        new VoidRoundCopies.Earlier(2, A, at(90)), // orthogonal
                        new VoidRoundCopies.Earlier(2, C, at(180)), // opposite
                        new VoidRoundCopies.Earlier(3, A, at(1)),
                        new VoidRoundCopies.Earlier(3, C, at(0)));

        assertThat(VoidRoundCopies.copyOf(B, at(0), earlier))
                .endsWith("to the update of " + A + " in void round 3");
    }

    @Test
    void zeroUpdatesAndUpdatesOfAnotherLengthAreNeverCopies() {
        var earlier =
                List.of(
                        new VoidRoundCopies.Earlier(0, A, new float[8]),
                        new VoidRoundCopies.Earlier(0, C, new float[] {1, 0}));

        assertThat(VoidRoundCopies.copyOf(B, at(0), earlier)).isNull();
        assertThat(
                        VoidRoundCopies.copyOf(
                                B, new float[8], List.of(new VoidRoundCopies.Earlier(0, A, at(0)))))
                .isNull();
        assertThat(VoidRoundCopies.copyOf(B, at(0), List.of())).isNull();
    }
}
