package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.model.AutoOptimizer.Method;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.Newton;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The library's {@code auto}: the rule's boundaries, and {@link Trainer}'s default taking it. */
class AutoOptimizerTest {

    private static final long BUDGET = SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES;

    @Test
    void ruleBoundaries() {
        assertEquals(Method.NEWTON, AutoOptimizer.choose(4, 3, BUDGET).method());
        // (d+1)K = 2000 is still newton's; 2010 is not.
        assertEquals(Method.NEWTON, AutoOptimizer.choose(199, 10, BUDGET).method());
        assertEquals(Method.NEWTON_CG, AutoOptimizer.choose(200, 10, BUDGET).method());
        // d+1 = 1024 is still within the eigenbasis preconditioner's reach; 1025 is not.
        assertEquals(Method.NEWTON_CG, AutoOptimizer.choose(1023, 2, BUDGET).method());
        assertEquals(Method.LBFGS, AutoOptimizer.choose(1024, 2, BUDGET).method());
        assertEquals(Method.LBFGS, AutoOptimizer.choose(3072, 10, BUDGET).method());

        AutoOptimizer.Choice overBudget = AutoOptimizer.choose(4, 3, 100);
        assertEquals(Method.NEWTON_CG, overBudget.method());
        assertTrue(overBudget.reason().startsWith("dense Hessian 1.8 KiB, Hessian budget 100 B: the Hessian does not"
                + " fit"), overBudget.reason());
        assertTrue(AutoOptimizer.choose(4, 3, BUDGET).reason().startsWith("(d+1)K = 15 parameters <= 2000"),
                AutoOptimizer.choose(4, 3, BUDGET).reason());

        assertThrows(IllegalArgumentException.class, () -> AutoOptimizer.choose(0, 3, BUDGET));
        assertThrows(IllegalArgumentException.class, () -> AutoOptimizer.choose(4, 1, BUDGET));
        assertThrows(IllegalArgumentException.class, () -> AutoOptimizer.choose(4, 3, 0));
    }

    @Test
    void runsTheChosenMethodWithItsDefaults() {
        SoftmaxCrossEntropy iris = TestProblems.iris(1e-3);
        StoppingCriteria stop = StoppingCriteria.of(100);
        OptimizationResult auto = new AutoOptimizer().minimize(iris, iris.layout().zeros(DataType.DOUBLE), stop,
                IterationListener.NONE);
        OptimizationResult newton = new Newton().minimize(iris, iris.layout().zeros(DataType.DOUBLE), stop,
                IterationListener.NONE);
        assertArrayEquals(newton.solution().toDoubleVector(), auto.solution().toDoubleVector(), 0.0);
        assertEquals(newton.history().size(), auto.history().size());
    }

    @Test
    void trainerDefaultsToAutoAndRecordsTheMethodTaken() {
        assertInstanceOf(AutoOptimizer.class, Trainer.builder().build().optimizer());
        Dataset iris = TestProblems.iris(DataType.DOUBLE);
        Trainer.Builder builder = Trainer.builder().dataType(DataType.DOUBLE).l2(1e-3);

        SoftmaxRegression byDefault = builder.build().fit(iris);
        SoftmaxRegression byNewton = builder.optimizer(new Newton()).build().fit(iris);
        assertEquals("newton", byDefault.trainingSummary().orElseThrow().optimizer());
        assertTrue(byDefault.trainingResult().orElseThrow().converged());
        assertArrayEquals(byNewton.weights().toDoubleMatrix()[0], byDefault.weights().toDoubleMatrix()[0], 0.0);

        SoftmaxRegression overBudget = Trainer.builder().dataType(DataType.DOUBLE).l2(1e-3).hessianBudget(100)
                .build().fit(iris);
        assertEquals("newton-cg", overBudget.trainingSummary().orElseThrow().optimizer());

        // 1025 inputs: beyond the eigenbasis preconditioner, so L-BFGS.
        Dataset wide = TestProblems.randomData(40, 1024, 2, 7);
        SoftmaxRegression lbfgs = Trainer.builder().l2(1e-2).stopping(StoppingCriteria.of(20)).build().fit(wide);
        assertEquals("lbfgs", lbfgs.trainingSummary().orElseThrow().optimizer());
    }
}
