package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * An approximation {@code M^{-1}} of the inverse Hessian at one point, applied to conjugate-gradient residuals
 * ({@link NewtonCg} builds one per outer iteration through {@link HessianOperator#preconditioner()}).
 *
 * <p>For preconditioned CG to converge, {@code M^{-1}} must be a fixed symmetric positive definite linear map for
 * the whole inner solve: {@link #apply} must be linear in its argument and must not depend on earlier calls.
 */
@FunctionalInterface
public interface Preconditioner {

    /**
     * {@code M^{-1} r}.
     *
     * @param residual a vector of the objective's dimension (length {@code m}) and data type; not mutated
     * @return a new array of the same length and data type as {@code residual}
     */
    INDArray apply(INDArray residual);

    /**
     * {@code M^{-1} r} written into {@code out}, for callers that apply the preconditioner at every step and keep
     * one array for the result. The default copies {@link #apply(INDArray)}'s new array; an implementation that
     * can write in place overrides it and may keep work arrays, so it need not be safe for concurrent calls.
     *
     * @param residual a vector of the objective's dimension and data type; not mutated unless it is {@code out}
     * @param out      a vector of the same length; overwritten; may be {@code residual} itself
     * @return {@code out}
     */
    default INDArray apply(INDArray residual, INDArray out) {
        return out.assign(apply(residual));
    }

    /**
     * The Jacobi preconditioner {@code M = diag(H)}: each entry of the residual is divided by the matching
     * diagonal entry. Entries below {@code 1e-10} times the largest one (for softmax, features that are constant
     * zero in the data, with {@code lambda = 0}) are raised to that floor so that the inverse stays finite; with no
     * positive entry at all (a concave region) it is the identity.
     *
     * @param diagonal the Hessian diagonal, length {@code m}, any data type; read once here and not kept, so the
     *                 caller may reuse it
     * @return a preconditioner that returns vectors of the residual's data type
     */
    static Preconditioner jacobi(INDArray diagonal) {
        double largest = diagonal.maxNumber().doubleValue();
        // No positive curvature on the diagonal (a concave region): the identity, so CG starts along the gradient.
        INDArray inverse = !(largest > 0) ? org.nd4j.linalg.factory.Nd4j.ones(diagonal.dataType(), diagonal.shape())
                : Transforms.max(diagonal, 1e-10 * largest).rdivi(1.0);
        return residual -> {
            if (residual.length() != inverse.length()) {
                throw new IllegalArgumentException("residual must have length " + inverse.length() + ", got "
                        + residual.length());
            }
            INDArray scale = inverse.dataType() == residual.dataType() ? inverse : inverse.castTo(residual.dataType());
            return residual.mul(scale.reshape(residual.shape()));
        };
    }
}
