package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.testutil.TestProblems;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link FeatureGram} and {@link KroneckerPreconditioner} against dense matrices built here by plain loops from
 * their definitions (in θ's layout, index {@code j*K + k} for row {@code j} of {@code [(d+1),K]} and class
 * {@code k}).
 */
class KroneckerPreconditionerTest {

    private static final int N = 50;
    private static final int D = 5;
    private static final int K = 3;
    private static final double SCALE = 0.7;

    /** Features {@code [N,D]} as plain doubles (the truth is computed from these). */
    private static double[][] features(long seed) {
        Random random = new Random(seed);
        double[][] x = new double[N][D];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                // Correlated, uncentred columns, so that G is far from diagonal.
                x[i][j] = random.nextGaussian() + (j + 1) * 0.5 * (i % 7) / 7.0;
            }
        }
        return x;
    }

    private static INDArray array(double[][] x, DataType type) {
        double[] flat = new double[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            System.arraycopy(x[i], 0, flat, i * x[0].length, x[0].length);
        }
        return Nd4j.create(flat, new long[] {x.length, x[0].length}, type);
    }

    /** {@code x~_i = [s x_i, 1]}. */
    private static double[] augmented(double[] row) {
        double[] a = new double[D + 1];
        for (int j = 0; j < D; j++) {
            a[j] = SCALE * row[j];
        }
        a[D] = 1.0;
        return a;
    }

    /** Softmax probabilities {@code [N,K]} at θ ({@code [(D+1)*K]}, row-major), by loops. */
    private static double[][] probabilities(double[][] x, double[] theta) {
        double[][] p = new double[x.length][K];
        for (int i = 0; i < x.length; i++) {
            double[] a = augmented(x[i]);
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < K; k++) {
                double z = 0;
                for (int j = 0; j <= D; j++) {
                    z += a[j] * theta[j * K + k];
                }
                p[i][k] = z;
                max = Math.max(max, z);
            }
            double sum = 0;
            for (int k = 0; k < K; k++) {
                p[i][k] = Math.exp(p[i][k] - max);
                sum += p[i][k];
            }
            for (int k = 0; k < K; k++) {
                p[i][k] /= sum;
            }
        }
        return p;
    }

    private static double[] randomTheta(long seed, double weightScale) {
        Random random = new Random(seed);
        double[] theta = new double[(D + 1) * K];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = (i < D * K ? weightScale : 1.0) * random.nextGaussian();
        }
        return theta;
    }

    /** The rows FeatureGram samples with {@code maxRows}: 0, t, 2t, ... with {@code t = ceil(N / maxRows)}. */
    private static int[] sampledRows(int maxRows) {
        int stride = (N + maxRows - 1) / maxRows;
        int[] rows = new int[(N + stride - 1) / stride];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = r * stride;
        }
        return rows;
    }

    /** {@code G = (1/m) sum_{i in rows} x~_i x~_i^T}. */
    private static double[][] denseGram(double[][] x, int[] rows) {
        double[][] g = new double[D + 1][D + 1];
        for (int i : rows) {
            double[] a = augmented(x[i]);
            for (int j = 0; j <= D; j++) {
                for (int l = 0; l <= D; l++) {
                    g[j][l] += a[j] * a[l] / rows.length;
                }
            }
        }
        return g;
    }

    /** {@code A = (1/n) sum_i c_i (diag(p_i) - p_i p_i^T)} over all rows. */
    private static double[][] denseClassFactor(double[][] p, double[] c) {
        double[][] a = new double[K][K];
        for (int i = 0; i < p.length; i++) {
            double ci = c == null ? 1.0 : c[i];
            for (int k = 0; k < K; k++) {
                for (int l = 0; l < K; l++) {
                    a[k][l] += ci * ((k == l ? p[i][k] : 0.0) - p[i][k] * p[i][l]) / p.length;
                }
            }
        }
        return a;
    }

    /** The data Hessian {@code (1/m) sum_{i in rows} c_i (diag(p_i) - p_i p_i^T) (x) x~_i x~_i^T} in θ's layout. */
    private static double[][] denseDataHessian(double[][] x, double[][] p, double[] c, int[] rows) {
        int dim = (D + 1) * K;
        double[][] h = new double[dim][dim];
        for (int i : rows) {
            double[] a = augmented(x[i]);
            double ci = c == null ? 1.0 : c[i];
            for (int j = 0; j <= D; j++) {
                for (int k = 0; k < K; k++) {
                    for (int jj = 0; jj <= D; jj++) {
                        for (int l = 0; l < K; l++) {
                            double classPart = (k == l ? p[i][k] : 0.0) - p[i][k] * p[i][l];
                            h[j * K + k][jj * K + l] += ci * classPart * a[j] * a[jj] / rows.length;
                        }
                    }
                }
            }
        }
        return h;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < v.length; j++) {
                out[i] += m[i][j] * v[j];
            }
        }
        return out;
    }

    private static double[] column(double[][] m, int j) {
        double[] c = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i][j];
        }
        return c;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** {@code u (x) v} in θ's layout: entry {@code j*K + k} is {@code u_j v_k}. */
    private static double[] kron(double[] u, double[] v) {
        double[] out = new double[u.length * v.length];
        for (int j = 0; j < u.length; j++) {
            for (int k = 0; k < v.length; k++) {
                out[j * v.length + k] = u[j] * v[k];
            }
        }
        return out;
    }

    private static double maxAbsDifference(double[] a, double[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double maxAbs(double[] a) {
        double max = 0;
        for (double v : a) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    /** Checks that the columns of {@code u} are orthonormal eigenvectors of the symmetric {@code m}. */
    private static void assertOrthonormalEigenvectors(double[][] m, double[][] u, String what) {
        for (int a = 0; a < u.length; a++) {
            double[] ua = column(u, a);
            double[] mu = multiply(m, ua);
            double lambda = dot(ua, mu);
            for (int i = 0; i < ua.length; i++) {
                assertEquals(lambda * ua[i], mu[i], 1e-10, what + ": column " + a + " is an eigenvector");
            }
            for (int b = 0; b < u.length; b++) {
                assertEquals(a == b ? 1.0 : 0.0, dot(ua, column(u, b)), 1e-10, what + ": orthonormal columns");
            }
        }
    }

    @Test
    void featureGramIsTheGramMatrixOfTheSampledRowsInEitherDataType() {
        double[][] x = features(1);
        for (int maxRows : new int[] {FeatureGram.DEFAULT_MAX_ROWS, 20}) {
            int[] rows = sampledRows(maxRows);
            double[][] g = denseGram(x, rows);
            for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                // The float truth is the Gram matrix of the float-rounded features, accumulated in double.
                double[][] xt = array(x, type).castTo(DataType.DOUBLE).toDoubleMatrix();
                double[][] gt = type == DataType.DOUBLE ? g : denseGram(xt, rows);
                FeatureGram gram = FeatureGram.of(array(x, type), SCALE, new ParameterLayout(D, K), maxRows);
                assertEquals(rows.length, gram.sampledRows());
                assertEquals(maxRows >= N ? 1 : 3, gram.stride());
                assertEquals(type, gram.dataType());
                double[][] u = gram.basis().toDoubleMatrix();
                double[] eigenvalues = gram.eigenvalues().toDoubleVector();
                assertOrthonormalEigenvectors(gt, u, "G");
                for (int j = 0; j <= D; j++) {
                    assertEquals(dot(column(u, j), multiply(gt, column(u, j))), eigenvalues[j], 1e-10);
                }
            }
        }
        assertEquals(17, sampledRows(20).length, "50 rows at most 20: stride 3, rows 0..48");
    }

    /**
     * A feature non-zero on a few rows between the sampled ones (a border pixel, standardized) must not vanish from
     * {@code G}: those rows are sampled with weight 1 and the others stand for the rest, so {@code G} keeps that
     * feature's full-data mean square, and the other entries stay near their full-data values. Stride sampling alone
     * gave 0 there, and Newton-CG's steps along the feature were far too long (standardized Fashion-MNIST: 88
     * iterations instead of 19).
     */
    @Test
    void rowsThatCarryARareFeatureAreAlwaysSampled() {
        int n = 3000;
        int d = 4;
        java.util.Random random = new java.util.Random(5);
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d - 1; j++) {
                row[j] = random.nextGaussian();
            }
        }
        int[] rare = {7, 1001, 2999};
        for (int i : rare) {
            x[i][d - 1] = 40.0;
        }
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            FeatureGram gram = FeatureGram.of(array(x, type), 1.0, new ParameterLayout(d, K), 500);
            assertEquals(6, gram.stride());
            assertEquals(n / 6 + rare.length, gram.sampledRows(), "rows 0, 6, ... and the three rare ones");
            double[][] u = gram.basis().toDoubleMatrix();
            double[] g = gram.eigenvalues().toDoubleVector();
            double[][] estimate = new double[d + 1][d + 1];
            for (int a = 0; a <= d; a++) {
                for (int b = 0; b <= d; b++) {
                    for (int j = 0; j <= d; j++) {
                        estimate[a][b] += u[a][j] * g[j] * u[b][j];
                    }
                }
            }
            assertEquals(rare.length * 1600.0 / n, estimate[d - 1][d - 1], 1e-9, type + ": the rare feature's square");
            assertEquals(rare.length * 40.0 / n, estimate[d - 1][d], 1e-9, type + ": its mean");
            assertEquals(1.0, estimate[d][d], 1e-9, type + ": the weights sum to n");
            for (int j = 0; j < d - 1; j++) {
                assertEquals(1.0, estimate[j][j], 0.15, type + ": a common feature's square, estimated");
            }
            // The preconditioner's per-row arrays are taken at the same rows: P's rows pass through in order.
            INDArray rows = Nd4j.arange(n).castTo(DataType.DOUBLE).reshape(n, 1);
            double[] picked = gram.sampled(rows).toDoubleVector();
            assertEquals(gram.sampledRows(), picked.length);
            for (int i : rare) {
                assertTrue(java.util.Arrays.stream(picked).anyMatch(v -> v == i), "row " + i + " sampled");
            }
            for (int i = 1; i < picked.length; i++) {
                assertTrue(picked[i - 1] < picked[i], "ascending");
            }
        }
    }

    /**
     * Where most rows are heavy (one-hot rows over many features, as sparse counts are), at most {@code maxRows} of
     * them are added, the heaviest, so the sample stays within {@code 2 maxRows} rows and {@code G} a weighted mean.
     */
    @Test
    void heavyRowsAreCappedAtMaxRows() {
        int n = 3000;
        int d = 300;
        int maxRows = 500;
        java.util.Random random = new java.util.Random(9);
        double[][] x = new double[n][d];
        int[] counts = new int[d];
        for (double[] row : x) {
            int j = random.nextInt(d);
            row[j] = 1.0;
            counts[j]++;
        }
        FeatureGram gram = FeatureGram.of(array(x, DataType.FLOAT), 1.0, new ParameterLayout(d, K), maxRows);
        assertTrue(gram.sampledRows() > maxRows && gram.sampledRows() <= 2 * maxRows, "sampled " + gram.sampledRows());
        double[][] u = gram.basis().toDoubleMatrix();
        double[] g = gram.eigenvalues().toDoubleVector();
        double corner = 0;
        double trace = 0;
        for (int j = 0; j <= d; j++) {
            corner += u[d][j] * g[j] * u[d][j];
            trace += g[j];
            assertTrue(g[j] > -1e-12, "G is positive semidefinite");
        }
        assertEquals(1.0, corner, 1e-9, "the weights are normalized");
        // Every row has one square of 1: trace(G) = 1 (features) + 1 (the ones column), whatever the weights.
        assertEquals(2.0, trace, 1e-6);
    }

    /**
     * With more rows than one block, the first pass splits its blocks into parts that the worker threads sum
     * separately: {@code G = U diag(g) U^T} must still be the Gram matrix of all the sampled rows, and the result
     * the same bit for bit with 1 and 3 threads.
     */
    @Test
    void theGramOfManyBlocksIsTheSameForAnyThreadCount() {
        int n = 4500;
        int d = 12;
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.DOUBLE, n, d).muli(3.0);
        double[][] expected = new double[d + 1][d + 1];
        double[][] rows = x.toDoubleMatrix();
        for (double[] row : rows) {
            double[] scaled = new double[d + 1];
            for (int j = 0; j < d; j++) {
                scaled[j] = SCALE * row[j];
            }
            scaled[d] = 1.0;
            for (int a = 0; a <= d; a++) {
                for (int b = 0; b <= d; b++) {
                    expected[a][b] += scaled[a] * scaled[b] / n;
                }
            }
        }
        FeatureGram[] grams = new FeatureGram[3];
        int[] threads = {1, 3, 8};
        try {
            for (int t = 0; t < threads.length; t++) {
                dev.softmax.NativeThreads.set(threads[t]);
                grams[t] = FeatureGram.of(x, SCALE, new ParameterLayout(d, K));
            }
        } finally {
            dev.softmax.NativeThreads.set(dev.softmax.NativeThreads.defaultCount());
        }
        assertEquals(n, grams[0].sampledRows());
        double[][] u = grams[0].basis().toDoubleMatrix();
        double[] g = grams[0].eigenvalues().toDoubleVector();
        for (int a = 0; a <= d; a++) {
            for (int b = 0; b <= d; b++) {
                double sum = 0;
                for (int j = 0; j <= d; j++) {
                    sum += u[a][j] * g[j] * u[b][j];
                }
                assertEquals(expected[a][b], sum, 1e-10 * Math.max(1, Math.abs(expected[a][b])), "G at " + a + "," + b);
            }
        }
        for (int j = 1; j <= d; j++) {
            assertTrue(g[j - 1] <= g[j], "eigenvalues ascending");
        }
        // The squared rotated rows of the second pass (5 blocks, the last partial), bit for bit for any thread
        // count, against Z = X~ U squared by loops.
        double[][] squares = grams[0].rotatedSquaresView().toDoubleMatrix();
        for (int i = 0; i < n; i += 97) {
            for (int j = 0; j <= d; j++) {
                double z = u[d][j];
                for (int a = 0; a < d; a++) {
                    z += SCALE * rows[i][a] * u[a][j];
                }
                assertEquals(z * z, squares[i][j], 1e-10 * Math.max(1, z * z), "Z^2 at " + i + "," + j);
            }
        }
        for (int t = 1; t < threads.length; t++) {
            assertTrue(java.util.Arrays.deepEquals(u, grams[t].basis().toDoubleMatrix()), threads[t] + " threads");
            assertArrayEquals(grams[0].eigenvalues().toDoubleVector(), grams[t].eigenvalues().toDoubleVector());
            assertTrue(java.util.Arrays.deepEquals(squares, grams[t].rotatedSquaresView().toDoubleMatrix()),
                    threads[t] + " threads");
        }
    }

    /**
     * Where every row has the same probabilities (W = 0, any bias), every {@code A_i} equals {@code A}, so the
     * Hessian is exactly {@code A (x) G}, diagonal in the Kronecker eigenbasis: the preconditioner must then be
     * the exact inverse of {@code H_data + lambda I}.
     */
    @Test
    void isTheExactInverseWhereTheHessianIsAKroneckerProduct() {
        double[][] x = features(2);
        double[] theta = randomTheta(3, 0.0);
        double[][] p = probabilities(x, theta);
        double lambda = 0.05;
        double[][] h = denseDataHessian(x, p, null, sampledRows(N));
        int dim = h.length;
        for (int i = 0; i < dim; i++) {
            h[i][i] += lambda;
        }
        // H = A (x) G, checked entry by entry against the definitions.
        double[][] a = denseClassFactor(p, null);
        double[][] g = denseGram(x, sampledRows(N));
        for (int r = 0; r < dim; r++) {
            for (int c = 0; c < dim; c++) {
                double kronecker = g[r / K][c / K] * a[r % K][c % K] + (r == c ? lambda : 0.0);
                assertEquals(kronecker, h[r][c], 1e-12);
            }
        }

        FeatureGram gram = FeatureGram.of(array(x, DataType.DOUBLE), SCALE, new ParameterLayout(D, K));
        KroneckerPreconditioner m = KroneckerPreconditioner.of(gram, Nd4j.create(p), null, lambda);
        for (long seed = 0; seed < 3; seed++) {
            double[] r = TestProblems.randomVector(dim, 1.0, seed, DataType.DOUBLE).toDoubleVector();
            double[] back = multiply(h, m.apply(Nd4j.create(r)).toDoubleVector());
            assertTrue(maxAbsDifference(back, r) <= 1e-10 * maxAbs(r), "(A (x) G + lambda I) M^{-1} r == r");
        }
    }

    /**
     * At a general point: {@code U_G} and {@code U_A} are eigenbases of {@code G} and {@code A}, {@code S} is the
     * diagonal of the data Hessian of the sampled rows in the basis {@code Q = U_G (x) U_A} plus lambda, and
     * {@code M = Q diag(S) Q^T} (built densely here) maps {@code apply(r)} back to {@code r}. Weighted on all
     * rows, unweighted on a subset.
     */
    @Test
    void matchesItsDenseDefinitionAtAGeneralPoint() {
        double[][] x = features(4);
        double[] theta = randomTheta(5, 0.8);
        double[][] p = probabilities(x, theta);
        Random random = new Random(6);
        double[] weights = new double[N];
        double sum = 0;
        for (int i = 0; i < N; i++) {
            weights[i] = 0.2 + 2 * random.nextDouble();
            sum += weights[i];
        }
        for (int i = 0; i < N; i++) {
            weights[i] *= N / sum;
        }
        double lambda = 0.01;
        int dim = (D + 1) * K;
        for (int maxRows : new int[] {FeatureGram.DEFAULT_MAX_ROWS, 20}) {
            double[] c = maxRows >= N ? weights : null;
            int[] rows = sampledRows(maxRows);
            FeatureGram gram = FeatureGram.of(array(x, DataType.DOUBLE), SCALE, new ParameterLayout(D, K), maxRows);
            INDArray rowScale = c == null ? null : Nd4j.create(c, new long[] {N, 1}, DataType.DOUBLE);
            KroneckerPreconditioner m = KroneckerPreconditioner.of(gram, Nd4j.create(p), rowScale, lambda);

            double[][] ug = gram.basis().toDoubleMatrix();
            double[][] ua = m.classBasis().toDoubleMatrix();
            assertOrthonormalEigenvectors(denseGram(x, rows), ug, "U_G");
            assertOrthonormalEigenvectors(denseClassFactor(p, c), ua, "U_A");

            double[][] h = denseDataHessian(x, p, c, rows);
            double[][] s = m.scale().toDoubleMatrix();
            double[][] dense = new double[dim][dim];
            for (int j = 0; j <= D; j++) {
                for (int k = 0; k < K; k++) {
                    double[] q = kron(column(ug, j), column(ua, k));
                    assertEquals(dot(q, multiply(h, q)) + lambda, s[j][k], 1e-12, "S = diag(Q^T H Q) + lambda");
                    for (int r = 0; r < dim; r++) {
                        for (int t = 0; t < dim; t++) {
                            dense[r][t] += s[j][k] * q[r] * q[t];
                        }
                    }
                }
            }
            INDArray r = TestProblems.randomVector(dim, 1.0, 7, DataType.DOUBLE);
            double[] back = multiply(dense, m.apply(r).toDoubleVector());
            assertTrue(maxAbsDifference(back, r.toDoubleVector()) <= 1e-10 * maxAbs(r.toDoubleVector()),
                    "M (M^{-1} r) == r, maxRows " + maxRows);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void leavesItsInputsAloneAndKeepsShapeAndType(DataType type) {
        double[][] x = features(8);
        double[][] p = probabilities(x, randomTheta(9, 0.5));
        INDArray xs = array(x, type);
        INDArray probabilities = Nd4j.create(p).castTo(type);
        INDArray rowScale = Nd4j.ones(type, N, 1).muli(1.0);
        INDArray xsCopy = xs.dup();
        INDArray probabilitiesCopy = probabilities.dup();
        FeatureGram gram = FeatureGram.of(xs, SCALE, new ParameterLayout(D, K), 20);
        KroneckerPreconditioner m = KroneckerPreconditioner.of(gram, probabilities, rowScale, 1e-3);
        assertEquals(xsCopy, xs, "features not mutated");
        assertEquals(probabilitiesCopy, probabilities, "probabilities not mutated");
        assertEquals(Nd4j.ones(type, N, 1), rowScale, "row scale not mutated");

        INDArray r = TestProblems.randomVector((D + 1) * K, 1.0, 10, type);
        INDArray before = r.dup();
        INDArray z = m.apply(r);
        assertEquals(before, r, "residual not mutated");
        assertEquals(type, z.dataType());
        assertArrayEquals(r.shape(), z.shape());
        assertTrue(z != r);
        assertEquals(z, m.apply(r), "apply is deterministic");

        // The other type is accepted and answered in its own type; the two agree to float precision.
        DataType other = type == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT;
        INDArray zOther = m.apply(r.castTo(other));
        assertEquals(other, zOther.dataType());
        double[] a = z.castTo(DataType.DOUBLE).toDoubleVector();
        double[] b = zOther.castTo(DataType.DOUBLE).toDoubleVector();
        assertTrue(maxAbsDifference(a, b) <= 1e-4 * maxAbs(a), "float and double results agree");

        // The float preconditioner of float data agrees with the double one of the same values.
        if (type == DataType.FLOAT) {
            FeatureGram exact = FeatureGram.of(xs.castTo(DataType.DOUBLE), SCALE, new ParameterLayout(D, K), 20);
            KroneckerPreconditioner md = KroneckerPreconditioner.of(exact, probabilities.castTo(DataType.DOUBLE),
                    null, 1e-3);
            double[] e = md.apply(r.castTo(DataType.DOUBLE)).toDoubleVector();
            assertTrue(maxAbsDifference(a, e) <= 1e-4 * maxAbs(e), "float vs double factors");
        }
    }

    /** Conjugate gradient's in-place form gives the new-array form's values, call after call, in either type. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void appliesInPlaceWithTheSameValues(DataType type) {
        double[][] x = features(11);
        INDArray probabilities = Nd4j.create(probabilities(x, randomTheta(12, 0.5))).castTo(type);
        FeatureGram gram = FeatureGram.of(array(x, type), SCALE, new ParameterLayout(D, K), 20);
        KroneckerPreconditioner m = KroneckerPreconditioner.of(gram, probabilities, null, 1e-3);
        INDArray out = Nd4j.createUninitialized(type, (D + 1) * K);
        for (long seed = 13; seed < 16; seed++) {
            INDArray r = TestProblems.randomVector((D + 1) * K, 1.0, seed, type);
            INDArray before = r.dup();
            assertTrue(out == m.apply(r, out));
            assertEquals(m.apply(r), out, "seed " + seed);
            assertEquals(before, r, "residual not mutated");
        }
        // The other type, and an out that is a view, go through a new array: the same values again.
        DataType other = type == DataType.FLOAT ? DataType.DOUBLE : DataType.FLOAT;
        INDArray r = TestProblems.randomVector((D + 1) * K, 1.0, 16, other);
        assertEquals(m.apply(r), m.apply(r, Nd4j.createUninitialized(other, (D + 1) * K)));
        INDArray wide = Nd4j.zeros(type, 2, (D + 1) * K);
        INDArray row = wide.getRow(1);
        m.apply(r.castTo(type), row);
        assertEquals(m.apply(r.castTo(type)), row);
        assertEquals(0.0, wide.getRow(0).norm1Number().doubleValue(), "only the view's row is written");
        // The new-array form keeps no work arrays: threads applying it at once get the sequential values (QA).
        INDArray shared = TestProblems.randomVector((D + 1) * K, 1.0, 17, type);
        INDArray expected = m.apply(shared);
        java.util.List<INDArray> results = java.util.stream.IntStream.range(0, 64).parallel()
                .mapToObj(i -> m.apply(shared)).toList();
        results.forEach(z -> assertEquals(expected, z));
        INDArray self = TestProblems.randomVector((D + 1) * K, 1.0, 18, type);
        INDArray selfExpected = m.apply(self);
        assertEquals(selfExpected, m.apply(self, self), "into the residual itself");
        assertThrows(IllegalArgumentException.class, () -> m.apply(out, Nd4j.zeros(type, 2)), "a short out");
    }

    @Test
    void rejectsMismatchedShapesAndStaysFiniteWithoutPenalty() {
        double[][] x = features(11);
        double[][] p = probabilities(x, randomTheta(12, 0.5));
        FeatureGram gram = FeatureGram.of(array(x, DataType.DOUBLE), SCALE, new ParameterLayout(D, K));
        INDArray probabilities = Nd4j.create(p);
        assertThrows(IllegalArgumentException.class, () -> KroneckerPreconditioner.of(gram,
                probabilities.getRows(0, 1, 2), null, 0.1));
        assertThrows(IllegalArgumentException.class, () -> KroneckerPreconditioner.of(gram, probabilities,
                Nd4j.ones(DataType.DOUBLE, N - 1, 1), 0.1));
        assertThrows(IllegalArgumentException.class, () -> KroneckerPreconditioner.of(gram, probabilities, null, -1));
        assertThrows(IllegalArgumentException.class, () -> FeatureGram.of(array(x, DataType.DOUBLE), SCALE,
                new ParameterLayout(D + 1, K)));
        assertThrows(IllegalArgumentException.class, () -> FeatureGram.of(array(x, DataType.DOUBLE), 0.0,
                new ParameterLayout(D, K)));
        KroneckerPreconditioner m = KroneckerPreconditioner.of(gram, probabilities, null, 0.1);
        assertThrows(IllegalArgumentException.class, () -> m.apply(Nd4j.zeros(DataType.DOUBLE, (D + 1) * K - 1)));

        // lambda = 0: "the same change in every class" has no curvature; the floor keeps M^{-1} finite.
        KroneckerPreconditioner undamped = KroneckerPreconditioner.of(gram, probabilities, null, 0.0);
        double[] scale = undamped.scale().reshape(-1).toDoubleVector();
        double max = maxAbs(scale);
        for (double s : scale) {
            assertTrue(s >= 1e-10 * max * (1 - 1e-12), "floored scale " + s);
        }
        INDArray z = undamped.apply(TestProblems.randomVector((D + 1) * K, 1.0, 13, DataType.DOUBLE));
        assertTrue(!z.isNaN().any() && !z.isInfinite().any());
    }

}
