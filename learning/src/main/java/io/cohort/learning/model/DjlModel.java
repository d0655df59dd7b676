package io.cohort.learning.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import io.cohort.learning.data.LabeledData;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * A {@link ModelSpec} as a DJL model on the PyTorch engine (CPU): deterministic initialisation,
 * parameters as one flat float array, local training and evaluation.
 *
 * <p><b>Parameter order</b> (the flat array every update, aggregate and file uses): layer by layer
 * in spec order; within a layer conv2d and dense give {@code weight} then {@code bias}, batchnorm
 * gives {@code gamma, beta, runningMean, runningVar}; each tensor row-major. Conv2d weights are
 * {@code [filters, inChannels, k, k]}, dense weights {@code [units, inputs]} (as in PyTorch).
 * {@link #layout()} lists names, shapes and offsets.
 *
 * <p><b>Initialisation</b> does not take its values from the engine's random generator (DJL's
 * initializer fills the parameters first; they are overwritten): weights are drawn from
 * U(−1/√fanIn, 1/√fanIn) (PyTorch's default bound for Linear and Conv2d) and biases likewise, with
 * a {@link SplittableRandom} seeded by the spec's seed, in parameter order, so the same spec gives
 * bit-identical parameters on every machine. Batchnorm starts at gamma 1, beta 0, mean 0, var 1.
 */
public final class DjlModel implements AutoCloseable {

    static {
        // PyTorch's thread pools are sized once per process; keep them small and fixed so results
        // and timings are reproducible (callers may override with the same properties).
        if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(defaultThreads()));
        }
        if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        }
    }

    /** A flat-array slot: the parameter's DJL name, shape and offset. */
    public record Slot(String name, long[] shape, int offset, int length) {}

    private final ModelSpec spec;
    private final Model model;
    private final Shape inputShape;
    private final List<Slot> layout;
    private final int size;

    private DjlModel(ModelSpec spec, Model model, Shape inputShape) {
        this.spec = spec;
        this.model = model;
        this.inputShape = inputShape;
        List<Slot> slots = new ArrayList<>();
        int offset = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            long[] shape = p.getValue().getArray().getShape().getShape();
            int len = Math.toIntExact(p.getValue().getArray().size());
            slots.add(new Slot(p.getKey(), shape, offset, len));
            offset += len;
        }
        this.layout = List.copyOf(slots);
        this.size = offset;
    }

    /** Builds the spec's model and initialises it deterministically from the spec's seed. */
    public static DjlModel create(ModelSpec spec) {
        spec.validate();
        Model model =
                Model.newInstance(
                        spec.name() == null ? "model" : spec.name(), Device.cpu(), "PyTorch");
        try {
            SequentialBlock block = new SequentialBlock();
            for (LayerSpec l : spec.layers()) {
                block.add(layer(l));
            }
            model.setBlock(block);
            long[] dims = new long[spec.inputShape().length + 1];
            dims[0] = 1;
            for (int i = 0; i < spec.inputShape().length; i++) {
                dims[i + 1] = spec.inputShape()[i];
            }
            Shape input = new Shape(dims);
            block.initialize(model.getNDManager(), DataType.FLOAT32, input);
            DjlModel m = new DjlModel(spec, model, input);
            m.setParameters(initialParameters(spec, m.layout));
            return m;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static Block layer(LayerSpec l) {
        return switch (l.type()) {
            case "conv2d" ->
                    Conv2d.builder()
                            .setKernelShape(new Shape(l.kernel(), l.kernel()))
                            .optStride(new Shape(l.strideOr(1), l.strideOr(1)))
                            .optPadding(new Shape(l.paddingOrZero(), l.paddingOrZero()))
                            .setFilters(l.filters())
                            .build();
            case "maxpool" ->
                    Pool.maxPool2dBlock(
                            new Shape(l.kernel(), l.kernel()),
                            new Shape(l.strideOr(l.kernel()), l.strideOr(l.kernel())));
            case "dense" -> Linear.builder().setUnits(l.units()).build();
            case "flatten" -> Blocks.batchFlattenBlock();
            case "relu" -> Activation.reluBlock();
            case "dropout" -> new SeededDropout(l.rate().floatValue());
            case "batchnorm" -> BatchNorm.builder().build();
            default -> throw new InvalidSpecException("unknown layer type " + l.type());
        };
    }

    /**
     * The deterministic initial parameters of {@code spec} in the flat order (see the class doc).
     */
    static float[] initialParameters(ModelSpec spec, List<Slot> layout) {
        int total = 0;
        for (Slot s : layout) {
            total += s.length();
        }
        float[] out = new float[total];
        SplittableRandom random = new SplittableRandom(spec.seed());
        double bound = 0;
        for (Slot s : layout) {
            String n = s.name().toLowerCase(java.util.Locale.ROOT);
            if (n.endsWith("weight")) {
                long fanIn = 1;
                for (int d = 1; d < s.shape().length; d++) {
                    fanIn *= s.shape()[d];
                }
                bound = 1.0 / Math.sqrt(fanIn);
                fill(out, s, random, bound);
            } else if (n.endsWith("bias")) {
                fill(out, s, random, bound);
            } else if (n.endsWith("gamma") || n.endsWith("runningvar")) {
                java.util.Arrays.fill(out, s.offset(), s.offset() + s.length(), 1f);
            } // beta and running mean stay 0
        }
        return out;
    }

    private static void fill(float[] out, Slot s, SplittableRandom random, double bound) {
        for (int i = 0; i < s.length(); i++) {
            out[s.offset() + i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** Names, shapes and offsets of the parameters in the flat array. */
    public List<Slot> layout() {
        return layout;
    }

    /** Number of floats in the flat parameter array. */
    public int parameterCount() {
        return size;
    }

    /** The parameters as one flat array (see the class doc for the order). */
    public float[] parameters() {
        float[] out = new float[size];
        int i = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            float[] values = p.getValue().getArray().toFloatArray();
            System.arraycopy(values, 0, out, layout.get(i).offset(), values.length);
            i++;
        }
        return out;
    }

    /** Replaces every parameter from a flat array of {@link #parameterCount()} floats. */
    public void setParameters(float[] flat) {
        if (flat.length != size) {
            throw new IllegalArgumentException(
                    "model " + spec.name() + " has " + size + " parameters, got " + flat.length);
        }
        int i = 0;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            Slot s = layout.get(i++);
            float[] part = java.util.Arrays.copyOfRange(flat, s.offset(), s.offset() + s.length());
            p.getValue().getArray().set(part);
        }
    }

    /**
     * A trainer's update: sets the parameters to {@code global}, trains on {@code data} with {@code
     * config}, and returns the trained parameters minus {@code global}. The model keeps the trained
     * parameters.
     */
    public float[] updateFrom(float[] global, LabeledData data, TrainConfig config) {
        return updateFrom(global, data, config, TrainingListener.NONE);
    }

    /** {@link #updateFrom(float[], LabeledData, TrainConfig)}, reporting every batch. */
    public float[] updateFrom(
            float[] global, LabeledData data, TrainConfig config, TrainingListener listener) {
        setParameters(global);
        train(data, config, listener, () -> false);
        float[] update = parameters();
        for (int i = 0; i < update.length; i++) {
            update[i] -= global[i];
        }
        return update;
    }

    /**
     * Trains on {@code data} from the current parameters.
     *
     * @param cancelled polled before every batch; when it answers true training stops with a {@link
     *     CancellationException} and the parameters are those after the last finished batch
     * @return the mean loss of the last epoch
     */
    public float train(
            LabeledData data,
            TrainConfig config,
            TrainingListener listener,
            BooleanSupplier cancelled) {
        checkData(data);
        List<NDArray> states = new ArrayList<>();
        Optimizer optimizer =
                switch (config.optimizer()) {
                    case SGD ->
                            new FreedSgd(
                                    Optimizer.sgd()
                                            .setLearningRateTracker(
                                                    Tracker.fixed(config.learningRate()))
                                            .optMomentum(config.momentum()),
                                    states);
                    case ADAM ->
                            new FreedAdam(
                                    Optimizer.adam()
                                            .optLearningRateTracker(
                                                    Tracker.fixed(config.learningRate())),
                                    states);
                };
        try {
            return train(data, config, listener, cancelled, optimizer);
        } finally {
            states.forEach(NDArray::close);
        }
    }

    /*
     * DJL makes an optimizer's state (SGD's momentum, Adam's moments) with weight.zerosLike() and
     * detaches it to the system manager, leaving it to a garbage collector the PyTorch engine does
     * not have: every train() kept 4 (SGD with momentum) or 8 (Adam) bytes per parameter for the
     * life of the process. These two are DJL's own optimizers, same updates, whose states are
     * collected so that train() frees them when it ends.
     */

    private static final class FreedSgd extends ai.djl.training.optimizer.Sgd {
        private final List<NDArray> states;

        FreedSgd(ai.djl.training.optimizer.Sgd.Builder builder, List<NDArray> states) {
            super(builder);
            this.states = states;
        }

        @Override
        protected NDArray withDefaultState(
                java.util.Map<String, java.util.Map<Device, NDArray>> state,
                String key,
                Device device,
                java.util.function.Function<String, NDArray> defaultFunction) {
            return super.withDefaultState(state, key, device, collecting(states, defaultFunction));
        }
    }

    private static final class FreedAdam extends ai.djl.training.optimizer.Adam {
        private final List<NDArray> states;

        FreedAdam(ai.djl.training.optimizer.Adam.Builder builder, List<NDArray> states) {
            super(builder);
            this.states = states;
        }

        @Override
        protected NDArray withDefaultState(
                java.util.Map<String, java.util.Map<Device, NDArray>> state,
                String key,
                Device device,
                java.util.function.Function<String, NDArray> defaultFunction) {
            return super.withDefaultState(state, key, device, collecting(states, defaultFunction));
        }
    }

    /** {@code make}, adding each state it makes to {@code states}. */
    private static java.util.function.Function<String, NDArray> collecting(
            List<NDArray> states, java.util.function.Function<String, NDArray> make) {
        return key -> {
            NDArray made = make.apply(key);
            states.add(made);
            return made;
        };
    }

    /** Mixed into the config's seed for the dropout layers' seeds ("masks" in ASCII). */
    private static final long DROPOUT_SEEDS = 0x6d61736b73L;

    private float train(
            LabeledData data,
            TrainConfig config,
            TrainingListener listener,
            BooleanSupplier cancelled,
            Optimizer optimizer) {
        DefaultTrainingConfig trainingConfig =
                new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .optOptimizer(optimizer)
                        .optDevices(new Device[] {Device.cpu()});
        int n = data.size();
        if (n == 0) { // the loss would be 0 / 0 and the update nothing
            throw new IllegalArgumentException("model " + spec.name() + ": no samples to train on");
        }
        int per = data.sampleSize();
        int batches = (n + config.batchSize() - 1) / config.batchSize();
        // batchnorm cannot normalise a batch of one sample in training (PyTorch refuses it): a
        // lone last sample joins the batch before it
        boolean batchNorm = spec.layers().stream().anyMatch(l -> l.type().equals("batchnorm"));
        if (batchNorm && n < 2) {
            throw new IllegalArgumentException(
                    "model "
                            + spec.name()
                            + " has batchnorm: it trains on 2 samples or more, got "
                            + n);
        }
        if (batchNorm && config.batchSize() < 2) {
            throw new IllegalArgumentException(
                    "model "
                            + spec.name()
                            + " has batchnorm: it trains in batches of 2 or more, got "
                            + config.batchSize());
        }
        boolean joinLast = batchNorm && batches > 1 && n % config.batchSize() == 1;
        if (joinLast) {
            batches--;
        }
        SplittableRandom random = new SplittableRandom(config.seed());
        // each dropout layer's masks from its own seed, drawn from the config's (see
        // SeededDropout); apart from the shuffle's, which stays what it is without dropout
        SplittableRandom masks = new SplittableRandom(config.seed() ^ DROPOUT_SEEDS);
        for (Block layer : model.getBlock().getChildren().values()) {
            if (layer instanceof SeededDropout dropout) {
                dropout.seed(masks.nextLong());
            }
        }
        float lastEpochLoss = Float.NaN;
        try (Trainer trainer = model.newTrainer(trainingConfig)) {
            for (int epoch = 0; epoch < config.epochs(); epoch++) {
                int[] order = permutation(n, random);
                double epochLoss = 0;
                for (int b = 0; b < batches; b++) {
                    if (cancelled.getAsBoolean()) {
                        throw new CancellationException(
                                "training cancelled in epoch "
                                        + epoch
                                        + " before batch "
                                        + (b + 1)
                                        + " of "
                                        + batches);
                    }
                    int from = b * config.batchSize();
                    // the last batch takes the rest (one more than a batch when joinLast)
                    int count = b == batches - 1 ? n - from : config.batchSize();
                    float[] x = new float[count * per];
                    float[] y = new float[count];
                    for (int k = 0; k < count; k++) {
                        int i = order[from + k];
                        System.arraycopy(data.features(), i * per, x, k * per, per);
                        y[k] = data.labels()[i];
                    }
                    float loss;
                    try (NDManager batch = trainer.getManager().newSubManager()) {
                        NDArray input = batch.create(x, batchShape(count));
                        NDArray labels = batch.create(y, new Shape(count));
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList out = trainer.forward(new NDList(input));
                            NDArray l = trainer.getLoss().evaluate(new NDList(labels), out);
                            gc.backward(l);
                            loss = l.getFloat();
                        }
                        trainer.step();
                    }
                    epochLoss += loss * count;
                    listener.onBatch(epoch, b + 1, batches, loss);
                }
                lastEpochLoss = (float) (epochLoss / n);
            }
        }
        return lastEpochLoss;
    }

    /** The logits of samples {@code from} to {@code to}, row-major ({@code classes} per sample). */
    public float[] logits(LabeledData data, int from, int to) {
        checkData(data);
        int count = to - from;
        int per = data.sampleSize();
        float[] x = new float[count * per];
        System.arraycopy(data.features(), from * per, x, 0, count * per);
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray input = manager.create(x, batchShape(count));
            ParameterStore store = new ParameterStore(manager, false);
            NDList out = model.getBlock().forward(store, new NDList(input), false);
            return out.singletonOrThrow().toFloatArray();
        }
    }

    /** Accuracy and loss on {@code data}, in batches of {@code batchSize}. */
    public Evaluation evaluate(LabeledData data, int batchSize) {
        return Evaluation.inBatches(data, batchSize, spec.classes(), this::logits);
    }

    private Shape batchShape(int count) {
        long[] dims = inputShape.getShape().clone();
        dims[0] = count;
        return new Shape(dims);
    }

    private void checkData(LabeledData data) {
        if (!java.util.Arrays.equals(data.sampleShape(), spec.inputShape())) {
            throw new IllegalArgumentException(
                    "data samples have shape "
                            + java.util.Arrays.toString(data.sampleShape())
                            + ", model "
                            + spec.name()
                            + " expects "
                            + java.util.Arrays.toString(spec.inputShape()));
        }
        if (data.numClasses() != spec.classes()) {
            throw new IllegalArgumentException(
                    "data has "
                            + data.numClasses()
                            + " classes, model "
                            + spec.name()
                            + " has "
                            + spec.classes());
        }
    }

    private static int[] permutation(int n, SplittableRandom random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /**
     * The PyTorch intra-op thread count this process computes with ({@code
     * ai.djl.pytorch.num_threads}, which this class sets before the engine starts unless a caller
     * did). Results depend on it: another count sums in another order.
     */
    public static int threads() {
        return Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads"));
    }

    /** Intra-op threads by default: the cores, at most 2 (the project's reference machine). */
    static int defaultThreads() {
        return Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
    }

    @Override
    public void close() {
        model.close();
    }
}
