package io.cohort.learning.bench;

import io.cohort.learning.aggregate.Aggregator;
import io.cohort.learning.aggregate.CohortPolicy;
import io.cohort.learning.aggregate.CoordinateMedian;
import io.cohort.learning.aggregate.FedAvg;
import io.cohort.learning.aggregate.MultiKrum;
import io.cohort.learning.aggregate.Rejection;
import io.cohort.learning.aggregate.SybilDefence;
import io.cohort.learning.aggregate.TrimmedMean;
import io.cohort.learning.attack.Alie;
import io.cohort.learning.attack.Backdoor;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.FreeRider;
import io.cohort.learning.attack.GaussianNoise;
import io.cohort.learning.attack.Honest;
import io.cohort.learning.attack.Ipm;
import io.cohort.learning.attack.Knowledge;
import io.cohort.learning.attack.LabelFlip;
import io.cohort.learning.attack.MinMax;
import io.cohort.learning.attack.SignFlip;
import io.cohort.learning.attack.Sybil;
import io.cohort.learning.attack.Trigger;
import io.cohort.learning.data.IdxLoader;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.data.Partitioner;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.sim.Simulation;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The attack matrix of issue 5: for every attack at every attacker fraction (and for no attack),
 * every aggregation rule, every seed, one federated run of the MNIST CNN on Dirichlet(α)
 * partitions; prints one CSV line per run with the final accuracy, the backdoor success rate (in
 * the runs of other attacks and the clean run: the rate at which that model calls the same
 * triggered test images the target), the attackers' share of the aggregation weight (their share of
 * the rewards), and how many honest trainers were ever flagged, with who, why and in how many
 * rounds (c7 outlier/fltrust-cosine x2). Run by {@code bench/attack-matrix}.
 *
 * <p>Arguments as {@code key=value}: {@code dataset} (fashion), {@code trainers} (20), {@code
 * rounds} (30), {@code seeds} (1,2,3), {@code fractions} (0.1,0.2,0.3), {@code attacks} (all),
 * {@code rules} (fedavg,median,trimmed-mean,multi-krum,cohort), {@code train} (training samples
 * used, 0 = all), {@code alpha} (0.5), {@code batch} (32), {@code lr} (0.02), {@code root} (samples
 * held out as the evaluator's root data, 500), {@code root-epochs} (the epochs the evaluator trains
 * its reference for on them, 1, as a trainer trains on its own data), and for Cohort's policy
 * {@code window}, {@code persistence} and {@code margin} (its defaults, {@link CohortPolicy#WINDOW}
 * and so on), {@code diag} (a file for per-round, per-client metrics and each round's test
 * accuracy), {@code noise} (1.0: for the attacks {@code alie-noisy}, {@code alie-colluders-noisy},
 * {@code ipm-noisy} and {@code min-max-noisy}, not among the default nine (nor is {@code
 * alie-colluders}, ALIE on the attackers' own updates), each attacker adds independent Gaussian
 * noise of this norm relative to the crafted update, as a {@link Sybil} group does), {@code cache}
 * (a directory where every local training's update is kept and from which the same training's
 * update is taken again: {@link TrainingCache}; none by default) and {@code cache-gb} (16: its
 * size, the least recently used updates deleted beyond it). The last column, {@code reused}, says
 * how many of the run's local trainings came from the cache ({@code 590/620}); empty without one.
 */
public final class AttackMatrix {

    /** Every attack the matrix knows, in table order. */
    static final List<String> ATTACKS =
            List.of(
                    "sign-flip",
                    "gaussian",
                    "label-flip",
                    "alie",
                    "ipm",
                    "min-max",
                    "backdoor",
                    "free-rider",
                    "sybil");

    private static final int BACKDOOR_TARGET = 0;

    private AttackMatrix() {}

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        IdxLoader.Split split = BenchData.split(o.dataset);
        PrintStream out = System.out;
        out.println(
                "seed,attack,fraction,rule,final_accuracy,best_accuracy,backdoor_success,"
                        + "attacker_share,honest_flagged,seconds,honest_flag_reasons,reused");
        if (o.cache != null) {
            long freed = TrainingCache.trim(o.cache, o.cacheBytes);
            if (freed > 0) {
                System.err.printf(
                        Locale.ROOT,
                        "training cache %s: %.1f GB of least recently used updates deleted%n",
                        o.cache,
                        freed / 1e9);
            }
        }
        for (long seed : o.seeds) {
            LabeledData train = split.train();
            if (o.train > 0 && o.train < train.size()) {
                train =
                        train.subset(
                                Arrays.copyOf(Partitioner.iid(train, 1, seed).get(0), o.train));
            }
            Partitioner.Holdout holdout =
                    Partitioner.validationSplit(train, (double) o.root / train.size(), seed);
            List<LabeledData> parts = new ArrayList<>();
            for (int[] p : Partitioner.dirichlet(holdout.train(), o.trainers, o.alpha, seed)) {
                parts.add(holdout.train().subset(p));
            }
            for (String attack : o.attacks) {
                List<Double> fractions = attack.equals("none") ? List.of(0.0) : o.fractions;
                for (double fraction : fractions) {
                    int attackers = (int) Math.round(fraction * o.trainers);
                    for (String rule : o.rules) {
                        long t0 = System.nanoTime();
                        Result r =
                                runOne(
                                        o,
                                        split.test(),
                                        holdout.heldOut(),
                                        parts,
                                        seed,
                                        attack,
                                        attackers,
                                        rule);
                        out.printf(
                                Locale.ROOT,
                                "%d,%s,%.2f,%s,%.4f,%.4f,%s,%.4f,%d,%.0f,%s,%s%n",
                                seed,
                                attack,
                                fraction,
                                rule,
                                r.finalAccuracy,
                                r.bestAccuracy,
                                Double.isNaN(r.backdoor)
                                        ? ""
                                        : String.format(Locale.ROOT, "%.4f", r.backdoor),
                                r.attackerShare,
                                r.honestFlagged,
                                (System.nanoTime() - t0) / 1e9,
                                r.honestFlagReasons,
                                r.reused);
                        out.flush();
                    }
                }
            }
        }
    }

    private record Result(
            double finalAccuracy,
            double bestAccuracy,
            double backdoor,
            double attackerShare,
            int honestFlagged,
            String honestFlagReasons,
            String reused) {}

    private static Result runOne(
            Options o,
            LabeledData test,
            LabeledData root,
            List<LabeledData> parts,
            long seed,
            String attack,
            int attackers,
            String rule) {
        int n = parts.size();
        List<Behaviour> behaviours = new ArrayList<>();
        Behaviour malicious =
                attack.equals("none") ? null : behaviour(attack, n, attackers, o.noise);
        for (int c = 0; c < n; c++) {
            behaviours.add(c < attackers ? malicious : new Honest());
        }
        if (attack.equals("sybil")) {
            // groups of up to 5 identities, each group one shared Sybil instance
            for (int c = 0; c < attackers; c++) {
                if (c % 5 == 0) {
                    malicious = new Sybil(new SignFlip(4.0));
                }
                behaviours.set(c, malicious);
            }
        }
        Simulation.Builder b =
                Simulation.builder(
                                ModelSpec.mnistCnn(seed),
                                parts,
                                test,
                                TrainConfig.sgd(1, o.batch, o.lr, seed))
                        .behaviours(behaviours)
                        .aggregator(aggregator(rule, n, Math.max(1, attackers), o))
                        .root(root)
                        .referenceEpochs(o.rootEpochs)
                        .seed(seed)
                        .out(null);
        // every run, not only the backdoor's: in the others, the same triggered images measure how
        // often a model that never saw the trigger calls them the target anyway, the floor that a
        // backdoor's success stands on
        b.backdoorTest(Trigger.whiteSquare(4).testSet(test, BACKDOOR_TARGET));
        TrainingCache cache = o.cache == null ? null : new TrainingCache(o.cache);
        if (cache != null) {
            b.training(cache);
        }
        List<Simulation.Round> rounds = b.build().run(o.rounds);
        if (o.diag != null) {
            writeDiagnostics(o.diag, seed, attack, attackers, rule, rounds);
        }
        Simulation.Round last = rounds.get(rounds.size() - 1);
        double best = rounds.stream().mapToDouble(r -> r.test().accuracy()).max().orElse(0);
        double share = 0;
        Set<Integer> flagged = new HashSet<>();
        Map<String, Integer> reasons = new TreeMap<>();
        for (Simulation.Round r : rounds) {
            for (int c = 0; c < attackers; c++) {
                share += r.weights()[c];
            }
            for (Rejection j : r.rejections()) {
                if (j.index() >= attackers) {
                    flagged.add(j.index());
                    // who, why, by which metric, in how many rounds
                    reasons.merge(
                            "c" + j.index() + " " + j.reason() + "/" + j.metric(), 1, Integer::sum);
                }
            }
        }
        return new Result(
                last.test().accuracy(),
                best,
                last.backdoorSuccess(),
                share / rounds.size(),
                flagged.size(),
                reasons.entrySet().stream()
                        .map(e -> e.getKey() + " x" + e.getValue())
                        .collect(Collectors.joining(";")),
                cache == null ? "" : cache.hits() + "/" + (cache.hits() + cache.misses()));
    }

    /**
     * Appends one CSV line per round and client to {@code file}: the norm, the policy's cosine
     * (when the rule reports one), the weight and the rejection, so thresholds can be tuned from
     * data.
     */
    private static void writeDiagnostics(
            java.nio.file.Path file,
            long seed,
            String attack,
            int attackers,
            String rule,
            List<Simulation.Round> rounds) {
        StringBuilder sb = new StringBuilder();
        // a file begun before the max-history-cosine or the accuracy column keeps its columns
        boolean maxHistoryColumn = true;
        boolean accuracyColumn = true;
        if (!java.nio.file.Files.exists(file)) {
            sb.append(
                    "seed,attack,attackers,rule,round,client,attacker,norm,cosine,record,weight,flag,"
                            + "max-history-cosine,accuracy\n");
        } else {
            try (var lines = java.nio.file.Files.lines(file)) {
                String header = lines.findFirst().orElse("");
                accuracyColumn = header.endsWith(",accuracy");
                maxHistoryColumn = accuracyColumn || header.endsWith(",max-history-cosine");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        for (Simulation.Round r : rounds) {
            double[] norms = r.metrics().get("l2-norm") instanceof double[] d ? d : null;
            double[] cos = r.metrics().get("cosine") instanceof double[] d ? d : null;
            double[] record = r.metrics().get("record") instanceof double[] d ? d : null;
            // the rule's metrics are over the clients it was given (non-finite ones are not)
            int[] given =
                    r.metrics().get("aggregated-clients") instanceof int[] k
                            ? k
                            : java.util.stream.IntStream.range(0, r.weights().length).toArray();
            // the Sybil defence's largest history cosine to another trainer, by position
            double[] maxHistory = new double[r.weights().length];
            Arrays.fill(maxHistory, Double.NaN);
            if (r.metrics().get("sybil") instanceof Map<?, ?> sy
                    && sy.get("max-history-cosine") instanceof double[] mh
                    && r.metrics().get("sybil-indices") instanceof int[] si) {
                for (int j = 0; j < si.length; j++) {
                    maxHistory[si[j]] = mh[j];
                }
            }
            int[] position = new int[r.weights().length];
            Arrays.fill(position, -1);
            for (int j = 0; j < given.length; j++) {
                position[given[j]] = j;
            }
            for (int c = 0; c < r.weights().length; c++) {
                int client = c;
                int at = position[c];
                String flag =
                        r.rejections().stream()
                                .filter(j -> j.index() == client)
                                .map(j -> j.reason() + "/" + j.metric())
                                .findFirst()
                                .orElse("");
                sb.append(
                        String.format(
                                Locale.ROOT,
                                "%d,%s,%d,%s,%d,%d,%b,%.6g,%.6g,%.6g,%.6g,%s%s%s%n",
                                seed,
                                attack,
                                attackers,
                                rule,
                                r.round(),
                                c,
                                c < attackers,
                                norms == null || at < 0 ? Double.NaN : norms[at],
                                cos == null || at < 0 ? Double.NaN : cos[at],
                                record == null || at < 0 ? Double.NaN : record[at],
                                r.weights()[c],
                                flag,
                                !maxHistoryColumn
                                        ? ""
                                        : String.format(
                                                Locale.ROOT,
                                                ",%.6g",
                                                at < 0 ? Double.NaN : maxHistory[at]),
                                // the global model's test accuracy after the round, on every row
                                accuracyColumn
                                        ? String.format(Locale.ROOT, ",%.4f", r.test().accuracy())
                                        : ""));
            }
        }
        try {
            java.nio.file.Files.writeString(
                    file,
                    sb,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Behaviour behaviour(String attack, int n, int attackers, double noise) {
        return switch (attack) {
            case "sign-flip" -> new SignFlip(4.0);
            case "gaussian" -> new GaussianNoise(0.05);
            case "label-flip" -> new LabelFlip();
            case "alie" -> Alie.forCohort(n, attackers);
            case "ipm" -> new Ipm(0.5);
            case "min-max" -> new MinMax();
            case "backdoor" ->
                    new Backdoor(
                            BACKDOOR_TARGET,
                            Trigger.whiteSquare(4),
                            Backdoor.replacementBoost(n, attackers));
            case "free-rider" -> FreeRider.plain();
            case "sybil" -> new Sybil(new SignFlip(4.0));
            // ALIE on the attackers' own honestly trained updates: all Cohort's sealing leaves them
            case "alie-colluders" -> new Alie(Alie.zMax(n, attackers), Knowledge.COLLUDERS);
            case "alie-noisy", "alie-colluders-noisy", "ipm-noisy", "min-max-noisy" ->
                    // colluders that each add independent noise to the shared crafted update, to
                    // stay under the clone threshold and meet the cosine tests instead
                    new Sybil(
                            behaviour(
                                    attack.substring(0, attack.length() - 6), n, attackers, noise),
                            noise);
            default -> throw new IllegalArgumentException("unknown attack " + attack);
        };
    }

    /**
     * @param f the number of attackers the robust rules are told to expect (at least 1)
     */
    static Aggregator aggregator(String rule, int n, int f, Options o) {
        return switch (rule) {
            case "fedavg" -> new FedAvg(Long.MAX_VALUE);
            case "median" -> new CoordinateMedian();
            case "trimmed-mean" -> new TrimmedMean(f);
            case "multi-krum" -> new MultiKrum(f, n - f);
            case "cohort" ->
                    new CohortPolicy(
                            CohortPolicy.NORM_FACTOR,
                            CohortPolicy.FREE_RIDER_RATIO,
                            CohortPolicy.MIN_COSINE,
                            o.window,
                            o.persistence,
                            o.margin,
                            new SybilDefence());
            default -> throw new IllegalArgumentException("unknown rule " + rule);
        };
    }

    private static List<String> withNone(List<String> attacks) {
        List<String> all = new ArrayList<>();
        all.add("none");
        all.addAll(attacks);
        return all;
    }

    private static final class Options {
        String dataset = "fashion";
        int trainers = 20;
        int rounds = 30;
        List<Long> seeds = List.of(1L, 2L, 3L);
        List<Double> fractions = List.of(0.1, 0.2, 0.3);
        List<String> attacks = withNone(ATTACKS);
        List<String> rules = List.of("fedavg", "median", "trimmed-mean", "multi-krum", "cohort");
        int train;
        double alpha = 0.5;
        int batch = 32;
        float lr = 0.02f;
        int root = 500;
        int rootEpochs = 1;
        java.nio.file.Path diag;
        int window = CohortPolicy.WINDOW;
        int persistence = CohortPolicy.PERSISTENCE;
        double margin = CohortPolicy.FLAG_MARGIN;
        double noise = 1.0;
        java.nio.file.Path cache;
        long cacheBytes = 16_000_000_000L;

        static Options parse(String[] args) {
            Options o = new Options();
            for (String a : args) {
                int eq = a.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("arguments are key=value, got " + a);
                }
                String k = a.substring(0, eq);
                String v = a.substring(eq + 1);
                switch (k) {
                    case "dataset" -> o.dataset = v;
                    case "trainers" -> o.trainers = Integer.parseInt(v);
                    case "rounds" -> o.rounds = Integer.parseInt(v);
                    case "seeds" ->
                            o.seeds = Arrays.stream(v.split(",")).map(Long::valueOf).toList();
                    case "fractions" ->
                            o.fractions = Arrays.stream(v.split(",")).map(Double::valueOf).toList();
                    case "attacks" -> o.attacks = v.equals("all") ? ATTACKS : List.of(v.split(","));
                    case "rules" -> o.rules = List.of(v.split(","));
                    case "train" -> o.train = Integer.parseInt(v);
                    case "alpha" -> o.alpha = Double.parseDouble(v);
                    case "batch" -> o.batch = Integer.parseInt(v);
                    case "lr" -> o.lr = Float.parseFloat(v);
                    case "root" -> o.root = Integer.parseInt(v);
                    case "root-epochs" -> o.rootEpochs = Integer.parseInt(v);
                    case "diag" -> o.diag = java.nio.file.Path.of(v);
                    case "window" -> o.window = Integer.parseInt(v);
                    case "persistence" -> o.persistence = Integer.parseInt(v);
                    case "margin" -> o.margin = Double.parseDouble(v);
                    case "noise" -> o.noise = Double.parseDouble(v);
                    case "cache" -> o.cache = v.isEmpty() ? null : java.nio.file.Path.of(v);
                    case "cache-gb" ->
                            o.cacheBytes = (long) (Double.parseDouble(v) * 1_000_000_000L);
                    default -> throw new IllegalArgumentException("unknown argument " + k);
                }
            }
            return o;
        }
    }
}
