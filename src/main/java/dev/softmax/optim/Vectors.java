package dev.softmax.optim;

import dev.softmax.Blas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small vector helpers the optimizers share; reductions always accumulate in double. */
final class Vectors {

    private Vectors() {
    }

    /**
     * Checks an optimizer's starting point: a 1-D FLOAT or DOUBLE vector of the objective's dimension. Caught here,
     * a wrong start is named; caught later, it failed somewhere inside ND4J, or only in some optimizers.
     */
    static void checkStart(INDArray start, long dimension) {
        java.util.Objects.requireNonNull(start, "start must not be null");
        if (start.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT
                && start.dataType() != org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
            throw new IllegalArgumentException("start must be FLOAT or DOUBLE, got " + start.dataType());
        }
        if (start.rank() != 1 || start.length() != dimension) {
            throw new IllegalArgumentException("start must be a 1-D vector of the objective's dimension " + dimension
                    + ", got shape " + java.util.Arrays.toString(start.shape()));
        }
    }

    /**
     * An objective's gradient at {@code x} as the update rules take it: of {@code x}'s type (an objective that
     * computes in double may return a DOUBLE gradient for a FLOAT point, as the full-batch optimizers allow),
     * contiguous and 1-D.
     *
     * @throws IllegalStateException when the gradient's length is not the point's: the objective's fault, named
     */
    static INDArray likePoint(INDArray gradient, INDArray x) {
        if (gradient == null || gradient.length() != x.length()) {
            throw new IllegalStateException("the objective returned a gradient of shape "
                    + (gradient == null ? "null" : java.util.Arrays.toString(gradient.shape()))
                    + " for a point of length " + x.length());
        }
        INDArray g = gradient.dataType() == x.dataType() ? gradient : gradient.castTo(x.dataType());
        return isBlasVector(g) && g.rank() == 1 ? g : g.dup('c').reshape(x.length());
    }

    /**
     * {@code a . b} accumulated in double: BLAS {@code ddot}, or {@code dsdot} on two contiguous FLOAT vectors
     * (no cast: allocating a parameter-sized array costs about 0.15 to 0.36 ms here, more than the product);
     * mixed types are cast first.
     */
    static double dot(INDArray a, INDArray b) {
        if (a.dataType() == b.dataType() && isBlasVector(a) && isBlasVector(b)) {
            return Blas.dot(a, b);
        }
        INDArray x = a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
        INDArray y = b.dataType() == DataType.DOUBLE ? b : b.castTo(DataType.DOUBLE);
        return Nd4j.getBlasWrapper().dot(flat(x), flat(y));
    }

    /**
     * Relative change of an objective value that is indistinguishable from rounding, for parameters of
     * {@code x}'s type: {@code 1e-14} in double (about 50 ulps), {@code 1e-6} in float (about 10 ulps; the value is
     * summed in double but from float logits, so it carries float-sized noise).
     */
    static double roundingTolerance(INDArray x) {
        return x.dataType() == DataType.DOUBLE ? 1e-14 : 1e-6;
    }

    /** {@code a} as a DOUBLE array (itself when it already is). */
    static INDArray asDouble(INDArray a) {
        return a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
    }

    /** Euclidean norm accumulated in double, without a copy for contiguous FLOAT or DOUBLE vectors. */
    static double norm(INDArray a) {
        if (isBlasVector(a)) {
            return Math.sqrt(Blas.dot(a, a));
        }
        return a.castTo(DataType.DOUBLE).norm2Number().doubleValue();
    }

    /** {@code y += alpha x} in place (same type and length, contiguous); ND4J arithmetic otherwise. */
    static void axpy(double alpha, INDArray x, INDArray y) {
        if (x.dataType() == y.dataType() && isBlasVector(x) && isBlasVector(y)) {
            Blas.axpy(alpha, x, y);
        } else {
            y.addi(x.mul(alpha));
        }
    }

    private static boolean isBlasVector(INDArray a) {
        DataType type = a.dataType();
        return (type == DataType.FLOAT || type == DataType.DOUBLE) && a.ordering() == 'c'
                && (a.length() <= 1 || a.elementWiseStride() == 1);
    }

    private static INDArray flat(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }
}
