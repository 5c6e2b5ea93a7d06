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
     * Sets a Newton step's component along directions the solve cannot be trusted with: gives them curvature of
     * their own in a dense Hessian from {@link #hessian}, and returns how to replace the solved step's component
     * along them with the exact one. One hook for both halves, so that an objective (or a wrapper forwarding to one)
     * cannot change one without the other: the step along every direction given curvature here is made up until
     * the returned correction sets it.
     *
     * <p>Each direction must be an eigenvector of the Hessian everywhere, so that the solve on the rest is the
     * Newton step there. The default handles the flat directions ({@link #flatDirections()}, columns {@code n_i} of
     * {@code N}): it adds {@code s n_i n_i^T} with one {@code s}, the largest diagonal entry, for all, and its
     * correction removes the step's component along them (the objective does not change along them). An objective
     * that knows where each direction lies can match each to the curvature around it, so that a direction next to
     * small curvature is not given a large one that rounding then cannot tell from the rest.
     *
     * @param hessian the dense Hessian {@code [m,m]} in DOUBLE, changed in place
     * @return the correction to apply to the step solved with the changed Hessian, or {@code null} when there were
     *         no directions to add (the Hessian is then unchanged)
     */
    default NewtonStepCorrection addFlatCurvature(INDArray hessian) {
        INDArray flat = flatDirections();
        if (flat == null) {
            return null;
        }
        double s = Double.MIN_NORMAL;
        for (long i = 0; i < hessian.rows(); i++) {
            s = Math.max(s, hessian.getDouble(i, i));
        }
        org.nd4j.linalg.factory.Nd4j.gemm(flat, flat, hessian, false, true, s, 1.0);
        return (theta, step) -> {
            INDArray along = flat.transpose().mmul(step.reshape(step.length(), 1));
            step.subi(flat.mmul(along).reshape(step.shape()));
        };
    }

    /**
     * Replaces a Newton step's component along the directions {@link #addFlatCurvature} gave curvature of their
     * own with the exact one: the solve gave them made-up curvature, and in float32 the gradient along them is
     * rounding noise.
     */
    @FunctionalInterface
    interface NewtonStepCorrection {

        /**
         * Corrects a solved Newton step in place.
         *
         * @param theta the point the step starts from, DOUBLE; not changed
         * @param step  the step solved for, DOUBLE, corrected in place
         */
        void correct(INDArray theta, INDArray step);
    }
}
