package dev.softmax.testutil;

import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.MiniBatchObjective;
import dev.softmax.optim.TwiceDifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.inverse.InvertMatrix;

/**
 * Ridge regression {@code f(x) = (1/2n) ||A x - b||^2 + (lambda/2) ||x||^2}, DOUBLE: a strictly convex quadratic
 * that is a mean over rows (so it has mini-batches) with the closed-form minimiser
 * {@code x* = (A^T A / n + lambda I)^{-1} A^T b / n}.
 */
public final class LeastSquares implements TwiceDifferentiableObjective, MiniBatchObjective {

    private final INDArray a;
    private final INDArray b;
    private final double lambda;

    /** @param a {@code [n,m]}; @param b {@code [n,1]} */
    public LeastSquares(INDArray a, INDArray b, double lambda) {
        this.a = a;
        this.b = b;
        this.lambda = lambda;
    }

    /** A seeded random instance with {@code n} rows and {@code m} unknowns. */
    public static LeastSquares random(int n, int m, double lambda, long seed) {
        Random random = new Random(seed);
        double[] av = new double[n * m];
        double[] bv = new double[n];
        for (int i = 0; i < av.length; i++) {
            av[i] = random.nextGaussian();
        }
        for (int i = 0; i < n; i++) {
            bv[i] = 3 * random.nextGaussian();
        }
        return new LeastSquares(Nd4j.create(av, new long[] {n, m}, DataType.DOUBLE),
                Nd4j.create(bv, new long[] {n, 1}, DataType.DOUBLE), lambda);
    }

    /** The closed-form minimiser. */
    public INDArray minimiser() {
        INDArray h = hessian(null);
        return InvertMatrix.invert(h, false).mmul(a.transpose().mmul(b)).divi(a.rows()).reshape(a.columns());
    }

    @Override
    public long dimension() {
        return a.columns();
    }

    @Override
    public int numSamples() {
        return (int) a.rows();
    }

    @Override
    public double value(INDArray theta) {
        return valueAndGradient(theta).value();
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        INDArray x = theta.reshape(theta.length(), 1);
        INDArray residual = a.mmul(x).subi(b);
        double n = a.rows();
        double value = residual.norm2Number().doubleValue();
        value = value * value / (2 * n) + 0.5 * lambda * Math.pow(theta.norm2Number().doubleValue(), 2);
        INDArray gradient = a.transpose().mmul(residual).divi(n).addi(x.mul(lambda)).reshape(theta.length());
        return new ValueAndGradient(value, gradient);
    }

    @Override
    public DifferentiableObjective batch(int[] rowIndices) {
        return new LeastSquares(a.getRows(rowIndices), b.getRows(rowIndices), lambda);
    }

    @Override
    public HessianOperator hessianAt(INDArray theta) {
        INDArray h = hessian(theta);
        return new HessianOperator() {
            @Override
            public INDArray apply(INDArray v) {
                return h.mmul(v.reshape(v.length(), 1)).reshape(v.length());
            }

            @Override
            public INDArray diagonal() {
                return Nd4j.diag(h).reshape(h.rows());
            }
        };
    }

    @Override
    public INDArray hessian(INDArray theta) {
        INDArray h = a.transpose().mmul(a).divi(a.rows());
        return h.addi(Nd4j.eye(a.columns()).castTo(DataType.DOUBLE).muli(lambda));
    }
}
