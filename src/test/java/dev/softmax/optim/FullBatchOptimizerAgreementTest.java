package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Every full-batch optimizer reaches the same optimum of a strictly convex problem (lambda > 0) in float64, to a
 * relative gap of 1e-8 (scikit-learn's test_logistic_regression_solvers_multiclass, pairwise at 1e-8).
 */
class FullBatchOptimizerAgreementTest {

    static Stream<Arguments> problems() {
        return Stream.of(
                Arguments.of("iris", TestProblems.iris(1e-2)),
                Arguments.of("random", TestProblems.random(300, 6, 4, 5e-3, 11)));
    }

    /**
     * Tight tolerances: with strong convexity mu >= lambda the gap is at most ||g||^2 / (2 lambda), so
     * ||g|| <= 1e-6 already means a relative gap below 1e-9 here; the second-order methods go further.
     */
    private static StoppingCriteria tight(int maxIterations, double gradientTolerance) {
        return new StoppingCriteria(maxIterations, gradientTolerance, 0.0, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("problems")
    void allFullBatchOptimizersReachTheSameObjective(String name, SoftmaxCrossEntropy objective) {
        var start = objective.layout().zeros(DataType.DOUBLE);
        OptimizationResult reference = new Newton().minimize(objective, start, tight(50, 1e-10), IterationListener.NONE);
        assertTrue(reference.converged(), "newton on " + name + ": " + reference.reason());
        List<OptimizationResult> others = List.of(
                new GradientDescent().minimize(objective, start, tight(20000, 1e-6), IterationListener.NONE),
                new NewtonCg().minimize(objective, start, tight(100, 1e-9), IterationListener.NONE),
                new Lbfgs().minimize(objective, start, tight(2000, 1e-8), IterationListener.NONE));
        List<String> names = List.of("gd", "newton-cg", "lbfgs");
        for (int i = 0; i < others.size(); i++) {
            OptimizationResult result = others.get(i);
            assertTrue(result.converged(), names.get(i) + " on " + name + ": " + result.reason());
            double gap = Math.abs(result.value() - reference.value()) / Math.abs(reference.value());
            assertTrue(gap <= 1e-8, names.get(i) + " vs newton on " + name + ": relative gap " + gap + " ("
                    + result.reason() + " after " + result.iterations() + " iterations)");
            assertEquals(objective.value(result.solution()), result.value(), 1e-15 * Math.abs(result.value()),
                    names.get(i) + ": reported value is the value at the solution");
        }
    }
}
