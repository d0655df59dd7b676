package io.cohort.learning.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.cohort.learning.aggregate.Vectors;
import io.cohort.learning.attack.MinMax.Perturbation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MinMaxTest {

    @Test
    void lineCaseLandsOnTheFarthestAllowedPoint() {
        // given: benign {1, 3}: mean 2, sample std √2, largest pairwise distance 2
        List<float[]> benign = List.of(new float[] {1}, new float[] {3});
        // when
        MinMax.Crafted std = MinMax.craft(benign, Perturbation.STD, 1e-9);
        MinMax.Crafted sign = MinMax.craft(benign, Perturbation.SIGN, 1e-9);
        MinMax.Crafted unit = MinMax.craft(benign, Perturbation.UNIT_VECTOR, 1e-9);
        // then: every direction points down from 2, and 1 is the lowest point within 2 of 3
        assertThat(std.bound()).isEqualTo(2);
        assertThat(std.gamma()).isCloseTo(1 / Math.sqrt(2), within(1e-6));
        assertThat(sign.gamma()).isCloseTo(1, within(1e-6));
        assertThat(unit.gamma()).isCloseTo(1, within(1e-6));
        for (MinMax.Crafted c : List.of(std, sign, unit)) {
            assertThat(c.update()[0]).isCloseTo(1f, within(1e-5f));
        }
    }

    @Test
    void satisfiesItsDistanceConstraintAndGammaIsMaximal() {
        // given: ten benign updates around a common direction
        SplittableRandom r = new SplittableRandom(3);
        List<float[]> benign = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            float[] u = new float[50];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) (0.3 + r.nextGaussian() * (0.1 + i * 0.01));
            }
            benign.add(u);
        }
        double tolerance = 1e-6;
        for (Perturbation p : Perturbation.values()) {
            // when
            MinMax.Crafted c = MinMax.craft(benign, p, tolerance);
            // then
            assertThat(c.gamma()).as(p.name()).isPositive();
            assertThat(maxDistance(c.update(), benign)).as(p.name()).isLessThanOrEqualTo(c.bound());
            float[] further = scaledCandidate(benign, c.update(), 1 + 1e-4);
            assertThat(maxDistance(further, benign)).as(p.name()).isGreaterThan(c.bound());
        }
    }

    @Test
    void submitsOnTheBenignUpdatesByDefault() {
        // given
        Behaviour attack = new MinMax();
        Behaviour honest = new Honest();
        List<float[]> trained = List.of(new float[] {1}, new float[] {3}, new float[] {1000});
        RoundView view = Views.of(1, 2, trained, List.of(honest, honest, attack));
        // when // then
        assertThat(attack.submit(trained.get(2), view)[0]).isCloseTo(1f, within(1e-5f));
    }

    @Test
    void identicalUpdatesLeaveNoRoomAndGiveTheirMean() {
        List<float[]> same = List.of(new float[] {2, 4}, new float[] {2, 4});
        MinMax.Crafted c = MinMax.craft(same, Perturbation.STD, 1e-6);
        assertThat(c.gamma()).isZero();
        assertThat(c.update()).containsExactly(2, 4);
    }

    /** The mean plus {@code factor} times the offset of {@code update} from it. */
    private static float[] scaledCandidate(List<float[]> benign, float[] update, double factor) {
        double[] mean = Statistics.mean(benign);
        float[] out = new float[mean.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (mean[i] + factor * (update[i] - mean[i]));
        }
        return out;
    }

    private static double maxDistance(float[] m, List<float[]> updates) {
        double max = 0;
        for (float[] u : updates) {
            max = Math.max(max, Vectors.distance(m, u));
        }
        return max;
    }
}
