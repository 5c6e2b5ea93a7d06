package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A function {@code f: R^m -> R} to minimise, with its gradient.
 *
 * <p>Points are 1-D arrays of length {@link #dimension()}. Implementations never mutate the point they
 * are given, and every returned gradient is a new array the caller may keep or modify.
 */
public interface DifferentiableObjective {

    /**
     * Length {@code m} of the parameter vector.
     *
     * @return {@code m}
     */
    long dimension();

    /**
     * {@code f(theta)}; {@code theta} is not mutated.
     *
     * @param theta the point, length {@code m}
     * @return the objective at {@code theta}
     */
    double value(INDArray theta);

    /**
     * {@code f(theta)} and its gradient from one pass over the data.
     *
     * @param theta the point, length {@code m}; not mutated
     * @return the objective and its gradient (a new array) at {@code theta}
     */
    ValueAndGradient valueAndGradient(INDArray theta);

    /**
     * The gradient alone; by default the gradient part of {@link #valueAndGradient}.
     *
     * @param theta the point, length {@code m}; not mutated
     * @return the gradient at {@code theta}, a new array
     */
    default INDArray gradient(INDArray theta) {
        return valueAndGradient(theta).gradient();
    }
}
