package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.LeastSquares;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every optimizer finds the closed-form minimiser of a ridge regression (Commons Math's "2x = 3" style check). */
class ClosedFormQuadraticTest {

    private final LeastSquares quadratic = LeastSquares.random(200, 5, 0.1, 3);
    private final INDArray minimiser = quadratic.minimiser();
    private final INDArray start = Nd4j.zeros(DataType.DOUBLE, 5);

    @Test
    void fullBatchOptimizersFindTheMinimiser() {
        StoppingCriteria stop = new StoppingCriteria(5000, 1e-10, 0, null);
        // Gradient descent relies on the decrease of f alone, which rounding hides below ||g|| ~ sqrt(eps f):
        // it gets a looser tolerance and comparison.
        OptimizationResult gd = new GradientDescent().minimize(quadratic, start, stop.withGradientTolerance(1e-7),
                null);
        assertTrue(gd.converged(), gd.reason().toString());
        assertTrue(GradientCheck.maxRelativeError(gd.solution(), minimiser, 1e-3) < 1e-6);
        List<OptimizationResult> results = List.of(
                new Newton().minimize(quadratic, start, stop, null),
                new NewtonCg().minimize(quadratic, start, stop, null),
                new Lbfgs().minimize(quadratic, start, stop, null));
        for (OptimizationResult result : results) {
            assertTrue(result.converged(), result.reason() + " " + result.iterations() + " " + result.last());
            assertTrue(GradientCheck.maxRelativeError(result.solution(), minimiser, 1e-3) < 1e-8,
                    result.solution() + " vs " + minimiser);
        }
        // On a quadratic, Newton is exact in one step (the damping 1e-3 ||g|| makes it nearly so).
        assertTrue(results.get(0).iterations() <= 3, "newton iterations " + results.get(0).iterations());
        // CG solves an m-dimensional quadratic in at most m steps.
        assertTrue(results.get(1).history().get(1).innerIterations() <= 5);
    }

    @Test
    void stochasticOptimizersGetClose() {
        StoppingCriteria epochs = new StoppingCriteria(60, 0, 0, null);
        double optimum = quadratic.value(minimiser);
        OptimizationResult sgd = new MiniBatchSgd(0.05, 10, 0.9, true,
                new LearningRateSchedule.InverseScaling(0.05, 1.0), 1).minimize(quadratic, start, epochs, null);
        OptimizationResult adam = new Adam(0.1, 0.9, 0.999, 1e-8, 10,
                new LearningRateSchedule.InverseScaling(0.05, 1.0), 1).minimize(quadratic, start, epochs, null);
        for (OptimizationResult result : List.of(sgd, adam)) {
            double gap = (result.value() - optimum) / optimum;
            assertTrue(gap >= 0 && gap < 1e-3, "relative gap " + gap);
        }
    }
}
