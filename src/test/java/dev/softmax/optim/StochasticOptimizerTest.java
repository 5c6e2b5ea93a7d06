package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link MiniBatchSgd} and {@link Adam}: near the optimum, reproducible, and safe when they diverge. */
class StochasticOptimizerTest {

    private static final StoppingCriteria EIGHTY_EPOCHS = new StoppingCriteria(80, 0.0, 0.0, null);

    private static double optimum(SoftmaxCrossEntropy f) {
        return new Newton().minimize(f, f.layout().zeros(DataType.DOUBLE), new StoppingCriteria(50, 1e-10, 0, null),
                IterationListener.NONE).value();
    }

    private static void assertNearOptimum(String what, OptimizationResult result, double optimum) {
        double gap = (result.value() - optimum) / optimum;
        assertTrue(gap >= -1e-12 && gap <= 1e-3, what + ": relative gap " + gap + " after " + result.iterations()
                + " epochs");
    }

    @Test
    void sgdAndAdamGetWithin1e3OfTheOptimumOnIris() {
        SoftmaxCrossEntropy f = TestProblems.iris(1e-2);
        double optimum = optimum(f);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        // Decaying rates (Robbins-Monro): a constant rate hovers at a distance proportional to the rate.
        OptimizationResult sgd = new MiniBatchSgd(1.0, 16, 0.9, true,
                new LearningRateSchedule.InverseScaling(0.1, 1.0), 1).minimize(f, start, EIGHTY_EPOCHS, null);
        assertNearOptimum("sgd (nesterov)", sgd, optimum);
        OptimizationResult adam = new Adam(0.1, 0.9, 0.999, 1e-8, 16,
                new LearningRateSchedule.InverseScaling(0.01, 1.0), 1).minimize(f, start, EIGHTY_EPOCHS, null);
        assertNearOptimum("adam", adam, optimum);

        // One history row per epoch with the full objective, mini-batches as inner iterations (150 rows / 16).
        assertEquals(81, sgd.history().size());
        IterationRecord last = sgd.last();
        assertEquals(10, last.innerIterations());
        assertEquals(f.value(sgd.solution()), last.value(), 1e-15);
        assertEquals(2 * 80 + 1, last.functionEvaluations(), "one pass of batches plus one full evaluation per epoch");
    }

    @Test
    void sgdAndAdamGetWithin1e3OfTheOptimumOnARandomProblem() {
        SoftmaxCrossEntropy f = TestProblems.random(300, 6, 4, 5e-3, 11);
        double optimum = optimum(f);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        assertNearOptimum("sgd (momentum)", new MiniBatchSgd(0.3, 32, 0.9, false,
                new LearningRateSchedule.InverseScaling(0.1, 1.0), 3).minimize(f, start, EIGHTY_EPOCHS, null), optimum);
        assertNearOptimum("adam", new Adam(0.1, 0.9, 0.999, 1e-8, 32,
                new LearningRateSchedule.InverseScaling(0.03, 1.0), 3).minimize(f, start, EIGHTY_EPOCHS, null), optimum);
    }

    @Test
    void aSeedFixesTheShufflesAndAnotherSeedChangesThem() {
        SoftmaxCrossEntropy f = TestProblems.random(100, 3, 3, 1e-2, 5);
        INDArray start = f.layout().zeros(DataType.DOUBLE);
        StoppingCriteria three = new StoppingCriteria(3, 0, 0, null);
        LearningRateSchedule step = new LearningRateSchedule.StepDecay(0.5, 1);
        OptimizationResult a = new MiniBatchSgd(0.5, 8, 0.5, false, step, 9).minimize(f, start, three, null);
        OptimizationResult b = new MiniBatchSgd(0.5, 8, 0.5, false, step, 9).minimize(f, start, three, null);
        OptimizationResult c = new MiniBatchSgd(0.5, 8, 0.5, false, step, 10).minimize(f, start, three, null);
        assertEquals(a.solution(), b.solution());
        assertNotEquals(a.solution(), c.solution());
        // Step decay halves the rate every epoch; the history records the rate used at the end of each epoch.
        assertEquals(0.5, a.history().get(1).stepSize());
        assertEquals(0.125, a.history().get(3).stepSize());
    }

    @Test
    void aFarTooLargeLearningRateStopsWithNonFiniteValueAndFiniteWeights() {
        // With lambda > 0 each step multiplies W by (1 - lr*lambda) = -9999: the weights overflow within a few
        // epochs (the cross-entropy itself grows only linearly in the weights).
        SoftmaxCrossEntropy f = TestProblems.iris(1e-2);
        OptimizationResult result = new MiniBatchSgd(1e6, 16, 0).minimize(f, f.layout().zeros(DataType.DOUBLE),
                new StoppingCriteria(1000, 0, 0, null), null);
        assertEquals(TerminationReason.NON_FINITE_VALUE, result.reason());
        assertTrue(result.iterations() < 1000);
        assertTrue(Double.isFinite(result.value()));
        assertTrue(!result.solution().isNaN().any() && !result.solution().isInfinite().any(), "finite weights");
        assertEquals(f.value(result.solution()), result.value(), 0.0);
    }

