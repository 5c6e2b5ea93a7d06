package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A function {@code f: R^m -> R} to minimise, with its gradient.
 *
 * <p>Points are 1-D arrays of length {@link #dimension()}. Implementations never mutate the point they
 * are given, and every returned gradient is a new array the caller may keep or modify.
 */
public interface DifferentiableObjective {

    /** Length {@code m} of the parameter vector. */
    long dimension();

    /** {@code f(theta)}; {@code theta} is not mutated. */
    double value(INDArray theta);

    /** {@code f(theta)} and its gradient from one pass over the data. */
    ValueAndGradient valueAndGradient(INDArray theta);

    /** The gradient alone; by default the gradient part of {@link #valueAndGradient}. */
    default INDArray gradient(INDArray theta) {
        return valueAndGradient(theta).gradient();
    }
}
