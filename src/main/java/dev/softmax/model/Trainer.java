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
import java.util.Objects;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    private final double l2;
    private final Optimizer<? super SoftmaxCrossEntropy> optimizer;
    private final StoppingCriteria stopping;
    private final DataType dataType;
    private final Scaling scaling;
    private final IterationListener listener;
    private final SoftmaxRegression warmStart;
    private final long hessianBudgetBytes;

    private Trainer(Builder b) {
        this.warmStart = b.warmStart;
        this.hessianBudgetBytes = b.hessianBudgetBytes;
        this.l2 = b.l2;
        this.optimizer = b.optimizer;
        this.stopping = b.stopping;
        this.dataType = b.dataType;
        this.scaling = b.scaling;
        this.listener = b.listener;
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
        FeatureScaler scaler = switch (scaling) {
            case NONE -> FeatureScaler.none(train.numFeatures());
            case UNIT -> FeatureScaler.unit(train.numFeatures(), 255.0);
            case STANDARD -> FeatureScaler.standard(raw);
        };
        INDArray x = scaler.transform(raw);
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(x, train.labels(), train.numClasses(), l2,
                hessianBudgetBytes);
        ParameterLayout layout = objective.layout();
        INDArray start = layout.zeros(dataType);
        if (warmStart != null) {
            if (warmStart.numFeatures() != train.numFeatures() || warmStart.numClasses() != train.numClasses()) {
                throw new IllegalArgumentException("the warm-start model has " + warmStart.numFeatures()
                        + " features and " + warmStart.numClasses() + " classes but the data has "
                        + train.numFeatures() + " and " + train.numClasses());
            }
            start = warmStartParameters(warmStart, scaler, dataType);
        }
        OptimizationResult result = optimizer.minimize(objective, start, stopping, listener);
        INDArray theta = result.solution();
        return new SoftmaxRegression(layout.weights(theta), layout.bias(theta), train.classNames(), scaler, result);
    }

    /**
     * θ that makes a linear model on features scaled by {@code scaler} compute exactly the logits of
     * {@code model} (which may use another scaling).
     *
     * <p>With the model's scaling {@code (x - s0) / c0} and the new one {@code (x - s1) / c1}, substituting
     * {@code x = x' c1 + s1} gives {@code W1 = diag(c1 / c0) W0} and {@code b1 = b0 + ((s1 - s0) / c0) W0}, so a
     * warm start begins at the old model's predictions even when the training data (and so the fitted scaling)
     * changed. Computed in double, returned in {@code type}.
     */
    static INDArray warmStartParameters(SoftmaxRegression model, FeatureScaler scaler, DataType type) {
        int d = model.numFeatures();
        double[] ratio = new double[d];
        double[] offset = new double[d];
        FeatureScaler old = model.scaler();
        for (int j = 0; j < d; j++) {
            ratio[j] = scaler.scale()[j] / old.scale()[j];
            offset[j] = (scaler.shift()[j] - old.shift()[j]) / old.scale()[j];
        }
        INDArray w0 = model.weights().castTo(DataType.DOUBLE);
        INDArray b0 = model.bias().castTo(DataType.DOUBLE).reshape(1, model.numClasses());
        INDArray w1 = w0.mulColumnVector(Nd4j.create(ratio, new long[] {d, 1}, DataType.DOUBLE));
        INDArray b1 = b0.add(Nd4j.create(offset, new long[] {1, d}, DataType.DOUBLE).mmul(w0));
        return new ParameterLayout(d, model.numClasses()).pack(w1, b1).castTo(type);
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

        /**
         * Starts the optimizer from {@code model}'s weights instead of zeros ({@code null}: from zeros). The
         * weights are converted to the scaling fitted on the new training data, so the optimizer starts at the
         * model's predictions; the model must have the data's number of features and classes.
         */
        public Builder warmStart(SoftmaxRegression model) {
            this.warmStart = model;
            return this;
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

        /** The configured trainer. */
        public Trainer build() {
            return new Trainer(this);
        }
    }
}
