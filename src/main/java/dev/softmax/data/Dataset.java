package dev.softmax.data;

import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Features with their class labels.
 *
 * @param features   {@code [n,d]}, one row per sample; kept by reference (a copy of a large data set would double
 *                   its memory), so it must not change while the data set is in use
 * @param labels     {@code int[n]}, each in {@code [0, classNames.size())}
 * @param classNames   names of the classes, indexed by label
 * @param featureNames names of the feature columns (a CSV file's header), or {@code null} when they have none
 */
public record Dataset(INDArray features, int[] labels, List<String> classNames, List<String> featureNames) {

    /**
     * Checks that the shapes and labels agree.
     *
     * @param features     {@code [n,d]}, one row per sample; kept by reference
     * @param labels       {@code int[n]}, each in {@code [0, classNames.size())}; copied
     * @param classNames   distinct names of the classes, indexed by label, as {@link #checkClassNames} takes them;
     *                     copied
     * @param featureNames {@code d} names of the feature columns, none {@code null}, repeats allowed; copied; or
     *                     {@code null} for none
     */
    public Dataset {
        java.util.Objects.requireNonNull(features, "features must not be null");
        java.util.Objects.requireNonNull(labels, "labels must not be null");
        java.util.Objects.requireNonNull(classNames, "classNames must not be null");
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be [n,d], got shape " + Arrays.toString(features.shape()));
        }
        featureNames = checkFeatureNames(featureNames, (int) features.columns());
        if (features.rows() != labels.length) {
            throw new IllegalArgumentException("features have " + features.rows() + " rows but there are "
                    + labels.length + " labels");
        }
        classNames = checkClassNames(classNames, classNames.size());
        labels = labels.clone();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classNames.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0,"
                        + classNames.size() + ")");
            }
        }
    }

    /**
     * Features without column names.
     *
     * @param features   {@code [n,d]}, one row per sample; kept by reference
     * @param labels     {@code int[n]}, each in {@code [0, classNames.size())}; copied
     * @param classNames distinct names of the classes, indexed by label, as {@link #checkClassNames} takes them;
     *                   copied
     */
    public Dataset(INDArray features, int[] labels, List<String> classNames) {
        this(features, labels, classNames, null);
    }

    /**
     * The labels, a copy.
     *
     * @return {@code int[n]}, each in {@code [0, K)}
     */
    @Override
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Number of samples {@code n}.
     *
     * @return {@code n}
     */
    public int numSamples() {
        return labels.length;
    }

    /**
     * Number of features {@code d}.
     *
     * @return {@code d}
     */
    public int numFeatures() {
        return (int) features.columns();
    }

    /**
     * Number of classes {@code K}.
     *
     * @return {@code K}
     */
    public int numClasses() {
        return classNames.size();
    }

    /**
     * The rows at {@code rows}, in that order, as a new dataset (features copied, in one native gather: ND4J's
     * {@code getRows} runs two operations per row).
     *
     * @param rows the row indices, repeats allowed
     * @return the subset, with the same class names
     * @throws IllegalArgumentException when a row is outside {@code [0, n)}
     */
    public Dataset subset(int[] rows) {
        int[] subLabels = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= labels.length) {
                throw new IllegalArgumentException("row " + rows[i] + " is outside [0," + labels.length + ")");
            }
            subLabels[i] = labels[rows[i]];
        }
        INDArray subFeatures = rows.length == 0
                ? Nd4j.create(features.dataType(), 0, features.columns())
                : Nd4j.pullRows(features, 1, rows, 'c');
        return new Dataset(subFeatures, subLabels, classNames, featureNames);
    }

    /**
     * The same data with other features (same rows).
     *
     * @param newFeatures {@code [n,d']}, one row per sample
     * @return the new data set, with the same labels and class names, and the same feature names when
     *         {@code d' = d}
     */
    public Dataset withFeatures(INDArray newFeatures) {
        return new Dataset(newFeatures, labels, classNames,
                newFeatures.rank() == 2 && newFeatures.columns() == features.columns() ? featureNames : null);
    }

    /**
     * Count of samples per class, indexed by label.
     *
     * @return {@code int[K]} counts
     */
    public int[] classCounts() {
        int[] counts = new int[numClasses()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /**
     * Checks feature names: {@code null} (none), or {@code d} names, none {@code null} nor holding a lone UTF-16
     * surrogate (a model file could not keep it).
     *
     * @param featureNames the names, or {@code null}
     * @param d            how many there must be
     * @return an unmodifiable copy, or {@code null}
     * @throws IllegalArgumentException for a wrong count or a name that is null or not valid text
     */
    public static List<String> checkFeatureNames(List<String> featureNames, int d) {
        if (featureNames == null) {
            return null;
        }
        if (featureNames.size() != d) {
            throw new IllegalArgumentException("need " + d + " feature names, got " + featureNames.size());
        }
        for (int j = 0; j < d; j++) {
            String name = featureNames.get(j);
            if (name == null) {
                throw new IllegalArgumentException("feature names must not be null, got " + featureNames);
            }
            checkText(name, "feature name " + j);
        }
        return List.copyOf(featureNames);
    }

    /** Refuses a name holding a lone UTF-16 surrogate, which a model file, UTF-8, cannot hold. */
    private static void checkText(String name, String what) {
        if (!java.nio.charset.StandardCharsets.UTF_8.newEncoder().canEncode(name)) {
            throw new IllegalArgumentException(what + " is not valid Unicode text (a lone surrogate): "
                    + name.codePoints().mapToObj(c -> String.format("U+%04X", c))
                    .collect(java.util.stream.Collectors.joining(" ")));
        }
    }

    /**
     * Checks class names as every class of this library takes them (a data set, a model, a saved model's file):
     * {@code k} of them, distinct, none {@code null} or blank (a blank name would print as nothing in predictions
     * and tables), none holding a lone UTF-16 surrogate (a model file, UTF-8, cannot hold it: it came back as
     * {@code ?}).
     *
     * @param classNames the names, indexed by label
     * @param k          how many there must be
     * @return an unmodifiable copy
     * @throws IllegalArgumentException for a wrong count, or a name that is null, blank, repeated or not valid text
     */
    public static List<String> checkClassNames(List<String> classNames, int k) {
        java.util.Objects.requireNonNull(classNames, "classNames must not be null");
        if (classNames.size() != k) {
            throw new IllegalArgumentException("need " + k + " class names, got " + classNames.size());
        }
        for (int i = 0; i < k; i++) {
            String name = classNames.get(i);
            if (name == null) {
                throw new IllegalArgumentException("class names must not be null, got " + classNames);
            }
            if (name.isBlank()) {
                throw new IllegalArgumentException("class name " + i + " is " + (name.isEmpty() ? "empty" : "blank")
                        + "; a class needs a name that shows");
            }
            checkText(name, "class name " + i);
        }
        List<String> copy = List.copyOf(classNames);
        if (new java.util.HashSet<>(copy).size() != k) {
            throw new IllegalArgumentException("class names must be distinct, got " + classNames);
        }
        return copy;
    }
}
