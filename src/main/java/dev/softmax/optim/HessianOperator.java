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

    /**
     * {@code H v}, a new array; {@code v} (length {@code dimension()}) is not mutated.
     *
     * @param v the vector to multiply
     * @return {@code H v}
     */
    INDArray apply(INDArray v);

    /**
     * {@code H v} written into {@code out}, for callers that multiply at every step (conjugate gradient) and keep
     * one array for the product. The default copies {@link #apply(INDArray)}'s new array; an operator that can
     * write in place overrides it.
     *
     * @param v   the vector to multiply; not mutated unless it is {@code out}
     * @param out a vector of the same length and data type; overwritten; may be {@code v} itself
     * @return {@code out}
     */
    default INDArray apply(INDArray v, INDArray out) {
        return out.assign(apply(v));
    }

    /**
     * The diagonal of {@code H}, a new array (a Jacobi preconditioner for conjugate gradient).
     *
     * @return the diagonal, length {@code dimension()}
     */
    INDArray diagonal();

    /**
     * A preconditioner for conjugate gradient on {@code H p = -g} at this point, built once and applied at every
     * CG step. The default is Jacobi, {@link Preconditioner#jacobi} of {@link #diagonal()}; an objective that
     * knows a better approximation of {@code H^{-1}} overrides this.
     *
     * @return a preconditioner for vectors of length {@code dimension()} in the objective's data type
     */
    default Preconditioner preconditioner() {
        return Preconditioner.jacobi(diagonal());
    }
}
