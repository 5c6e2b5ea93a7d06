package dev.softmax.optim;

import java.util.Optional;

/**
 * An objective that is a mean over samples (plus a penalty), so that it can be evaluated on a subset of the
 * samples: what stochastic optimizers need.
 */
public interface MiniBatchObjective extends DifferentiableObjective {

    /**
     * Number of samples {@code n} the full objective averages over.
     *
     * @return {@code n}
     */
    int numSamples();

    /**
     * The same objective on the rows {@code rowIndices} only, with the same scaling as the full objective (the
     * mean over the batch plus the same penalty), so a batch of all rows equals the full objective and
     * mini-batch gradients are unbiased estimates of the full gradient. Implementations may reuse the returned
     * object (and its buffers, the gradients it returns included) for the next call, so finish with one batch, and
     * with the gradient it returned, before asking for the next.
     *
     * @param rowIndices sample indices in {@code [0, numSamples())}, at least one; repeats are allowed
     * @return the objective on those rows
     * @throws IllegalArgumentException for an empty array or an index out of range
     */
    DifferentiableObjective batch(int[] rowIndices);

    /**
     * Plain SGD steps that this objective runs faster than batch by batch ({@link SgdSteps}), or empty (the
     * default) when it has none.
     *
     * @return the faster steps, or empty
     */
    default Optional<SgdSteps> sgdSteps() {
        return Optional.empty();
    }
}
