package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class WolfeLineSearchTest {

    /** From far too long (zoom) and far too short (extrapolation) first steps, the result meets strong Wolfe. */
    @ParameterizedTest
    @ValueSource(doubles = {1e-6, 1e-2, 1.0, 1e3, 1e6})
    void acceptedStepsSatisfyTheStrongWolfeConditions(double initialStep) {
        SoftmaxCrossEntropy f = TestProblems.random(100, 4, 3, 1e-2, 2);
        INDArray x = TestProblems.randomPoint(f, 0.3, 5);
        ValueAndGradient current = f.valueAndGradient(x);
        INDArray direction = current.gradient().neg();
        WolfeLineSearch search = WolfeLineSearch.DEFAULT;
        WolfeLineSearch.Outcome outcome = search.search(f, x, current, direction, initialStep,
                new RunMonitor(StoppingCriteria.of(1), null));
        assertTrue(outcome.accepted() && outcome.strongWolfe(), "step from " + initialStep);
        double slope0 = Vectors.dot(current.gradient(), direction);
        double slope = Vectors.dot(outcome.at().gradient(), direction);
        assertTrue(outcome.at().value() <= current.value() + search.c1() * outcome.step() * slope0);
        assertTrue(Math.abs(slope) <= -search.c2() * slope0);
        assertTrue(outcome.trials() <= search.maxEvaluations());
    }

    @Test
    void refusesAnAscentDirectionAndBadConstants() {
        SoftmaxCrossEntropy f = TestProblems.random(50, 3, 3, 1e-2, 2);
        INDArray x = TestProblems.randomPoint(f, 0.3, 5);
        ValueAndGradient current = f.valueAndGradient(x);
        assertFalse(WolfeLineSearch.DEFAULT.search(f, x, current, current.gradient(), 1.0,
                new RunMonitor(StoppingCriteria.of(1), null)).accepted());
        assertThrows(IllegalArgumentException.class, () -> new WolfeLineSearch(0.9, 0.1, 10, 1));
    }
}
