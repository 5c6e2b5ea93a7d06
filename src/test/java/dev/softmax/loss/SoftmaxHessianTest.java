package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.NativeThreads;
import dev.softmax.data.Dataset;
import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.ValueAndGradient;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Second derivatives and mini-batches of {@link SoftmaxCrossEntropy}, checked numerically and against each other. */
class SoftmaxHessianTest {

    /** Random problem, random θ with a nonzero bias (the layout puts b in the last row). */
    private static SoftmaxCrossEntropy problem(double lambda) {
        return TestProblems.random(40, 5, 4, lambda, 7);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3})
    void hessianVectorProductMatchesFiniteDifferencesOfTheGradient(double lambda) {
        SoftmaxCrossEntropy f = problem(lambda);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 1);
        HessianOperator h = f.hessianAt(theta);
        for (long seed = 10; seed < 13; seed++) {
            INDArray v = TestProblems.randomPoint(f, 1.0, seed);
            INDArray numeric = GradientCheck.numericalHessianVector(f, theta, v, 1e-5);
            assertTrue(GradientCheck.maxRelativeError(h.apply(v), numeric, 1e-6) < 1e-6,
                    "Hv vs finite differences, lambda=" + lambda);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.3})
    void denseHessianMatchesFiniteDifferencesAndTheOperator(double lambda) {
        SoftmaxCrossEntropy f = problem(lambda);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 2);
        INDArray dense = f.hessian(theta);
        assertEquals(DataType.DOUBLE, dense.dataType());
        INDArray numeric = GradientCheck.numericalHessian(f, theta, 1e-5);
        assertTrue(GradientCheck.maxRelativeError(dense, numeric, 1e-6) < 1e-6, "H vs finite differences");
        assertTrue(GradientCheck.maxRelativeError(dense, dense.transpose(), 1e-12) < 1e-12, "H symmetric");

        HessianOperator op = f.hessianAt(theta);
        INDArray v = TestProblems.randomPoint(f, 1.0, 3);
        INDArray dv = dense.mmul(v.reshape(v.length(), 1)).reshape(v.length());
        assertTrue(GradientCheck.maxRelativeError(op.apply(v), dv, 1e-12) < 1e-10, "hessianAt(θ).apply(v) == H v");
        assertTrue(GradientCheck.maxRelativeError(f.hessianVectorProduct(theta, v), dv, 1e-12) < 1e-10);
        assertTrue(GradientCheck.maxRelativeError(op.diagonal(), Nd4j.diag(dense).reshape(v.length()), 1e-12) < 1e-10,
                "diagonal() == diag(H)");
    }

    @ParameterizedTest
    @ValueSource(doubles = {1e-2, 0})
    void flatDirectionsAreOrthonormalAndLeaveTheObjectiveItsGradientAndCurvatureAlone(double lambda) {
        SoftmaxCrossEntropy f = TestProblems.random(60, 4, 3, lambda, 23);
        INDArray flat = f.flatDirections();
        int count = lambda == 0 ? 5 : 1; // the bias shift, and each feature's row of W without the penalty
        assertArrayEquals(new long[] {f.dimension(), count}, flat.shape());
        INDArray gram = flat.transpose().mmul(flat);
        assertTrue(gram.equalsWithEps(Nd4j.eye(count).castTo(DataType.DOUBLE), 1e-15), gram.toString());
        INDArray theta = TestProblems.randomVector(f.dimension(), 0.5, 29, DataType.DOUBLE);
        ValueAndGradient at = f.valueAndGradient(theta);
        double gradientNorm = at.gradient().norm2Number().doubleValue();
        HessianOperator hessian = f.hessianAt(theta);
        for (int c = 0; c < count; c++) {
            INDArray direction = flat.getColumn(c).dup().reshape(f.dimension());
            assertEquals(0, Nd4j.getBlasWrapper().dot(direction, at.gradient()), 1e-14 * gradientNorm, "gradient along direction " + c);
            assertEquals(at.value(), f.value(theta.add(direction.mul(3))), 1e-14 * at.value(), "direction " + c);
            assertTrue(hessian.apply(direction).norm2Number().doubleValue() < 1e-14, "curvature along " + c);
        }
        // Newton's H + N S N^T: every row's K x K block (the shift of each row is an eigenvector of H, with
        // eigenvalue lambda for W's rows) gets s/K, s the largest diagonal entry of that block.
        INDArray dense = f.hessian(theta);
        INDArray expected = dense.dup();
        int k = f.layout().classes();
        for (int row = 0; row <= f.layout().features(); row++) {
            double s = 0;
            for (int c = 0; c < k; c++) {
                s = Math.max(s, dense.getDouble(row * k + c, row * k + c));
            }
            INDArray shift = Nd4j.zeros(DataType.DOUBLE, f.dimension());
            for (int c = 0; c < k; c++) {
                shift.putScalar(row * k + c, 1);
            }
            // The shift is an eigenvector of H: H u = lambda u for W's rows, 0 for the bias.
            INDArray hu = dense.mmul(shift.reshape(f.dimension(), 1)).reshape(f.dimension());
            double eigenvalue = row < f.layout().features() ? lambda : 0;
            assertTrue(hu.sub(shift.mul(eigenvalue)).norm2Number().doubleValue() < 1e-13, "row " + row);
            Nd4j.gemm(shift.reshape(f.dimension(), 1), shift.reshape(f.dimension(), 1), expected, false, true,
                    s / k, 1.0);
        }
        assertNotNull(f.addFlatCurvature(dense));
        assertTrue(dense.equalsWithEps(expected, 1e-14), "blocks of s/K on every row");
        // A direction that is not flat does change the value: the checks above can fail.
        INDArray firstWeight = Nd4j.zeros(DataType.DOUBLE, f.dimension()).putScalar(0, 3.0);
        assertTrue(Math.abs(f.value(theta.add(firstWeight)) - at.value()) > 1e-6);
    }

    @Test
    void denseHessianOfManyRowsIsBuiltInRowPartsThatGiveTheOperatorForAnyThreadCount() {
        int rows = 3 * SoftmaxCrossEntropy.MIN_HESSIAN_PART_ROWS + 17;
        assertEquals(3, SoftmaxCrossEntropy.hessianRowParts(rows, 6));
        SoftmaxCrossEntropy f = TestProblems.random(rows, 5, 4, 0.3, 11);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 4);
        INDArray v = TestProblems.randomPoint(f, 1.0, 5);
        INDArray expected = f.hessianVectorProduct(theta, v);
        INDArray first = null;
        try {
            for (int threads : new int[] {1, 2, 3}) {
                NativeThreads.set(threads);
                INDArray dense = f.hessian(theta);
                INDArray dv = dense.mmul(v.reshape(v.length(), 1)).reshape(v.length());
                assertTrue(GradientCheck.maxRelativeError(dv, expected, 1e-12) < 1e-10, "H v, " + threads + " threads");
                assertTrue(GradientCheck.maxRelativeError(dense, dense.transpose(), 1e-12) < 1e-12, "H symmetric");
                if (first == null) {
                    first = dense;
                } else {
                    assertArrayEquals(first.data().asDouble(), dense.data().asDouble(),
                            "the same Hessian bit for bit with " + threads + " threads");
                }
            }
        } finally {
            NativeThreads.set(NativeThreads.defaultCount());
        }
    }

    @Test
    void blocksPlacedInJavaInTilesGiveTheSameHessianAsNd4jsAssigns() {
        // 151 rows per block: three tiles of 64 a side, the last one partial, over the parts of the copy.
        SoftmaxCrossEntropy f = TestProblems.random(400, 150, 4, 0.3, 12);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 6);
        INDArray v = TestProblems.randomPoint(f, 1.0, 7);
        INDArray inJava = f.hessian(theta);
        long before = SoftmaxCrossEntropy.javaPlacementMaxBytes;
        INDArray byNd4j;
        try {
            SoftmaxCrossEntropy.javaPlacementMaxBytes = 0;
            byNd4j = f.hessian(theta);
        } finally {
            SoftmaxCrossEntropy.javaPlacementMaxBytes = before;
        }
        assertArrayEquals(byNd4j.data().asDouble(), inJava.data().asDouble(), "the same Hessian bit for bit");
        INDArray dv = inJava.mmul(v.reshape(v.length(), 1)).reshape(v.length());
        assertTrue(GradientCheck.maxRelativeError(dv, f.hessianVectorProduct(theta, v), 1e-12) < 1e-10, "H v");
    }

    @Test
    void rowPartsDependOnTheShapeOnly() {
        assertEquals(1, SoftmaxCrossEntropy.hessianRowParts(150, 5));
        assertEquals(1, SoftmaxCrossEntropy.hessianRowParts(2 * SoftmaxCrossEntropy.MIN_HESSIAN_PART_ROWS - 1, 785));
        assertEquals(SoftmaxCrossEntropy.MAX_HESSIAN_ROW_PARTS, SoftmaxCrossEntropy.hessianRowParts(60000, 785));
        // 3073 columns: a triangle of 75.5 MB, so 3 fit the parts' memory.
        assertEquals(3, SoftmaxCrossEntropy.hessianRowParts(50000, 3073));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        SoftmaxCrossEntropy f = problem(0.3);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 4);
        INDArray numeric = GradientCheck.numericalGradient(f, theta, 1e-6);
        assertTrue(GradientCheck.maxRelativeError(f.gradient(theta), numeric, 1e-6) < 1e-6);
    }

    @Test
    void hessianIsSingularAlongAddingTheSameBiasToEveryClass() {
        SoftmaxCrossEntropy f = problem(0.3);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 5);
        INDArray v = f.layout().zeros(DataType.DOUBLE);
        f.layout().bias(v).assign(1.0);
        assertTrue(f.hessianAt(theta).apply(v).norm2Number().doubleValue() < 1e-12);
    }

    /** The in-place product conjugate gradient uses equals the new-array one, for either type and kernel. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void productIntoAnArrayEqualsTheNewArrayProduct(DataType type) {
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(TestProblems.randomFeatures(300, 20, 1.0, 21, type),
                TestProblems.randomLabels(300, 4, 22), 4, 0.05);
        HessianOperator op = f.hessianAt(TestProblems.randomPoint(f, 0.5, 23));
        INDArray out = f.layout().zeros(type).addi(7.0);
        for (long seed = 24; seed < 27; seed++) {
            INDArray v = TestProblems.randomPoint(f, 1.0, seed);
            assertTrue(out == op.apply(v, out));
            assertArrayEquals(op.apply(v).toDoubleVector(), out.toDoubleVector(), "seed " + seed);
        }
        INDArray v = TestProblems.randomPoint(f, 1.0, 27);
        double[] expected = op.apply(v).toDoubleVector();
        INDArray same = v.dup();
        assertArrayEquals(expected, op.apply(same, same).toDoubleVector(), "into v itself");
        // Review: a reshape of out has a buffer object of its own over the same memory; the penalty's part then
        // read v's weights after the sum had overwritten them (an error of 0.99 in double).
        INDArray shared = v.dup();
        assertArrayEquals(expected, op.apply(shared.reshape(shared.length()), shared).toDoubleVector(),
                "into a reshape of v");
        INDArray wide = Nd4j.zeros(type, 2, v.length());
        op.apply(v, wide.getRow(1));
        assertArrayEquals(expected, wide.getRow(1).toDoubleVector(), "into a view: a copy");
        assertEquals(0.0, wide.getRow(0).norm1Number().doubleValue(), "only the view's row is written");
        DataType other = type == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT;
        assertThrows(IllegalArgumentException.class, () -> op.apply(v, f.layout().zeros(other)), "another type");
    }

    @Test
    void operatorIsUnaffectedByLaterEvaluations() {
        SoftmaxCrossEntropy f = problem(0.1);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 6);
        HessianOperator op = f.hessianAt(theta);
        INDArray v = TestProblems.randomPoint(f, 1.0, 7);
        INDArray before = op.apply(v);
        f.valueAndGradient(TestProblems.randomPoint(f, 2.0, 8));
        assertEquals(before, op.apply(v));
    }

    @Test
    void batchOfAllRowsEqualsTheFullObjective() {
        SoftmaxCrossEntropy f = problem(0.2);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 9);
        DifferentiableObjective all = f.batch(IntStream.range(0, f.numSamples()).toArray());
        ValueAndGradient full = f.valueAndGradient(theta);
        ValueAndGradient batch = all.valueAndGradient(theta);
        assertEquals(full.value(), batch.value(), 1e-14 * Math.abs(full.value()));
        assertTrue(GradientCheck.maxRelativeError(full.gradient(), batch.gradient(), 1e-12) < 1e-12);
    }

    @Test
    void batchIsTheMeanOverItsRowsPlusTheFullPenalty() {
        SoftmaxCrossEntropy f = problem(0.2);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 10);
        int[] rows = {3, 17, 17, 29};
        // Same data without the penalty: the difference must be exactly the full penalty, not scaled by n_b/n.
        SoftmaxCrossEntropy unpenalised = problem(0.0);
        INDArray w = f.layout().weights(theta);
        double penalty = 0.5 * 0.2 * w.mul(w).sumNumber().doubleValue();
        assertEquals(unpenalised.batch(rows).value(theta) + penalty, f.batch(rows).value(theta), 1e-12);
        // A mean, not a sum: a row repeated is the same as the row once.
        assertEquals(f.batch(new int[] {17}).value(theta), f.batch(new int[] {17, 17}).value(theta), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> f.batch(new int[] {40}));
        assertThrows(IllegalArgumentException.class, () -> f.batch(new int[0]));
    }

    @Test
    void denseHessianIsRefusedAboveTheBudgetWithSizeAndNewtonCg() {
        // CIFAR-10 shape without the data: only d and K matter for the check, which comes before any work.
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(Nd4j.zeros(DataType.FLOAT, 2, 3072), new int[] {0, 9}, 10, 0.0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> f.hessian(f.layout().zeros(DataType.FLOAT)));
        assertTrue(e.getMessage().contains("newton-cg"), e.getMessage());
        assertTrue(e.getMessage().contains("30730 x 30730"), e.getMessage());
        assertTrue(e.getMessage().contains("7.0 GiB"), e.getMessage());

        SoftmaxCrossEntropy small = problem(0.1).withHessianBudget(1000);
        IllegalStateException tiny = assertThrows(IllegalStateException.class,
                () -> small.hessian(small.layout().zeros(DataType.DOUBLE)));
        assertTrue(tiny.getMessage().contains("newton-cg"), tiny.getMessage());
        assertEquals(SoftmaxCrossEntropy.denseHessianBytes(5, 4), 8L * 24 * 24);
    }

    @Test
    void floatObjectiveGivesADoubleHessianCloseToTheDoubleOne() {
        SoftmaxCrossEntropy f = problem(0.1);
        INDArray theta = TestProblems.randomPoint(f, 0.5, 12);
        Dataset data = TestProblems.randomData(40, 5, 4, 7);
        SoftmaxCrossEntropy single = new SoftmaxCrossEntropy(data.features().castTo(DataType.FLOAT), data.labels(), 4,
                0.1);
        INDArray dense = single.hessian(theta.castTo(DataType.FLOAT));
        assertEquals(DataType.DOUBLE, dense.dataType());
        assertTrue(GradientCheck.maxRelativeError(dense, f.hessian(theta), 1e-3) < 1e-5);
        INDArray v = TestProblems.randomPoint(f, 1.0, 13);
        INDArray hv = single.hessianAt(theta.castTo(DataType.FLOAT)).apply(v.castTo(DataType.FLOAT));
        assertEquals(DataType.FLOAT, hv.dataType());
        assertTrue(GradientCheck.maxRelativeError(hv, f.hessianAt(theta).apply(v), 1e-3) < 1e-4);
    }
}
