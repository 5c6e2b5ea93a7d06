package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An objective with second derivatives, available as Hessian-vector products (any size) and as a dense
 * matrix (small problems only).
 */
public interface TwiceDifferentiableObjective extends DifferentiableObjective {

    /**
     * Linearises at {@code theta} once and returns the Hessian there as an operator; each
     * {@link HessianOperator#apply} reuses that work. {@code theta} is not mutated, and later calls to other
     * methods of the objective do not change the operator.
     *
     * @param theta the point to linearise at, length {@code m}
     * @return the Hessian at {@code theta}
     */
    HessianOperator hessianAt(INDArray theta);

    /**
     * {@code H(theta) v}; linearises anew on every call, so prefer {@link #hessianAt} for several products.
     *
     * @param theta the point the Hessian is taken at; not mutated
     * @param v     the vector to multiply, length {@code m}; not mutated
     * @return {@code H(theta) v}, a new array
     */
    default INDArray hessianVectorProduct(INDArray theta, INDArray v) {
        return hessianAt(theta).apply(v);
    }

    /**
     * The dense Hessian {@code [m,m]} at {@code theta}, in DOUBLE whatever the objective's type: a new array each
     * call, which the caller owns ({@link Newton} releases its memory with {@code close()} once solved, since at
     * {@code 8 m^2} bytes it is too large to leave to the garbage collector).
     *
     * @param theta the point, length {@code m}; not mutated
     * @return the Hessian at {@code theta}, {@code [m,m]} in DOUBLE
     * @throws IllegalStateException when the matrix would exceed the objective's memory budget; the message
     *                               gives the size and points to {@code newton-cg}, which needs only
     *                               Hessian-vector products
     */
    INDArray hessian(INDArray theta);

    /**
     * Directions along which the objective is constant everywhere, as the orthonormal columns of an {@code [m,r]}
     * DOUBLE matrix, or {@code null} when none are known (the default). The Hessian is singular along them and the
     * gradient orthogonal to them, so {@link Newton} gives them curvature of their own instead of damping every
     * direction (which, with features on very different scales, turned its steps into short gradient steps).
     *
     * @return the flat directions, or {@code null}
     */
    default INDArray flatDirections() {
        return null;
    }

    /**
     * Gives the directions that {@link #correctNewtonStep} sets (by default the flat ones, {@link #flatDirections()},
     * columns {@code n_i} of {@code N}) curvature of their own in a dense Hessian from {@link #hessian}: adds
     * {@code s_i n_i n_i^T}, every other direction keeping its own. Each must be an eigenvector of the Hessian
     * everywhere, so that the solve on the rest is the Newton step there. The default takes one {@code s}, the
     * largest diagonal entry, for all; an objective that knows where each direction lies can match each to the
     * curvature around it, so that a direction next to small curvature is not given a large one that rounding then
     * cannot tell from the rest. Override it and {@link #correctNewtonStep} together, or neither: the step along
     * every direction given curvature here is made up until that method sets it (a wrapper that forwards one only
     * leaves Newton crawling).
     *
     * @param hessian the dense Hessian {@code [m,m]} in DOUBLE, changed in place
     * @return whether there were directions to add
     */
    default boolean addFlatCurvature(INDArray hessian) {
        INDArray flat = flatDirections();
        if (flat == null) {
            return false;
        }
        double s = Double.MIN_NORMAL;
        for (long i = 0; i < hessian.rows(); i++) {
            s = Math.max(s, hessian.getDouble(i, i));
        }
        org.nd4j.linalg.factory.Nd4j.gemm(flat, flat, hessian, false, true, s, 1.0);
        return true;
    }

    /**
     * Replaces a Newton step's component along the directions {@link #addFlatCurvature} handled with the exact one:
     * the solve gave them made-up curvature, and in float32 the gradient along them is rounding noise. The default
     * removes the component along the flat directions (the objective does not change along them). Override it and
     * {@link #addFlatCurvature} together, or neither.
     *
     * @param theta the point the step starts from, DOUBLE; not changed
     * @param step  the step solved for, DOUBLE, corrected in place
     */
    default void correctNewtonStep(INDArray theta, INDArray step) {
        INDArray flat = flatDirections();
        if (flat != null) {
            INDArray along = flat.transpose().mmul(step.reshape(step.length(), 1));
            step.subi(flat.mmul(along).reshape(step.shape()));
        }
    }
}
