package dev.softmax.peers;

import dev.softmax.loss.ParameterLayout;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.TwiceDifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Our objective with the last class's column of θ fixed at zero: the "reference class" parametrisation that
 * Smile's multinomial logistic regression uses ({@code K-1} weight rows, the last class's logit is 0).
 *
 * <p>Why it exists: with an L2 penalty the two parametrisations are different problems. Ours penalises all
 * {@code K} columns, and at its optimum the columns sum to zero; Smile's penalises {@code K-1} columns measured
 * from the last class. So Smile converges to its own optimum, which is at or above ours, and its time to target
 * must be measured against that optimum. With the last column zero our penalty {@code lambda/2 ||W||^2} is
 * exactly Smile's {@code lambda_smile/2 ||W'||^2} divided by {@code n} when {@code lambda_smile = n lambda}, and
 * so is the data term; this class lets our Newton-CG compute Smile's optimum {@code F*_smile / n} cheaply.
 *
 * <p>θ' has the layout of {@code ParameterLayout(d, K-1)}; every method maps θ' to the full θ (appending the
 * zero column), evaluates the full objective, and keeps the first {@code K-1} columns of the gradient and of
 * Hessian-vector products (the rows and columns of the full Hessian that belong to free parameters).
 */
final class ReferenceClassObjective implements TwiceDifferentiableObjective {

    private final SoftmaxCrossEntropy full;
    private final ParameterLayout reduced;

    /** @param full the objective over all {@code K} classes; shared, not copied */
    ReferenceClassObjective(SoftmaxCrossEntropy full) {
        this.full = full;
        this.reduced = new ParameterLayout(full.layout().features(), full.layout().classes() - 1);
    }

    /** The layout of θ' ({@code K-1} classes). */
    ParameterLayout layout() {
        return reduced;
    }

    /**
     * The reference-class point with the same probabilities as a full θ: every column minus the last one (the
     * data term is unchanged by that shift, so this is a good start for Smile's optimum from ours).
     *
     * @param theta a full θ, {@code ParameterLayout(d, K)}; not mutated
     * @return θ', a new array of {@code theta}'s type
     */
    INDArray fromFull(INDArray theta) {
        INDArray matrix = full.layout().matrix(theta);
        int free = reduced.classes();
        INDArray shifted = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(0, free)).dup('c')
                .subiColumnVector(matrix.getColumn(free, true));
        return shifted.reshape(reduced.dimension());
    }

    @Override
    public long dimension() {
        return reduced.dimension();
    }

    @Override
    public double value(INDArray reducedTheta) {
        return full.value(expand(reducedTheta));
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray reducedTheta) {
        ValueAndGradient result = full.valueAndGradient(expand(reducedTheta));
        return new ValueAndGradient(result.value(), contract(result.gradient()));
    }

    @Override
    public HessianOperator hessianAt(INDArray reducedTheta) {
        HessianOperator operator = full.hessianAt(expand(reducedTheta));
        return new HessianOperator() {
            @Override
            public INDArray apply(INDArray v) {
                return contract(operator.apply(expand(v)));
            }

            @Override
            public INDArray diagonal() {
                return contract(operator.diagonal());
            }
        };
    }

    /** Not needed by the comparison (Newton-CG uses products only). */
    @Override
    public INDArray hessian(INDArray theta) {
        throw new IllegalStateException("the reference-class objective offers Hessian-vector products only; "
                + "use newton-cg");
    }

    /** θ' → θ: the {@code K-1} columns, then a zero column for the last class. */
    private INDArray expand(INDArray reducedTheta) {
        INDArray theta = full.layout().zeros(reducedTheta.dataType());
        int free = reduced.classes();
        full.layout().matrix(theta).get(NDArrayIndex.all(), NDArrayIndex.interval(0, free))
                .assign(reduced.matrix(reducedTheta));
        return theta;
    }

    /** θ → θ': the first {@code K-1} columns, copied in {@code 'c'} order. */
    private INDArray contract(INDArray theta) {
        int free = reduced.classes();
        return full.layout().matrix(theta).get(NDArrayIndex.all(), NDArrayIndex.interval(0, free))
                .dup('c').reshape(reduced.dimension());
    }
}
