package io.cohort.learning.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DirichletTest {

    @Test
    void gammaDrawsHaveMeanAndVarianceAlpha() {
        for (double alpha : new double[] {0.1, 0.5, 1, 2.5, 10}) {
            // given
            SplittableRandom random = new SplittableRandom(42);
            int n = 200_000;

            // when
            double sum = 0;
            double sumSquares = 0;
            for (int i = 0; i < n; i++) {
                double g = Dirichlet.gamma(alpha, random);
                assertThat(g).isGreaterThanOrEqualTo(0);
                sum += g;
                sumSquares += g * g;
            }

            // then: Gamma(α, 1) has mean α and variance α; 6 standard errors of slack
            double mean = sum / n;
            double variance = sumSquares / n - mean * mean;
            assertThat(mean)
                    .as("mean, alpha %s", alpha)
                    .isCloseTo(alpha, within(6 * Math.sqrt(alpha / n)));
            assertThat(variance)
                    .as("variance, alpha %s", alpha)
                    .isCloseTo(alpha, within(0.03 * alpha));
        }
    }

    @Test
    void drawsAreProportionsWithTheDirichletMean() {
        // given
        SplittableRandom random = new SplittableRandom(7);
        double[] mean = new double[4];

        // when
        for (int t = 0; t < 20_000; t++) {
            double[] p = Dirichlet.draw(4, 0.5, random);
            assertThat(Arrays.stream(p).sum()).isCloseTo(1, within(1e-12));
            assertThat(Arrays.stream(p).min().orElseThrow()).isGreaterThanOrEqualTo(0);
            for (int k = 0; k < 4; k++) {
                mean[k] += p[k] / 20_000;
            }
        }

        // then: a symmetric Dirichlet's mean is uniform
        for (double m : mean) {
            assertThat(m).isCloseTo(0.25, within(0.01));
        }
    }

    @Test
    void vanishingAlphaGivesEverythingToOneClient() {
        SplittableRandom random = new SplittableRandom(1);

        double[] p = Dirichlet.draw(5, 1e-12, random);

        assertThat(Arrays.stream(p).max().orElseThrow()).isEqualTo(1.0);
        assertThat(Arrays.stream(p).sum()).isEqualTo(1.0);
    }
}
