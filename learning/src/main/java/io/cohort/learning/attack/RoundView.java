package io.cohort.learning.attack;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * One round as a simulated trainer sees it when it chooses what to submit. It holds every client's
 * honestly trained update, which only an omniscient or colluding attacker would know; each attack
 * documents which part it reads ({@link Knowledge}).
 *
 * @param round the round, from 1
 * @param client the index of the trainer this view is for
 * @param global {@code G_r}, flat; not to be modified
 * @param trained every client's update trained on its {@link Behaviour#trainingData} from {@code
 *     G_r}, in client order (a zero vector for clients that do not {@link Behaviour#trains()}); not
 *     to be modified
 * @param behaviours every client's behaviour, in client order
 * @param seed the simulation's attack seed
 */
public record RoundView(
        int round,
        int client,
        float[] global,
        List<float[]> trained,
        List<Behaviour> behaviours,
        long seed) {

    /** Stream of the draws a behaviour makes when it submits ({@link #random()}). */
    public static final int SUBMIT_STREAM = 0;

    /** Stream of the draws a behaviour makes when it poisons its data. */
    public static final int DATA_STREAM = 1;

    public RoundView {
        trained = List.copyOf(trained);
        behaviours = List.copyOf(behaviours);
        if (round < 1) {
            throw new IllegalArgumentException("rounds count from 1, got " + round);
        }
        if (trained.size() != behaviours.size()) {
            throw new IllegalArgumentException(
                    trained.size() + " trained updates but " + behaviours.size() + " behaviours");
        }
        if (client < 0 || client >= behaviours.size()) {
            throw new IllegalArgumentException(
                    "client " + client + " is not one of the " + behaviours.size() + " clients");
        }
        for (int c = 0; c < trained.size(); c++) {
            if (trained.get(c).length != global.length) {
                throw new IllegalArgumentException(
                        "client "
                                + c
                                + "'s update has "
                                + trained.get(c).length
                                + " values, the global model "
                                + global.length);
            }
        }
    }

    /** The number of clients, n. */
    public int clients() {
        return behaviours.size();
    }

    /** The number of clients that are not {@link Behaviour#honest()}, f. */
    public int attackers() {
        int f = 0;
        for (Behaviour b : behaviours) {
            if (!b.honest()) {
                f++;
            }
        }
        return f;
    }

    /** This trainer's own trained update. */
    public float[] own() {
        return trained.get(client);
    }

    /** The trained updates of the {@link Behaviour#honest()} clients, in client order. */
    public List<float[]> benignUpdates() {
        List<float[]> out = new ArrayList<>();
        for (int c = 0; c < behaviours.size(); c++) {
            if (behaviours.get(c).honest()) {
                out.add(trained.get(c));
            }
        }
        return out;
    }

    /**
     * The trained updates of the clients that are not honest but train, in client order: what
     * colluding attackers can pool from their own data.
     */
    public List<float[]> attackerUpdates() {
        List<float[]> out = new ArrayList<>();
        for (int c = 0; c < behaviours.size(); c++) {
            Behaviour b = behaviours.get(c);
            if (!b.honest() && b.trains()) {
                out.add(trained.get(c));
            }
        }
        return out;
    }

    /**
     * The clients that share this client's behaviour instance (the same object), ascending; this
     * client is among them. A Sybil group is one instance given to several identities.
     */
    public int[] group() {
        Behaviour mine = behaviours.get(client);
        return IntStream.range(0, behaviours.size())
                .filter(c -> behaviours.get(c) == mine)
                .toArray();
    }

    /** The same round as client {@code other} sees it. */
    public RoundView as(int other) {
        return new RoundView(round, other, global, trained, behaviours, seed);
    }

    /** A generator for this client's submission draws in this round. */
    public SplittableRandom random() {
        return new SplittableRandom(derive(seed, round, client, SUBMIT_STREAM));
    }

    /**
     * The seed of one client's draws in one round for one purpose: SplitMix64's finaliser applied
     * to the seed and each of round, client and stream in turn, so nearby arguments give unrelated
     * seeds.
     */
    public static long derive(long seed, int round, int client, int stream) {
        long h = mix(seed);
        h = mix(h + 0x9E3779B97F4A7C15L * (round + 1L));
        h = mix(h + 0xC2B2AE3D27D4EB4FL * (client + 1L));
        return mix(h + 0x165667B19E3779F9L * (stream + 1L));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
