package dev.softmax.model;

import dev.softmax.Blas;
import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.ParameterLayout;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.StoppingCriteria;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Fits a {@link SoftmaxRegression}: scales the features, builds the {@link SoftmaxCrossEntropy} objective,
 * runs the optimizer from zero weights (or from a {@linkplain Builder#warmStart warm start}) and packs the result
 * into a model. Immutable; build
 * one with {@link #builder()}.
 *
 * <h2>Weights</h2>
 * Every {@code fit} has a variant with per-row sample weights ({@code null} meaning all 1), and the builder can
 * add {@linkplain Builder#classWeights per-class weights} or {@linkplain Builder#balancedClassWeights balanced}
 * ones. Row {@code i} then has the weight {@code s_i = sampleWeight_i * classWeight_{y_i}} and the data term is
 * the weighted mean {@code (1/sum s) sum_i s_i * -log p_{i,y_i}}: a weight of 2 counts a row twice. Without
 * either kind of weight the objective is the plain mean, computed without any weighting step.
 *
 * <h2>Early stopping</h2>
 * With {@link Builder#earlyStopping} the trainer evaluates the validation log-loss after every iteration (every
 * epoch for {@code sgd} and {@code adam}), stops once it has not improved for {@code patience} iterations, and
 * returns the parameters with the lowest validation log-loss, not the last ones.
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
    private final double[] classWeights;
    private final boolean balancedClassWeights;
    private final Dataset validation;
    private final int patience;
    private final ValidationListener validationListener;

    private Trainer(Builder b) {
        this.classWeights = b.classWeights;
        this.balancedClassWeights = b.balancedClassWeights;
        this.validation = b.validation;
        this.patience = b.patience;
        this.validationListener = b.validationListener;
        this.hessianBudgetBytes = b.hessianBudgetBytes;
        this.l2 = b.l2;
        this.optimizer = b.optimizer;
        this.stopping = b.stopping;
        this.dataType = b.dataType;
        this.scaling = b.scaling;
        this.listener = b.listener;
        this.warmStart = b.warmStart;
    }

    /**
     * A builder with the defaults: l2 1e-4, L-BFGS, 1000 iterations, float32, z-scores.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The regularisation strength.
     *
     * @return the L2 strength
     */
    public double l2() {
        return l2;
    }

    /**
     * The optimizer; an {@link AutoOptimizer} unless {@link Builder#optimizer} set another.
     *
     * @return the optimizer
     */
    public Optimizer<? super SoftmaxCrossEntropy> optimizer() {
        return optimizer;
    }

    /**
     * The stopping criteria.
     *
     * @return the stopping criteria
     */
    public StoppingCriteria stopping() {
        return stopping;
    }

    /**
     * The computation type.
     *
     * @return FLOAT or DOUBLE
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * The scaling.
     *
     * @return the scaling
     */
    public Scaling scaling() {
        return scaling;
    }

    /**
     * The model training starts from, if any (see {@link Builder#warmStart}).
     *
     * @return the model, or empty to start from zeros
     */
    public Optional<SoftmaxRegression> warmStart() {
        return Optional.ofNullable(warmStart);
    }

    /**
     * Receives the validation log-loss of each iteration when {@linkplain Builder#earlyStopping early stopping}
     * is on.
     */
    @FunctionalInterface
    public interface ValidationListener {
        /**
         * Called after each iteration with the validation loss at that iteration's parameters.
         *
         * @param record         the optimizer's history row of the iteration (iteration 0 is the start)
         * @param validationLoss the (class-weighted) mean log-loss on the validation set at that iteration's
         *                       parameters
         */
        void validationLoss(IterationRecord record, double validationLoss);
    }

    /**
     * The per-class weights set with {@link Builder#classWeights}, if any (a copy).
     *
     * @return the weights, or empty
     */
    public Optional<double[]> classWeights() {
        return Optional.ofNullable(classWeights).map(double[]::clone);
    }

    /**
     * Whether the class weights are {@linkplain Builder#balancedClassWeights balanced}.
     *
     * @return {@code true} for balanced class weights
     */
    public boolean balancedClassWeights() {
        return balancedClassWeights;
    }

    /**
     * The early-stopping patience, or 0 when early stopping is off.
     *
     * @return the patience in iterations, or 0
     */
    public int earlyStoppingPatience() {
        return validation == null ? 0 : patience;
    }

    /**
     * The class weights a fit on {@code train} uses: {@code null} when none are configured, the configured ones,
     * or the balanced ones {@code n / (K' count_k)} (scikit-learn's {@code class_weight="balanced"}, with
     * {@code K'} the number of classes present; a class absent from {@code train} gets weight 1, which no row uses).
     *
     * @param train the training set
     * @return the class weights, one per class of {@code train}, or {@code null}
     * @throws IllegalArgumentException when configured weights do not have one entry per class of {@code train}
     */
    public double[] classWeightsFor(Dataset train) {
        if (balancedClassWeights) {
            int[] counts = train.classCounts();
            long present = Arrays.stream(counts).filter(c -> c > 0).count();
            double[] w = new double[counts.length];
            for (int k = 0; k < counts.length; k++) {
                w[k] = counts[k] == 0 ? 1.0 : (double) train.numSamples() / (present * counts[k]);
            }
            return w;
        }
        if (classWeights != null && classWeights.length != train.numClasses()) {
            throw new IllegalArgumentException("expected one class weight per class (" + train.numClasses() + ": "
                    + dev.softmax.io.OneLine.list(train.classNames()) + "), got " + classWeights.length);
        }
        return classWeights == null ? null : classWeights.clone();
    }

    /**
     * Fits on {@code train} (raw features); the dataset is not modified.
     *
     * @param train the training set
     * @return the fitted model
     */
    public SoftmaxRegression fit(Dataset train) {
        return fit(train, null);
    }

    /**
     * Fits on {@code train} (raw features) with a weight per row; the dataset is not modified.
     *
     * @param train         the training set
     * @param sampleWeights {@code [n]}, finite and {@code >= 0}, not all zero; multiplied by the class weights,
     *                      if any; {@code null} for all 1; not mutated
     * @return the fitted model
     * @throws IllegalArgumentException for features that are not floating point, a weight array of the wrong
     *                                  length, a negative, NaN or infinite weight, or weights (with the class
     *                                  weights) that are all zero
     */
    public SoftmaxRegression fit(Dataset train, double[] sampleWeights) {
        java.util.Objects.requireNonNull(train, "train must not be null");
        if (train.numSamples() == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        if (train.numFeatures() == 0) {
            throw new IllegalArgumentException("the training set's rows have no features; expected at least one");
        }
        int present = 0;
        for (int count : train.classCounts()) {
            present += count > 0 ? 1 : 0;
        }
        if (present < 2) {
            throw new IllegalArgumentException("the training set has a single class; need at least two");
        }
        // As fit(INDArray) and predict refuse them: a model trained on INT features could not score them.
        Inputs.checkShapeAndType(train.features(), Inputs.ANY);
        INDArray raw = train.features().castTo(dataType);
        Inputs.checkFiniteAfterCast(train.features(), raw);
        checkWarmStart(train);
        // A warm start keeps the model's scaling: its weights only mean something on features scaled that way.
        FeatureScaler scaler = warmStart != null ? warmStart.scaler() : switch (scaling) {
            case NONE -> FeatureScaler.none(train.numFeatures());
            case UNIT -> FeatureScaler.unit(train.numFeatures(), 255.0);
            case STANDARD -> FeatureScaler.standard(raw);
        };
        double[] perClass = classWeightsFor(train);
        SoftmaxCrossEntropy objective = scaledObjective(raw, train.labels(), train.numClasses(), scaler, l2,
                rowWeights(train.labels(), sampleWeights, perClass));
        ParameterLayout layout = objective.layout();
        INDArray start = warmStart == null ? layout.zeros(dataType)
                : layout.pack(warmStart.weights().castTo(dataType), warmStart.bias());
        EarlyStopping early = validation == null ? null
                : new EarlyStopping(validationObjective(train, scaler, perClass), patience, validationListener);
        Optimizer<? super SoftmaxCrossEntropy> method = optimizer instanceof AutoOptimizer
                ? AutoOptimizer.optimizerFor(objective) : optimizer;
        OptimizationResult result = method.minimize(objective, start, stopping,
                early == null ? listener : early.then(listener));
        if (early != null) {
            // The optimizers return their last point; early stopping wants the best one on the validation set.
            result = early.bestOf(result, objective);
        }
        INDArray theta = result.solution();
        TrainingSummary summary = TrainingSummary.of(method.name(), l2, stopping, train.numSamples(), result,
                early == null ? -1 : early.bestIteration());
        return new SoftmaxRegression(layout.weights(theta), layout.bias(theta), train.classNames(), scaler, result,
                summary).withFeatureNames(train.featureNames() != null || warmStart == null ? train.featureNames()
                        : warmStart.featureNames().orElse(null));
    }

    /**
     * Fits on features {@code x [n,d]} (any floating type; not mutated) with integer labels {@code y [n]}. The
     * classes are {@code 0 .. max(y)}, named {@code "0"}, {@code "1"}, ...; at least two must occur.
     *
     * @param x the raw features {@code [n,d]}
     * @param y the labels, {@code n} of them, {@code >= 0}
     * @return the fitted model
     * @throws IllegalArgumentException for empty input, a row count that differs from {@code y.length}, NaN or
     *                                  infinite features, or a negative label
     */
    public SoftmaxRegression fit(INDArray x, int[] y) {
        return fit(x, y, null);
    }

    /**
     * As {@link #fit(INDArray, int[])}, with a weight per row; see {@link #fit(Dataset, double[])} for the
     * weights.
     *
     * @param x             the raw features {@code [n,d]}
     * @param y             the labels, {@code n} of them, {@code >= 0}
     * @param sampleWeights {@code [n]}, or {@code null} for all 1
     * @return the fitted model
     */
    public SoftmaxRegression fit(INDArray x, int[] y, double[] sampleWeights) {
        Inputs.check(x, Inputs.ANY);
        return fit(new Dataset(x, checkLabels(y, x.rows()), integerClassNames(y)), sampleWeights);
    }

    /**
     * Fits on {@code x [n][d]} with integer labels; see {@link #fit(INDArray, int[])}.
     *
     * @param x the raw features, {@code n} rows of {@code d}
     * @param y the labels, {@code n} of them, {@code >= 0}
     * @return the fitted model
     */
    public SoftmaxRegression fit(double[][] x, int[] y) {
        return fit(x, y, null);
    }

    /**
     * Fits on {@code x [n][d]} with integer labels and sample weights; see {@link #fit(INDArray, int[], double[])}.
     *
     * @param x             the raw features, {@code n} rows of {@code d}
     * @param y             the labels, {@code n} of them, {@code >= 0}
     * @param sampleWeights {@code [n]}, or {@code null} for all 1
     * @return the fitted model
     */
    public SoftmaxRegression fit(double[][] x, int[] y, double[] sampleWeights) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), y, sampleWeights);
    }

    /**
     * Fits on {@code x [n][d]} with integer labels; see {@link #fit(INDArray, int[])}.
     *
     * @param x the raw features, {@code n} rows of {@code d}
     * @param y the labels, {@code n} of them, {@code >= 0}
     * @return the fitted model
     */
    public SoftmaxRegression fit(float[][] x, int[] y) {
        return fit(x, y, null);
    }

    /**
     * Fits on {@code x [n][d]} with integer labels and sample weights; see {@link #fit(INDArray, int[], double[])}.
     *
     * @param x             the raw features, {@code n} rows of {@code d}
     * @param y             the labels, {@code n} of them, {@code >= 0}
     * @param sampleWeights {@code [n]}, or {@code null} for all 1
     * @return the fitted model
     */
    public SoftmaxRegression fit(float[][] x, int[] y, double[] sampleWeights) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), y, sampleWeights);
    }

    /**
     * Fits on {@code x [n][d]} with class names as labels. The model's classes are the distinct labels, sorted
     * the way {@link dev.softmax.data.CsvDatasetReader} sorts them: numerically when every label is a number,
     * else alphabetically, so the class order does not depend on the row order.
     *
     * @param x      the raw features, {@code n} rows of {@code d}
     * @param labels the class name of each row
     * @return the fitted model
     * @throws IllegalArgumentException for empty or ragged input, NaN or infinite features, a label count that
     *                                  differs from the row count, or a null, empty or blank label
     */
    public SoftmaxRegression fit(double[][] x, String[] labels) {
        return fit(x, labels, null);
    }

    /**
     * As {@link #fit(double[][], String[])}, with a weight per row; see {@link #fit(Dataset, double[])} for the
     * weights.
     *
     * @param x             the raw features, {@code n} rows of {@code d}
     * @param labels        the class name of each row
     * @param sampleWeights {@code [n]}, or {@code null} for all 1
     * @return the fitted model
     */
    public SoftmaxRegression fit(double[][] x, String[] labels, double[] sampleWeights) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), labels, sampleWeights);
    }

    /**
     * Fits on {@code x [n][d]} with class names as labels; see {@link #fit(double[][], String[])}.
     *
     * @param x      the raw features, {@code n} rows of {@code d}
     * @param labels the class name of each row
     * @return the fitted model
     */
    public SoftmaxRegression fit(float[][] x, String[] labels) {
        return fit(x, labels, null);
    }

    /**
     * As {@link #fit(double[][], String[], double[])}, for float rows.
     *
     * @param x             the raw features, {@code n} rows of {@code d}
     * @param labels        the class name of each row
     * @param sampleWeights {@code [n]}, or {@code null} for all 1
     * @return the fitted model
     */
    public SoftmaxRegression fit(float[][] x, String[] labels, double[] sampleWeights) {
        return fit(Inputs.matrix(x, Inputs.ANY, dataType), labels, sampleWeights);
    }

    private SoftmaxRegression fit(INDArray x, String[] labels, double[] sampleWeights) {
        Objects.requireNonNull(labels, "labels must not be null");
        if (labels.length != x.rows()) {
            throw new IllegalArgumentException("expected one label per row (" + x.rows() + "), got "
                    + labels.length);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null || labels[i].isBlank()) {
                throw new IllegalArgumentException("label of row " + i + " is " + (labels[i] == null ? "null"
                        : labels[i].isEmpty() ? "empty" : "blank") + "; expected a class name");
            }
        }
        List<String> names = CsvDatasetReader.sortedDistinct(labels);
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < names.size(); k++) {
            index.put(names.get(k), k);
        }
        int[] y = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            y[i] = index.get(labels[i]);
        }
        return fit(new Dataset(x, y, names), sampleWeights);
    }

    /**
     * The per-row weights {@code sampleWeight_i * classWeight_{y_i}}, or {@code null} (the unweighted objective)
     * when there are neither. Checked here so that the messages name what the caller passed.
     */
    private static double[] rowWeights(int[] labels, double[] sampleWeights, double[] perClass) {
        if (sampleWeights == null && perClass == null) {
            return null;
        }
        if (sampleWeights != null && sampleWeights.length != labels.length) {
            throw new IllegalArgumentException("expected one sample weight per row (" + labels.length + "), got "
                    + sampleWeights.length);
        }
        double[] w = new double[labels.length];
        double sum = 0;
        boolean overflow = false;
        for (int i = 0; i < labels.length; i++) {
            double s = 1.0;
            if (sampleWeights != null) {
                s = sampleWeights[i];
                if (!(s >= 0) || Double.isInfinite(s)) {
                    throw new IllegalArgumentException("sample weight " + s + " at row " + i
                            + " is not a finite number >= 0");
                }
            }
            w[i] = perClass == null ? s : s * perClass[labels[i]];
            overflow |= Double.isInfinite(w[i]);
            sum += w[i];
        }
        if (overflow) {
            // Weights count only by their ratios: the factors are taken relative to their largest (the product of
            // two numbers up to 1 is finite), instead of refusing weights the caller may not have chosen
            // (balancedClassWeights).
            double sampleMax = java.util.Arrays.stream(sampleWeights).max().orElse(1);
            double classMax = java.util.Arrays.stream(perClass).max().orElse(1);
            sum = 0;
            for (int i = 0; i < labels.length; i++) {
                w[i] = (sampleWeights[i] / sampleMax) * (perClass[labels[i]] / classMax);
                sum += w[i];
            }
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException(perClass == null ? "the sample weights are all zero"
                    : "the sample and class weights give every training row weight zero");
        }
        return w;
    }

    /**
     * The validation log-loss as an objective: lambda 0, the training scaling, and the class weights (so the
     * criterion measures what is being optimised), but not the sample weights, which belong to training rows.
     */
    private SoftmaxCrossEntropy validationObjective(Dataset train, FeatureScaler scaler, double[] perClass) {
        if (validation.numFeatures() != train.numFeatures()) {
            throw new IllegalArgumentException("the validation set has " + validation.numFeatures()
                    + " features but the training set has " + train.numFeatures());
        }
        if (!validation.classNames().equals(train.classNames())) {
            throw new IllegalArgumentException("the validation set has classes "
                    + dev.softmax.io.OneLine.list(validation.classNames()) + " but the training set has "
                    + dev.softmax.io.OneLine.list(train.classNames()));
        }
        if (validation.featureNames() != null && train.featureNames() != null
                && !validation.featureNames().equals(train.featureNames())) {
            throw new IllegalArgumentException("the validation set has features " + validation.featureNames()
                    + " but the training set has " + train.featureNames());
        }
        INDArray raw = validation.features().castTo(dataType);
        if (!Blas.allFinite(raw)) {
            throw new IllegalArgumentException("validation features contain NaN or infinite values");
        }
        double[] rowWeights = null;
        if (perClass != null) {
            try {
                rowWeights = rowWeights(validation.labels(), null, perClass);
            } catch (IllegalArgumentException e) {
                // QA: this said "every training row", of a validation set whose classes all weigh zero.
                throw new IllegalArgumentException("the class weights give every validation row weight zero: the"
                        + " validation set has only classes of weight zero", e);
            }
        }
        return scaledObjective(raw, validation.labels(), train.numClasses(), scaler, 0.0, rowWeights);
    }

    /**
     * The objective on {@code scaler}'s transform of {@code raw}. A scaling without shift and with one factor for
     * all features (pixels / 255) is folded into the matrix products: no scaled copy of {@code X}, which for
     * CIFAR-10 would be another 614 MB, and 8-bit pixels stay integers that the passes may read as bytes.
     */
    private SoftmaxCrossEntropy scaledObjective(INDArray raw, int[] labels, int classes, FeatureScaler scaler,
                                                double lambda, double[] rowWeights) {
        double uniformFactor = uniformFactor(scaler);
        if (Double.isNaN(uniformFactor)) {
            return new SoftmaxCrossEntropy(scaler.transform(raw), labels, classes, lambda, rowWeights,
                    hessianBudgetBytes);
        }
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(raw, labels, classes, lambda, rowWeights,
                hessianBudgetBytes);
        return uniformFactor == 1.0 ? objective : objective.withFeatureScale(uniformFactor);
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
            throw new IllegalArgumentException("the warm-start model has classes "
                    + dev.softmax.io.OneLine.list(warmStart.classNames()) + " but the training set has "
                    + dev.softmax.io.OneLine.list(train.classNames()));
        }
        List<String> modelNames = warmStart.featureNames().orElse(null);
        if (modelNames != null && train.featureNames() != null && !modelNames.equals(train.featureNames())) {
            throw new IllegalArgumentException("the warm-start model has features " + modelNames
                    + " but the training set has " + train.featureNames());
        }
    }

    private static int[] checkLabels(int[] y, long rows) {
        Objects.requireNonNull(y, "labels must not be null");
        if (y.length != rows) {
            throw new IllegalArgumentException("expected one label per row (" + rows + "), got " + y.length);
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

    /** {@code 1 / scale} when the scaler has no shift and one scale for every feature, else NaN. */
    private static double uniformFactor(FeatureScaler scaler) {
        double[] shift = scaler.shift();
        double[] scale = scaler.scale();
        for (int j = 0; j < shift.length; j++) {
            if (shift[j] != 0 || scale[j] != scale[0]) {
                return Double.NaN;
            }
        }
        return 1.0 / scale[0];
    }

    /** Settings for a {@link Trainer}; every setter validates its argument. */
    public static final class Builder {
        private double l2 = 1e-4;
        private Optimizer<? super SoftmaxCrossEntropy> optimizer = new AutoOptimizer();
        private StoppingCriteria stopping = StoppingCriteria.of(1000);
        private DataType dataType = DataType.FLOAT;
        private Scaling scaling = Scaling.STANDARD;
        private IterationListener listener = IterationListener.NONE;
        private SoftmaxRegression warmStart;
        private long hessianBudgetBytes = SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES;
        private double[] classWeights;
        private boolean balancedClassWeights;
        private Dataset validation;
        private int patience;
        private ValidationListener validationListener;

        private Builder() {
        }

        /**
         * Weights per class, indexed like the model's class names (for {@code String} labels: the sorted order
         * described at {@link Trainer#fit(double[][], String[])}); row {@code i}'s weight is multiplied by
         * {@code perClass[y_i]}. Replaces {@link #balancedClassWeights}; {@code null} (the default) means none.
         *
         * @param perClass finite and {@code >= 0}, not all zero; copied; its length must equal the number of
         *                 classes of the training set (checked by {@code fit})
         * @return this builder
         */
        public Builder classWeights(double[] perClass) {
            if (perClass != null) {
                double sum = 0;
                for (int k = 0; k < perClass.length; k++) {
                    if (!(perClass[k] >= 0) || Double.isInfinite(perClass[k])) {
                        throw new IllegalArgumentException("class weight " + perClass[k] + " of class " + k
                                + " is not a finite number >= 0");
                    }
                    sum += perClass[k];
                }
                if (!(sum > 0)) {
                    throw new IllegalArgumentException("the class weights are all zero (or there are none)");
                }
            }
            this.classWeights = perClass == null ? null : perClass.clone();
            this.balancedClassWeights = false;
            return this;
        }

        /**
         * Class weights inversely proportional to the class frequencies of the training set,
         * {@code w_k = n / (K' count_k)} (scikit-learn's {@code class_weight="balanced"}, {@code K'} the number of
         * classes present in the training set): every class present then has the same total weight {@code n / K'}.
         * Replaces {@link #classWeights}.
         *
         * @return this builder
         */
        public Builder balancedClassWeights() {
            this.classWeights = null;
            this.balancedClassWeights = true;
            return this;
        }

        /**
         * Early stopping: after every iteration (every epoch for {@code sgd} and {@code adam}) the mean log-loss
         * on {@code validation} is computed (with the class weights, if any, and without the L2 penalty); the run
         * stops with {@link dev.softmax.optim.TerminationReason#STOPPED_BY_LISTENER} after {@code patience}
         * iterations without a strict improvement, and the model gets the parameters with the lowest validation
         * log-loss seen, including the start. Log-loss rather than accuracy because it is smooth: it keeps
         * improving, and telling iterations apart, where accuracy sits on a plateau. Works with every optimizer;
         * it is meant for {@code sgd} and {@code adam}, whose iterates wander, while for full-batch methods the L2
         * penalty is the usual regulariser. One full validation pass (a GEMM) per iteration.
         *
         * @param validation raw (unscaled) features with the training set's feature count and class names; not
         *                   modified; {@code null} switches early stopping off
         * @param patience   iterations without improvement before stopping, {@code >= 1}
         * @return this builder
         */
        public Builder earlyStopping(Dataset validation, int patience) {
            if (validation != null) {
                if (patience < 1) {
                    throw new IllegalArgumentException("patience must be >= 1, got " + patience);
                }
                if (validation.numSamples() == 0) {
                    throw new IllegalArgumentException("the validation set for early stopping is empty");
                }
            }
            this.validation = validation;
            this.patience = validation == null ? 0 : patience;
            return this;
        }

        /**
         * Called with the validation log-loss of every iteration when early stopping is on; {@code null}: none.
         *
         * @param onValidationLoss the listener, or {@code null}
         * @return this builder
         */
        public Builder validationListener(ValidationListener onValidationLoss) {
            this.validationListener = onValidationLoss;
            return this;
        }

        /**
         * Largest dense Hessian (bytes) the objective may build, for {@code newton}; default 2 GiB.
         *
         * @param bytes the budget in bytes, {@code > 0}
         * @return this builder
         */
        public Builder hessianBudget(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("hessianBudget must be > 0 bytes, got " + bytes);
            }
            this.hessianBudgetBytes = bytes;
            return this;
        }

        /**
         * L2 strength {@code lambda >= 0} on the weights (not the bias).
         *
         * @param lambda the strength, finite and {@code >= 0}
         * @return this builder
         */
        public Builder l2(double lambda) {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new IllegalArgumentException("l2 must be finite and >= 0, got " + lambda);
            }
            this.l2 = lambda;
            return this;
        }

        /**
         * The optimizer; by default an {@link AutoOptimizer}, which takes {@code newton}, {@code newton-cg} or
         * {@code lbfgs} by the problem's shape, as the command line's {@code --optimizer auto} does, and is
         * recorded in the model's training summary as the method it took.
         *
         * @param method the optimizer, not {@code null}
         * @return this builder
         */
        public Builder optimizer(Optimizer<? super SoftmaxCrossEntropy> method) {
            this.optimizer = Objects.requireNonNull(method, "optimizer");
            return this;
        }

        /**
         * When to stop.
         *
         * @param criteria the stopping criteria, not {@code null}
         * @return this builder
         */
        public Builder stopping(StoppingCriteria criteria) {
            this.stopping = Objects.requireNonNull(criteria, "stopping");
            return this;
        }

        /**
         * FLOAT (default) or DOUBLE.
         *
         * @param type the computation type
         * @return this builder
         */
        public Builder dataType(DataType type) {
            Objects.requireNonNull(type, "dataType");
            if (type != DataType.FLOAT && type != DataType.DOUBLE) {
                throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + type);
            }
            this.dataType = type;
            return this;
        }

        /**
         * Feature scaling (default {@link Scaling#STANDARD}).
         *
         * @param how the scaling, not {@code null}
         * @return this builder
         */
        public Builder scaling(Scaling how) {
            this.scaling = Objects.requireNonNull(how, "scaling");
            return this;
        }

        /**
         * Called after every optimizer iteration.
         *
         * @param iterationListener the listener, not {@code null}
         * @return this builder
         */
        public Builder listener(IterationListener iterationListener) {
            this.listener = Objects.requireNonNull(iterationListener, "listener");
            return this;
        }

        /**
         * Starts the optimizer from {@code model}'s weights and bias instead of zeros, and keeps its feature
         * scaling (the {@link #scaling} setting is then ignored). The training set must have the model's feature
         * count and class names. {@code null} (the default) starts from zeros.
         *
         * @param model the model to start from, or {@code null}
         * @return this builder
         */
        public Builder warmStart(SoftmaxRegression model) {
            this.warmStart = model;
            return this;
        }

        /**
         * The configured trainer.
         *
         * @return a new trainer with these settings
         */
        public Trainer build() {
            return new Trainer(this);
        }
    }
}
