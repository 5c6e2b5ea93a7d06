package dev.softmax.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Numerically stable softmax utilities.
 *
 * <p>Every method works row by row on a matrix of logits {@code [n,K]} (one row per sample), or on a
 * single rank-1 vector of {@code K} logits (a {@code [K,1]} column is K rows, each of one class and so of
 * probability 1), and never mutates its argument. Stability comes from subtracting the row maximum before
 * exponentiating ({@code softmax(z) = softmax(z - max z)}), so logits of ±1e4 give finite results. A row
 * holding +∞ or NaN comes out NaN, and a -∞ logit gets probability 0, as with SciPy's {@code softmax}; nothing is
 * checked on this path, for speed.
 */
public final class Softmax {

    private Softmax() {
    }

    /**
     * Row-wise {@code softmax(z)_k = exp(z_k) / sum_j exp(z_j)}; same shape and type as {@code logits}.
     *
     * @param logits {@code z}, {@code [n,K]}, or a rank-1 vector of {@code K} ({@code [K,1]} is K rows)
     * @return the probabilities, a new array
     */
    public static INDArray softmax(INDArray logits) {
        INDArray shifted = shiftedByRowMax(logits);
        Transforms.exp(shifted, false);
        return sameShape(shifted.diviColumnVector(shifted.sum(true, 1)), logits);
    }

    /**
     * Softmax with temperature {@code T > 0}: {@code softmax(z / T)}. {@code T -> 0} approaches the
     * one-hot arg max, {@code T -> infinity} the uniform distribution.
     *
     * @param logits      {@code z}, {@code [n,K]}, or a rank-1 vector of {@code K} ({@code [K,1]} is K rows)
     * @param temperature {@code T}, finite and {@code > 0}
     * @return the probabilities, a new array of the shape of {@code logits}
     */
    public static INDArray softmax(INDArray logits, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        }
        return softmax(logits.div(temperature));
    }

    /**
     * Row-wise {@code log softmax(z)_k = z_k - max z - log sum_j exp(z_j - max z)}.
     *
     * @param logits {@code z}, {@code [n,K]}, or a rank-1 vector of {@code K} ({@code [K,1]} is K rows)
     * @return the log-probabilities, a new array of the shape of {@code logits}
     */
    public static INDArray logSoftmax(INDArray logits) {
        INDArray shifted = shiftedByRowMax(logits);
        INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        return sameShape(shifted.subiColumnVector(logSumExp), logits);
    }

    /**
     * Row-wise {@code log sum_k exp(z_k)}, computed stably; shape {@code [n,1]} (or {@code [1,1]} for a vector).
     *
     * @param logits {@code z}, {@code [n,K]}, or a rank-1 vector of {@code K} ({@code [K,1]} is K rows)
     * @return the row-wise log-sum-exp, a new array
     */
    public static INDArray logSumExp(INDArray logits) {
        INDArray matrix = asMatrix(logits);
        INDArray max = matrix.max(true, 1);
        INDArray shifted = matrix.subColumnVector(max);
        return Transforms.log(Transforms.exp(shifted, false).sum(true, 1), false).addi(max);
    }

    /**
     * Jacobian of the softmax at the probability vector {@code s} (the output of {@link #softmax}):
     * {@code J = diag(s) - s s^T}, {@code J[i][j] = d s_i / d z_j}, shape {@code [K,K]}.
     *
     * @param probabilities a vector of {@code K} probabilities ({@code [K]}, {@code [1,K]} or {@code [K,1]})
     * @return {@code J}, a new array
     */
    public static INDArray jacobian(INDArray probabilities) {
        if (!probabilities.isVector()) {
            throw new IllegalArgumentException("jacobian needs one probability vector, got shape "
                    + java.util.Arrays.toString(probabilities.shape()));
        }
        INDArray column = probabilities.reshape(probabilities.length(), 1);
        INDArray outer = column.mmul(column.transpose());
        return Nd4j.diag(probabilities.reshape(probabilities.length())).subi(outer);
    }

    /** A new {@code [n,K]} array holding the logits minus their row maxima. */
    private static INDArray shiftedByRowMax(INDArray logits) {
        INDArray matrix = asMatrix(logits);
        return matrix.subColumnVector(matrix.max(true, 1));
    }

    private static INDArray sameShape(INDArray result, INDArray logits) {
        return logits.rank() == 1 ? result.reshape(logits.length()) : result;
    }

    private static INDArray asMatrix(INDArray logits) {
        if (logits.rank() == 1) {
            return logits.reshape(1, logits.length());
        }
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("logits must be a vector or an [n,K] matrix, got shape "
                    + java.util.Arrays.toString(logits.shape()));
        }
        return logits;
    }
}