    @Test
    void plainSgdRunsTheObjectivesOwnStepsWithTheSameHistory() {
        // Float32 data: the vector kernels' objective has its own steps, the BLAS passes' has none.
        dev.softmax.data.Dataset data = TestProblems.randomData(500, 9, 4, 13);
        INDArray x = data.features().castTo(DataType.FLOAT);
        int[] y = data.labels();
        StoppingCriteria five = new StoppingCriteria(5, 0, 0, null);
        LearningRateSchedule decay = new LearningRateSchedule.InverseScaling(0.05, 1.0);
        try {
            dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.VECTOR);
            SoftmaxCrossEntropy vector = new SoftmaxCrossEntropy(x, y, 4, 1e-2);
            assertTrue(vector.sgdSteps().isPresent());
            int[] calls = {0};
            MiniBatchObjective counted = new MiniBatchObjective() {
                public int numSamples() {
                    return vector.numSamples();
                }

                public DifferentiableObjective batch(int[] rows) {
                    return vector.batch(rows);
                }

                public java.util.Optional<SgdSteps> sgdSteps() {
                    return vector.sgdSteps().map(steps -> (theta, order, batch, rate) -> {
                        calls[0]++;
                        return steps.run(theta, order, batch, rate);
                    });
                }

                public long dimension() {
                    return vector.dimension();
                }

                public double value(INDArray theta) {
                    return vector.value(theta);
                }

                public ValueAndGradient valueAndGradient(INDArray theta) {
                    return vector.valueAndGradient(theta);
                }
            };
            INDArray start = vector.layout().zeros(DataType.FLOAT);
            OptimizationResult fused = new MiniBatchSgd(0.5, 32, 0, false, decay, 4).minimize(counted, start, five,
                    null);
            assertEquals(5, calls[0], "one call per epoch");
            new MiniBatchSgd(0.5, 32, 0.5, false, decay, 4).minimize(counted, start, five, null);
            assertEquals(5, calls[0], "momentum updates batch by batch");

            dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.BLAS);
            SoftmaxCrossEntropy blas = new SoftmaxCrossEntropy(x, y, 4, 1e-2);
            assertTrue(blas.sgdSteps().isEmpty());
            OptimizationResult batchByBatch = new MiniBatchSgd(0.5, 32, 0, false, decay, 4).minimize(blas, start,
                    five, null);
            assertEquals(batchByBatch.history().size(), fused.history().size());
            for (int i = 0; i < fused.history().size(); i++) {
                IterationRecord a = fused.history().get(i);
                IterationRecord b = batchByBatch.history().get(i);
                assertEquals(b.value(), a.value(), 1e-5 * b.value(), "epoch " + i);
                assertEquals(b.stepSize(), a.stepSize(), 0.0, "the rate of the epoch's last batch");
                assertEquals(b.innerIterations(), a.innerIterations());
                assertEquals(b.functionEvaluations(), a.functionEvaluations());
            }
            assertTrue(fused.solution().sub(batchByBatch.solution()).amaxNumber().doubleValue()
                    < 1e-4 * batchByBatch.solution().amaxNumber().doubleValue());

            // Divergence: the same reason, and the last finite epoch's weights, as batch by batch.
            dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.VECTOR);
            OptimizationResult diverged = new MiniBatchSgd(1e6, 16, 0).minimize(vector, start,
                    new StoppingCriteria(1000, 0, 0, null), null);
            assertEquals(TerminationReason.NON_FINITE_VALUE, diverged.reason());
            assertTrue(!diverged.solution().isNaN().any() && !diverged.solution().isInfinite().any());
            assertEquals(vector.value(diverged.solution()), diverged.value(), 0.0);
        } finally {
            dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.AUTO);
        }
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new MiniBatchSgd(0, 16, 0));
        assertThrows(IllegalArgumentException.class, () -> new MiniBatchSgd(0.1, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new MiniBatchSgd(0.1, 1, 1.0, false, LearningRateSchedule.constant(), 0));
        assertThrows(IllegalArgumentException.class,
                () -> new Adam(0.1, 1.0, 0.999, 1e-8, 1, LearningRateSchedule.constant(), 0));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.StepDecay(0, 1));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule.InverseScaling(-1, 1));
    }
}
