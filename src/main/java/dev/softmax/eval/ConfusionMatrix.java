package dev.softmax.eval;

import java.util.List;

/**
 * Counts of (true class, predicted class) pairs, with per-class precision, recall and F1.
 * {@code count(t, p)} is the number of samples of true class {@code t} predicted as {@code p}.
 */
public final class ConfusionMatrix {

    private final long[][] counts;
    private final List<String> classNames;

    private ConfusionMatrix(long[][] counts, List<String> classNames) {
        this.counts = counts;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * Tallies {@code truth} against {@code predicted}; labels must be in {@code [0, classNames.size())}.
     *
     * @param truth      the true labels
     * @param predicted  the predicted labels, as many as {@code truth}
     * @param classNames the class names, indexed by label
     * @return the matrix
     * @throws IllegalArgumentException for arrays of different lengths or a label that is not a class's
     */
    public static ConfusionMatrix of(int[] truth, int[] predicted, List<String> classNames) {
        java.util.Objects.requireNonNull(truth, "truth");
        java.util.Objects.requireNonNull(predicted, "predicted");
        java.util.Objects.requireNonNull(classNames, "classNames");
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException("truth has " + truth.length + " entries but predictions have "
                    + predicted.length);
        }
        int k = classNames.size();
        long[][] counts = new long[k][k];
        for (int i = 0; i < truth.length; i++) {
            checkLabel("truth", i, truth[i], k);
            checkLabel("predicted", i, predicted[i], k);
            counts[truth[i]][predicted[i]]++;
        }
        return new ConfusionMatrix(counts, classNames);
    }

    private static void checkLabel(String what, int i, int label, int classes) {
        if (label < 0 || label >= classes) {
            throw new IllegalArgumentException(what + "[" + i + "] = " + label + " is not one of the " + classes
                    + " classes");
        }
    }

    /**
     * Number of classes.
     *
     * @return the number of classes
     */
    public int numClasses() {
        return counts.length;
    }

    /**
     * The class names, indexed by label.
     *
     * @return the class names, unmodifiable
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Samples of true class {@code truth} predicted as {@code predicted}.
     *
     * @param truth     the true label
     * @param predicted the predicted label
     * @return the number of such samples
     */
    public long count(int truth, int predicted) {
        return counts[truth][predicted];
    }

    /**
     * Of the samples predicted as {@code k}, the fraction that are {@code k}; NaN when none were predicted.
     *
     * @param k the class label
     * @return the precision of class {@code k}
     */
    public double precision(int k) {
        long predicted = 0;
        for (long[] row : counts) {
            predicted += row[k];
        }
        return predicted == 0 ? Double.NaN : (double) counts[k][k] / predicted;
    }

    /**
     * Of the samples of class {@code k}, the fraction predicted as {@code k}; NaN when there are none.
     *
     * @param k the class label
     * @return the recall of class {@code k}
     */
    public double recall(int k) {
        long actual = 0;
        for (long c : counts[k]) {
            actual += c;
        }
        return actual == 0 ? Double.NaN : (double) counts[k][k] / actual;
    }

    /**
     * Harmonic mean of precision and recall; 0 when both are 0, NaN when either is undefined.
     *
     * @param k the class label
     * @return the F1 score of class {@code k}
     */
    public double f1(int k) {
        double p = precision(k);
        double r = recall(k);
        if (Double.isNaN(p) || Double.isNaN(r)) {
            return Double.NaN;
        }
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /**
     * Number of samples of class {@code k}.
     *
     * @param k the class label
     * @return the number of samples whose true class is {@code k}
     */
    public long support(int k) {
        long actual = 0;
        for (long c : counts[k]) {
            actual += c;
        }
        return actual;
    }

    /**
     * Per-class precision, recall, F1 and support as an aligned table (class names on one line, as
     * {@link dev.softmax.io.OneLine#of} shows them).
     *
     * @return the table, one line per class after a header
     */
    public String formatReport() {
        List<String> classNames = shownNames();
        int width = Math.max(5, classNames.stream().mapToInt(String::length).max().orElse(5));
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-" + width + "s  %9s  %9s  %9s  %7s%n", "class", "precision", "recall", "f1", "support"));
        for (int k = 0; k < numClasses(); k++) {
            out.append(String.format("%-" + width + "s  %9s  %9s  %9s  %7d%n", classNames.get(k),
                    cell(precision(k)), cell(recall(k)), cell(f1(k)), support(k)));
        }
        return out.toString();
    }

    /** The class names as a terminal shows them on one line (QA: a quoted line break split the table's rows). */
    private List<String> shownNames() {
        return classNames.stream().map(dev.softmax.io.OneLine::of).toList();
    }

    /** A score to 4 decimals, or {@code -} where it is undefined (a class never predicted, or never present). */
    private static String cell(double score) {
        return Double.isNaN(score) ? "-" : String.format(java.util.Locale.ROOT, "%.4f", score);
    }

    /**
     * The matrix with true classes as rows and predicted classes as columns, labelled by name (on one line, as
     * {@link dev.softmax.io.OneLine#of} shows them).
     *
     * @return the matrix as text
     */
    public String formatMatrix() {
        List<String> classNames = shownNames();
        int width = Math.max(9, classNames.stream().mapToInt(String::length).max().orElse(6));
        for (long[] row : counts) {
            for (long c : row) {
                width = Math.max(width, Long.toString(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-" + width + "s", "true\\pred"));
        for (String name : classNames) {
            out.append(String.format("  %" + width + "s", name));
        }
        out.append(System.lineSeparator());
        for (int t = 0; t < numClasses(); t++) {
            out.append(String.format("%-" + width + "s", classNames.get(t)));
            for (int p = 0; p < numClasses(); p++) {
                out.append(String.format("  %" + width + "d", counts[t][p]));
            }
            out.append(System.lineSeparator());
        }
        return out.toString();
    }
}
