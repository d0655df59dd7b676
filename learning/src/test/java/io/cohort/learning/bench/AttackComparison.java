package io.cohort.learning.bench;

import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.aggregate.MultiKrum;
import io.cohort.learning.attack.Alie;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.GaussianNoise;
import io.cohort.learning.attack.SignFlip;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Cohort's side of {@code bench/flower-compare}: federated rounds of the MNIST CNN on the
 * partitions {@link ExportPartitions} wrote, with plain FedAvg or Krum, clean and under attack,
 * each scenario from the same initial model ({@code ModelSpec.mnistCnn(seed)}). Prints, per
 * scenario, a {@code #} line, the simulation's per-round table and a summary line that {@code
 * bench/flower_baseline.py} prints in the same format for Flower:
 *
 * <pre>
 * final cohort krum/signflip:5 accuracy 0.9012 best 0.9100 after 20 target 0.9000 reached 7
 * </pre>
 *
 * ({@code reached -} when no round reached the target).
 *
 * <p>Arguments: {@code dataset} (mnist | fashion), {@code partitions.txt}, {@code rounds}, {@code
 * local epochs}, {@code batch}, {@code learning rate}, {@code seed}, {@code f} (attackers: the last
 * {@code f} clients, and the f Krum tolerates), {@code target accuracy}, then scenarios {@code
 * aggregator/attack}: aggregator {@code fedavg} (the simulation's FedAvg weighted by sample counts,
 * as Flower's) or {@code krum} ({@link MultiKrum#krum(int)}, as Flower's {@code Krum} with {@code
 * num_clients_to_keep=0}) or {@code cohort} (Cohort's policy, {@link CohortPolicy}, with the first
 * {@value #ROOT} training samples outside the partitions as its FLTrust root; no Flower
 * counterpart); attack {@code none}, {@code signflip:s} ({@link SignFlip}), {@code gaussian:σ}
 * ({@link GaussianNoise}) or {@code alie} / {@code alie:z} ({@link Alie} on the benign updates,
 * {@code z} by default {@link Alie#zMax(int, int)}).
 */
public final class AttackComparison {

    /** Root samples of the evaluator in the {@code cohort} scenarios, as AttackMatrix's. */
    static final int ROOT = 500;

    private AttackComparison() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 10) {
            throw new IllegalArgumentException(
                    "usage: AttackComparison <mnist|fashion> <partitions.txt> <rounds> <epochs>"
                            + " <batch> <lr> <seed> <f> <target> <aggregator/attack>...");
        }
        String dataset = args[0];
        Path partitions = Path.of(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int epochs = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        float lr = Float.parseFloat(args[5]);
        long seed = Long.parseLong(args[6]);
        int f = Integer.parseInt(args[7]);
        double target = Double.parseDouble(args[8]);
        List<String> scenarios = Arrays.asList(args).subList(9, args.length);

        IdxLoader.Split split = BenchData.split(dataset);
        List<LabeledData> clients = new ArrayList<>();
        boolean[] used = new boolean[split.train().size()];
        for (int[] p : ExportPartitions.readPartitions(partitions, split.train().size())) {
            clients.add(split.train().subset(p));
            for (int i : p) {
                used[i] = true;
            }
        }
        LabeledData root = rootData(split.train(), used);
        int n = clients.size();
        if (f < 0 || f >= n) {
            throw new IllegalArgumentException(
                    "f = " + f + " attackers among " + n + " clients: need 0 <= f < clients");
        }
        ModelSpec spec = ModelSpec.mnistCnn(seed);
        TrainConfig local = TrainConfig.sgd(epochs, batch, lr, seed);
        for (String scenario : scenarios) {
            String[] parts = scenario.split("/", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException(
                        "scenario " + scenario + " is not aggregator/attack, e.g. krum/signflip:5");
            }
            Supplier<Behaviour> attack = attack(parts[1], n, f);
            int attackers = attack == null ? 0 : f;
            System.out.printf(
                    Locale.ROOT,
                    "# cohort %s %s clients=%d attackers=%d rounds=%d epochs=%d batch=%d lr=%s"
                            + " momentum=%s seed=%d%n",
                    dataset,
                    scenario,
                    n,
                    attackers,
                    rounds,
                    epochs,
                    batch,
                    lr,
                    local.momentum(),
                    seed);
            Simulation.Builder sim =
                    Simulation.builder(spec, clients, split.test(), local).out(System.out);
            switch (parts[0]) {
                case "fedavg" -> {} // the simulation's default: FedAvg weighted by sample counts
                case "krum" -> sim.aggregator(MultiKrum.krum(f));
                case "cohort" -> {
                    if (root == null) {
                        throw new IllegalArgumentException(
                                "aggregator cohort needs "
                                        + ROOT
                                        + " training samples outside the partitions for FLTrust;"
                                        + " export fewer (ExportPartitions' training samples)");
                    }
                    sim.aggregator(new CohortPolicy()).root(root);
                }
                default ->
                        throw new IllegalArgumentException(
                                "aggregator must be fedavg, krum or cohort, got " + parts[0]);
            }
            for (int c = n - attackers; c < n; c++) {
                sim.behaviour(c, attack.get());
            }
            List<Simulation.Round> result = sim.build().run(rounds);
            double best = 0;
            String reached = "-";
            for (Simulation.Round r : result) {
                best = Math.max(best, r.test().accuracy());
                if (reached.equals("-") && r.test().accuracy() >= target) {
                    reached = Integer.toString(r.round());
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "final cohort %s accuracy %.4f best %.4f after %d target %.4f reached %s%n",
                    scenario,
                    result.get(result.size() - 1).test().accuracy(),
                    best,
                    result.size(),
                    target,
                    reached);
        }
    }

    /**
     * The evaluator's root data for {@code cohort}: the first {@value #ROOT} training samples no
     * client holds, or null when fewer are left.
     */
    static LabeledData rootData(LabeledData train, boolean[] used) {
        int[] free = new int[ROOT];
        int count = 0;
        for (int i = 0; i < used.length && count < ROOT; i++) {
            if (!used[i]) {
                free[count++] = i;
            }
        }
        return count < ROOT ? null : train.subset(free);
    }

    /** A new attacker per call, or null for {@code none}. */
    static Supplier<Behaviour> attack(String attack, int n, int f) {
        String[] kv = attack.split(":", 2);
        Double value = kv.length == 2 ? Double.valueOf(kv[1]) : null;
        if (!kv[0].equals("none") && f == 0) {
            throw new IllegalArgumentException("attack " + attack + " needs f >= 1 attackers");
        }
        return switch (kv[0]) {
            case "none" -> null;
            case "signflip" -> () -> new SignFlip(required(attack, value));
            case "gaussian" -> () -> new GaussianNoise(required(attack, value));
            case "alie" -> {
                double z = value == null ? Alie.zMax(n, f) : value;
                yield () -> new Alie(z);
            }
            default ->
                    throw new IllegalArgumentException(
                            "attack must be none, signflip:<scale>, gaussian:<sigma> or"
                                    + " alie[:<z>], got "
                                    + attack);
        };
    }

    private static double required(String attack, Double value) {
        if (value == null) {
            throw new IllegalArgumentException(
                    "attack " + attack + " needs a value, e.g. signflip:5 or gaussian:1");
        }
        return value;
    }
}
