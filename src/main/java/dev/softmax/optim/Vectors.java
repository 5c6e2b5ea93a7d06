package dev.softmax.optim;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small vector helpers the optimizers share; reductions always accumulate in double. */
final class Vectors {

    private Vectors() {
    }

    /** {@code a . b} accumulated in double (BLAS {@code ddot} on DOUBLE inputs, a cast first otherwise). */
    static double dot(INDArray a, INDArray b) {
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

    /** Whether every entry is finite. */
    static boolean allFinite(INDArray a) {
        return !(a.isNaN().any() || a.isInfinite().any());
    }

    /** {@code a} as a DOUBLE array (itself when it already is). */
    static INDArray asDouble(INDArray a) {
        return a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
    }

    private static INDArray flat(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }
}
