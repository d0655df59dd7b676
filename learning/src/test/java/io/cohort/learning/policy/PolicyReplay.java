package io.cohort.learning.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores two rounds of fixed inputs (honest trainers plus a free rider and a sign flipper) and
 * prints one line per round: the round, the report's SHA-256 and the model hash. Run in separate
 * JVMs by {@link PolicyDeterminismTest}; the lines must match byte for byte.
 */
public final class PolicyReplay {

    private PolicyReplay() {}

    public static void main(String[] args) throws Exception {
        for (String line : replay()) {
            System.out.println(line);
        }
    }

    static List<String> replay() throws Exception {
        PolicyFixtures fx = new PolicyFixtures(1200, 5, 11);
        ScoringPolicy policy = fx.policy();
        float[] global = PolicyFixtures.initial();
        List<String> lines = new ArrayList<>();
        for (int round = 1; round <= 2; round++) {
            List<ScoringPolicy.Received> received = new ArrayList<>();
            for (int c = 0; c < 5; c++) {
                float[] u = fx.honestUpdate(global, c, round);
                if (c == 4) {
                    for (int i = 0; i < u.length; i++) {
                        u[i] = -2 * u[i];
                    }
                }
                received.add(
                        new ScoringPolicy.Received(
                                "0xtrainer" + c, PolicyFixtures.dense(u), 100 + c, c));
            }
            received.add(
                    new ScoringPolicy.Received(
                            "0xfreerider", PolicyFixtures.dense(new float[global.length]), 100, 9));
            ScoringPolicy.Outcome o = policy.score(round, global, received);
            lines.add(
                    "round "
                            + round
                            + " report "
                            + ScoringPolicy.sha256(o.report())
                            + " model "
                            + o.modelHash());
            global = o.nextGlobal();
        }
        return lines;
    }
}
