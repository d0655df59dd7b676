package io.cohort.learning.codec;

import static io.cohort.learning.codec.UpdateFixtures.gaussian;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cohort.learning.aggregate.Vectors;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** {@link ErrorFeedback}: compression delays parts of an update, it never loses them. */
class UpdateErrorFeedbackTest {

    private static final int N = 5000;
    private static final int ROUNDS = 1000;

    /** Relative L2 distance between what was decoded over the rounds and what was meant. */
    private static double relativeError(double[] decodedSum, float[] update, int rounds) {
        double error = 0;
        double meant = 0;
        for (int i = 0; i < update.length; i++) {
            double m = (double) update[i] * rounds;
            error += (decodedSum[i] - m) * (decodedSum[i] - m);
            meant += m * m;
        }
        return Math.sqrt(error / meant);
    }

    private static void accumulate(double[] sum, byte[] bytes) {
        try {
            float[] decoded = UpdateCodec.decode(bytes, sum.length);
            for (int i = 0; i < sum.length; i++) {
                sum[i] += decoded[i];
            }
        } catch (MalformedUpdateException e) {
            throw new AssertionError("the encoder wrote an update its decoder refuses", e);
        }
    }

    @Test
    void cumulativeDecodedSumConvergesToTheCumulativeTrueSum() {
        // given the same update every round, sent at 1 % and 8 bits
        float[] update = gaussian(N, 1);
        Compression compression = Compression.topK8Bit(0.01);
        ErrorFeedback feedback = new ErrorFeedback(N);
        double[] decodedSum = new double[N];
        double largestResidualFirstHalf = 0;
        double largestResidualSecondHalf = 0;
        double errorAt100 = 0;

        // when
        for (int round = 1; round <= ROUNDS; round++) {
            accumulate(decodedSum, feedback.encode(update, compression));
            double residual = Vectors.norm(feedback.residual());
            if (round <= ROUNDS / 2) {
                largestResidualFirstHalf = Math.max(largestResidualFirstHalf, residual);
            } else {
                largestResidualSecondHalf = Math.max(largestResidualSecondHalf, residual);
            }
            if (round == 100) {
                errorAt100 = relativeError(decodedSum, update, round);
            }
        }

        // then decoded + residual is what was meant (up to the residual's float rounding, about an
        // ulp a round, while one round's update is ~1e-2), the residual stops growing (at about 45
        // times
        // the update's norm: each value waits until it is among the largest 1 %), and the relative
        // error of the cumulative sum shrinks like 1 / rounds (0.375 after 100, 0.045 after 1000)
        float[] residual = feedback.residual();
        for (int i = 0; i < N; i++) {
            double meant = (double) update[i] * ROUNDS;
            assertThat(decodedSum[i] + residual[i])
                    .as("parameter %d", i)
                    .isCloseTo(meant, Offset.offset(ROUNDS * 1e-7 + 1e-5 * Math.abs(meant)));
        }
        assertThat(largestResidualSecondHalf).isLessThanOrEqualTo(1.1 * largestResidualFirstHalf);
        double errorAtEnd = relativeError(decodedSum, update, ROUNDS);
        assertThat(errorAtEnd).isLessThan(0.05).isLessThan(errorAt100 / 5);
    }

    @Test
    void withoutFeedbackTheSameCompressionLosesMostOfTheUpdateForGood() {
        float[] update = gaussian(N, 1);
        double[] decodedSum = new double[N];

        for (int round = 0; round < ROUNDS; round++) {
            accumulate(decodedSum, UpdateCodec.encode(update, Compression.topK8Bit(0.01)));
        }

        assertThat(relativeError(decodedSum, update, ROUNDS)).isGreaterThan(0.8);
    }

    @Test
    void stochasticRoundingFeedbackConvergesToo() {
        float[] update = gaussian(N, 2);
        ErrorFeedback feedback = new ErrorFeedback(N);
        double[] decodedSum = new double[N];

        for (int round = 0; round < ROUNDS; round++) {
            Compression compression = Compression.topK8Bit(0.05).withStochasticRounding(round);
            accumulate(decodedSum, feedback.encode(update, compression));
        }

        assertThat(relativeError(decodedSum, update, ROUNDS)).isLessThan(0.05);
    }

    @Test
    void aResumedFeedbackEncodesExactlyAsTheOneItWasSavedFrom() {
        // a restarted trainer reads its residual back from disk and must carry on bit for bit
        float[] update = gaussian(N, 4);
        Compression compression = Compression.topK8Bit(0.02);
        ErrorFeedback running = new ErrorFeedback(N);
        running.encode(update, compression);

        ErrorFeedback resumed = ErrorFeedback.resume(running.residual());

        assertThat(resumed.encode(update, compression))
                .isEqualTo(running.encode(update, compression));
        assertThat(resumed.residual()).isEqualTo(running.residual());
    }

    @Test
    void aResidualWithANonFiniteValueIsRefused() {
        float[] residual = new float[4];
        residual[2] = Float.NaN;

        assertThatThrownBy(() -> ErrorFeedback.resume(residual))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("residual value 2 is NaN");
    }

    @Test
    void losslessCompressionLeavesNoResidual() {
        float[] update = gaussian(N, 3);
        ErrorFeedback feedback = new ErrorFeedback(N);

        feedback.encode(update, Compression.dense());

        assertThat(feedback.residual()).containsOnly(0f);
    }

    @Test
    void theResidualIsWhatTheFirstRoundDidNotSendAndResetForgetsIt() throws Exception {
        float[] update = gaussian(N, 4);
        ErrorFeedback feedback = new ErrorFeedback(N);

        float[] sent = UpdateCodec.decode(feedback.encode(update, Compression.topK8Bit(0.01)), N);

        float[] residual = feedback.residual();
        for (int i = 0; i < N; i++) {
            assertThat(residual[i]).isEqualTo(update[i] - sent[i]);
        }
        feedback.reset();
        assertThat(feedback.residual()).containsOnly(0f);
    }

    @Test
    void anUpdateOfTheWrongLengthIsRefusedAndTheResidualKept() {
        ErrorFeedback feedback = new ErrorFeedback(N);
        feedback.encode(gaussian(N, 5), Compression.topK8Bit(0.01));
        float[] before = feedback.residual();

        assertThatThrownBy(() -> feedback.encode(new float[N + 1], Compression.topK8Bit(0.01)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update of 5001 values")
                .hasMessageContaining("model of 5000");
        float[] nan = new float[N];
        nan[7] = Float.NaN;
        assertThatThrownBy(() -> feedback.encode(nan, Compression.topK8Bit(0.01)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(feedback.residual()).isEqualTo(before);
    }
}
