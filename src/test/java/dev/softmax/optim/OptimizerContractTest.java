package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What every optimizer promises a researcher's own objective: named errors for bad input, results, not crashes. */
class OptimizerContractTest {

    /**
     * A separable objective {@code sum_i f(x_i)} from {@code f}, {@code f'} and {@code f''}, in DOUBLE; the
     * Hessian is a new diagonal matrix each call.
     */
    private static TwiceDifferentiableObjective separable(int m, DoubleUnaryOperator f, DoubleUnaryOperator df,
                                                          DoubleUnaryOperator d2f) {
        return new TwiceDifferentiableObjective() {
            @Override
            public long dimension() {
                return m;
            }

            @Override
            public double value(INDArray theta) {
                double sum = 0;
                for (double x : theta.toDoubleVector()) {
                    sum += f.applyAsDouble(x);
                }
                return sum;
            }

            @Override
            public ValueAndGradient valueAndGradient(INDArray theta) {
                double[] x = theta.toDoubleVector();
                double[] g = new double[m];
                for (int i = 0; i < m; i++) {
                    g[i] = df.applyAsDouble(x[i]);
                }
                return new ValueAndGradient(value(theta), Nd4j.createFromArray(g));
            }

            @Override
            public HessianOperator hessianAt(INDArray theta) {
                INDArray diagonal = diagonal(theta);
                return new HessianOperator() {
                    @Override
                    public INDArray apply(INDArray v) {
                        return v.castTo(DataType.DOUBLE).mul(diagonal);
                    }

                    @Override
                    public INDArray diagonal() {
                        return diagonal.dup();
                    }
                };
            }

            @Override
            public INDArray hessian(INDArray theta) {
                return Nd4j.diag(diagonal(theta));
            }

            private INDArray diagonal(INDArray theta) {
                double[] x = theta.toDoubleVector();
                double[] h = new double[m];
                for (int i = 0; i < m; i++) {
                    h[i] = d2f.applyAsDouble(x[i]);
                }
                return Nd4j.createFromArray(h);
            }
        };
    }

    private static final StoppingCriteria STOP = new StoppingCriteria(100, 1e-10, 0, null);

    @Test
    void newtonRefusesAHessianItHasAlreadyClosedInsteadOfReadingFreedMemory() {
        TwiceDifferentiableObjective quadratic = separable(3, x -> x * x, x -> 2 * x, x -> 2);
        INDArray cached = Nd4j.eye(3).castTo(DataType.DOUBLE).muli(2);
        TwiceDifferentiableObjective caching = new dev.softmax.testutil.ForwardingObjective(quadratic) {
            @Override
            public INDArray hessian(INDArray theta) {
                return cached;
            }
        };
        INDArray start = Nd4j.createFromArray(1.0, -2.0, 3.0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Newton().minimize(caching, start, new StoppingCriteria(5, 0, 0, null), null));
        assertTrue(e.getMessage().contains("must return a new array each call"), e.getMessage());
    }

    @Test
    void newtonEndsWithAResultWhenAStepMeetsANonFiniteGradient() {
        // f = (x - 3)^2 everywhere, but its gradient is NaN beyond x = 1, where Newton's first step lands.
        TwiceDifferentiableObjective broken = separable(1, x -> (x - 3) * (x - 3),
                x -> x > 1 ? Double.NaN : 2 * (x - 3), x -> 2);
        OptimizationResult result = new Newton().minimize(broken, Nd4j.createFromArray(0.0), STOP, null);
        assertEquals(TerminationReason.NON_FINITE_VALUE, result.reason());
        assertEquals(0.0, result.solution().getDouble(0), "the last point with a finite gradient");
        OptimizationResult atStart = new Newton().minimize(broken, Nd4j.createFromArray(2.0), STOP, null);
        assertEquals(TerminationReason.NON_FINITE_VALUE, atStart.reason(), "a NaN gradient at the start");
    }

    @Test
    void newtonCgWithItsDefaultPreconditionerLeavesAConcaveRegion() {
        // f = x^3 - 3x from x = -0.5, where f'' = -3: no positive diagonal to precondition with.
        TwiceDifferentiableObjective cubic = separable(1, x -> x * x * x - 3 * x, x -> 3 * x * x - 3, x -> 6 * x);
        for (NewtonCg optimizer : List.of(new NewtonCg(), new NewtonCg(100, false, 50))) {
            OptimizationResult result = optimizer.minimize(cubic, Nd4j.createFromArray(-0.5), STOP, null);
            assertTrue(result.converged(), result.reason().toString());
            assertEquals(1.0, result.solution().getDouble(0), 1e-8);
        }
    }

