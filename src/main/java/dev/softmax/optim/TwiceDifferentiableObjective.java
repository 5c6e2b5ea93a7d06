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
     * Adds {@code s N N^T} to a dense Hessian from {@link #hessian}, {@code N} being {@link #flatDirections()}: the
     * flat directions get curvature {@code s}, every other direction keeps its own. The default multiplies {@code N}
     * out; an objective that knows their structure does it in place for less.
     *
     * @param hessian the dense Hessian {@code [m,m]} in DOUBLE, changed in place
     * @param s       the curvature to give the flat directions, {@code > 0}
     * @return whether there were flat directions to add
     */
    default boolean addFlatCurvature(INDArray hessian, double s) {
        INDArray flat = flatDirections();
        if (flat == null) {
            return false;
        }
        org.nd4j.linalg.factory.Nd4j.gemm(flat, flat, hessian, false, true, s, 1.0);
        return true;
    }
}
