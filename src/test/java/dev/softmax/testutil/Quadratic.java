package dev.softmax.testutil;

import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code f(x) = 1/2 sum_i a_i (x_i - c_i)^2}: a strictly convex quadratic with the known minimiser {@code c} and
 * minimum 0, for optimizer tests.
 */
public final class Quadratic implements DifferentiableObjective {

    private final INDArray curvature;
    private final INDArray center;

    /** @param curvature the positive diagonal {@code a}; @param center the minimiser {@code c} */
    public Quadratic(double[] curvature, double[] center) {
        this.curvature = Nd4j.createFromArray(curvature);
        this.center = Nd4j.createFromArray(center);
    }

    /** The minimiser. */
    public INDArray center() {
        return center.dup();
    }

    @Override
    public long dimension() {
        return center.length();
    }

    @Override
    public double value(INDArray theta) {
        INDArray r = theta.castTo(DataType.DOUBLE).sub(center);
        return 0.5 * r.mul(r).muli(curvature).sumNumber().doubleValue();
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        INDArray r = theta.castTo(DataType.DOUBLE).sub(center);
        return new ValueAndGradient(value(theta), r.mul(curvature).castTo(theta.dataType()));
    }
}
