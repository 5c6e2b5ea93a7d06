package dev.softmax.testutil;

import dev.softmax.optim.DifferentiableObjective;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Numerical derivatives for tests, in double only (as DL4J's GradientCheckUtil insists): central differences
 * and a relative error with an absolute floor.
 */
public final class GradientCheck {

    private GradientCheck() {
    }

    /** Central-difference gradient of {@code f} at {@code theta} with step {@code h}; {@code theta} is restored. */
    public static INDArray numericalGradient(DifferentiableObjective f, INDArray theta, double h) {
        return numericalJacobianColumn(x -> scalar(f.value(x)), theta, h).reshape(theta.length());
    }

    /**
     * Central-difference derivative of a vector-valued {@code g} at {@code theta}: column {@code j} is
     * {@code (g(theta + h e_j) - g(theta - h e_j)) / 2h}; the result is {@code [len(g), len(theta)]}.
     */
    public static INDArray numericalJacobianColumn(Function<INDArray, INDArray> g, INDArray theta, double h) {
        requireDouble(theta);
        INDArray x = theta.dup();
        long m = x.length();
        INDArray first = null;
        for (long j = 0; j < m; j++) {
            double original = x.getDouble(j);
            x.putScalar(j, original + h);
            INDArray plus = g.apply(x).castTo(DataType.DOUBLE).reshape(-1);
            x.putScalar(j, original - h);
            INDArray minus = g.apply(x).castTo(DataType.DOUBLE).reshape(-1);
            x.putScalar(j, original);
            if (first == null) {
                first = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, plus.length(), m);
            }
            first.getColumn(j).assign(plus.sub(minus).divi(2 * h));
        }
        return first;
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
        INDArray hessian = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, m, m);
        for (int i = 0; i < m; i++) {
            INDArray e = org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, m);
            e.putScalar(i, 1.0);
            hessian.putColumn(i, numericalHessianVector(f, theta, e, h).reshape(m, 1));
        }
        return hessian;
    }

    /**
     * Largest relative error {@code |a - b| / max(|a|, |b|, floor)} over all entries; the floor keeps entries that
     * are both nearly zero from dominating.
     */
    public static double maxRelativeError(INDArray a, INDArray b, double floor) {
        double[] x = a.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        double[] y = b.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double scale = Math.max(Math.max(Math.abs(x[i]), Math.abs(y[i])), floor);
            worst = Math.max(worst, Math.abs(x[i] - y[i]) / scale);
        }
        return worst;
    }

    private static INDArray scalar(double v) {
        return org.nd4j.linalg.factory.Nd4j.scalar(v).reshape(1);
    }

    private static void requireDouble(INDArray theta) {
        if (theta.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("gradient checks need DOUBLE parameters, got " + theta.dataType());
        }
    }
}
