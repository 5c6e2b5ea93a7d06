package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Direct CBLAS calls against ND4J's own arithmetic, on whole arrays and on row-range views. */
class BlasTest {

    private static INDArray rows(INDArray m, int from, int to) {
        return m.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    private static double tolerance(DataType type) {
        return type == DataType.FLOAT ? 1e-4 : 1e-12;
    }

    private static void assertClose(INDArray expected, INDArray actual, DataType type) {
        assertArrayEquals(expected.shape(), actual.shape());
        double scale = Math.max(1, expected.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double error = expected.castTo(DataType.DOUBLE).sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(error <= tolerance(type) * scale, "max error " + error);
    }

    @Test
    void symmetricEigenDecomposesAndOrdersTheEigenvalues() {
        int n = 40;
        Nd4j.getRandom().setSeed(5);
        INDArray r = Nd4j.rand(DataType.DOUBLE, 60, n).subi(0.5);
        INDArray a = r.transpose().mmul(r).addi(Nd4j.eye(n).muli(0.1));
        INDArray u = a.dup('c');
        double[] w = Blas.symmetricEigen(u);
        INDArray au = a.mmul(u);
        INDArray uw = u.mulRowVector(Nd4j.createFromArray(w).reshape(1, n));
        assertClose(au, uw, DataType.DOUBLE);
        assertClose(Nd4j.eye(n), u.transpose().mmul(u), DataType.DOUBLE);
        for (int j = 1; j < n; j++) {
            assertTrue(w[j - 1] <= w[j]);
        }
        assertEquals(trace(a), java.util.Arrays.stream(w).sum(), 1e-9 * trace(a), "the eigenvalues sum to the trace");
        assertThrows(IllegalArgumentException.class, () -> Blas.symmetricEigen(Nd4j.rand(DataType.DOUBLE, 3, 4)));
        assertThrows(IllegalArgumentException.class, () -> Blas.symmetricEigen(a.castTo(DataType.FLOAT)));
        assertThrows(IllegalArgumentException.class, () -> Blas.symmetricEigen(rows(a, 0, 5)));
    }

    @Test
    void largerEigendecompositionsAreCheckedAndTheJavaFallbackMatchesTheDefinition() {
        // OpenBLAS 0.3.19's dsyevd returned garbage eigenvectors from n = 100 up on an Intel AVX-512 core: the
        // public call must be right anyway (its check falls back to Commons Math), and the fallback on its own too.
        int n = 300;
        Nd4j.getRandom().setSeed(6);
        INDArray r = Nd4j.rand(DataType.DOUBLE, n + 20, n).subi(0.5);
        INDArray a = r.transpose().mmul(r).addi(Nd4j.eye(n).castTo(DataType.DOUBLE).muli(0.1));
        INDArray u = a.dup('c');
        double[] w = Blas.symmetricEigen(u);
        assertTrue(Blas.decomposes(a, u, w), "symmetricEigen's result decomposes A");
        INDArray v = Nd4j.zeros(DataType.DOUBLE, n, n);
        double[] java = Blas.symmetricEigenInJava(a, v);
        assertClose(a.mmul(v), v.mulRowVector(Nd4j.createFromArray(java).reshape(1, n)), DataType.DOUBLE);
        assertClose(Nd4j.eye(n).castTo(DataType.DOUBLE), v.transpose().mmul(v), DataType.DOUBLE);
        for (int j = 0; j < n; j++) {
            assertEquals(w[j], java[j], 1e-10 * w[n - 1], "eigenvalue " + j);
            assertTrue(j == 0 || java[j - 1] <= java[j], "ascending");
        }
        // The check rejects what the broken kernels returned: the right eigenvalues with wrong vectors.
        INDArray wrong = v.dup();
        wrong.putScalar(0, 0, wrong.getDouble(0, 0) + 0.5);
        assertTrue(!Blas.decomposes(a, wrong, java), "a perturbed eigenvector fails the check");
        assertTrue(!Blas.decomposes(a, v.mul(Double.NaN), java), "NaN fails the check");
    }

    private static double trace(INDArray a) {
        double sum = 0;
        for (int i = 0; i < a.rows(); i++) {
            sum += a.getDouble(i, i);
        }
        return sum;
    }

    @Test
    void choleskySolveSolvesTheShiftedSystemAndRefusesAnIndefiniteOne() {
        // 24 rows: OpenBLAS factors up to 32 rows without its blocked kernels, whose SkylakeX versions in 0.3.19
        // refused or mis-factored positive definite matrices of 40 rows and more on an Intel AVX-512 core.
        int m = 24;
        INDArray r = TestProblems.randomFeatures(m + 5, m, 1.0, 11, DataType.DOUBLE);
        INDArray a = r.transpose().mmul(r).divi(m);
        INDArray rhs = TestProblems.randomVector(m, 1.0, 12, DataType.DOUBLE);
        INDArray factor = Nd4j.createUninitialized(DataType.DOUBLE, m, m);
        double shift = 0.25;
        INDArray shifted = a.add(Nd4j.eye(m).castTo(DataType.DOUBLE).muli(shift));
        INDArray before = a.dup();

        INDArray p = Blas.choleskySolve(a, shift, rhs, factor);
        double[] expected = new org.apache.commons.math3.linear.CholeskyDecomposition(
                new org.apache.commons.math3.linear.Array2DRowRealMatrix(shifted.toDoubleMatrix()))
                .getSolver().solve(new org.apache.commons.math3.linear.ArrayRealVector(rhs.toDoubleVector()))
                .toArray();
        assertClose(Nd4j.createFromArray(expected), p, DataType.DOUBLE);
        assertEquals(before, a, "a is not mutated");
        assertEquals(p, Blas.choleskySolve(a.dup('f'), shift, rhs, factor), "either order of a");

        // -1 on the diagonal: indefinite without a shift, positive definite with one above 1.
        INDArray indefinite = Nd4j.eye(m).castTo(DataType.DOUBLE).muli(2);
        indefinite.putScalar(7, 7, -1.0);
        assertEquals(null, Blas.choleskySolve(indefinite, 0, rhs, factor));
        INDArray solved = Blas.choleskySolve(indefinite, 1.5, rhs, factor);
        assertEquals(rhs.getDouble(7) / 0.5, solved.getDouble(7), 1e-12);
        assertEquals(rhs.getDouble(0) / 3.5, solved.getDouble(0), 1e-12);

        assertThrows(IllegalArgumentException.class,
                () -> Blas.choleskySolve(a, 0, rhs, Nd4j.createUninitialized(DataType.DOUBLE, new long[] {m, m}, 'f')));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.choleskySolve(a.castTo(DataType.FLOAT), 0, rhs, factor));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.choleskySolve(a, 0, rhs.get(NDArrayIndex.interval(0, m - 1)), factor));
    }

