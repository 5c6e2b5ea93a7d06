package dev.softmax.model;

import dev.softmax.Blas;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.Logits;
import dev.softmax.loss.Softmax;
import dev.softmax.optim.OptimizationResult;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained softmax regression classifier: {@code P(y = k | x) = softmax(s(x) W + b)[k]}, where {@code s} is the
 * feature scaling fitted on the training data.
 *
 * <p>Immutable: the weights are copied in and every accessor returns a copy, so one instance can serve
 * predictions from many threads. Inputs are raw features {@code [n,d]} (any floating type); the scaling is
 * applied inside.
 *
 * <p>Besides the {@link INDArray} methods there are conveniences for plain Java arrays
 * ({@link #predict(double[][])}, {@link #predictNames(double[][])}, {@link #predictProba(double[][])}), which
 * check their input at the boundary. A model is saved and loaded with {@link dev.softmax.io.ModelIO}.
 */
public final class SoftmaxRegression {

    private final INDArray weights;
    private final INDArray bias;
    /**
     * {@code W} and {@code b} with the scaling folded in, so raw features need no scaled copy (see constructor);
     * {@code null} when {@link #scaleFirst}.
     */
    private final INDArray rawWeights;
    private final INDArray rawBias;
    /**
     * Whether raw features are scaled (a copy) before the product instead: where a feature's shift is more than
     * {@link #FOLDED_SHIFT_LIMIT} of its scales, the folded bias cancels that many digits (1e-4 in the probabilities
     * of a double model on timestamps near 1e12).
     */
    private final boolean scaleFirst;
    /** The largest {@code |shift / scale|} of any feature for which the scaling is folded into the weights. */
    static final double FOLDED_SHIFT_LIMIT = 1e3;
    private final List<String> classNames;
    private final FeatureScaler scaler;
    private final OptimizationResult trainingResult;
    private final TrainingSummary trainingSummary;
    /** The training data's feature column names, or {@code null}. */
    private final List<String> featureNames;

    /**
     * A model without a training summary (for example weights made by hand).
     *
     * @param weights        {@code W [d,K]}, copied
     * @param bias           {@code b} with {@code K} entries, copied
     * @param classNames     {@code K} class names, indexed by label
     * @param scaler         the feature scaling applied before {@code W}, on {@code d} features
     * @param trainingResult how the weights were found, or {@code null}
     */
    public SoftmaxRegression(INDArray weights, INDArray bias, List<String> classNames, FeatureScaler scaler,
                             OptimizationResult trainingResult) {
        this(weights, bias, classNames, scaler, trainingResult, null);
    }

    /**
     * A model from its parameters, classes and scaling, with how it was trained.
     *
     * @param weights         {@code W [d,K]}, {@code K >= 2}, float or double, finite; copied
     * @param bias            {@code b} with {@code K} entries, floating point, finite; copied
     * @param classNames      {@code K} distinct class names, indexed by label, as
     *                        {@link Dataset#checkClassNames} takes them
     * @param scaler          the feature scaling applied before {@code W}, on {@code d} features
     * @param trainingResult  the optimizer's full result, or {@code null} (always {@code null} for a loaded model);
     *                        its solution is copied
     * @param trainingSummary how the model was trained, or {@code null}
     */
    public SoftmaxRegression(INDArray weights, INDArray bias, List<String> classNames, FeatureScaler scaler,
                             OptimizationResult trainingResult, TrainingSummary trainingSummary) {
        Objects.requireNonNull(weights, "weights must not be null");
        Objects.requireNonNull(bias, "bias must not be null");
        Objects.requireNonNull(classNames, "classNames must not be null");
        Objects.requireNonNull(scaler, "scaler must not be null");
        if (weights.rank() != 2) {
            throw new IllegalArgumentException("weights must be [d,K], got shape " + Arrays.toString(weights.shape()));
        }
        if (weights.dataType() != DataType.FLOAT && weights.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("weights must be FLOAT or DOUBLE, got " + weights.dataType());
        }
        if (!bias.dataType().isFPType()) {
            throw new IllegalArgumentException("bias must be floating point, got " + bias.dataType());
        }
        int k = (int) weights.columns();
        if (k < 2) {
            throw new IllegalArgumentException("a model needs at least 2 classes, got " + k);
        }
        if (bias.length() != k) {
            throw new IllegalArgumentException("bias must have " + k + " entries, got " + bias.length());
        }
        List<String> names = Dataset.checkClassNames(classNames, k);
        if (scaler.numFeatures() != weights.rows()) {
            throw new IllegalArgumentException("scaler is for " + scaler.numFeatures() + " features but weights have "
                    + weights.rows() + " rows");
        }
        if (!Blas.allFinite(weights) || !Blas.allFinite(bias)) {
            throw new IllegalArgumentException("weights and bias must be finite (no NaN or infinity)");
        }
        this.weights = weights.dup('c');
        this.bias = bias.reshape(1, k).dup('c');
        double largestShift = 0;
        double[] shift = scaler.shift();
        double[] scale = scaler.scale();
        for (int j = 0; j < shift.length; j++) {
            largestShift = Math.max(largestShift, Math.abs(shift[j] / scale[j]));
        }
        this.scaleFirst = largestShift > FOLDED_SHIFT_LIMIT;
        if (scaleFirst) {
            this.rawWeights = null;
            this.rawBias = null;
        } else {
            // ((x - s) / c) W + b = x (diag(1/c) W) + (b - (s/c) W): one GEMM on the raw features, computed in
            // double.
            INDArray wd = this.weights.castTo(DataType.DOUBLE);
            INDArray inverseScale = Nd4j.create(scale, new long[] {shift.length, 1}, DataType.DOUBLE).rdivi(1.0);
            INDArray shiftOverScale = Nd4j.create(shift, new long[] {1, shift.length}, DataType.DOUBLE)
                    .muli(inverseScale.reshape(1, shift.length));
            this.rawWeights = wd.mulColumnVector(inverseScale).castTo(this.weights.dataType()).dup('c');
            this.rawBias = this.bias.castTo(DataType.DOUBLE).sub(shiftOverScale.mmul(wd))
                    .castTo(this.weights.dataType()).dup('c');
            if (!Blas.allFinite(rawWeights) || !Blas.allFinite(rawBias)) {
                throw new IllegalArgumentException("the weights on unscaled features overflow "
                        + weights.dataType() + ": the scaler's scales are too small for these weights");
            }
        }
        this.classNames = names;
        this.scaler = scaler;
        this.trainingResult = withCopiedSolution(trainingResult);
        this.trainingSummary = trainingSummary;
        this.featureNames = null;
    }

    /** {@code model} with other feature names; the arrays, immutable, are shared. */
    private SoftmaxRegression(SoftmaxRegression model, List<String> featureNames) {
        this.weights = model.weights;
        this.bias = model.bias;
        this.rawWeights = model.rawWeights;
        this.rawBias = model.rawBias;
        this.scaleFirst = model.scaleFirst;
        this.classNames = model.classNames;
        this.scaler = model.scaler;
        this.trainingResult = model.trainingResult;
        this.trainingSummary = model.trainingSummary;
        this.featureNames = Dataset.checkFeatureNames(featureNames, model.numFeatures());
    }

    /**
     * This model with the names of its feature columns, which {@link dev.softmax.io.ModelIO} saves, and against
     * which the command line checks the header of a file it scores. {@link Trainer#fit(Dataset)} gives a model its
     * training data's {@link Dataset#featureNames()}.
     *
     * @param featureNames {@code d} names, as {@link Dataset#checkFeatureNames} takes them, or {@code null} for none
     * @return a model with the same parameters and these names
     */
    public SoftmaxRegression withFeatureNames(List<String> featureNames) {
        return new SoftmaxRegression(this, featureNames);
    }

    /**
     * The names of the feature columns of the training data (a CSV file's header), when it had them.
     *
     * @return the {@code d} names, or empty
     */
    public Optional<List<String>> featureNames() {
        return Optional.ofNullable(featureNames);
    }

    /**
     * Number of input features {@code d}.
     *
     * @return {@code d}
     */
    public int numFeatures() {
        return (int) weights.rows();
    }

    /**
     * Number of classes {@code K}.
     *
     * @return {@code K}
     */
    public int numClasses() {
        return (int) weights.columns();
    }

    /**
     * Class names, indexed by label.
     *
     * @return the class names, unmodifiable
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * A copy of {@code W [d,K]} (on scaled features).
     *
     * @return {@code W}
     */
    public INDArray weights() {
        return weights.dup();
    }

    /**
     * A copy of {@code b [1,K]}.
     *
     * @return {@code b}
     */
    public INDArray bias() {
        return bias.dup();
    }

    /**
     * The data type of the weights (FLOAT or DOUBLE).
     *
     * @return the data type
     */
    public DataType dataType() {
        return weights.dataType();
    }

    /**
     * The feature scaling applied to raw inputs.
     *
     * @return the scaler
     */
    public FeatureScaler scaler() {
        return scaler;
    }

    /**
     * The optimizer's full result, with its per-iteration history: present only when the model was trained in
     * this process. A loaded model has {@link #trainingSummary()} instead. Its solution is a copy, as every
     * accessor's array is.
     *
     * @return the result, or empty for a loaded model
     */
    public Optional<OptimizationResult> trainingResult() {
        return Optional.ofNullable(withCopiedSolution(trainingResult));
    }

    private static OptimizationResult withCopiedSolution(OptimizationResult result) {
        return result == null ? null : new OptimizationResult(result.solution().dup(), result.value(),
                result.reason(), result.history(), result.work());
    }

    /**
     * How the model was trained (configuration and outcome): present for trained and for loaded models.
     *
     * @return the summary, or empty when the model has none
     */
    public Optional<TrainingSummary> trainingSummary() {
        return Optional.ofNullable(trainingSummary);
    }

    /**
     * The label of a class name, for turning string labels into the {@code int} labels {@link #predict} returns.
     *
     * @param className the class name
     * @return its label, the index in {@link #classNames()}
     * @throws IllegalArgumentException when the model was not trained on a class of that name
     */
    public int classIndex(String className) {
        Objects.requireNonNull(className, "className must not be null");
        int k = classNames.indexOf(className);
        if (k < 0) {
            throw new IllegalArgumentException("unknown class '" + className + "'; the model knows " + classNames);
        }
        return k;
    }

    /**
     * Logits {@code s(x) W + b}, {@code [n,K]}, for raw features {@code x [n,d]} (any floating type, cast to
     * {@link #dataType()}; not mutated).
     *
     * @param x the raw features {@code [n,d]}
     * @return the logits {@code [n,K]}
     * @throws IllegalArgumentException when {@code x} is not {@code [n,d]} with {@code n >= 1}, or holds NaN or
     *                                  infinite values
     */
    public INDArray decisionFunction(INDArray x) {
        Inputs.checkShapeAndType(x, numFeatures());
        INDArray input = x.castTo(weights.dataType());
        if (input.isView() || input.ordering() != 'c') {
            input = input.dup('c');
        }
        INDArray logits = scaleFirst ? Logits.of(scaler.transform(input), weights, bias)
                : Logits.of(input, rawWeights, rawBias);
        // A NaN or infinite feature makes its row's logits non-finite, so the [n,K] logits are checked instead
        // of another pass over the features; the features are examined only to name the cause. Entry by entry
        // (allFinite), not by their sum: many large finite logits overflowed it, and a row was refused or not
        // depending on the rows beside it.
        if (!dev.softmax.Blas.allFinite(logits)) {
            Inputs.checkFiniteAfterCast(x, input);
            throw new dev.softmax.data.FeatureValuesException("the logits overflow for these features (values too large for "
                    + weights.dataType() + "); expected features on the training data's scale");
        }
        return logits;
    }

    /**
     * Class probabilities {@code [n,K]}; every row sums to 1.
     *
     * @param x the raw features {@code [n,d]}; checked as in {@link #decisionFunction}
     * @return the probabilities {@code [n,K]}
     */
    public INDArray predictProba(INDArray x) {
        return Softmax.softmax(decisionFunction(x));
    }

    /**
     * Log class probabilities {@code [n,K]}, computed stably.
     *
     * @param x the raw features {@code [n,d]}; checked as in {@link #decisionFunction}
     * @return the log-probabilities {@code [n,K]}
     */
    public INDArray predictLogProba(INDArray x) {
        return Softmax.logSoftmax(decisionFunction(x));
    }

    /**
     * The most probable class label per row, {@code int[n]}.
     *
     * @param x the raw features {@code [n,d]}; checked as in {@link #decisionFunction}
     * @return the labels
     */
    public int[] predict(INDArray x) {
        INDArray argMax = Nd4j.argMax(decisionFunction(x), 1);
        return argMax.toIntVector();
    }

    /**
     * The most probable class name per row.
     *
     * @param x the raw features {@code [n,d]}; checked as in {@link #decisionFunction}
     * @return the class names, one per row
     */
    public String[] predictNames(INDArray x) {
        int[] labels = predict(x);
        String[] names = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            names[i] = classNames.get(labels[i]);
        }
        return names;
    }

    /**
     * The most probable class label per row of {@code x [n][d]} (raw features).
     *
     * @param x the raw features, {@code n} rows of {@code d}
     * @return the labels, one per row
     * @throws IllegalArgumentException when {@code x} is empty or ragged, a row does not have {@link #numFeatures()}
     *                                  entries, or a value is NaN or infinite
     */
    public int[] predict(double[][] x) {
        return predict(Inputs.matrix(x, numFeatures(), dataType()));
    }

    /**
     * The most probable class name per row of {@code x [n][d]}; checked as {@link #predict(double[][])}.
     *
     * @param x the raw features, {@code n} rows of {@code d}
     * @return the class names, one per row
     */
    public String[] predictNames(double[][] x) {
        return predictNames(Inputs.matrix(x, numFeatures(), dataType()));
    }

    /**
     * Class probabilities {@code [n][K]} for {@code x [n][d]}, columns in {@link #classNames()} order; checked as
     * {@link #predict(double[][])}.
     *
     * @param x the raw features, {@code n} rows of {@code d}
     * @return the probabilities, {@code n} rows of {@code K}
     */
    public double[][] predictProba(double[][] x) {
        INDArray probabilities = predictProba(Inputs.matrix(x, numFeatures(), dataType()));
        // One bulk copy, split into rows: toDoubleMatrix() made an ND4J view per row (50 to 90 µs each).
        double[] flat = probabilities.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int classes = numClasses();
        double[][] rows = new double[x.length][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
        }
        return rows;
    }
}
