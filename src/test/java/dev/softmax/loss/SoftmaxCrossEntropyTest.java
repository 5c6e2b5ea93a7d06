package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.optim.ValueAndGradient;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class SoftmaxCrossEntropyTest {

    static Stream<Arguments> problems() {
        // n, d, K, lambda, bias (zero or random), seed
        return Stream.of(
                Arguments.of(30, 4, 3, 0.0, false, 1L),
                Arguments.of(30, 4, 3, 0.0, true, 2L),
                Arguments.of(25, 6, 5, 0.1, false, 3L),
                Arguments.of(25, 6, 5, 0.1, true, 4L),
                Arguments.of(40, 3, 2, 1e-3, true, 5L),
                Arguments.of(12, 10, 4, 2.0, true, 6L));
    }

    @ParameterizedTest(name = "n={0} d={1} K={2} lambda={3} bias={4}")
    @MethodSource("problems")
    void gradientMatchesCentralDifferences(int n, int d, int k, double lambda, boolean bias, long seed) {
        INDArray x = TestProblems.randomFeatures(n, d, 1.0, seed, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(n, k, seed);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, k, lambda);
        INDArray theta = TestProblems.randomVector(f.dimension(), 0.5, seed + 100, DataType.DOUBLE);
        if (!bias) {
            f.layout().bias(theta).assign(0);
        }
        INDArray analytic = f.gradient(theta);
        INDArray numeric = GradientCheck.numericalGradient(f, theta, 1e-5);
        double error = GradientCheck.maxRelativeError(analytic, numeric, 1e-6);
        assertTrue(error < 1e-6, "relative error " + error);
    }

    @Test
    void oneHotBeyondOneArrayIsRefusedNotOverflowed() {
        // QA: n * K overflowed int and failed as "Index 61049157 out of bounds" (or OutOfMemoryError).
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.oneHot(new int[70_000], 33_000, DataType.FLOAT));
        assertTrue(e.getMessage().startsWith("70000 rows times 33000 classes is 2310000000 entries"), e.getMessage());
    }

    @Test
    void valueAndFusedValueAgreeAndThetaIsNotMutated() {
        INDArray x = TestProblems.randomFeatures(50, 5, 1.0, 7, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(50, 3, 7);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 3, 0.3);
        INDArray theta = TestProblems.randomVector(f.dimension(), 1.0, 8, DataType.DOUBLE);
        INDArray before = theta.dup();
        ValueAndGradient vg = f.valueAndGradient(theta);
        assertEquals(f.value(theta), vg.value(), 1e-14);
        assertEquals(before, theta);
        // A second evaluation reuses the buffers and must give the same answer.
        ValueAndGradient again = f.valueAndGradient(theta);
        assertEquals(vg.value(), again.value(), 0.0);
        assertEquals(vg.gradient(), again.gradient());
    }

    @Test
    void atZeroTheLossIsLogKAndTheBiasGradientIsUniformMinusFrequencies() {
        int[] y = {0, 0, 0, 1, 2, 2};
        INDArray x = TestProblems.randomFeatures(6, 2, 1.0, 9, DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 3, 0.5);
        INDArray theta = f.layout().zeros(DataType.DOUBLE);
        ValueAndGradient vg = f.valueAndGradient(theta);
        assertEquals(Math.log(3), vg.value(), 1e-15);
        INDArray gradB = f.layout().bias(vg.gradient());
        assertEquals(1 / 3.0 - 3 / 6.0, gradB.getDouble(0), 1e-15);
        assertEquals(1 / 3.0 - 1 / 6.0, gradB.getDouble(1), 1e-15);
        assertEquals(1 / 3.0 - 2 / 6.0, gradB.getDouble(2), 1e-15);
    }

    @Test
    void penaltyCoversWeightsButNotBias() {
        INDArray x = TestProblems.randomFeatures(10, 3, 1.0, 10, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(10, 2, 10);
        SoftmaxCrossEntropy plain = new SoftmaxCrossEntropy(x, y, 2, 0.0);
        SoftmaxCrossEntropy penalised = new SoftmaxCrossEntropy(x, y, 2, 0.7);
        INDArray theta = TestProblems.randomVector(plain.dimension(), 1.0, 11, DataType.DOUBLE);
        INDArray w = plain.layout().weights(theta);
        double squaredNorm = w.mul(w).sumNumber().doubleValue();
        assertEquals(plain.value(theta) + 0.35 * squaredNorm, penalised.value(theta), 1e-13);
        INDArray shiftedBias = theta.dup();
        plain.layout().bias(shiftedBias).addi(5.0);
        // Adding the same constant to every class's bias changes no probability and is not penalised.
        assertEquals(penalised.value(theta), penalised.value(shiftedBias), 1e-12);
    }

    @Test
    void floatAndDoubleAgree() {
        INDArray x = TestProblems.randomFeatures(200, 8, 1.0, 12, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(200, 4, 12);
        INDArray theta = TestProblems.randomVector(9 * 4, 0.3, 13, DataType.DOUBLE);
        SoftmaxCrossEntropy inDouble = new SoftmaxCrossEntropy(x, y, 4, 0.01);
        SoftmaxCrossEntropy inFloat = new SoftmaxCrossEntropy(x.castTo(DataType.FLOAT), y, 4, 0.01);
        ValueAndGradient d = inDouble.valueAndGradient(theta);
        ValueAndGradient f = inFloat.valueAndGradient(theta.castTo(DataType.FLOAT));
        assertEquals(d.value(), f.value(), 1e-6 * d.value());
        assertEquals(DataType.FLOAT, f.gradient().dataType());
        assertTrue(GradientCheck.maxRelativeError(d.gradient(), f.gradient(), 1e-3) < 1e-4);
    }

    @Test
    void extremeLogitsGiveFiniteLossAndGradient() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray x = Nd4j.create(new double[][] {{1}, {-1}, {1}}).castTo(type);
            int[] y = {0, 1, 1};
            SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 2, 0.0);
            // Logits of +-1e4: class 0 certain for x=1, class 1 for x=-1; row 3 is confidently wrong.
            INDArray theta = f.layout().zeros(type);
            f.layout().weights(theta).assign(Nd4j.create(new double[][] {{1e4, -1e4}}).castTo(type));
            ValueAndGradient vg = f.valueAndGradient(theta);
            assertTrue(Double.isFinite(vg.value()), "finite loss for " + type);
            assertEquals(2e4 / 3, vg.value(), 1e-3 * 2e4 / 3);
            assertTrue(vg.gradient().isNaN().none() && vg.gradient().isInfinite().none());
        }
    }

    @Test
    void blockedEvaluationEqualsOneBlock() {
        // The fused pass runs over row blocks; an uneven split (50 rows in blocks of 7) must change nothing.
        INDArray x = TestProblems.randomFeatures(50, 6, 1.0, 15, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(50, 4, 15);
        SoftmaxCrossEntropy whole = new SoftmaxCrossEntropy(x, y, 4, 0.2);
        SoftmaxCrossEntropy blocked = new SoftmaxCrossEntropy(x, y, 4, 0.2);
        blocked.useBlockRows(7);
        INDArray theta = TestProblems.randomVector(whole.dimension(), 0.7, 16, DataType.DOUBLE);
        INDArray v = TestProblems.randomVector(whole.dimension(), 1.0, 17, DataType.DOUBLE);
        ValueAndGradient a = whole.valueAndGradient(theta);
        ValueAndGradient b = blocked.valueAndGradient(theta);
        assertEquals(a.value(), b.value(), 1e-14);
        assertEquals(a.value(), blocked.value(theta), 1e-14);
        assertTrue(GradientCheck.maxRelativeError(a.gradient(), b.gradient(), 1e-12) < 1e-12);
        assertTrue(GradientCheck.maxRelativeError(whole.hessianAt(theta).apply(v), blocked.hessianAt(theta).apply(v),
                1e-12) < 1e-12);
        assertTrue(GradientCheck.maxRelativeError(whole.hessianAt(theta).diagonal(),
                blocked.hessianAt(theta).diagonal(), 1e-12) < 1e-12);
        INDArray numeric = GradientCheck.numericalGradient(blocked, theta, 1e-5);
        assertTrue(GradientCheck.maxRelativeError(b.gradient(), numeric, 1e-6) < 1e-6);
    }

    @Test
    void fusedPassMatchesTheTextbookFormulaInDouble() {
        // Independent of the blocked, chunked BLAS pass: log-softmax of X W + b by plain ND4J operations.
        int n = 300;
        int k = 4;
        INDArray x = TestProblems.randomFeatures(n, 7, 2.0, 21, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(n, k, 21);
        double[] s = new java.util.Random(22).doubles(n, 0.0, 3.0).toArray();
        INDArray theta = TestProblems.randomVector((7 + 1) * k, 0.8, 23, DataType.DOUBLE);
        for (double[] weights : new double[][] {null, s}) {
            SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, k, 0.05, weights);
            INDArray w = f.layout().weights(theta);
            INDArray z = x.mmul(w).addRowVector(f.layout().bias(theta));
            INDArray logP = Softmax.logSoftmax(z);
            INDArray oneHot = SoftmaxCrossEntropy.oneHot(y, k, DataType.DOUBLE);
            INDArray c = Nd4j.ones(DataType.DOUBLE, n, 1);
            if (weights != null) {
                c = Nd4j.create(weights, new long[] {n, 1}, DataType.DOUBLE).muli(n / java.util.Arrays.stream(weights).sum());
            }
            double expected = -logP.mul(oneHot).mulColumnVector(c).sumNumber().doubleValue() / n
                    + 0.025 * w.mul(w).sumNumber().doubleValue();
            INDArray residual = Transforms.exp(logP, true).subi(oneHot).muliColumnVector(c);
            INDArray expectedW = x.transpose().mmul(residual).divi(n).addi(w.mul(0.05));
            INDArray expectedB = residual.sum(true, 0).divi(n);
            ValueAndGradient vg = f.valueAndGradient(theta);
            assertEquals(expected, vg.value(), 1e-13 * expected);
            assertEquals(expected, f.value(theta), 1e-13 * expected);
            assertTrue(GradientCheck.maxRelativeError(expectedW, f.layout().weights(vg.gradient()), 1e-12) < 1e-11);
            assertTrue(GradientCheck.maxRelativeError(expectedB, f.layout().bias(vg.gradient()), 1e-12) < 1e-11);
        }
    }

    @Test
    void resultsAreTheSameBitForBitWithAnyThreadCount() {
        // 2000 rows make 7 chunks (4 with the Vector API kernels), a batch of 1000 rows 3 (2); the partial sums are
        // added in chunk order whichever thread ran each chunk. Float32 runs once with BLAS and once with the Vector
        // API kernels.
        DataType[] types = {DataType.FLOAT, DataType.FLOAT, DataType.DOUBLE};
        dev.softmax.Kernels.Kind[] kernels = {dev.softmax.Kernels.Kind.BLAS, dev.softmax.Kernels.Kind.VECTOR,
            dev.softmax.Kernels.Kind.AUTO};
        for (int run = 0; run < types.length; run++) {
            DataType type = types[run];
            dev.softmax.Kernels.set(kernels[run]);
            INDArray x = TestProblems.randomFeatures(2000, 300, 1.0, 24, DataType.DOUBLE).castTo(type);
            int[] y = TestProblems.randomLabels(2000, 5, 24);
            INDArray theta = TestProblems.randomVector(301 * 5, 0.05, 25, DataType.DOUBLE).castTo(type);
            INDArray v = TestProblems.randomVector(301 * 5, 1.0, 26, DataType.DOUBLE).castTo(type);
            int[] rows = TestProblems.randomLabels(1000, 2000, 27);
            double[] values = new double[3];
            INDArray[] results = new INDArray[3 * 3];
            try {
                for (int threads = 1; threads <= 3; threads++) {
                    dev.softmax.NativeThreads.set(threads);
                    SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 5, 0.01);
                    ValueAndGradient vg = f.valueAndGradient(theta);
                    values[threads - 1] = vg.value();
                    results[3 * (threads - 1)] = vg.gradient();
                    results[3 * (threads - 1) + 1] = f.hessianAt(theta).apply(v);
                    results[3 * (threads - 1) + 2] = f.batch(rows).gradient(theta);
                }
            } finally {
                dev.softmax.NativeThreads.set(dev.softmax.NativeThreads.defaultCount());
                dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.AUTO);
            }
            for (int t = 1; t < 3; t++) {
                assertEquals(values[0], values[t], 0.0, type + " " + kernels[run] + ": value with " + (t + 1)
                        + " threads");
                for (int r = 0; r < 3; r++) {
                    assertEquals(results[r], results[3 * t + r], type + ": result " + r + " with " + (t + 1) + " threads");
                }
            }
        }
    }

    @Test
    void aBatchReusesItsGradientBufferAndOverwritesItCorrectly() {
        INDArray x = TestProblems.randomFeatures(60, 5, 1.0, 30, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(60, 3, 30);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 3, 0.1);
        INDArray a = TestProblems.randomVector(f.dimension(), 0.5, 31, DataType.DOUBLE);
        INDArray b = TestProblems.randomVector(f.dimension(), 0.5, 32, DataType.DOUBLE);
        int[] rows = {1, 5, 9, 44};
        INDArray first = f.batch(rows).valueAndGradient(a).gradient();
        INDArray expectedB = new SoftmaxCrossEntropy(x.getRows(rows), new int[] {y[1], y[5], y[9], y[44]}, 3, 0.1)
                .gradient(b);
        INDArray second = f.batch(rows).valueAndGradient(b).gradient();
        assertTrue(first == second, "the batch returns its one gradient buffer");
        assertTrue(GradientCheck.maxRelativeError(expectedB, second, 1e-12) < 1e-12);
        // The full objective still returns a new gradient each time.
        assertTrue(f.gradient(a) != f.gradient(a));
    }

    @Test
    void featureScaleEqualsScaledFeatures() {
        // Pixel scaling is folded into the GEMMs instead of copying X; every derivative must see c X.
        INDArray x = TestProblems.randomFeatures(40, 5, 100.0, 18, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(40, 3, 18);
        double c = 1 / 255.0;
        SoftmaxCrossEntropy scaled = new SoftmaxCrossEntropy(x.mul(c), y, 3, 0.1);
        SoftmaxCrossEntropy folded = new SoftmaxCrossEntropy(x, y, 3, 0.1).withFeatureScale(c);
        folded.useBlockRows(9);
        INDArray theta = TestProblems.randomVector(scaled.dimension(), 0.5, 19, DataType.DOUBLE);
        INDArray v = TestProblems.randomVector(scaled.dimension(), 1.0, 20, DataType.DOUBLE);
        assertEquals(scaled.value(theta), folded.value(theta), 1e-13);
        assertTrue(GradientCheck.maxRelativeError(scaled.gradient(theta), folded.gradient(theta), 1e-12) < 1e-11);
        assertTrue(GradientCheck.maxRelativeError(scaled.hessianAt(theta).apply(v), folded.hessianAt(theta).apply(v),
                1e-12) < 1e-11);
        assertTrue(GradientCheck.maxRelativeError(scaled.hessianAt(theta).diagonal(),
                folded.hessianAt(theta).diagonal(), 1e-12) < 1e-11);
        assertTrue(GradientCheck.maxRelativeError(scaled.hessian(theta), folded.hessian(theta), 1e-12) < 1e-11);
        int[] rows = {3, 7, 7, 39};
        assertEquals(scaled.batch(rows).value(theta), folded.batch(rows).value(theta), 1e-13);
        assertThrows(IllegalArgumentException.class, () -> scaled.withFeatureScale(0));
    }

    @Test
    void rejectsMismatchedInput() {
        INDArray x = TestProblems.randomFeatures(5, 2, 1.0, 14, DataType.DOUBLE);
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(x, new int[4], 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(x, new int[] {0, 1, 2, 0, 1}, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxCrossEntropy(x, new int[5], 2, -1));
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, new int[] {0, 1, 0, 1, 0}, 2, 0);
        assertThrows(IllegalArgumentException.class, () -> f.value(Nd4j.zeros(DataType.DOUBLE, 5)));
        assertThrows(IllegalArgumentException.class, () -> f.value(Nd4j.zeros(DataType.FLOAT, 6)));
    }
}