    /**
     * Blocks of 4 columns (one inverse sub-block each, 23 steps); of 40 (a full sub-block of 32 and a partial one of
     * 8); and the real size, 256 (8 sub-blocks, parts of at least 64 rows): each against Commons Math, the same bits
     * with 1, 2 and 3 threads, and refusing a matrix with one negative pivot in its last block.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"90, 4, 4", "150, 40, 8", "600, 256, 64"})
    void blockedCholeskyMatchesCommonsMathForAnyThreadCountAndFindsALateNegativePivot(int m, int block, int partRows) {
        INDArray r = TestProblems.randomFeatures(m + 7, m, 1.0, 31, DataType.DOUBLE);
        double[][] a = r.transpose().mmul(r).divi(m).toDoubleMatrix();
        double[][] expected = new org.apache.commons.math3.linear.CholeskyDecomposition(
                new org.apache.commons.math3.linear.Array2DRowRealMatrix(a)).getL().getData();
        double[] first = null;
        try {
            for (int threads : new int[] {1, 2, 3}) {
                NativeThreads.set(threads);
                INDArray factor = Nd4j.createFromArray(a).dup('c');
                assertTrue(Blas.choleskyLower((org.bytedeco.javacpp.DoublePointer) factor.data().addressPointer(), m,
                        block, partRows));
                double[] values = factor.data().asDouble();
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < m; j++) {
                        double want = j <= i ? expected[i][j] : a[i][j];
                        assertEquals(want, values[i * m + j], j <= i ? 1e-11 * Math.sqrt(a[i][i]) : 0.0,
                                "entry " + i + ", " + j + (j > i ? " (upper, untouched)" : "") + ", " + threads
                                        + " threads");
                    }
                }
                if (first == null) {
                    first = values;
                } else {
                    assertArrayEquals(first, values, 0.0, "the same bits with " + threads + " threads");
                }
            }
        } finally {
            NativeThreads.set(NativeThreads.defaultCount());
        }
        double[][] indefinite = new double[m][m];
        for (int i = 0; i < m; i++) {
            indefinite[i] = a[i].clone();
        }
        indefinite[m - 7][m - 7] -= 10 * a[m - 7][m - 7];
        INDArray factor = Nd4j.createFromArray(indefinite).dup('c');
        assertFalse(Blas.choleskyLower((org.bytedeco.javacpp.DoublePointer) factor.data().addressPointer(), m, block,
                partRows));
    }

    @Test
    void javaPartsOfTheBlockedCholeskyFactorAndInvert() {
        // A 5 x 5 positive definite matrix: its factor (the lower triangle; the upper one keeps the matrix) times its
        // transpose is the matrix, each inverted sub-block of 2 (the last of 1) times its sub-block of the factor is
        // the identity, and the inverses have zeros off the sub-blocks.
        double[][] b = {{4, 1, 0, 2, 1}, {1, 5, 1, 0, 2}, {0, 1, 6, 1, 0}, {2, 0, 1, 7, 1}, {1, 2, 0, 1, 8}};
        int n = 5;
        double[] l = new double[n * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(b[i], 0, l, i * n, n);
        }
        assertTrue(Blas.factorLower(l, n));
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double sum = 0;
                for (int k = 0; k <= j; k++) {
                    sum += l[i * n + k] * l[j * n + k];
                }
                assertEquals(b[i][j], sum, 1e-12, "L L^T at " + i + ", " + j);
            }
        }
        double[] inverses = new double[n * n];
        java.util.Arrays.fill(inverses, 7.0);
        Blas.invertDiagonalBlocks(l, n, 2, inverses);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int block = i / 2;
                if (j / 2 != block) {
                    assertEquals(0.0, inverses[i * n + j], "off the sub-blocks");
                    continue;
                }
                double sum = 0;
                for (int k = block * 2; k < Math.min(n, block * 2 + 2); k++) {
                    sum += inverses[i * n + k] * (k >= j ? l[k * n + j] : 0.0);
                }
                assertEquals(i == j ? 1.0 : 0.0, sum, 1e-12, "inverse times factor at " + i + ", " + j);
            }
        }
        double[] notPositive = {1, 2, 2, 1};
        assertFalse(Blas.factorLower(notPositive, 2));
        assertFalse(Blas.factorLower(new double[] {Double.NaN}, 1));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void syrkFillsTheUpperTriangleOfTheGramAndLeavesTheLowerOne(DataType type) {
        int n = 37;
        INDArray a = TestProblems.randomFeatures(150, n, 1.0, 13, type);
        INDArray c = Nd4j.valueArrayOf(new long[] {n, n}, 7.0).castTo(type);
        Blas.syrkUpper(-0.5, rows(a, 10, 150), 0.0, c);
        INDArray expected = rows(a, 10, 150).transpose().mmul(rows(a, 10, 150)).muli(-0.5);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (j >= i) {
                    assertEquals(expected.getDouble(i, j), c.getDouble(i, j), tolerance(type) * 150);
                } else {
                    assertEquals(7.0, c.getDouble(i, j), 0.0, "the lower triangle is left alone");
                }
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> Blas.syrkUpper(1.0, a, 0.0, Nd4j.zeros(type, n + 1, n + 1)));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE", "HALF"})
    void allFiniteFindsANanOrInfinityAnywhereAndSurvivesAnOverflowingSum(DataType type) {
        int rows = 37;
        int columns = 41;
        INDArray a = TestProblems.randomFeatures(rows, columns, 1.0, 5, type);
        assertTrue(Blas.allFinite(a));
        assertTrue(Blas.allFinite(a.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 20))), "a strided view");
        // First, inside a vector, and last (past the last whole vector of any width).
        for (long index : new long[] {0, 17 * columns + 9, (long) rows * columns - 1}) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
                INDArray b = a.dup();
                b.putScalar(index, bad);
                assertFalse(Blas.allFinite(b), type + ": " + bad + " at " + index);
                long row = index / columns;
                long column = index % columns;
                INDArray view = b.get(NDArrayIndex.interval(row, row + 1), NDArrayIndex.interval(0, 2, columns));
                assertEquals(column % 2 != 0, Blas.allFinite(view), bad + " in a strided view, column " + column);
            }
        }
        double huge = type == DataType.DOUBLE ? 1e308 : type == DataType.FLOAT ? 3e38 : 6e4;
        assertTrue(Blas.allFinite(Nd4j.valueArrayOf(new long[] {3, 3}, huge, type)),
                "finite entries whose sum overflows");
        assertTrue(Blas.allFinite(Nd4j.zeros(type, 0)));
    }

    @Test
    void floatDotAccumulatesInDouble() {
        // 1e8 + 1 is 1e8 in float: a float accumulator loses the ones that follow 1e8 (OpenBLAS's dsdot did).
        float[] values = new float[10_000];
        java.util.Arrays.fill(values, 1f);
        values[0] = 1e8f;
        values[values.length / 2] = -1e8f;
        INDArray x = Nd4j.create(values);
        INDArray ones = Nd4j.ones(DataType.FLOAT, values.length);
        assertEquals(values.length - 2, Blas.dot(x, ones), 0.0);
        // On row views, as the loss uses it.
        INDArray m = Nd4j.ones(DataType.FLOAT, 3, 100);
        m.putScalar(1, 0, 1e8);
        m.putScalar(1, 50, -1e8);
        assertEquals(98, Blas.dot(rows(m, 1, 2), rows(Nd4j.ones(DataType.FLOAT, 4, 100), 3, 4)), 0.0);
        assertEquals(100 + 98 + 100, Blas.dot(m, Nd4j.ones(DataType.FLOAT, 3, 100)), 0.0);
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void gemmOnViewsMatchesNd4j(DataType type) {
        INDArray a = TestProblems.randomFeatures(20, 7, 1.0, 1, DataType.DOUBLE).castTo(type);
        INDArray b = TestProblems.randomFeatures(7, 3, 1.0, 2, DataType.DOUBLE).castTo(type);
        INDArray c = TestProblems.randomFeatures(30, 3, 1.0, 3, DataType.DOUBLE).castTo(type);
        INDArray aRows = rows(a, 5, 17);
        INDArray cRows = rows(c, 10, 22);
        INDArray expected = aRows.mmul(b).muli(0.5).addi(cRows.mul(2.0));
        Blas.gemm(false, false, 0.5, aRows, b, 2.0, cRows);
        assertClose(expected, cRows, type);
        // Transposed A: (12 x 7)^T (12 x 3) -> 7 x 3.
        INDArray out = Nd4j.zeros(type, 7, 3);
        Blas.gemm(true, false, 1.0, aRows, rows(c, 0, 12), 0.0, out);
        assertClose(aRows.transpose().mmul(rows(c, 0, 12)), out, type);
        // Rows outside the views are untouched.
        assertEquals(c.getDouble(9, 0), TestProblems.randomFeatures(30, 3, 1.0, 3, DataType.DOUBLE).getDouble(9, 0),
                tolerance(type));
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void gemvGerDotAxpyAsumMatchNd4j(DataType type) {
        INDArray a = rows(TestProblems.randomFeatures(12, 4, 1.0, 4, DataType.DOUBLE).castTo(type), 2, 9);
        INDArray x = TestProblems.randomVector(4, 1.0, 5, DataType.DOUBLE).castTo(type);
        INDArray y = Nd4j.zeros(type, 7, 1);
        Blas.gemv(false, 1.0, a, x, 0.0, y);
        assertClose(a.mmul(x.reshape(4, 1)), y, type);
        INDArray u = TestProblems.randomVector(7, 1.0, 6, DataType.DOUBLE).castTo(type);
        INDArray back = Nd4j.zeros(type, 4);
        Blas.gemv(true, 2.0, a, u, 0.0, back);
        assertClose(a.transpose().mmul(u.reshape(7, 1)).reshape(4).muli(2.0), back, type);

        INDArray updated = a.dup();
        Blas.ger(-1.0, u, x, updated);
        assertClose(a.sub(u.reshape(7, 1).mmul(x.reshape(1, 4))), updated, type);

        assertEquals(a.castTo(DataType.DOUBLE).mul(a.castTo(DataType.DOUBLE)).sumNumber().doubleValue(),
                Blas.dot(a, a), 1e-5);
        INDArray sum = a.dup();
        Blas.axpy(3.0, a, sum);
        assertClose(a.mul(4.0), sum, type);
        assertEquals(Transforms.abs(a.castTo(DataType.DOUBLE), true).sumNumber().doubleValue(), Blas.asum(a), 1e-5);
    }

    @Test
    void refusesMismatchedShapesTypesAndLayouts() {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, 3, 4);
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(false, false, 1, a, Nd4j.zeros(DataType.DOUBLE, 3, 2), 0, Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(false, false, 1, a, Nd4j.zeros(DataType.FLOAT, 4, 2), 0, Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(false, false, 1, Nd4j.zeros(DataType.DOUBLE, 'f', 3, 4), Nd4j.zeros(DataType.DOUBLE, 4, 2),
                        0, Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        assertThrows(IllegalArgumentException.class, () -> Blas.dot(a, Nd4j.zeros(DataType.DOUBLE, 5)));
        assertThrows(IllegalArgumentException.class,
                () -> Blas.gemm(false, false, 1, Nd4j.zeros(DataType.DOUBLE, 2, 3, 4), a, 0, a));
        assertThrows(IllegalArgumentException.class, () -> Blas.asum(Nd4j.zeros(DataType.INT32, 5)));
        assertThrows(IllegalArgumentException.class, () -> Blas.asum(a, 2, 13));
        assertThrows(IllegalArgumentException.class, () -> Blas.asum(a, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> Blas.asum(a, -1, 4));
    }

    @Test
    void asumOfARangeReadsExactlyThoseElementsInMemoryOrder() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            // Small integers of both signs: every sum is exact.
            INDArray a = Nd4j.createFromArray(new double[][] {{1, -2, 3}, {-4, 5, -6}, {7, -8, 9}}).castTo(type);
            assertEquals(45, Blas.asum(a, 0, 9), 0.0, type.toString());
            assertEquals(2 + 3 + 4 + 5, Blas.asum(a, 1, 5), 0.0, type.toString());
            assertEquals(9, Blas.asum(a, 8, 9), 0.0, type.toString());
            assertEquals(0, Blas.asum(a, 4, 4), 0.0, type.toString());
        }
    }
}
