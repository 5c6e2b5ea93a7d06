package dev.softmax.testutil;

import dev.softmax.optim.DifferentiableObjective;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Finite-difference checks of derivatives, in DOUBLE only (as DL4J's GradientCheckUtil insists: in float the
 * rounding error of a difference quotient swamps the truncation error).
 */
public final class GradientCheck {

    private GradientCheck() {
    }

    /** Central-difference gradient of {@code f} at {@code theta} with step {@code h}, one coordinate at a time. */
    public static INDArray numericalGradient(DifferentiableObjective f, INDArray theta, double h) {
        requireDouble(theta);
        long m = theta.length();
        INDArray grad = Nd4j.zeros(DataType.DOUBLE, m);
        for (long i = 0; i < m; i++) {
            INDArray plus = theta.dup();
            plus.putScalar(i, plus.getDouble(i) + h);
            INDArray minus = theta.dup();
            minus.putScalar(i, minus.getDouble(i) - h);
            grad.putScalar(i, (f.value(plus) - f.value(minus)) / (2 * h));
        }
        return grad;
    }

    /** {@code (g(theta + h v) - g(theta - h v)) / (2h)}: the Hessian-vector product by differencing the gradient. */
    public static INDArray numericalHessianVector(DifferentiableObjective f, INDArray theta, INDArray v, double h) {
        requireDouble(theta);
        INDArray plus = f.gradient(theta.add(v.mul(h)));
        INDArray minus = f.gradient(theta.sub(v.mul(h)));
        return plus.subi(minus).divi(2 * h);
    }

    /** The dense Hessian by differencing the gradient along each unit vector; column {@code i} is {@code H e_i}. */
    public static INDArray numericalHessian(DifferentiableObjective f, INDArray theta, double h) {
        requireDouble(theta);
        int m = (int) theta.length();
        INDArray hessian = Nd4j.zeros(DataType.DOUBLE, m, m);
        for (int i = 0; i < m; i++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, m);
            e.putScalar(i, 1.0);
            hessian.putColumn(i, numericalHessianVector(f, theta, e, h).reshape(m, 1));
        }
        return hessian;
    }

    /**
     * Largest {@code |a - b| / max(|a|, |b|, absFloor)} over the entries: a relative error that does not blow up
     * for entries near zero.
     */
    public static double maxRelativeError(INDArray a, INDArray b, double absFloor) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("lengths differ: " + a.length() + " vs " + b.length());
        }
        double[] x = a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
        double[] y = b.castTo(DataType.DOUBLE).reshape(b.length()).toDoubleVector();
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double scale = Math.max(Math.max(Math.abs(x[i]), Math.abs(y[i])), absFloor);
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
        }
        return worst;
    }

    private static void requireDouble(INDArray theta) {
        if (theta.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("finite-difference checks need DOUBLE, got " + theta.dataType());
        }
    }
}
