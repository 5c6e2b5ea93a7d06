package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** Newton's and Newton-CG's stop at the rounding floor: {@link TerminationReason#STALLED}. */
class ProgressWatchTest {

    @Test
    void aNewLowOfEitherResetsTheCountAndThreeWithoutStall() {
        ProgressWatch watch = new ProgressWatch(1.0, 1.0);
        assertFalse(watch.stalledAfter(0.9, 2.0), "a lower objective");
        assertFalse(watch.stalledAfter(0.95, 0.5), "a smaller gradient");
        assertFalse(watch.stalledAfter(0.95, 0.6));
        assertFalse(watch.stalledAfter(0.9, 0.5), "equal to the lowest is no new low");
        assertFalse(watch.stalledAfter(0.89, 0.7), "reset");
        assertFalse(watch.stalledAfter(0.89, 0.5));
        assertFalse(watch.stalledAfter(0.9, 0.6));
        assertTrue(watch.stalledAfter(0.891, 0.51), "the third in a row");
        assertEquals(3, StoppingCriteria.STALLED_ITERATIONS);
    }

    /**
     * With a tolerance float32 cannot reach, the Newton methods stop at the floor instead of running to the
     * iteration limit (QA: newton-cg on Fashion-MNIST's first 2000 rows with --tol 1e-12, 1000 iterations of a full
     * CG solve each, 180 s); in double the same tolerance is met.
     */
    @Test
    void theNewtonMethodsStopAtTheRoundingFloorOfFloat32() {
        Dataset data = TestProblems.randomData(400, 30, 5, 31);
        SoftmaxCrossEntropy inFloat = new SoftmaxCrossEntropy(data.features().castTo(DataType.FLOAT),
                data.labels(), 5, 1e-4);
        StoppingCriteria unreachable = new StoppingCriteria(300, 1e-13, 0, null);
        for (Optimizer<? super SoftmaxCrossEntropy> optimizer : java.util.List.of(new NewtonCg(), new Newton())) {
            OptimizationResult result = optimizer.minimize(inFloat, inFloat.layout().zeros(DataType.FLOAT),
                    unreachable, null);
            assertTrue(result.reason() == TerminationReason.STALLED
                    || result.reason() == TerminationReason.LINE_SEARCH_FAILED, optimizer.name() + ": "
                    + result.reason());
            assertTrue(result.history().size() < 60, optimizer.name() + ": " + result.history().size());
            assertTrue(result.last().gradientNorm() < 1e-4 * result.history().get(0).gradientNorm(),
                    "at the floor, not far from the optimum");
        }
        SoftmaxCrossEntropy inDouble = new SoftmaxCrossEntropy(data.features(), data.labels(), 5, 1e-4);
        OptimizationResult exact = new NewtonCg().minimize(inDouble, inDouble.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(300, 1e-13, 0, null), null);
        assertEquals(TerminationReason.GRADIENT_TOLERANCE, exact.reason());
    }
}
