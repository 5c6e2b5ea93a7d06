package dev.softmax.optim;

import java.util.function.IntToDoubleFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain mini-batch SGD steps run by the objective itself ({@link MiniBatchObjective#sgdSteps()}), so that it can keep
 * the parameters in its own layout from one step to the next instead of converting them to and from θ's at every
 * step. {@link MiniBatchSgd} without momentum uses them when the objective has them.
 */
@FunctionalInterface
public interface SgdSteps {

    /**
     * For each batch {@code b} of consecutive entries {@code order[b * batchSize, min(order.length, (b + 1) *
     * batchSize))} in turn: evaluates {@link MiniBatchObjective#batch} of those rows at {@code x} and, if its value is
     * finite, updates {@code x -= rate(b) * gradient}. That is {@link MiniBatchSgd}'s update without momentum, the
     * same up to float rounding as evaluating the batches one by one.
     *
     * @param x         the parameters, updated in place
     * @param order     sample indices in {@code [0, numSamples())}, at least one
     * @param batchSize rows per batch, {@code >= 1}
     * @param rate      the learning rate of batch {@code b} (counted from 0 in this call)
     * @return the number of updates made: every batch's, or the index of the first batch whose value was not finite,
     *         in which case {@code x} holds the parameters that batch was evaluated at
     */
    int run(INDArray x, int[] order, int batchSize, IntToDoubleFunction rate);
}
