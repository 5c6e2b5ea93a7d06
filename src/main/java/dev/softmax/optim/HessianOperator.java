package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Hessian of an objective at one fixed point, as a linear operator: the point was linearised once (for
 * softmax, its probabilities were computed) and every product reuses that work.
 *
 * <p>Vectors have the objective's dimension and data type. Neither method mutates its argument or the
 * operator's state, so an operator may be applied any number of times (conjugate gradient calls it once per
 * step).
 */
public interface HessianOperator {

    /** {@code H v}, a new array; {@code v} (length {@code dimension()}) is not mutated. */
    INDArray apply(INDArray v);

    /** The diagonal of {@code H}, a new array (a Jacobi preconditioner for conjugate gradient). */
    INDArray diagonal();
}
