package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NewtonCgTest {

    @Test
    void worksAtCifarSizeWhereTheDenseHessianIsRefused() {
        // d = 3072, K = 10 as CIFAR-10, with few random float rows to keep the test fast: the dimension, not n,
        // is what rules out the dense Hessian (30,730^2 doubles = 7.0 GiB).
        int n = 200;
        int d = 3072;
        Random random = new Random(4);
        float[] pixels = new float[n * d];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        int[] labels = random.ints(n, 0, 10).toArray();
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(Nd4j.create(pixels, new long[] {n, d}), labels, 10, 1e-1);
        INDArray start = f.layout().zeros(DataType.FLOAT);
        assertThrows(IllegalStateException.class, () -> new Newton().minimize(f, start, StoppingCriteria.of(3), null));

        OptimizationResult result = new NewtonCg(20, true, 30).minimize(f, start,
                new StoppingCriteria(3, 0, 0, null), null);
        assertEquals(TerminationReason.MAX_ITERATIONS, result.reason());
        assertEquals(DataType.FLOAT, result.solution().dataType());
        for (int k = 1; k < result.history().size(); k++) {
            IterationRecord row = result.history().get(k);
            assertTrue(row.value() < result.history().get(k - 1).value(), "objective decreases");
            assertTrue(row.innerIterations() >= 1 && row.innerIterations() <= 20, "CG steps within the cap");
        }
        assertTrue(result.last().gradientNorm() < 0.2 * result.history().get(0).gradientNorm());
        assertTrue(result.last().hessianVectorProducts() >= 3);
    }

    @Test
    void respectsTheCgCapAndStillConverges() {
        SoftmaxCrossEntropy iris = TestProblems.iris(1e-2);
        OptimizationResult result = new NewtonCg(2, false, 50).minimize(iris, iris.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(500, 1e-8, 0, null), null);
        assertTrue(result.converged(), result.reason().toString());
        for (IterationRecord row : result.history()) {
            assertTrue(row.innerIterations() <= 2);
        }
        assertEquals(result.history().stream().mapToLong(IterationRecord::innerIterations).sum(),
                result.last().hessianVectorProducts(), "every CG step is one Hessian-vector product");
    }

    @Test
    void preconditioningDoesNotChangeTheAnswer() {
        SoftmaxCrossEntropy f = TestProblems.random(300, 6, 4, 5e-3, 11);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        StoppingCriteria stop = new StoppingCriteria(100, 1e-9, 0, null);
        OptimizationResult plain = new NewtonCg(100, false, 50).minimize(f, start, stop, null);
        OptimizationResult jacobi = new NewtonCg(100, true, 50).minimize(f, start, stop, null);
        assertTrue(plain.converged() && jacobi.converged());
        assertEquals(plain.value(), jacobi.value(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new NewtonCg(0, true, 5));
    }
}
