package io.cohort.learning.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.attack.Alie;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.FreeRider;
import io.cohort.learning.attack.GaussianNoise;
import io.cohort.learning.attack.Honest;
import io.cohort.learning.attack.Ipm;
import io.cohort.learning.attack.LabelFlip;
import io.cohort.learning.attack.MinMax;
import io.cohort.learning.attack.SignFlip;
import io.cohort.learning.attack.Sybil;
import io.cohort.learning.sim.Simulation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cohort's policy in the simulation with 3 of 10 trainers attacking: the model ends within {@link
 * #MARGIN} of the clean run, the attackers earn at most 2 % of the weight (the rewards), and in the
 * clean run no honest trainer is flagged.
 */
class PolicyUnderAttackTest {

    static final int CLIENTS = 10;
    static final int ATTACKERS = 3;
    static final int ROUNDS = 4;
    static final double MARGIN = 0.05;

    static PolicyFixtures fx;
    static List<Simulation.Round> clean;

    @BeforeAll
    static void cleanRun() throws Exception {
        fx = new PolicyFixtures(2500, CLIENTS, 5);
        clean = run(Honest::new);
    }

    static List<Simulation.Round> run(Supplier<Behaviour> attack) {
        List<Behaviour> behaviours = new ArrayList<>();
        Behaviour shared = attack.get();
        for (int c = 0; c < CLIENTS; c++) {
            behaviours.add(c < ATTACKERS ? shared : new Honest());
        }
        return Simulation.builder(
                        PolicyFixtures.MLP, fx.clients, fx.validation, PolicyFixtures.LOCAL)
                .behaviours(behaviours)
                .aggregator(new CohortPolicy())
                .root(fx.root)
                .seed(5)
                .out(null)
                .build()
                .run(ROUNDS);
    }

    @Test
    void theCleanRunLearnsAndFlagsNoHonestTrainer() {
        assertThat(last(clean)).isGreaterThan(0.6);
        for (Simulation.Round r : clean) {
            assertThat(r.rejections()).as("round %d", r.round()).isEmpty();
        }
    }

    @Test
    void signFlip() {
        holds("sign-flip", () -> new SignFlip(4));
    }

    @Test
    void gaussianNoise() {
        holds("gaussian", () -> new GaussianNoise(0.05));
    }

    @Test
    void labelFlip() {
        holds("label-flip", LabelFlip::new);
    }

    @Test
    void alie() {
        holds("alie", () -> Alie.forCohort(CLIENTS, ATTACKERS));
    }

    @Test
    void ipm() {
        holds("ipm", () -> new Ipm(0.5));
    }

    @Test
    void minMax() {
        holds("min-max", MinMax::new);
    }

    @Test
    void freeRider() {
        holds("free-rider", FreeRider::plain);
    }

    @Test
    void sybilClones() {
        holds("sybil", () -> new Sybil(new SignFlip(4)));
    }

    private static void holds(String name, Supplier<Behaviour> attack) {
        List<Simulation.Round> attacked = run(attack);
        double share = 0;
        for (Simulation.Round r : attacked) {
            for (int c = 0; c < ATTACKERS; c++) {
                share += r.weights()[c];
            }
        }
        share /= attacked.size();
        assertThat(last(attacked))
                .as("%s: final accuracy against the clean run's %.4f", name, last(clean))
                .isGreaterThan(last(clean) - MARGIN);
        assertThat(share).as("%s: the attackers' mean share of the weight", name).isLessThan(0.02);
    }

    private static double last(List<Simulation.Round> rounds) {
        return rounds.get(rounds.size() - 1).test().accuracy();
    }
}
