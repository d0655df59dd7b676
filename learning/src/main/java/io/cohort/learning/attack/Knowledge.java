package io.cohort.learning.attack;

import java.util.List;

/**
 * Which updates an attack that crafts from update statistics (ALIE, IPM, min-max) computes them on.
 */
public enum Knowledge {
    /**
     * Omniscient: the updates the benign trainers trained this round ({@link
     * RoundView#benignUpdates()}), as ALIE, IPM and min-max are evaluated in their papers'
     * strongest setting.
     */
    BENIGN,

    /**
     * Partial: the attackers' own honestly trained updates, pooled among colluders ({@link
     * RoundView#attackerUpdates()}); with one attacker the spread is zero.
     */
    COLLUDERS;

    /**
     * The updates this knowledge gives in {@code view}.
     *
     * @throws IllegalArgumentException when there are none
     */
    List<float[]> updates(RoundView view, String attack) {
        List<float[]> out = this == BENIGN ? view.benignUpdates() : view.attackerUpdates();
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    attack
                            + " with "
                            + this
                            + " knowledge needs at least one "
                            + (this == BENIGN ? "honest" : "training attacker")
                            + " client in the round, there are none");
        }
        return out;
    }
}
