package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.Quadratic;
import dev.softmax.testutil.TestProblems;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradientDescentTest {

    private final Quadratic quadratic = new Quadratic(new double[] {1, 4, 10}, new double[] {1.5, -2, 0.25});

    @Test
    void findsTheMinimiserOfAQuadratic() {
        OptimizationResult result = new GradientDescent().minimize(quadratic, Nd4j.zeros(DataType.DOUBLE, 3),
                StoppingCriteria.of(10_000).withGradientTolerance(1e-10).withRelativeFunctionTolerance(0),
                IterationListener.NONE);
        assertEquals(TerminationReason.GRADIENT_TOLERANCE, result.reason());
        assertTrue(result.converged());
        assertArrayEquals(quadratic.center().toDoubleVector(), result.solution().toDoubleVector(), 1e-9);
        assertEquals(0.0, result.value(), 1e-18);
    }

    @Test
    void historyStartsAtIterationZeroAndNeverIncreases() {
        List<IterationRecord> seen = new ArrayList<>();
        OptimizationResult result = new GradientDescent().minimize(quadratic, Nd4j.zeros(DataType.DOUBLE, 3),
                StoppingCriteria.of(50), (record, point) -> seen.add(record));
        List<IterationRecord> history = result.history();
        assertEquals(seen, history);
        assertEquals(0, history.get(0).iteration());
        assertEquals(quadratic.value(Nd4j.zeros(DataType.DOUBLE, 3)), history.get(0).value(), 0.0);
        for (int i = 1; i < history.size(); i++) {
            IterationRecord row = history.get(i);
            assertEquals(i, row.iteration());
            assertTrue(row.value() <= history.get(i - 1).value(), "objective rose at iteration " + i);
            assertTrue(row.stepSize() > 0);
            assertTrue(row.innerIterations() >= 1);
            assertTrue(row.functionEvaluations() > history.get(i - 1).functionEvaluations());
            assertTrue(row.elapsedNanos() >= history.get(i - 1).elapsedNanos());
        }
    }

    @Test
    void runningOutOfIterationsIsAResultNotAnException() {
        OptimizationResult result = new GradientDescent().minimize(quadratic, Nd4j.zeros(DataType.DOUBLE, 3),
                StoppingCriteria.of(3).withGradientTolerance(0).withRelativeFunctionTolerance(0),
                IterationListener.NONE);
        assertEquals(TerminationReason.MAX_ITERATIONS, result.reason());
        assertFalse(result.converged());
        assertEquals(3, result.iterations());
        assertEquals(4, result.history().size());
    }

    @Test
    void aListenerCanStopTheRun() {
        OptimizationResult result = new GradientDescent().minimize(quadratic, Nd4j.zeros(DataType.DOUBLE, 3),
                StoppingCriteria.of(100), (record, point) -> record.iteration() < 2);
        assertEquals(TerminationReason.STOPPED_BY_LISTENER, result.reason());
        assertEquals(2, result.iterations());
    }

    @Test
    void startIsNotMutated() {
        INDArray start = Nd4j.createFromArray(3.0, 3.0, 3.0);
        new GradientDescent().minimize(quadratic, start, StoppingCriteria.of(20), IterationListener.NONE);
        assertArrayEquals(new double[] {3, 3, 3}, start.toDoubleVector(), 0.0);
    }

    @Test
    void nonFiniteStartIsReported() {
        DifferentiableObjective broken = new DifferentiableObjective() {
            @Override
            public long dimension() {
                return 1;
            }

            @Override
            public double value(INDArray theta) {
                return Double.NaN;
            }

            @Override
            public ValueAndGradient valueAndGradient(INDArray theta) {
                return new ValueAndGradient(Double.NaN, theta.dup());
            }
        };
        OptimizationResult result = new GradientDescent().minimize(broken, Nd4j.ones(DataType.DOUBLE, 1),
                StoppingCriteria.of(10), IterationListener.NONE);
        assertEquals(TerminationReason.NON_FINITE_VALUE, result.reason());
        assertEquals(0, result.iterations());
    }

    @Test
    void reducesTheSoftmaxObjectiveToAStationaryPoint() {
        var iris = TestProblems.standardizedIris(DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 0.05);
        OptimizationResult result = new GradientDescent().minimize(f, f.layout().zeros(DataType.DOUBLE),
                StoppingCriteria.of(5000).withGradientTolerance(1e-7).withRelativeFunctionTolerance(0),
                IterationListener.NONE);
        assertEquals(TerminationReason.GRADIENT_TOLERANCE, result.reason());
        assertTrue(RunMonitor.norm(f.gradient(result.solution())) <= 1e-7 * result.history().get(0).gradientNorm());
        assertTrue(result.value() < Math.log(3));
    }

    @Test
    void aStepThatMovesNoWeightIsNotAccepted() {
        // QA: float32 gradient descent on iris halved its steps until no weight moved, and such a step, leaving f
        // unchanged, was accepted: "FUNCTION_TOLERANCE (converged)" at a gradient norm 20 times the tolerance.
        var iris = TestProblems.standardizedIris(DataType.FLOAT);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 1e-4);
        INDArray x = f.layout().zeros(DataType.FLOAT).addi(1);
        ValueAndGradient at = f.valueAndGradient(x);
        RunMonitor monitor = new RunMonitor(StoppingCriteria.of(10), IterationListener.NONE);
        ArmijoLineSearch.Outcome none = ArmijoLineSearch.DEFAULT.search(f, x, at, at.gradient().neg(), 1e-12,
                monitor);
        assertFalse(none.accepted());
        assertEquals(0, none.trials(), "nothing evaluated: no shorter step can move a weight either");
        ArmijoLineSearch.Outcome some = ArmijoLineSearch.DEFAULT.search(f, x, at, at.gradient().neg(), 1.0,
                monitor);
        assertTrue(some.accepted());
        assertTrue(some.at().value() < at.value());
    }

    @Test
    void stopsAtTheRoundingFloorInsteadOfShrinkingTheStepForever() {
        // Regression: with the function tolerance at 0 and a gradient tolerance below what double rounding lets
        // the line search see, steps that left f unchanged were accepted and halved for ever until max-iter. Such
        // steps are no longer taken: the search finds no decrease, which is not convergence (QA).
        var iris = TestProblems.standardizedIris(DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 0.1);
        OptimizationResult result = new GradientDescent().minimize(f, f.layout().zeros(DataType.DOUBLE),
                StoppingCriteria.of(2000).withGradientTolerance(1e-12).withRelativeFunctionTolerance(0),
                IterationListener.NONE);
        assertEquals(TerminationReason.LINE_SEARCH_FAILED, result.reason());
        assertTrue(result.history().stream().skip(1).allMatch(row -> row.value() < Double.POSITIVE_INFINITY));
        for (int i = 1; i < result.history().size(); i++) {
            assertTrue(result.history().get(i).value() < result.history().get(i - 1).value(), "row " + i);
        }
        assertTrue(result.iterations() < 500, "iterations " + result.iterations());
        assertTrue(result.last().gradientNorm() < 1e-6);
    }

    @Test
    void stoppingCriteriaRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> StoppingCriteria.of(0));
        assertThrows(IllegalArgumentException.class, () -> StoppingCriteria.of(10).withGradientTolerance(-1));
        assertThrows(IllegalArgumentException.class, () -> StoppingCriteria.of(10).withRelativeFunctionTolerance(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> StoppingCriteria.of(10).withTimeLimit(java.time.Duration.ZERO));
        // Review: 300 years was accepted, and the first check of the clock threw ArithmeticException.
        assertThrows(IllegalArgumentException.class,
                () -> StoppingCriteria.of(10).withTimeLimit(java.time.Duration.ofDays(300L * 365)));
        assertEquals(java.time.Duration.ofNanos(Long.MAX_VALUE),
                StoppingCriteria.of(10).withTimeLimit(java.time.Duration.ofNanos(Long.MAX_VALUE)).timeLimit());
        assertThrows(IllegalArgumentException.class, () -> new ArmijoLineSearch(0, 0.5, 10));
        assertThrows(IllegalArgumentException.class, () -> new GradientDescent(ArmijoLineSearch.DEFAULT, 0, 1));
    }

    @Test
    void functionToleranceIsRelativeToTheObjective() {
        StoppingCriteria stop = StoppingCriteria.of(100).withGradientTolerance(0).withRelativeFunctionTolerance(1e-6);
        IterationRecord before = new IterationRecord(1, 1000.0, 1, 1, 1, 1, 1, 0, 0);
        IterationRecord small = new IterationRecord(2, 1000.0 - 5e-4, 1, 1, 1, 2, 2, 0, 0);
        IterationRecord large = new IterationRecord(2, 1000.0 - 5e-2, 1, 1, 1, 2, 2, 0, 0);
        IterationRecord start = new IterationRecord(0, 2000.0, 1, 0, 0, 1, 1, 0, 0);
        assertEquals(TerminationReason.FUNCTION_TOLERANCE, stop.check(start, before, small).orElseThrow());
        assertTrue(stop.check(start, before, large).isEmpty());
    }

    @Test
    void aRunThatRoseAndStalledOrWhoseGradientOverflowedHasNotConverged() {
        StoppingCriteria stop = StoppingCriteria.of(100);
        IterationRecord start = new IterationRecord(0, 2.3, 1, 0, 0, 1, 1, 0, 0);
        IterationRecord risen = new IterationRecord(1, 6e56, Double.NaN, 1, 1, 2, 2, 0, 0);
        IterationRecord stalled = new IterationRecord(2, 6e56, Double.NaN, 1, 1, 3, 3, 0, 0);
        assertEquals(TerminationReason.DIVERGED, stop.check(start, risen, stalled).orElseThrow(),
                "far above the start: diverged, not converged");
        assertFalse(TerminationReason.DIVERGED.isConvergence());
        // A warm start at the optimum may end a rounding error above it: still converged.
        IterationRecord hair = new IterationRecord(1, 2.3 * (1 + 1e-9), 1, 1, 1, 2, 2, 0, 0);
        IterationRecord hairAgain = new IterationRecord(2, 2.3 * (1 + 1e-9), 1, 1, 1, 3, 3, 0, 0);
        assertEquals(TerminationReason.FUNCTION_TOLERANCE, stop.check(start, hair, hairAgain).orElseThrow());
        IterationRecord overflowed = new IterationRecord(0, 0.69, Double.POSITIVE_INFINITY, 0, 0, 1, 1, 0, 0);
        assertEquals(TerminationReason.NON_FINITE_VALUE, stop.check(overflowed, null, overflowed).orElseThrow());
    }
}
