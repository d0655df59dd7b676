package io.cohort.learning.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cohort.learning.aggregate.Vectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ModelPoisoningTest {

    private static final Behaviour HONEST = new Honest();

    @Test
    void honestSendsWhatItTrained() {
        // given
        float[] own = {1, 2};
        RoundView view = Views.of(1, 0, List.of(own), List.of(HONEST));
        // when // then
        assertThat(HONEST.submit(own, view)).containsExactly(1, 2);
        assertThat(HONEST.honest()).isTrue();
    }

    @Test
    void signFlipNegatesAndScales() {
        // given
        Behaviour attack = new SignFlip(3);
        float[] own = {1, -2, 0.5f};
        RoundView view = Views.of(1, 0, List.of(own), List.of(attack));
        // when
        float[] sent = attack.submit(own, view);
        // then
        assertThat(sent).containsExactly(-3, 6, -1.5f);
        assertThat(own).containsExactly(1, -2, 0.5f);
        assertThatThrownBy(() -> new SignFlip(0)).hasMessageContaining("positive");
    }

    @Test
    void ipmSendsMinusEpsilonTimesTheBenignMean() {
        // given: three benign updates with mean (2, 2), one attacker whose own update is ignored
        Behaviour attack = new Ipm(0.5);
        List<float[]> trained =
                List.of(
                        new float[] {1, 2},
                        new float[] {3, 6},
                        new float[] {2, -2},
                        new float[] {100, 100});
        RoundView view = Views.of(1, 3, trained, List.of(HONEST, HONEST, HONEST, attack));
        // when
        float[] sent = attack.submit(trained.get(3), view);
        // then
        assertThat(sent).containsExactly(-1, -1);
    }

    @Test
    void ipmWithColluderKnowledgeAveragesTheAttackersOwnUpdates() {
        // given
        Behaviour attack = new Ipm(2, Knowledge.COLLUDERS);
        List<float[]> trained = List.of(new float[] {9, 9}, new float[] {1, 0}, new float[] {3, 2});
        RoundView view = Views.of(1, 1, trained, List.of(HONEST, attack, attack));
        // when // then: −2 · mean((1, 0), (3, 2))
        assertThat(attack.submit(trained.get(1), view)).containsExactly(-4, -2);
    }

    @Test
    void statisticsAttacksRefuseARoundWithoutTheirKnowledge() {
        Behaviour attack = new Ipm(1);
        float[] own = {1};
        RoundView view = Views.of(1, 0, List.of(own), List.of(attack));
        assertThatThrownBy(() -> attack.submit(own, view))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IPM with BENIGN knowledge needs at least one honest");
    }

    @Test
    void alieSendsTheMeanMinusZStandardDeviations() {
        // given: benign coordinate 0 is {0, 2, 4} (mean 2, sample std 2), coordinate 1 constant
        Behaviour attack = new Alie(1.5);
        List<float[]> trained =
                List.of(
                        new float[] {0, 10},
                        new float[] {2, 10},
                        new float[] {4, 10},
                        new float[] {-50, -50});
        RoundView view = Views.of(2, 3, trained, List.of(HONEST, HONEST, HONEST, attack));
        // when
        float[] sent = attack.submit(trained.get(3), view);
        // then
        assertThat(sent).containsExactly(-1, 10);
    }

    @Test
    void alieZMaxFollowsThePapersFormula() {
        // n = 5, f = 1: s = ⌊5/2 + 1⌋ − 1 = 2, z = Φ⁻¹(3/5)
        assertThat(Alie.zMax(5, 1)).isCloseTo(0.2533471031357998, within(1e-8));
        // n = 50, f = 12: s = 14, z = Φ⁻¹(36/50)
        assertThat(Alie.zMax(50, 12)).isCloseTo(0.5828415072712162, within(1e-8));
        assertThat(Alie.zMax(6, 1)).isCloseTo(0, within(1e-12));
        assertThat(Alie.forCohort(50, 12).z()).isEqualTo(Alie.zMax(50, 12));
        assertThat(Alie.inverseNormal(0.975)).isCloseTo(1.9599639845400536, within(1e-8));
        assertThat(Alie.inverseNormal(0.01)).isCloseTo(-2.3263478740408408, within(1e-8));
        assertThatThrownBy(() -> Alie.zMax(5, 3)).hasMessageContaining("1 <= f <= n/2");
    }

    @Test
    void gaussianNoiseReplacesTheUpdateWithNoiseOfTheRightScale() {
        // given
        Behaviour attack = new GaussianNoise(0.1);
        float[] own = new float[20_000];
        Arrays.fill(own, 5);
        List<float[]> trained = List.of(own, new float[own.length]);
        RoundView view = Views.of(1, 0, trained, List.of(attack, attack));
        // when
        float[] sent = attack.submit(own, view);
        // then
        assertThat(attack.trains()).isFalse();
        assertThat(Views.mean(sent)).isCloseTo(0, within(0.003));
        assertThat(Views.std(sent)).isCloseTo(0.1, within(0.002));
        assertThat(attack.submit(own, view)).containsExactly(sent);
        assertThat(attack.submit(own, view.as(1))).isNotEqualTo(sent);
    }

    @Test
    void freeRiderSendsZerosOrNoiseThatDecays() {
        // given
        float[] zero = new float[20_000];
        Behaviour plain = FreeRider.plain();
        FreeRider disguised = new FreeRider(0.01, 0.5);
        List<float[]> trained = List.of(zero, zero);
        // when
        float[] silent = plain.submit(zero, Views.of(3, 0, trained, List.of(plain, disguised)));
        float[] noisy = disguised.submit(zero, Views.of(3, 1, trained, List.of(plain, disguised)));
        // then: σ_3 = 0.01 · 0.5²
        assertThat(silent).containsOnly(0f);
        assertThat(disguised.sigma(1)).isEqualTo(0.01);
        assertThat(disguised.sigma(3)).isEqualTo(0.0025);
        assertThat(Views.std(noisy)).isCloseTo(0.0025, within(0.0001));
        assertThat(plain.trains()).isFalse();
    }

    @Test
    void sybilClonesAreNearIdenticalButNotIdentical() {
        // given: five identities share one Sybil instance, two clients are honest
        Behaviour sybil = new Sybil(new SignFlip(1), 1e-4);
        SplittableRandom r = new SplittableRandom(7);
        List<float[]> trained = new ArrayList<>();
        for (int c = 0; c < 7; c++) {
            float[] u = new float[1000];
            for (int i = 0; i < u.length; i++) {
                u[i] = (float) r.nextGaussian();
            }
            trained.add(u);
        }
        List<Behaviour> behaviours = List.of(HONEST, sybil, sybil, sybil, sybil, sybil, HONEST);
        // when
        List<float[]> sent = new ArrayList<>();
        for (int c = 1; c <= 5; c++) {
            RoundView view = Views.of(1, c, trained, behaviours);
            assertThat(view.group()).containsExactly(1, 2, 3, 4, 5);
            sent.add(sybil.submit(trained.get(c), view));
        }
        // then: each is −(the leader's update) plus noise of norm ≈ 1e-4 of the update's
        double norm = Vectors.norm(trained.get(1));
        float[] leaderFlipped = new SignFlip(1).submit(trained.get(1), null);
        for (int a = 0; a < 5; a++) {
            double off = Vectors.distance(sent.get(a), leaderFlipped) / norm;
            assertThat(off).isBetween(0.5e-4, 2e-4);
            for (int b = a + 1; b < 5; b++) {
                double apart = Vectors.distance(sent.get(a), sent.get(b)) / norm;
                assertThat(apart).isGreaterThan(0).isLessThan(3e-4);
            }
        }
    }

    @Test
    void claimingReportsTheClaimAndIsNotHonest() {
        Behaviour liar = new Honest().claiming(1_000_000);
        assertThat(liar.reportedSamples(200)).isEqualTo(1_000_000);
        assertThat(new Honest().reportedSamples(200)).isEqualTo(200);
        assertThat(liar.honest()).isFalse();
        assertThat(liar.name()).isEqualTo("honest+claims(1000000)");
    }

    @Test
    void seedsDifferPerRoundClientAndStream() {
        long a = RoundView.derive(1, 1, 0, RoundView.SUBMIT_STREAM);
        assertThat(a).isEqualTo(RoundView.derive(1, 1, 0, RoundView.SUBMIT_STREAM));
        assertThat(
                        Set.of(
                                a,
                                RoundView.derive(1, 2, 0, RoundView.SUBMIT_STREAM),
                                RoundView.derive(1, 1, 1, RoundView.SUBMIT_STREAM),
                                RoundView.derive(1, 1, 0, RoundView.DATA_STREAM),
                                RoundView.derive(2, 1, 0, RoundView.SUBMIT_STREAM)))
                .hasSize(5);
    }
}
