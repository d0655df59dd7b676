package io.cohort.learning.sim;

import io.cohort.learning.aggregate.Aggregation;
import io.cohort.learning.aggregate.AggregationContext;
import io.cohort.learning.aggregate.Aggregator;
import io.cohort.learning.aggregate.Rejection;
import io.cohort.learning.aggregate.Submission;
import io.cohort.learning.attack.Behaviour;
import io.cohort.learning.attack.Honest;
import io.cohort.learning.attack.RoundView;
import io.cohort.learning.data.LabeledData;
import io.cohort.learning.model.DjlModel;
import io.cohort.learning.model.Evaluation;
import io.cohort.learning.model.ModelSpec;
import io.cohort.learning.model.TrainConfig;
import io.cohort.learning.model.TrainingListener;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Federated rounds in one process, without chain or IPFS. In each round every client that trains
 * does so locally from the global model {@code G_r} on its partition (or on the data its {@link
 * Behaviour} poisons) and gets {@code local − G_r}; then each client's behaviour turns that into
 * the update it submits (honest clients send it unchanged, attackers craft theirs, possibly from
 * everyone's trained updates), the submission passes through the {@link UpdateTransform}
 * (compression), and the {@link Aggregator} combines the submissions into {@code G_{r+1} − G_r}.
 * The new global model is evaluated on the test set (and on a backdoor test set, if given). Prints
 * one table row per round. Without behaviours and aggregator it is plain FedAvg weighted by sample
 * counts, as {@link #Simulation(ModelSpec, List, LabeledData, TrainConfig, UpdateTransform,
 * PrintStream)} runs it; {@link #builder} configures the rest.
 */
public final class Simulation {

    /**
     * What happens to a client's update between its behaviour and aggregation (compression and
     * decoding). Called once per client per round, in client order, on the update the client's
     * behaviour submits.
     */
    @FunctionalInterface
    public interface UpdateTransform {
        float[] apply(int client, int round, float[] update);

        UpdateTransform NONE = (client, round, update) -> update;
    }

    /**
     * How a client (or the evaluator, for its reference) turns the global model and its data into
     * an update: {@link DjlModel#updateFrom(float[], LabeledData, TrainConfig)} unless the builder
     * is given another, such as one that reuses updates it has already computed from the very same
     * inputs. An implementation must leave the parameters of {@code model} free for the simulation
     * to set: the simulation sets them before every use.
     */
    @FunctionalInterface
    public interface LocalTraining {
        float[] updateFrom(DjlModel model, float[] global, LabeledData data, TrainConfig config);

        LocalTraining DJL = DjlModel::updateFrom;
    }

    /**
     * One round's outcome.
     *
     * @param round from 1
     * @param test the global model on the test set after the round
     * @param backdoorSuccess the attack success rate after the round: the fraction of the backdoor
     *     test set classified as the backdoor's target; NaN without a backdoor test set
     * @param weights the aggregator's weight per client, in client order (empty for central
     *     training)
     * @param rejections the clients the aggregator left out ({@link Rejection#index()} is the
     *     client), with the metric that decided it
     * @param metrics the aggregator's metrics ({@link Aggregation#metrics()})
     * @param seconds wall time of the round
     */
    public record Round(
            int round,
            Evaluation test,
            double backdoorSuccess,
            double[] weights,
            List<Rejection> rejections,
            Map<String, Object> metrics,
            double seconds) {

        public Round {
            weights = weights.clone();
            rejections = List.copyOf(rejections);
            metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }

        /** A round without aggregation details or backdoor test. */
        public Round(int round, Evaluation test, double seconds) {
            this(round, test, Double.NaN, new double[0], List.of(), Map.of(), seconds);
        }

        /** Whether the aggregator left client {@code client} out this round. */
        public boolean rejected(int client) {
            return rejections.stream().anyMatch(j -> j.index() == client);
        }
    }

    /** Stream of {@link RoundView#derive} that seeds the aggregation context. */
    static final int AGGREGATION_STREAM = 2;

    private final ModelSpec spec;
    private final List<LabeledData> clients;
    private final LabeledData test;
    private final TrainConfig local;
    private final UpdateTransform transform;
    private final PrintStream out;
    private final List<Behaviour> behaviours;
    private final Aggregator aggregator;
    private final boolean showRejected;
    private final LabeledData root;
    private final TrainConfig reference;
    private final LabeledData backdoorTest;
    private final long seed;
    private final LocalTraining training;

    /**
     * Honest clients averaged with FedAvg weighted by sample counts.
     *
     * @param clients each client's local data (a partition of the training set)
     * @param local how each client trains in a round (its seed is varied per client and round)
     * @param out where the table goes (null: nowhere)
     */
    public Simulation(
            ModelSpec spec,
            List<LabeledData> clients,
            LabeledData test,
            TrainConfig local,
            UpdateTransform transform,
            PrintStream out) {
        this(builder(spec, clients, test, local).transform(transform).out(out));
    }

    private Simulation(Builder b) {
        this.spec = b.spec;
        this.clients = b.clients;
        this.test = b.test;
        this.local = b.local;
        this.transform = b.transform;
        this.out = b.out;
        this.behaviours = List.copyOf(b.behaviours);
        this.aggregator = b.aggregator == null ? new SampleWeightedMean() : b.aggregator;
        this.showRejected = b.aggregator != null;
        this.root = b.root;
        this.reference = b.referenceEpochs == 0 ? b.local : b.local.withEpochs(b.referenceEpochs);
        this.backdoorTest = b.backdoorTest;
        this.seed = b.seed;
        this.training = b.training;
    }

    /**
     * A simulation of honest clients averaged with FedAvg, to which behaviours, an aggregator, a
     * root dataset and a backdoor test set can be added.
     *
     * @param clients each client's local data (a partition of the training set); client {@code c}
     *     submits as {@code "client-" + c}
     * @param local how each client trains in a round (its seed is varied per client and round)
     */
    public static Builder builder(
            ModelSpec spec, List<LabeledData> clients, LabeledData test, TrainConfig local) {
        return new Builder(spec, clients, test, local);
    }

    /** Configures a {@link Simulation}; every setting but the four of {@link #builder} optional. */
    public static final class Builder {
        private final ModelSpec spec;
        private final List<LabeledData> clients;
        private final LabeledData test;
        private final TrainConfig local;
        private final List<Behaviour> behaviours;
        private UpdateTransform transform = UpdateTransform.NONE;
        private PrintStream out;
        private Aggregator aggregator;
        private LabeledData root;
        private int referenceEpochs;
        private LabeledData backdoorTest;
        private long seed;
        private LocalTraining training = LocalTraining.DJL;

        private Builder(
                ModelSpec spec, List<LabeledData> clients, LabeledData test, TrainConfig local) {
            if (clients.isEmpty()) {
                throw new IllegalArgumentException("a simulation needs at least one client");
            }
            this.spec = Objects.requireNonNull(spec, "spec");
            this.clients = List.copyOf(clients);
            this.test = Objects.requireNonNull(test, "test");
            this.local = Objects.requireNonNull(local, "local");
            this.behaviours = new ArrayList<>(Collections.nCopies(clients.size(), new Honest()));
            this.seed = local.seed();
        }

        /** One behaviour per client, in client order (default: all {@link Honest}). */
        public Builder behaviours(List<? extends Behaviour> all) {
            if (all.size() != clients.size()) {
                throw new IllegalArgumentException(
                        all.size()
                                + " behaviours for "
                                + clients.size()
                                + " clients: give one per client");
            }
            for (int c = 0; c < all.size(); c++) {
                behaviour(c, all.get(c));
            }
            return this;
        }

        /**
         * The behaviour of client {@code client}. Give the same instance to several clients to make
         * them one {@link io.cohort.learning.attack.Sybil} group.
         */
        public Builder behaviour(int client, Behaviour behaviour) {
            if (client < 0 || client >= clients.size()) {
                throw new IllegalArgumentException(
                        "client " + client + " is not one of the " + clients.size() + " clients");
            }
            behaviours.set(client, Objects.requireNonNull(behaviour, "behaviour"));
            return this;
        }

        /**
         * The aggregation rule (default: FedAvg weighted by reported sample counts). Setting one
         * adds a {@code rejected} column to the table.
         */
        public Builder aggregator(Aggregator aggregator) {
            this.aggregator = Objects.requireNonNull(aggregator, "aggregator");
            return this;
        }

        /**
         * The evaluator's root dataset: each round the evaluator trains on it from {@code G_r} as a
         * client would, and the update is the {@link AggregationContext#reference()} (FLTrust).
         * Without it the reference is null.
         */
        public Builder root(LabeledData root) {
            this.root = root;
            return this;
        }

        /**
         * How many epochs the evaluator trains its reference on the root data (default: the
         * clients' local epochs). Cohort's policy rescales every accepted update to the reference's
         * norm, so this sets the size of every round's step: a root much smaller than a client's
         * data makes it small (BENCHMARKS.md, "Why the policy's clean run is below FedAvg's").
         */
        public Builder referenceEpochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException(
                        "referenceEpochs must be at least 1, got " + epochs);
            }
            this.referenceEpochs = epochs;
            return this;
        }

        /**
         * A test set whose every sample carries a trigger and is labelled with the backdoor's
         * target ({@link io.cohort.learning.attack.Trigger#testSet}); the model's accuracy on it is
         * the attack success rate. Setting one adds an {@code asr} column to the table.
         */
        public Builder backdoorTest(LabeledData backdoorTest) {
            this.backdoorTest = backdoorTest;
            return this;
        }

        /** What happens to each submitted update before aggregation (default: nothing). */
        public Builder transform(UpdateTransform transform) {
            this.transform = Objects.requireNonNull(transform, "transform");
            return this;
        }

        /** Where the table goes (default null: nowhere). */
        public Builder out(PrintStream out) {
            this.out = out;
            return this;
        }

        /**
         * The seed of the behaviours' draws and of the aggregation context (default: the local
         * training config's seed).
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How every local training is done (default: {@link LocalTraining#DJL}). */
        public Builder training(LocalTraining training) {
            this.training = Objects.requireNonNull(training, "training");
            return this;
        }

        public Simulation build() {
            return new Simulation(this);
        }
    }

    /** Runs {@code rounds} rounds from the spec's initial model. */
    public List<Round> run(int rounds) {
        List<Round> results = new ArrayList<>();
        int n = clients.size();
        try (DjlModel model = DjlModel.create(spec)) {
            float[] global = model.parameters();
            print(header());
            for (int r = 1; r <= rounds; r++) {
                long t0 = System.nanoTime();
                List<float[]> trained = new ArrayList<>(n);
                for (int c = 0; c < n; c++) {
                    Behaviour b = behaviours.get(c);
                    if (b.trains()) {
                        SplittableRandom draws =
                                new SplittableRandom(
                                        RoundView.derive(seed, r, c, RoundView.DATA_STREAM));
                        LabeledData data = b.trainingData(clients.get(c), r, draws);
                        trained.add(trainFrom(model, global, data, local, c, r));
                    } else {
                        trained.add(new float[global.length]);
                    }
                }
                float[] current = global.clone();
                List<Submission> submissions = new ArrayList<>(n);
                for (int c = 0; c < n; c++) {
                    Behaviour b = behaviours.get(c);
                    RoundView view = new RoundView(r, c, current, trained, behaviours, seed);
                    float[] sent = transform.apply(c, r, b.submit(trained.get(c), view));
                    if (sent.length != global.length) {
                        throw new IllegalStateException(
                                "client "
                                        + c
                                        + " ("
                                        + b.name()
                                        + ") submitted "
                                        + sent.length
                                        + " values, the model has "
                                        + global.length);
                    }
                    submissions.add(
                            new Submission(
                                    "client-" + c, sent, b.reportedSamples(clients.get(c).size())));
                }
                float[] reference =
                        root == null ? null : trainFrom(model, global, root, this.reference, n, r);
                // the evaluator's decoder rejects non-finite updates before any aggregator sees
                // them (ScoringPolicy, flag "non-finite"); a model that diverged makes every
                // trainer's update non-finite, and the round then leaves the model as it is
                List<Integer> kept = new ArrayList<>(n);
                List<Rejection> nonFinite = new ArrayList<>();
                for (int c = 0; c < n; c++) {
                    int bad = nonFinite(submissions.get(c).update());
                    if (bad == 0) {
                        kept.add(c);
                    } else {
                        nonFinite.add(new Rejection(c, "non-finite", "non-finite-values", bad, 0));
                    }
                }
                Aggregation a;
                if (kept.isEmpty()) {
                    a =
                            new Aggregation(
                                    new float[global.length],
                                    new double[n],
                                    nonFinite,
                                    Map.of("fallback", "zero-update"));
                } else {
                    List<Submission> finite = new ArrayList<>(kept.size());
                    for (int c : kept) {
                        finite.add(submissions.get(c));
                    }
                    a =
                            aggregator.aggregate(
                                    finite,
                                    new AggregationContext(
                                            r,
                                            current,
                                            reference,
                                            RoundView.derive(seed, r, n, AGGREGATION_STREAM)));
                    check(a, kept.size(), global.length);
                    a = widen(a, kept, nonFinite, n);
                }
                float[] update = a.update();
                for (int i = 0; i < global.length; i++) {
                    global[i] += update[i];
                }
                model.setParameters(global);
                Evaluation e = model.evaluate(test, 500);
                double asr =
                        backdoorTest == null
                                ? Double.NaN
                                : model.evaluate(backdoorTest, 500).accuracy();
                double seconds = (System.nanoTime() - t0) / 1e9;
                Round round =
                        new Round(r, e, asr, a.weights(), a.rejections(), a.metrics(), seconds);
                results.add(round);
                print(row(round));
            }
        }
        return results;
    }

    /**
     * {@code model} trained from {@code global} on {@code data} with {@code config}, minus {@code
     * global}, seeded for client {@code c} in round {@code r} (the reference is client n).
     */
    private float[] trainFrom(
            DjlModel model, float[] global, LabeledData data, TrainConfig config, int c, int r) {
        return training.updateFrom(
                model, global, data, config.withSeed(local.seed() * 1_000_003L + r * 1009L + c));
    }

    /** How many values of {@code update} are NaN or infinite. */
    private static int nonFinite(float[] update) {
        int bad = 0;
        for (float v : update) {
            if (!Float.isFinite(v)) {
                bad++;
            }
        }
        return bad;
    }

    /**
     * The aggregation of the finite submissions {@code kept} as one over all {@code n} clients:
     * weights and rejection indices by client, the non-finite rejections added, and metric {@code
     * aggregated-clients} saying which clients the aggregator's own per-submission metrics are of.
     */
    private static Aggregation widen(
            Aggregation a, List<Integer> kept, List<Rejection> nonFinite, int n) {
        if (nonFinite.isEmpty()) {
            return a;
        }
        double[] weights = new double[n];
        List<Rejection> rejections = new ArrayList<>(nonFinite);
        for (int j = 0; j < kept.size(); j++) {
            weights[kept.get(j)] = a.weights()[j];
        }
        for (Rejection x : a.rejections()) {
            rejections.add(
                    new Rejection(
                            kept.get(x.index()), x.reason(), x.metric(), x.value(), x.threshold()));
        }
        rejections.sort(Comparator.comparingInt(Rejection::index));
        Map<String, Object> metrics = new LinkedHashMap<>(a.metrics());
        metrics.put("aggregated-clients", kept.stream().mapToInt(Integer::intValue).toArray());
        return new Aggregation(a.update(), weights, rejections, metrics);
    }

    private void check(Aggregation a, int n, int size) {
        if (a == null
                || a.update() == null
                || a.weights() == null
                || a.rejections() == null
                || a.metrics() == null) {
            throw new IllegalStateException(
                    "aggregator "
                            + aggregator.name()
                            + " returned an aggregation with a missing part: "
                            + a);
        }
        if (a.update().length != size || a.weights().length != n) {
            throw new IllegalStateException(
                    "aggregator "
                            + aggregator.name()
                            + " returned an update of "
                            + a.update().length
                            + " values and "
                            + a.weights().length
                            + " weights, expected "
                            + size
                            + " and "
                            + n);
        }
    }

    private String header() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-6s %-9s %-8s ", "round", "accuracy", "loss"));
        if (backdoorTest != null) {
            s.append(String.format(Locale.ROOT, "%-8s ", "asr"));
        }
        if (showRejected) {
            s.append(String.format(Locale.ROOT, "%-8s ", "rejected"));
        }
        s.append(String.format(Locale.ROOT, "%-8s", "seconds"));
        return s.toString();
    }

    private String row(Round round) {
        StringBuilder s = new StringBuilder();
        s.append(
                String.format(
                        Locale.ROOT,
                        "%-6d %-9.4f %-8.4f ",
                        round.round(),
                        round.test().accuracy(),
                        round.test().loss()));
        if (backdoorTest != null) {
            s.append(String.format(Locale.ROOT, "%-8.4f ", round.backdoorSuccess()));
        }
        if (showRejected) {
            s.append(String.format(Locale.ROOT, "%-8d ", round.rejections().size()));
        }
        s.append(String.format(Locale.ROOT, "%-8.1f", round.seconds()));
        return s.toString();
    }

    /**
     * Trains one model on all the data for {@code epochs} epochs: the ceiling of federated runs.
     */
    public static List<Round> central(
            ModelSpec spec,
            LabeledData train,
            LabeledData test,
            TrainConfig config,
            int epochs,
            PrintStream out) {
        List<Round> results = new ArrayList<>();
        try (DjlModel model = DjlModel.create(spec)) {
            for (int e = 1; e <= epochs; e++) {
                long t0 = System.nanoTime();
                TrainConfig one =
                        new TrainConfig(
                                1,
                                config.batchSize(),
                                config.learningRate(),
                                config.optimizer(),
                                config.momentum(),
                                config.seed() + e);
                model.train(train, one, TrainingListener.NONE, () -> false);
                Evaluation ev = model.evaluate(test, 500);
                results.add(new Round(e, ev, (System.nanoTime() - t0) / 1e9));
                if (out != null) {
                    out.printf(
                            Locale.ROOT,
                            "central epoch %d: accuracy %.4f loss %.4f%n",
                            e,
                            ev.accuracy(),
                            ev.loss());
                }
            }
        }
        return results;
    }

    private void print(String line) {
        if (out != null) {
            out.println(line);
            out.flush();
        }
    }
}
