package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.Newton;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.optim.ValueAndGradient;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The sample-weighted {@link SoftmaxCrossEntropy}: the weighted mean, checked against duplicated rows and numerically. */
class SampleWeightsTest {

    private static final int N = 30;
    private static final int K = 3;
    private static final int DOUBLED_ROW = 7;

    private static Dataset data() {
        return TestProblems.randomData(N, 4, K, 11);
    }

    /** Weight 2 on {@link #DOUBLED_ROW}, 1 elsewhere. */
    private static double[] doubledRowWeights() {
        double[] w = new double[N];
        Arrays.fill(w, 1.0);
        w[DOUBLED_ROW] = 2.0;
        return w;
    }

    /** The same data with {@link #DOUBLED_ROW} appended once more, unweighted. */
    private static SoftmaxCrossEntropy duplicated(Dataset data, double lambda) {
        int[] rows = IntStream.concat(IntStream.range(0, N), IntStream.of(DOUBLED_ROW)).toArray();
        Dataset dup = data.subset(rows);
        return new SoftmaxCrossEntropy(dup.features(), dup.labels(), K, lambda);
    }

    private static SoftmaxCrossEntropy weighted(Dataset data, double lambda, double[] weights) {
        return new SoftmaxCrossEntropy(data.features(), data.labels(), K, lambda, weights);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1})
    void weightTwoEqualsTheRowDuplicatedInValueGradientAndHessian(double lambda) {
        Dataset data = data();
        SoftmaxCrossEntropy weighted = weighted(data, lambda, doubledRowWeights());
        SoftmaxCrossEntropy duplicated = duplicated(data, lambda);
        INDArray theta = TestProblems.randomPoint(weighted, 0.5, 3);

        ValueAndGradient w = weighted.valueAndGradient(theta);
        ValueAndGradient d = duplicated.valueAndGradient(theta);
        // Equal up to summation order: 1e-14 relative is a few ulps for these sums.
        assertEquals(d.value(), w.value(), 1e-14 * Math.abs(d.value()));
        assertEquals(d.value(), weighted.value(theta), 1e-14 * Math.abs(d.value()));
        assertTrue(GradientCheck.maxRelativeError(w.gradient(), d.gradient(), 1e-14) < 1e-12, "gradient");

        INDArray v = TestProblems.randomPoint(weighted, 1.0, 4);
        HessianOperator hw = weighted.hessianAt(theta);
        HessianOperator hd = duplicated.hessianAt(theta);
        assertTrue(GradientCheck.maxRelativeError(hw.apply(v), hd.apply(v), 1e-14) < 1e-12, "Hv");
        assertTrue(GradientCheck.maxRelativeError(hw.diagonal(), hd.diagonal(), 1e-14) < 1e-12, "diagonal");
        assertTrue(GradientCheck.maxRelativeError(weighted.hessian(theta), duplicated.hessian(theta), 1e-14) < 1e-12,
                "dense Hessian");
    }

    @Test
    void weightTwoGivesTheSolutionOfTheRowDuplicatedWithNewton() {
        Dataset data = data();
        SoftmaxCrossEntropy weighted = weighted(data, 0.1, doubledRowWeights());
        SoftmaxCrossEntropy duplicated = duplicated(data, 0.1);
        StoppingCriteria stop = new StoppingCriteria(100, 1e-12, 0.0, null);
        INDArray start = weighted.layout().zeros(DataType.DOUBLE);
        OptimizationResult w = new Newton().minimize(weighted, start, stop, null);
        OptimizationResult d = new Newton().minimize(duplicated, start, stop, null);
        // Softmax is unchanged by adding the same constant to every bias, and the solution along that flat
        // direction is not identified (the two runs drift apart there by rounding), so compare centred biases.
        INDArray a = centred(weighted.layout(), w.solution());
        INDArray b = centred(weighted.layout(), d.solution());
        double diff = a.sub(b).norm2Number().doubleValue();
        assertTrue(diff < 1e-8, "solutions differ by " + diff + " (" + w.reason() + ", " + d.reason() + ")");
        assertTrue(weighted.gradient(w.solution()).norm2Number().doubleValue() < 1e-9);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 3.5})
    void equalWeightsGiveTheUnweightedObjective(double weight) {
        Dataset data = data();
        double[] w = new double[N];
        Arrays.fill(w, weight);
        SoftmaxCrossEntropy weighted = weighted(data, 0.2, w);
        SoftmaxCrossEntropy plain = new SoftmaxCrossEntropy(data.features(), data.labels(), K, 0.2);
        assertTrue(weighted.isWeighted());
        assertFalse(plain.isWeighted());
        INDArray theta = TestProblems.randomPoint(plain, 0.5, 5);
        ValueAndGradient a = weighted.valueAndGradient(theta);
        ValueAndGradient b = plain.valueAndGradient(theta);
        assertEquals(b.value(), a.value(), 1e-14 * Math.abs(b.value()));
        assertTrue(GradientCheck.maxRelativeError(a.gradient(), b.gradient(), 1e-14) < 1e-12);
    }

    @Test
    void weightedDerivativesMatchFiniteDifferences() {
        Dataset data = data();
        double[] w = new double[N];
        java.util.Random random = new java.util.Random(8);
        for (int i = 0; i < N; i++) {
            w[i] = i % 5 == 0 ? 0.0 : 3 * random.nextDouble();
        }
        SoftmaxCrossEntropy f = weighted(data, 0.05, w);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 6);
        assertTrue(GradientCheck.maxRelativeError(f.gradient(theta), GradientCheck.numericalGradient(f, theta, 1e-5),
                1e-6) < 1e-6, "gradient vs finite differences of the weighted value");
        HessianOperator h = f.hessianAt(theta);
        INDArray dense = f.hessian(theta);
        for (long seed = 20; seed < 23; seed++) {
            INDArray v = TestProblems.randomPoint(f, 1.0, seed);
            INDArray numeric = GradientCheck.numericalHessianVector(f, theta, v, 1e-5);
            assertTrue(GradientCheck.maxRelativeError(h.apply(v), numeric, 1e-6) < 1e-6,
                    "Hv vs finite differences of the weighted gradient");
            INDArray dv = dense.mmul(v.reshape(v.length(), 1)).reshape(v.length());
            assertTrue(GradientCheck.maxRelativeError(h.apply(v), dv, 1e-12) < 1e-10, "H v == hessianAt(θ).apply(v)");
        }
        assertTrue(GradientCheck.maxRelativeError(h.diagonal(), Nd4j.diag(dense).reshape(dense.rows()), 1e-12)
                < 1e-10, "diagonal() == diag(H)");
    }

    @Test
    void batchIsTheWeightedMeanOverItsRows() {
        Dataset data = data();
        double[] w = new double[N];
        for (int i = 0; i < N; i++) {
            w[i] = 1 + i % 3;
        }
        SoftmaxCrossEntropy f = weighted(data, 0.1, w);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 9);
        int[] all = IntStream.range(0, N).toArray();
        ValueAndGradient full = f.valueAndGradient(theta);
        ValueAndGradient batch = f.batch(all).valueAndGradient(theta);
        assertEquals(full.value(), batch.value(), 1e-14 * Math.abs(full.value()));
        assertTrue(GradientCheck.maxRelativeError(full.gradient(), batch.gradient(), 1e-14) < 1e-12);

        // Each row keeps the full objective's factor c_i = n s_i / sum(s): the mean of the batch objectives over
        // a partition of the rows into equal batches is the full objective (unbiased mini-batches).
        double meanValue = 0;
        INDArray meanGradient = full.gradient().mul(0);
        for (int from = 0; from < N; from += 3) {
            ValueAndGradient part = f.batch(new int[] {from, from + 1, from + 2}).valueAndGradient(theta);
            meanValue += part.value() / 10;
            meanGradient.addi(part.gradient().div(10));
        }
        assertEquals(full.value(), meanValue, 1e-13);
        assertTrue(GradientCheck.maxRelativeError(full.gradient(), meanGradient, 1e-14) < 1e-12);

        // So a one-row batch is c_i times that row's loss: the weight is not normalised away.
        SoftmaxCrossEntropy unpenalised = weighted(data, 0.0, w);
        SoftmaxCrossEntropy plain = new SoftmaxCrossEntropy(data.features(), data.labels(), K, 0.0);
        double c5 = N * w[5] / Arrays.stream(w).sum();
        assertEquals(c5 * plain.batch(new int[] {5}).value(theta), unpenalised.batch(new int[] {5}).value(theta),
                1e-13);

        // A batch of zero-weight rows has only the penalty.
        w[3] = 0;
        SoftmaxCrossEntropy zeroed = weighted(data, 0.1, w);
        SoftmaxCrossEntropy zeroedData = weighted(data, 0.0, w);
        assertEquals(zeroed.value(theta) - zeroedData.value(theta), zeroed.batch(new int[] {3}).value(theta), 1e-12);
        assertEquals(f.value(theta), f.withHessianBudget(1 << 20).value(theta), 0.0);
        assertEquals(f.batch(rowsOf(4)).value(theta), f.batch(rowsOf(4)).withHessianBudget(1 << 20).value(theta), 0.0);
    }

    private static int[] rowsOf(int count) {
        return IntStream.range(0, count).toArray();
    }

    @Test
    void floatObjectiveHonoursTheWeights() {
        Dataset data = data();
        Dataset floats = data.withFeatures(data.features().castTo(DataType.FLOAT));
        SoftmaxCrossEntropy weighted = new SoftmaxCrossEntropy(floats.features(), floats.labels(), K, 0.1,
                doubledRowWeights());
        SoftmaxCrossEntropy exact = duplicated(data, 0.1);
        INDArray theta = TestProblems.randomPoint(exact, 0.5, 12);
        ValueAndGradient f = weighted.valueAndGradient(theta.castTo(DataType.FLOAT));
        assertEquals(exact.value(theta), f.value(), 1e-5);
        assertTrue(GradientCheck.maxRelativeError(f.gradient().castTo(DataType.DOUBLE), exact.gradient(theta), 1e-4)
                < 1e-4);
    }

    @Test
    void invalidWeightsAreRejectedWithTheReason() {
        Dataset data = data();
        assertMessage("expected one sample weight per row (30), got 29", () -> weighted(data, 0, new double[N - 1]));
        double[] negative = doubledRowWeights();
        negative[4] = -1;
        assertMessage("sample weight -1.0 at row 4 is not a finite number >= 0", () -> weighted(data, 0, negative));
        double[] nan = doubledRowWeights();
        nan[2] = Double.NaN;
        assertMessage("sample weight NaN at row 2 is not a finite number >= 0", () -> weighted(data, 0, nan));
        double[] inf = doubledRowWeights();
        inf[0] = Double.POSITIVE_INFINITY;
        assertMessage("sample weight Infinity at row 0 is not a finite number >= 0", () -> weighted(data, 0, inf));
        assertMessage("sample weights must not all be zero", () -> weighted(data, 0, new double[N]));
    }

    @Test
    void weightsTooLargeToAddUpOrTooSmallToDivideByAreTheirRatios() {
        Dataset data = data();
        double[] ones = new double[N];
        java.util.Arrays.fill(ones, 1.0);
        SoftmaxCrossEntropy plain = weighted(data, 0.1, ones);
        INDArray theta = TestProblems.randomPoint(plain, 0.5, 5);
        for (double each : new double[] {1e308, 1e-320}) {
            double[] w = new double[N];
            java.util.Arrays.fill(w, each);
            assertEquals(plain.value(theta), weighted(data, 0.1, w).value(theta), 1e-15, "every weight " + each);
        }
        double[] huge = doubledRowWeights();
        for (int i = 0; i < N; i++) {
            huge[i] *= 1e307; // the sum overflows, no single weight does
        }
        assertEquals(duplicated(data, 0.1).value(theta), weighted(data, 0.1, huge).value(theta), 1e-13);
    }

    @Test
    void weightsAreCopiedAndKeptByWithHessianBudget() {
        Dataset data = data();
        double[] w = doubledRowWeights();
        SoftmaxCrossEntropy f = weighted(data, 0.1, w);
        w[DOUBLED_ROW] = 100;
        INDArray theta = TestProblems.randomPoint(f, 0.5, 13);
        assertEquals(duplicated(data, 0.1).value(theta), f.value(theta), 1e-13);
        assertEquals(f.value(theta), f.withHessianBudget(1 << 20).value(theta), 0.0);
        assertEquals(2.0, f.sampleWeights()[DOUBLED_ROW]);
    }

    /** A copy of θ with the bias centred (mean zero over the classes). */
    private static INDArray centred(ParameterLayout layout, INDArray theta) {
        INDArray copy = theta.dup();
        INDArray bias = layout.bias(copy);
        bias.subi(bias.meanNumber());
        return copy;
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