    @Test
    void aRunsWorkCountsTheEvaluationsAfterItsLastRowToo() {
        // A gradient that promises a decrease the value never shows: the first line search fails, and so does its
        // retry along the gradient, both after the start's row.
        TwiceDifferentiableObjective flat = separable(2, x -> 1.0, x -> 1.0, x -> 1.0);
        long[] calls = new long[2];
        TwiceDifferentiableObjective counted = new dev.softmax.testutil.ForwardingObjective(flat) {
            @Override
            public double value(INDArray theta) {
                calls[0]++;
                return super.value(theta);
            }

            @Override
            public ValueAndGradient valueAndGradient(INDArray theta) {
                calls[0]++;
                calls[1]++;
                return super.valueAndGradient(theta);
            }
        };
        OptimizationResult result = new Lbfgs().minimize(counted, Nd4j.zeros(DataType.DOUBLE, 2), STOP, null);
        assertEquals(TerminationReason.LINE_SEARCH_FAILED, result.reason());
        assertEquals(calls[0], result.work().functionEvaluations());
        assertEquals(calls[1], result.work().gradientEvaluations());
        assertTrue(result.work().functionEvaluations() > result.last().functionEvaluations(),
                result.work() + " against the last row's " + result.last().functionEvaluations());
    }

    @Test
    void everyOptimizerNamesABadStart() {
        SoftmaxCrossEntropy iris = TestProblems.iris(1e-2);
        long m = iris.dimension();
        List<Optimizer<? super SoftmaxCrossEntropy>> optimizers = List.of(new GradientDescent(), new Lbfgs(),
                new Newton(), new NewtonCg(), new MiniBatchSgd(0.1, 16, 1), new Adam(0.01, 16, 1));
        for (Optimizer<? super SoftmaxCrossEntropy> optimizer : optimizers) {
            String name = optimizer.name();
            assertMessage("start must be FLOAT or DOUBLE, got INT", name,
                    () -> optimizer.minimize(iris, Nd4j.zeros(DataType.INT, m), STOP, null));
            assertMessage("start must be a 1-D vector of the objective's dimension " + m + ", got shape [" + m
                    + ", 1]", name, () -> optimizer.minimize(iris, Nd4j.zeros(DataType.DOUBLE, m, 1), STOP, null));
            assertMessage("got shape [" + (m - 1) + "]", name,
                    () -> optimizer.minimize(iris, Nd4j.zeros(DataType.DOUBLE, m - 1), STOP, null));
            // QA: adam made its state arrays from start before checking it, and threw a bare NullPointerException.
            assertEquals("start must not be null", assertThrows(NullPointerException.class,
                    () -> optimizer.minimize(iris, null, STOP, null), name).getMessage(), name);
        }
    }

    /**
     * An objective that computes in DOUBLE whatever the point's type is used the same way by every optimizer:
     * its gradient is taken in the point's type (the full-batch optimizers did; SGD and Adam failed inside BLAS).
     */
    @Test
    void aDoubleGradientForAFloatPointWorksInEveryOptimizer() {
        TwiceDifferentiableObjective quadratic = separable(3, x -> (x - 1) * (x - 1), x -> 2 * (x - 1), x -> 2);
        MiniBatchObjective batched = new MiniBatchObjective() {
            @Override
            public long dimension() {
                return 3;
            }

            @Override
            public double value(INDArray theta) {
                return quadratic.value(theta);
            }

            @Override
            public ValueAndGradient valueAndGradient(INDArray theta) {
                return quadratic.valueAndGradient(theta);
            }

            @Override
            public int numSamples() {
                return 4;
            }

            @Override
            public DifferentiableObjective batch(int[] rowIndices) {
                return quadratic;
            }
        };
        StoppingCriteria stop = new StoppingCriteria(300, 1e-4, 0, null);
        for (Optimizer<? super TwiceDifferentiableObjective> optimizer : List.<Optimizer<? super TwiceDifferentiableObjective>>of(
                new GradientDescent(), new Lbfgs(), new Newton(), new NewtonCg())) {
            OptimizationResult result = optimizer.minimize(quadratic, Nd4j.zeros(DataType.FLOAT, 3), stop, null);
            assertEquals(DataType.FLOAT, result.solution().dataType(), optimizer.name());
            assertEquals(1.0, result.solution().getDouble(1), 1e-3, optimizer.name());
        }
        for (Optimizer<MiniBatchObjective> optimizer : List.<Optimizer<MiniBatchObjective>>of(
                new MiniBatchSgd(0.1, 2, 1), new Adam(0.05, 2, 1))) {
            OptimizationResult result = optimizer.minimize(batched, Nd4j.zeros(DataType.FLOAT, 3), stop, null);
            assertEquals(DataType.FLOAT, result.solution().dataType(), optimizer.name());
            assertEquals(1.0, result.solution().getDouble(1), 1e-2, optimizer.name());
        }
    }

    @Test
    void theSoftmaxObjectiveTakesOnlyAFlatParameterVectorWhateverTheKernels() {
        SoftmaxCrossEntropy floats = new SoftmaxCrossEntropy(TestProblems.iris(DataType.FLOAT).features(),
                TestProblems.iris(DataType.FLOAT).labels(), 3, 1e-2);
        assertMessage("parameter vector must be 1-D, got shape [5, 3]", "value",
                () -> floats.valueAndGradient(Nd4j.zeros(DataType.FLOAT, 5, 3)));
    }

    private static void assertMessage(String expected, String who, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, who);
        assertTrue(e.getMessage().contains(expected), who + ": " + e.getMessage());
    }
}
