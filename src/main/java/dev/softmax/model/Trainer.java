package dev.softmax.model;

import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.ParameterLayout;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.StoppingCriteria;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fits a {@link SoftmaxRegression}: scales the features, builds the {@link SoftmaxCrossEntropy} objective,
 * runs the optimizer from zero weights (or from a {@linkplain Builder#warmStart warm start}) and packs the result
 * into a model. Immutable; build
 * one with {@link #builder()}.
 */
public final class Trainer {

    /** How raw features are scaled before training; the fitted scaling is stored in the model. */
    public enum Scaling {
        /** Use the features as given. */
        NONE,
        /** Divide by 255 (8-bit pixels). */
        UNIT,
        /** Z-score each feature with the training mean and standard deviation. */
        STANDARD
    }

    /** Integer labels must be below this; larger ones are almost surely not class numbers. */
    static final int MAX_INTEGER_LABEL = 1 << 20;

    private final double l2;
    private final Optimizer<? super SoftmaxCrossEntropy> optimizer;
    private final StoppingCriteria stopping;
    private final DataType dataType;
    private final Scaling scaling;
    private final IterationListener listener;
    private final SoftmaxRegression warmStart;
    private final long hessianBudgetBytes;

    private Trainer(Builder b) {
        this.hessianBudgetBytes = b.hessianBudgetBytes;
        this.l2 = b.l2;
        this.optimizer = b.optimizer;
        this.stopping = b.stopping;
        this.dataType = b.dataType;
        this.scaling = b.scaling;
        this.listener = b.listener;
        this.warmStart = b.warmStart;
    }

    /** A builder with the defaults: l2 1e-4, gradient descent, 1000 iterations, float32, z-scores. */
    public static Builder builder() {
        return new Builder();
    }

    /** The regularisation strength. */
    public double l2() {
        return l2;
    }

    /** The optimizer. */
    public Optimizer<? super SoftmaxCrossEntropy> optimizer() {
        return optimizer;
    }

    /** The stopping criteria. */
    public StoppingCriteria stopping() {
        return stopping;
    }

    /** The computation type. */
    public DataType dataType() {
        return dataType;
    }

    /** The scaling. */
    public Scaling scaling() {
        return scaling;
    }

    /** The model training starts from, if any (see {@link Builder#warmStart}). */
    public Optional<SoftmaxRegression> warmStart() {
        return Optional.ofNullable(warmStart);
    }

    /** Fits on {@code train} (raw features); the dataset is not modified. */
    public SoftmaxRegression fit(Dataset train) {
        if (train.numSamples() == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        int present = 0;
        for (int count : train.classCounts()) {
            present += count > 0 ? 1 : 0;
        }
        if (present < 2) {
            throw new IllegalArgumentException("the training set has a single class; need at least two");
        }
        INDArray raw = train.features().castTo(dataType);
        if (raw.isNaN().any() || raw.isInfinite().any()) {
            throw new IllegalArgumentException("training features contain NaN or infinite values");
        }
        checkWarmStart(train);
        // A warm start keeps the model's scaling: its weights only mean something on features scaled that way.
        FeatureScaler scaler = warmStart != null ? warmStart.scaler() : switch (scaling) {
            case NONE -> FeatureScaler.none(train.numFeatures());
            case UNIT -> FeatureScaler.unit(train.numFeatures(), 255.0);
            case STANDARD -> FeatureScaler.standard(raw);
        };
        INDArray x = scaler.transform(raw);
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(x, train.labels(), train.numClasses(), l2,
                hessianBudgetBytes);
        ParameterLayout layout = objective.layout();
        INDArray start = warmStart == null ? layout.zeros(dataType)
                : layout.pack(warmStart.weights().castTo(dataType), warmStart.bias());
        OptimizationResult result = optimizer.minimize(objective, start, stopping, listener);
        INDArray theta = result.solution();
        TrainingSummary summary = TrainingSummary.of(optimizer.name(), l2, stopping, train.numSamples(), result);
        return new SoftmaxRegression(layout.weights(theta), layout.bias(theta), train.classNames(), scaler, result,
                summary);
    }

    /**
     * Fits on features {@code x [n,d]} (any floating type; not mutated) with integer labels {@code y [n]}. The
     * classes are {@code 0 .. max(y)}, named {@code "0"}, {@code "1"}, ...; at least two must occur.
     *
     * @throws IllegalArgumentException for empty input, a row count that differs from {@code y.length}, NaN or
     *                                  infinite features, or a negative label
     */
    public SoftmaxRegression fit(INDArray x, int[] y) {
        Inputs.check(x, Inputs.ANY);
        return fit(new Dataset(x, checkLabels(y, x.rows()), integerClassNames(y)));
    }

    /** Fits on {@code x [n][d]} with integer labels; see {@link #fit(INDArray, int[])}. */
    public SoftmaxRegression fit(double[][] x, int[] y) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), y);
    }

    /** Fits on {@code x [n][d]} with integer labels; see {@link #fit(INDArray, int[])}. */
    public SoftmaxRegression fit(float[][] x, int[] y) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), y);
    }

    /**
     * Fits on {@code x [n][d]} with class names as labels. The model's classes are the distinct labels, sorted
     * the way {@link dev.softmax.data.CsvDatasetReader} sorts them: numerically when every label is a number,
     * else alphabetically, so the class order does not depend on the row order.
     *
     * @throws IllegalArgumentException for empty or ragged input, NaN or infinite features, a label count that
     *                                  differs from the row count, or a null or empty label
     */
    public SoftmaxRegression fit(double[][] x, String[] labels) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), labels);
    }

    /** Fits on {@code x [n][d]} with class names as labels; see {@link #fit(double[][], String[])}. */
    public SoftmaxRegression fit(float[][] x, String[] labels) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), labels);
    }

    private SoftmaxRegression fit(INDArray x, String[] labels) {
        if (labels == null || labels.length != x.rows()) {
            throw new IllegalArgumentException("expected one label per row (" + x.rows() + "), got "
                    + (labels == null ? "null" : labels.length));
        }
        TreeSet<String> distinct = new TreeSet<>();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null || labels[i].isEmpty()) {
                throw new IllegalArgumentException("label of row " + i + " is " + (labels[i] == null ? "null" : "empty")
                        + "; expected a class name");
            }
            distinct.add(labels[i]);
        }
        List<String> names = new ArrayList<>(distinct);
        if (names.stream().allMatch(Trainer::isNumber)) {
            names.sort(Comparator.comparingDouble(Double::parseDouble));
        }
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < names.size(); k++) {
            index.put(names.get(k), k);
        }
        int[] y = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            y[i] = index.get(labels[i]);
        }
        return fit(new Dataset(x, y, names));
    }

    private void checkWarmStart(Dataset train) {
        if (warmStart == null) {
            return;
        }
        if (warmStart.numFeatures() != train.numFeatures()) {
            throw new IllegalArgumentException("the warm-start model has " + warmStart.numFeatures()
                    + " features but the training set has " + train.numFeatures());
        }
        if (!warmStart.classNames().equals(train.classNames())) {
            throw new IllegalArgumentException("the warm-start model has classes " + warmStart.classNames()
                    + " but the training set has " + train.classNames());
        }
    }

    private static int[] checkLabels(int[] y, long rows) {
        if (y == null || y.length != rows) {
            throw new IllegalArgumentException("expected one label per row (" + rows + "), got "
                    + (y == null ? "null" : y.length));
        }
        for (int i = 0; i < y.length; i++) {
            // The classes are 0 .. max(y): a stray huge label would otherwise allocate a huge model.
            if (y[i] < 0 || y[i] >= MAX_INTEGER_LABEL) {
                throw new IllegalArgumentException("label " + y[i] + " at row " + i + " is outside [0,"
                        + MAX_INTEGER_LABEL + "); expected class numbers 0 .. K-1");
            }
        }
        return y;
    }

    private static List<String> integerClassNames(int[] y) {
        int k = Arrays.stream(y).max().orElse(-1) + 1;
        List<String> names = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            names.add(Integer.toString(c));
        }
        return names;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Settings for a {@link Trainer}; every setter validates its argument. */
    public static final class Builder {
        private double l2 = 1e-4;
        private Optimizer<? super SoftmaxCrossEntropy> optimizer = new GradientDescent();
        private StoppingCriteria stopping = StoppingCriteria.of(1000);
        private DataType dataType = DataType.FLOAT;
        private Scaling scaling = Scaling.STANDARD;
        private IterationListener listener = IterationListener.NONE;
        private SoftmaxRegression warmStart;
        private long hessianBudgetBytes = SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES;

        private Builder() {
        }

        /** Largest dense Hessian (bytes) the objective may build, for {@code newton}; default 2 GiB. */
        public Builder hessianBudget(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("hessianBudget must be > 0 bytes, got " + bytes);
            }
            this.hessianBudgetBytes = bytes;
            return this;
        }

        /** L2 strength {@code lambda >= 0} on the weights (not the bias). */
        public Builder l2(double lambda) {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, got " + lambda);
            }
            this.l2 = lambda;
            return this;
        }

        /** The optimizer. */
        public Builder optimizer(Optimizer<? super SoftmaxCrossEntropy> method) {
            this.optimizer = Objects.requireNonNull(method, "optimizer");
            return this;
        }

        /** When to stop. */
        public Builder stopping(StoppingCriteria criteria) {
            this.stopping = Objects.requireNonNull(criteria, "stopping");
            return this;
        }

        /** FLOAT (default) or DOUBLE. */
        public Builder dataType(DataType type) {
            if (type != DataType.FLOAT && type != DataType.DOUBLE) {
                throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + type);
            }
            this.dataType = type;
            return this;
        }

        /** Feature scaling (default {@link Scaling#STANDARD}). */
        public Builder scaling(Scaling how) {
            this.scaling = Objects.requireNonNull(how, "scaling");
            return this;
        }

        /** Called after every optimizer iteration. */
        public Builder listener(IterationListener iterationListener) {
            this.listener = Objects.requireNonNull(iterationListener, "listener");
            return this;
        }

        /**
         * Starts the optimizer from {@code model}'s weights and bias instead of zeros, and keeps its feature
         * scaling (the {@link #scaling} setting is then ignored). The training set must have the model's feature
         * count and class names. {@code null} (the default) starts from zeros.
         */
        public Builder warmStart(SoftmaxRegression model) {
            this.warmStart = model;
            return this;
        }

        /** The configured trainer. */
        public Trainer build() {
            return new Trainer(this);
        }
    }
}
