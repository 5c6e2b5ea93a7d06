package dev.softmax.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Classification metrics; arguments are always {@code (truth, predicted)} in that order. */
public final class Metrics {

    private Metrics() {
    }

    /**
     * Fraction of positions where {@code predicted[i] == truth[i]}.
     *
     * @param truth     the true labels
     * @param predicted the predicted labels, as many as {@code truth}
     * @return the accuracy, NaN for empty arrays
     */
    public static double accuracy(int[] truth, int[] predicted) {
        checkLengths(truth.length, predicted.length);
        if (truth.length == 0) {
            return Double.NaN;
        }
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            correct += truth[i] == predicted[i] ? 1 : 0;
        }
        return (double) correct / truth.length;
    }

    /**
     * Mean negative log-likelihood {@code -(1/n) sum_i log p[i][truth[i]]} from log-probabilities {@code [n,K]}
     * (as returned by {@code predictLogProba}), so that confident mistakes give large finite values, not infinity.
     *
     * @param truth            the true labels, in {@code [0, K)}
     * @param logProbabilities {@code [n,K]}, one row per label
     * @return the mean log-loss, NaN for no samples
     */
    public static double logLoss(int[] truth, INDArray logProbabilities) {
        checkLengths(truth.length, logProbabilities.rows());
        if (truth.length == 0) {
            return Double.NaN;
        }
        // One bulk copy: toDoubleMatrix() made an ND4J view per row, 0.5 to 0.9 s for 10000 rows.
        double[] logP = logProbabilities.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        long classes = logProbabilities.columns();
        double sum = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] < 0 || truth[i] >= classes) {
                throw new IllegalArgumentException("truth[" + i + "] = " + truth[i] + " is not one of the " + classes
                        + " classes");
            }
            sum -= logP[(int) (i * classes + truth[i])];
        }
        return sum / truth.length;
    }

    private static void checkLengths(long truth, long predicted) {
        if (truth != predicted) {
            throw new IllegalArgumentException("truth has " + truth + " entries but predictions have " + predicted);
        }
    }
}
