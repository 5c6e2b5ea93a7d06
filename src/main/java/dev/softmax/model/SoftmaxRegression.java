package dev.softmax.model;

import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.Softmax;
import dev.softmax.optim.OptimizationResult;
import java.util.Arrays;
import java.util.List;
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
 */
public final class SoftmaxRegression {

    private final INDArray weights;
    private final INDArray bias;
    private final List<String> classNames;
    private final FeatureScaler scaler;
    private final OptimizationResult trainingResult;

    /**
     * @param weights        {@code W [d,K]}, copied
     * @param bias           {@code b} with {@code K} entries, copied
     * @param classNames     {@code K} class names, indexed by label
     * @param scaler         the feature scaling applied before {@code W}, on {@code d} features
     * @param trainingResult how the weights were found, or {@code null}
     */
    public SoftmaxRegression(INDArray weights, INDArray bias, List<String> classNames, FeatureScaler scaler,
                             OptimizationResult trainingResult) {
        if (weights.rank() != 2) {
            throw new IllegalArgumentException("weights must be [d,K], got shape " + Arrays.toString(weights.shape()));
        }
        int k = (int) weights.columns();
        if (bias.length() != k) {
            throw new IllegalArgumentException("bias must have " + k + " entries, got " + bias.length());
        }
        if (classNames.size() != k) {
            throw new IllegalArgumentException("need " + k + " class names, got " + classNames.size());
        }
        if (scaler.numFeatures() != weights.rows()) {
            throw new IllegalArgumentException("scaler is for " + scaler.numFeatures() + " features but weights have "
                    + weights.rows() + " rows");
        }
        this.weights = weights.dup('c');
        this.bias = bias.reshape(1, k).dup('c');
        this.classNames = List.copyOf(classNames);
        this.scaler = scaler;
        this.trainingResult = trainingResult;
    }

    /** Number of input features {@code d}. */
    public int numFeatures() {
        return (int) weights.rows();
    }

    /** Number of classes {@code K}. */
    public int numClasses() {
        return (int) weights.columns();
    }

    /** Class names, indexed by label. */
    public List<String> classNames() {
        return classNames;
    }

    /** A copy of {@code W [d,K]} (on scaled features). */
    public INDArray weights() {
        return weights.dup();
    }

    /** A copy of {@code b [1,K]}. */
    public INDArray bias() {
        return bias.dup();
    }

    /** The data type of the weights (FLOAT or DOUBLE). */
    public DataType dataType() {
        return weights.dataType();
    }

    /** The feature scaling applied to raw inputs. */
    public FeatureScaler scaler() {
        return scaler;
    }

    /** How the model was trained, when it was trained in this process or the information was saved. */
    public Optional<OptimizationResult> trainingResult() {
        return Optional.ofNullable(trainingResult);
    }

    /** Logits {@code s(x) W + b}, {@code [n,K]}, for raw features {@code x [n,d]}. */
    public INDArray decisionFunction(INDArray x) {
        checkInput(x);
        INDArray scaled = scaler.transform(x.castTo(weights.dataType()));
        return scaled.mmul(weights).addiRowVector(bias);
    }

    /** Class probabilities {@code [n,K]}; every row sums to 1. */
    public INDArray predictProba(INDArray x) {
        return Softmax.softmax(decisionFunction(x));
    }

    /** Log class probabilities {@code [n,K]}, computed stably. */
    public INDArray predictLogProba(INDArray x) {
        return Softmax.logSoftmax(decisionFunction(x));
    }

    /** The most probable class label per row, {@code int[n]}. */
    public int[] predict(INDArray x) {
        INDArray argMax = Nd4j.argMax(decisionFunction(x), 1);
        return argMax.toIntVector();
    }

    /** The most probable class name per row. */
    public String[] predictNames(INDArray x) {
        int[] labels = predict(x);
        String[] names = new String[labels.length];
        for (int i = 0; i < labels.length; i++) {
            names[i] = classNames.get(labels[i]);
        }
        return names;
    }

    private void checkInput(INDArray x) {
        if (x.rank() != 2 || x.columns() != numFeatures()) {
            throw new IllegalArgumentException("expected features of shape [n," + numFeatures() + "], got "
                    + Arrays.toString(x.shape()));
        }
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException("features must be floating point, got " + x.dataType());
        }
        if (x.length() > 0 && (x.isNaN().any() || x.isInfinite().any())) {
            throw new IllegalArgumentException("features contain NaN or infinite values");
        }
    }
}
