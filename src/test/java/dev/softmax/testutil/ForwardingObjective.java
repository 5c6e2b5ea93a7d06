package dev.softmax.testutil;

import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.TwiceDifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An objective that hands every call to another; tests override the call they watch or replace. */
public class ForwardingObjective implements TwiceDifferentiableObjective {

    private final TwiceDifferentiableObjective delegate;

    public ForwardingObjective(TwiceDifferentiableObjective delegate) {
        this.delegate = delegate;
    }

    @Override
    public long dimension() {
        return delegate.dimension();
    }

    @Override
    public double value(INDArray theta) {
        return delegate.value(theta);
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        return delegate.valueAndGradient(theta);
    }

    @Override
    public HessianOperator hessianAt(INDArray theta) {
        return delegate.hessianAt(theta);
    }

    @Override
    public INDArray hessian(INDArray theta) {
        return delegate.hessian(theta);
    }

    @Override
    public INDArray flatDirections() {
        return delegate.flatDirections();
    }

    @Override
    public NewtonStepCorrection addFlatCurvature(INDArray hessian) {
        return delegate.addFlatCurvature(hessian);
    }
}
