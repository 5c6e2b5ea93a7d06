package dev.softmax.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.NewtonCg;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Smile-form objective the peer comparison measures Smile against: derivatives and the mapping from ours.
 * Not tagged: small and fast, so the default build keeps the comparison's yardstick honest.
 */
class ReferenceClassObjectiveTest {

    private static final int N = 40;
    private static final int D = 3;
    private static final int K = 4;

    private static SoftmaxCrossEntropy full(double lambda) {
        return new SoftmaxCrossEntropy(TestProblems.randomFeatures(N, D, 1.0, 7, DataType.DOUBLE),
                TestProblems.randomLabels(N, K, 8), K, lambda);
    }

    /** Entries uniform in [-1, 1) from {@code seed}. */
    private static INDArray randomPoint(long length, long seed) {
        java.util.Random random = new java.util.Random(seed);
        double[] values = new double[(int) length];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return Nd4j.createFromArray(values);
    }

    @Test
    void valueIsTheFullObjectiveWithTheLastColumnZero() {
        SoftmaxCrossEntropy full = full(0.1);
        ReferenceClassObjective reference = new ReferenceClassObjective(full);
        assertEquals((long) (D + 1) * (K - 1), reference.dimension());
        INDArray reduced = randomPoint(reference.dimension(), 1);
        INDArray theta = full.layout().zeros(DataType.DOUBLE);
        for (int row = 0; row <= D; row++) {
            for (int k = 0; k < K - 1; k++) {
                theta.putScalar((long) row * K + k, reduced.getDouble((long) row * (K - 1) + k));
            }
        }
        assertEquals(full.value(theta), reference.value(reduced), 1e-14);
        // At zero weights the mean NLL is log K, as in Smile's F(0) / n.
        assertEquals(Math.log(K), reference.value(reference.layout().zeros(DataType.DOUBLE)), 1e-14);
    }

    @Test
    void gradientAndHessianVectorProductsMatchFiniteDifferences() {
        ReferenceClassObjective reference = new ReferenceClassObjective(full(0.1));
        INDArray theta = randomPoint(reference.dimension(), 2);
        INDArray v = randomPoint(reference.dimension(), 3);
        double gradientError = GradientCheck.maxRelativeError(reference.valueAndGradient(theta).gradient(),
                GradientCheck.numericalGradient(reference, theta, 1e-5), 1e-8);
        assertTrue(gradientError < 1e-6, "gradient error " + gradientError);
        double hessianError = GradientCheck.maxRelativeError(reference.hessianAt(theta).apply(v),
                GradientCheck.numericalHessianVector(reference, theta, v, 1e-5), 1e-8);
        assertTrue(hessianError < 1e-6, "Hessian-vector error " + hessianError);
    }

    @Test
    void shiftingOursKeepsTheDataTermAndItsOptimumIsNotBelowOurs() {
        double lambda = 0.05;
        SoftmaxCrossEntropy full = full(lambda);
        ReferenceClassObjective reference = new ReferenceClassObjective(full);
        StoppingCriteria stop = StoppingCriteria.of(100).withGradientTolerance(1e-10).withRelativeFunctionTolerance(0);
        OptimizationResult ours = new NewtonCg().minimize(full, full.layout().zeros(DataType.DOUBLE), stop,
                IterationListener.NONE);
        INDArray shifted = reference.fromFull(ours.solution());
        // Same probabilities, so the value differs from ours only by the penalty.
        double penaltyOurs = 0.5 * lambda * Math.pow(full.layout().weights(ours.solution()).norm2Number()
                .doubleValue(), 2);
        double penaltyShifted = 0.5 * lambda * Math.pow(reference.layout().weights(shifted).norm2Number()
                .doubleValue(), 2);
        assertEquals(ours.value() - penaltyOurs, reference.value(shifted) - penaltyShifted, 1e-12);

        OptimizationResult smileForm = new NewtonCg().minimize(reference, shifted, stop, IterationListener.NONE);
        assertTrue(smileForm.converged(), smileForm.reason().toString());
        // The reference form is our problem restricted to a subspace: its optimum can't be lower.
        assertTrue(smileForm.value() >= ours.value() * (1 - 1e-12), smileForm.value() + " < " + ours.value());
    }
}
