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
    void zoomsDownToAStepFarBelowTheAbsoluteRoundingOfOne() {
        // f(x) = c x^2 / 2 + b x, from x = 0 along -g = -b: the best step is 1/c. Unscaled features near 1e8 give
        // curvatures near 1e17 and gradients near 1e8; the zoom's end test was absolute (a bracket 1e-16 wide), so
        // from L-BFGS's first step, 1/||g||, it gave up above the steps that decrease f and L-BFGS stopped at its
        // first iteration with the weights at zero.
        double c = 1e17;
        double b = 1e8;
        DifferentiableObjective quadratic = new DifferentiableObjective() {
            @Override
            public long dimension() {
                return 1;
            }

            @Override
            public double value(INDArray theta) {
                double x = theta.getDouble(0);
                return c * x * x / 2 + b * x;
            }

            @Override
            public ValueAndGradient valueAndGradient(INDArray theta) {
                double x = theta.getDouble(0);
                return new ValueAndGradient(value(theta),
                        org.nd4j.linalg.factory.Nd4j.createFromArray(c * x + b));
            }
        };
        INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(0.0);
        ValueAndGradient current = quadratic.valueAndGradient(x);
        WolfeLineSearch.Outcome outcome = WolfeLineSearch.DEFAULT.search(quadratic, x, current,
                current.gradient().neg(), 1 / b, new RunMonitor(StoppingCriteria.of(1), null));
        assertTrue(outcome.accepted() && outcome.at().value() < 0, "step " + outcome.step());
        assertTrue(outcome.step() < 2 / c, "step " + outcome.step());
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
