package dev.softmax;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.util.Arrays;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * CBLAS called directly on the buffers of ND4J arrays: the same OpenBLAS that ND4J calls, without ND4J's
 * per-call bookkeeping. On a block of a few hundred rows that bookkeeping costs 40 µs per GEMM against 1 to 2 µs
 * for a rank-one update or a matrix-vector product, so the blocked passes of the loss call BLAS here.
 *
 * <p>Every array must be FLOAT or DOUBLE (all of one call alike) and stored in {@code 'c'} order with
 * contiguous rows: a whole array, or a range of rows of one ({@code get(interval(from, to), all())}). Matrices are
 * {@code [rows, columns]}; vectors are any shape with one row or one column, stored contiguously. Shapes are
 * checked and a mismatch throws {@link IllegalArgumentException}. Results overwrite (or, with {@code beta = 1},
 * accumulate into) the output argument; inputs are never modified.
 */
public final class Blas {

    private Blas() {
    }

    /**
     * Solves {@code (a + shift I) p = rhs} for a symmetric positive definite DOUBLE matrix by a blocked Cholesky
     * factorisation on the native threads ({@link #choleskyLower}: the diagonal blocks in Java, {@code dgemm} and
     * {@code dsyrk} for the rest) and two triangular solves by BLAS ({@code dtrsv}). ND4J's own
     * {@code triangularSolve} took 8 s for the two solves of a 7850 x 7850 factor (Newton on Fashion-MNIST), against
     * 1.5 to 4 s for the factorisation itself; {@code dtrsv} takes about 0.1 s.
     *
     * <p>Unchecked. Until 2026-12-03 the factorisation was LAPACK's {@code dpotrf}, which with OpenBLAS 0.3.19's
     * SkylakeX kernels on an Intel AVX-512 core refused or mis-factored positive definite matrices of 40 rows and
     * more (see {@link OpenBlasCore}), so callers that cannot trust a refusal, or a result, check it. LAPACK's own
     * solve {@code dpotrs} is not used: there it returned garbage from a correct factor (its {@code dtrsm}), where
     * {@code dtrsv} was right.
     *
     * @param a      a square DOUBLE matrix, either order; only its lower triangle is read (as stored in
     *               {@code 'c'} order, or its upper one in {@code 'f'}: the same entries of a symmetric matrix);
     *               not mutated
     * @param shift  added to the diagonal (of the factor's copy of {@code a})
     * @param rhs    {@code [m]} (any shape of {@code m} entries), DOUBLE; not mutated
     * @param factor scratch of a's shape, DOUBLE, {@code 'c'} order, not a view: overwritten with the factor
     * @return {@code p}, a new {@code [m]} DOUBLE vector, or {@code null} when LAPACK finds {@code a + shift I} not
     *         positive definite
     * @throws IllegalArgumentException for another shape, type or layout
     */
    public static INDArray choleskySolve(INDArray a, double shift, INDArray rhs, INDArray factor) {
        if (a.rank() != 2 || a.rows() != a.columns() || a.dataType() != DataType.DOUBLE
                || rhs.dataType() != DataType.DOUBLE || rhs.length() != a.rows()
                || !Arrays.equals(factor.shape(), a.shape()) || factor.dataType() != DataType.DOUBLE
                || factor.ordering() != 'c' || factor.isView()) {
            throw new IllegalArgumentException("need a square DOUBLE matrix, a DOUBLE right-hand side of its size and "
                    + "a 'c'-order DOUBLE scratch of its shape, got " + a.dataType() + " " + Arrays.toString(a.shape())
                    + ", " + rhs.dataType() + " " + Arrays.toString(rhs.shape()) + ", " + factor.dataType() + " "
                    + Arrays.toString(factor.shape()) + " '" + factor.ordering() + "'");
        }
        int m = (int) a.rows();
        factor.assign(a);
        if (shift != 0) {
            for (int i = 0; i < m; i++) {
                factor.putScalar(i, i, factor.getDouble(i, i) + shift);
            }
        }
        if (!choleskyLower(doubles(factor), m, CHOLESKY_BLOCK, CHOLESKY_PART_ROWS)) {
            return null;
        }
        INDArray p = Nd4j.createUninitialized(DataType.DOUBLE, m);
        p.assign(rhs.reshape(m));
        // U^T U p = rhs, read row-major as L L^T p = rhs with L = U^T: two triangular solves. Not LAPACK's dpotrs:
        // it goes through dtrsm, whose SkylakeX kernel in OpenBLAS 0.3.19 returned garbage for 40 x 40 factors.
        openblas_nolapack.cblas_dtrsv(CblasRowMajor, openblas_nolapack.CblasLower, CblasNoTrans,
                openblas_nolapack.CblasNonUnit, m, doubles(factor), m, doubles(p), 1);
        openblas_nolapack.cblas_dtrsv(CblasRowMajor, openblas_nolapack.CblasLower, CblasTrans,
                openblas_nolapack.CblasNonUnit, m, doubles(factor), m, doubles(p), 1);
        return p;
    }

    /** Columns per step of {@link #choleskyLower}: the factored panel is {@code m x 256} doubles. */
    static final int CHOLESKY_BLOCK = 256;
    /** At most this many row parts per step of {@link #choleskyLower}. */
    static final int CHOLESKY_PARTS = 8;
    /** At least this many rows per part of a step of {@link #choleskyLower}. */
    static final int CHOLESKY_PART_ROWS = 64;

    /** Columns of the diagonal sub-blocks whose inverses solve each panel of {@link #choleskyLower}. */
    static final int CHOLESKY_INVERSE_BLOCK = 32;

    /**
     * Overwrites the lower triangle of the {@code 'c'}-order {@code m x m} matrix at {@code a} with its Cholesky
     * factor {@code L} ({@code A = L L^T}); the strict upper triangle is left as it was. Right-looking, by blocks of
     * {@code block} columns ({@link #CHOLESKY_BLOCK}). Each diagonal block is factored in Java (0.1 s in all at 7850
     * rows). The panel below it is solved against it as MAGMA's {@code dtrsm} does, with {@code dgemm}s: the inverses
     * of the block's diagonal sub-blocks of {@link #CHOLESKY_INVERSE_BLOCK} columns are taken in Java, and each
     * sub-block column of the panel is updated by the columns before it and multiplied by its inverse. Then the
     * trailing lower triangle is updated ({@code dgemm} left of the diagonal, {@code dsyrk} on it). Panel and
     * trailing updates run in row parts on {@link NativeThreads}; the parts depend on the shape only, so the factor is
     * the same bit for bit for any thread count.
     *
     * <p>Only {@code dgemm}, {@code dsyrk} and copies run in OpenBLAS: on an Intel AVX-512 core OpenBLAS 0.3.19's
     * SkylakeX kernels, which are the fastest there for the {@code syrk}s that build Newton's Hessian, get
     * {@code dpotrf} wrong from 40 rows and {@code dtrsm} from 8 columns (see {@link OpenBlasCore}). LAPACK's
     * {@code dpotrf} on the whole matrix would also run on one thread, since OpenBLAS's own threads are held to one
     * (see {@link NativeThreads}): 3.5 s for Newton's 7850 x 7850 Hessian at Fashion-MNIST size with the Haswell
     * kernels.
     *
     * @param partRows at least this many rows per part ({@link #CHOLESKY_PART_ROWS}), at most
     *                 {@link #CHOLESKY_PARTS} parts
     * @return false when a pivot is not positive (or not a number): the matrix is not positive definite
     */
    static boolean choleskyLower(DoublePointer a, int m, int block, int partRows) {
        double[] diagonal = new double[block * block];
        double[] inverses = new double[block * block];
        DoublePointer row = new DoublePointer(a);
        // The panels' products go through a scratch: each part has its own rows of it.
        try (DoublePointer nativeInverses = new DoublePointer((long) block * block);
             DoublePointer scratch = new DoublePointer((long) m * CHOLESKY_INVERSE_BLOCK)) {
            for (int start = 0; start < m; start += block) {
                int j0 = start;
                int width = Math.min(block, m - j0);
                int j1 = j0 + width;
                for (int i = 0; i < width; i++) {
                    row.position(a.position() + (long) (j0 + i) * m + j0).get(diagonal, i * width, i + 1);
                }
                if (!factorLower(diagonal, width)) {
                    return false;
                }
                for (int i = 0; i < width; i++) {
                    row.position(a.position() + (long) (j0 + i) * m + j0).put(diagonal, i * width, i + 1);
                }
                int rest = m - j1;
                if (rest == 0) {
                    break;
                }
                invertDiagonalBlocks(diagonal, width, CHOLESKY_INVERSE_BLOCK, inverses);
                nativeInverses.position(0).put(inverses, 0, width * width);
                int parts = Math.max(1, Math.min(CHOLESKY_PARTS, rest / partRows));
                NativeThreads.parallelFor(parts, part -> {
                    int from = j1 + (int) ((long) rest * part / parts);
                    int to = j1 + (int) ((long) rest * (part + 1) / parts);
                    solvePanel(a, m, j0, width, from, to - from, nativeInverses,
                            offset(scratch, (long) (from - j1) * CHOLESKY_INVERSE_BLOCK));
                });
                // Parts of the trailing triangle of about equal area: row i has i - j1 + 1 entries to update.
                int[] bounds = new int[parts + 1];
                for (int part = 0; part <= parts; part++) {
                    bounds[part] = j1 + (int) Math.round(rest * Math.sqrt((double) part / parts));
                }
                NativeThreads.parallelFor(parts, part -> {
                    int from = bounds[part];
                    int to = bounds[part + 1];
                    if (to <= from) {
                        return;
                    }
                    DoublePointer panelRows = offset(a, (long) from * m + j0);
                    if (from > j1) {
                        openblas_nolapack.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, to - from, from - j1,
                                width, -1.0, panelRows, m, offset(a, (long) j1 * m + j0), m, 1.0,
                                offset(a, (long) from * m + j1), m);
                    }
                    openblas_nolapack.cblas_dsyrk(CblasRowMajor, openblas_nolapack.CblasLower, CblasNoTrans,
                            to - from, width, -1.0, panelRows, m, 1.0, offset(a, (long) from * m + from), m);
                });
            }
        }
        return true;
    }

    /**
     * Rows {@code [from, from + rows)} of the panel below the diagonal block at {@code (j0, j0)}, {@code X} with
     * {@code X L^T = A}: for each sub-block of columns, minus the columns before it times the factor's entries
     * there, then times the transposed inverse of its diagonal sub-block ({@code inverses}, {@code width x width},
     * the inverted sub-blocks on its diagonal), through {@code scratch} ({@code rows x}
     * {@link #CHOLESKY_INVERSE_BLOCK}).
     */
    private static void solvePanel(DoublePointer a, int m, int j0, int width, int from, int rows,
                                   DoublePointer inverses, DoublePointer scratch) {
        DoublePointer panel = offset(a, (long) from * m + j0);
        for (int s0 = 0; s0 < width; s0 += CHOLESKY_INVERSE_BLOCK) {
            int sw = Math.min(CHOLESKY_INVERSE_BLOCK, width - s0);
            DoublePointer columns = offset(a, (long) from * m + j0 + s0);
            if (s0 > 0) {
                openblas_nolapack.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, sw, s0, -1.0, panel, m,
                        offset(a, (long) (j0 + s0) * m + j0), m, 1.0, columns, m);
            }
            openblas_nolapack.cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, sw, sw, 1.0, columns, m,
                    offset(inverses, (long) s0 * width + s0), width, 0.0, scratch, sw);
            openblas.LAPACKE_dlacpy(openblas.LAPACK_ROW_MAJOR, (byte) 'A', rows, sw, scratch, sw, columns, m);
        }
    }

    /**
     * Cholesky factor of the symmetric {@code n x n} row-major matrix in {@code a}, in place in its lower triangle
     * (read from there too); false at the first pivot that is not positive.
     */
    static boolean factorLower(double[] a, int n) {
        for (int j = 0; j < n; j++) {
            int rowJ = j * n;
            double pivot = a[rowJ + j];
            for (int k = 0; k < j; k++) {
                pivot -= a[rowJ + k] * a[rowJ + k];
            }
            if (!(pivot > 0)) {
                return false;
            }
            double root = Math.sqrt(pivot);
            a[rowJ + j] = root;
            for (int i = j + 1; i < n; i++) {
                int rowI = i * n;
                double sum = a[rowI + j];
                for (int k = 0; k < j; k++) {
                    sum -= a[rowI + k] * a[rowJ + k];
                }
                a[rowI + j] = sum / root;
            }
        }
        return true;
    }

    /**
     * {@code inverses} ({@code n x n}, row-major) gets the inverses of the diagonal sub-blocks of {@code size}
     * columns of the lower triangular {@code l}, each where its sub-block is, and zeros elsewhere.
     */
    static void invertDiagonalBlocks(double[] l, int n, int size, double[] inverses) {
        java.util.Arrays.fill(inverses, 0, n * n, 0.0);
        for (int b0 = 0; b0 < n; b0 += size) {
            int b1 = Math.min(n, b0 + size);
            // Column c of the inverse: forward substitution on the unit vector e_c.
            for (int c = b0; c < b1; c++) {
                for (int i = c; i < b1; i++) {
                    double sum = i == c ? 1.0 : 0.0;
                    for (int k = c; k < i; k++) {
                        sum -= l[i * n + k] * inverses[k * n + c];
                    }
                    inverses[i * n + c] = sum / l[i * n + i];
                }
            }
        }
    }

    private static DoublePointer offset(DoublePointer base, long doubles) {
        return new DoublePointer(base).position(base.position() + doubles);
    }

    /**
     * The eigendecomposition {@code a = U diag(w) U^T} of a symmetric matrix by LAPACK's divide-and-conquer
     * {@code dsyevd}: {@code a} is overwritten with the orthonormal eigenvectors, one per column, and the eigenvalues
     * are returned in ascending order. ND4J exposes only {@code dsyev} (QR iteration), 6 to 7 times slower for
     * eigenvectors: 1.0 against 0.15 s for a 785 x 785 matrix (Fashion-MNIST's feature Gram) on one Zen 3 core.
     *
     * <p>The result is checked ({@code ||A U - U diag(w)||} and {@code ||U^T U - I||}, two GEMMs, about 1% of the
     * decomposition's time): on an Intel AVX-512 core, where OpenBLAS 0.3.19 (the one ND4J ships) picks its SkylakeX
     * kernels, {@code dsyevd} returned the right eigenvalues with garbage eigenvectors from n = 100 up (NaN at 785,
     * Fashion-MNIST's feature Gram), which left Newton-CG's preconditioner useless. A decomposition that fails the
     * check is computed again by Commons Math's {@code EigenDecomposition} (Java, several times slower) and a
     * warning is logged once.
     *
     * @param a a square DOUBLE matrix in {@code 'c'} order, not a view; only its upper triangle is read
     * @return the {@code n} eigenvalues, ascending
     * @throws IllegalArgumentException for another shape, type or layout
     * @throws IllegalStateException when LAPACK reports a failure
     */
    public static double[] symmetricEigen(INDArray a) {
        if (a.rank() != 2 || a.rows() != a.columns() || a.dataType() != DataType.DOUBLE || a.ordering() != 'c'
                || a.isView()) {
            throw new IllegalArgumentException("need a square DOUBLE 'c'-order matrix that is not a view, got "
                    + a.dataType() + " " + Arrays.toString(a.shape()));
        }
        int n = (int) a.rows();
        INDArray symmetric = upperToSymmetric(a);
        double[] eigenvalues = new double[n];
        try (DoublePointer w = new DoublePointer(n)) {
            int info = openblas.LAPACKE_dsyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n,
                    (DoublePointer) a.data().addressPointer(), n, w);
            if (info != 0) {
                throw new IllegalStateException("LAPACK dsyevd failed (info " + info + ")");
            }
            w.get(eigenvalues);
        }
        if (decomposes(symmetric, a, eigenvalues)) {
            return eigenvalues;
        }
        if (!LAPACK_WARNED.getAndSet(true)) {
            org.slf4j.LoggerFactory.getLogger(Blas.class).warn("LAPACK dsyevd returned a wrong {} x {} "
                    + "eigendecomposition on this CPU; using Commons Math's instead (slower)", n, n);
        }
        return symmetricEigenInJava(symmetric, a);
    }

    private static final java.util.concurrent.atomic.AtomicBoolean LAPACK_WARNED =
            new java.util.concurrent.atomic.AtomicBoolean();

    /** The symmetric matrix whose upper triangle {@code a} holds (a copy). */
    private static INDArray upperToSymmetric(INDArray a) {
        int n = (int) a.rows();
        double[] values = a.data().asDouble();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                values[i * n + j] = values[j * n + i];
            }
        }
        return org.nd4j.linalg.factory.Nd4j.create(values, new long[] {n, n}, DataType.DOUBLE);
    }

    /**
     * Whether {@code u} (eigenvectors in columns) and {@code w} decompose {@code a}: {@code ||A U - U diag(w)||_F}
     * and {@code ||U^T U - I||_F} within {@code 1e-8 n} of {@code ||A||_F} and of 1 (LAPACK's are about
     * {@code 1e-16 n}; the broken ones were of order 1 or NaN).
     */
    static boolean decomposes(INDArray a, INDArray u, double[] w) {
        int n = (int) a.rows();
        INDArray residual = u.mulRowVector(org.nd4j.linalg.factory.Nd4j.createFromArray(w).reshape(1, n));
        gemm(false, false, 1, a, u, -1, residual);
        INDArray gram = org.nd4j.linalg.factory.Nd4j.eye(n).castTo(DataType.DOUBLE);
        gemm(true, false, 1, u, u, -1, gram);
        double tolerance = 1e-8 * n;
        double scale = Math.max(a.norm2Number().doubleValue(), Double.MIN_NORMAL);
        return residual.norm2Number().doubleValue() <= tolerance * scale
                && gram.norm2Number().doubleValue() <= tolerance;
    }

    /**
     * {@link #symmetricEigen} by Commons Math ({@code EigenDecomposition}, Householder tridiagonalisation and the QL
     * iteration in Java): {@code u} is overwritten with the eigenvectors, one per column, in ascending order of the
     * returned eigenvalues.
     */
    static double[] symmetricEigenInJava(INDArray symmetric, INDArray u) {
        int n = (int) symmetric.rows();
        org.apache.commons.math3.linear.EigenDecomposition decomposition =
                new org.apache.commons.math3.linear.EigenDecomposition(
                        new org.apache.commons.math3.linear.Array2DRowRealMatrix(symmetric.toDoubleMatrix(), false));
        double[] values = decomposition.getRealEigenvalues();
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, java.util.Comparator.comparingDouble(i -> values[i]));
        org.apache.commons.math3.linear.RealMatrix v = decomposition.getV();
        double[] vectors = new double[n * n];
        double[] eigenvalues = new double[n];
        for (int j = 0; j < n; j++) {
            eigenvalues[j] = values[order[j]];
            for (int i = 0; i < n; i++) {
                vectors[i * n + j] = v.getEntry(i, order[j]);
            }
        }
        u.assign(org.nd4j.linalg.factory.Nd4j.create(vectors, new long[] {n, n}, DataType.DOUBLE));
        return eigenvalues;
    }

    /**
     * {@code c = alpha op(a) op(b) + beta c}, with {@code op(m)} the transpose when asked.
     *
     * @param transposeA whether {@code op(a)} is {@code a^T}
     * @param transposeB whether {@code op(b)} is {@code b^T}
     * @param alpha      the factor of the product
     * @param a          {@code [m,k]}, or {@code [k,m]} when {@code transposeA}
     * @param b          {@code [k,p]}, or {@code [p,k]} when {@code transposeB}
     * @param beta       the factor of the old {@code c}
     * @param c          {@code [m,p]}, overwritten ({@code beta = 0}) or accumulated into
     */
    public static void gemm(boolean transposeA, boolean transposeB, double alpha, INDArray a, INDArray b, double beta,
                            INDArray c) {
        DataType type = sameType(a, b, c);
        if (a.rank() != 2 || b.rank() != 2 || c.rank() != 2) {
            throw new IllegalArgumentException("gemm needs matrices, got ranks " + a.rank() + ", " + b.rank() + " and "
                    + c.rank());
        }
        long m = transposeA ? a.columns() : a.rows();
        long k = transposeA ? a.rows() : a.columns();
        long kb = transposeB ? b.columns() : b.rows();
        long p = transposeB ? b.rows() : b.columns();
        if (k != kb || c.rows() != m || c.columns() != p) {
            throw new IllegalArgumentException("gemm shapes do not match: " + Arrays.toString(a.shape())
                    + (transposeA ? "^T" : "") + " x " + Arrays.toString(b.shape()) + (transposeB ? "^T" : "")
                    + " -> " + Arrays.toString(c.shape()));
        }
        if (m == 0 || p == 0) {
            return;
        }
        int ta = transposeA ? CblasTrans : CblasNoTrans;
        int tb = transposeB ? CblasTrans : CblasNoTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, ta, tb, (int) m, (int) p, (int) k, (float) alpha,
                    floats(a), leading(a), floats(b), leading(b), (float) beta, floats(c), leading(c));
        } else {
            openblas_nolapack.cblas_dgemm(CblasRowMajor, ta, tb, (int) m, (int) p, (int) k, alpha,
                    doubles(a), leading(a), doubles(b), leading(b), beta, doubles(c), leading(c));
        }
    }

    /**
     * The upper triangle of {@code c = alpha a^T a + beta c} (BLAS {@code syrk}): half the multiply-adds of the
     * {@link #gemm} that gives all of it. The strictly lower triangle of {@code c} is not touched.
     *
     * @param alpha the factor of the product
     * @param a     {@code [k,n]}
     * @param beta  the factor of the old {@code c}
     * @param c     {@code [n,n]}, its upper triangle overwritten ({@code beta = 0}) or accumulated into
     */
    public static void syrkUpper(double alpha, INDArray a, double beta, INDArray c) {
        DataType type = sameType(a, c, c);
        if (a.rank() != 2 || c.rank() != 2 || c.rows() != a.columns() || c.columns() != a.columns()) {
            throw new IllegalArgumentException("syrk shapes do not match: " + Arrays.toString(a.shape())
                    + "^T x itself -> " + Arrays.toString(c.shape()));
        }
        int n = (int) a.columns();
        int k = (int) a.rows();
        if (n == 0) {
            return;
        }
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_ssyrk(CblasRowMajor, openblas_nolapack.CblasUpper, CblasTrans, n, k, (float) alpha,
                    floats(a), leading(a), (float) beta, floats(c), leading(c));
        } else {
            openblas_nolapack.cblas_dsyrk(CblasRowMajor, openblas_nolapack.CblasUpper, CblasTrans, n, k, alpha,
                    doubles(a), leading(a), beta, doubles(c), leading(c));
        }
    }

    /**
     * {@code y = alpha op(a) x + beta y}.
     *
     * @param transpose whether {@code op(a)} is {@code a^T}
     * @param alpha     the factor of the product
     * @param a         {@code [m,k]}; {@code op(a)} is {@code a^T} when {@code transpose}
     * @param x         vector of length {@code k} ({@code m} when transposed)
     * @param beta      the factor of the old {@code y}
     * @param y         vector of length {@code m} ({@code k} when transposed), overwritten or accumulated into
     */
    public static void gemv(boolean transpose, double alpha, INDArray a, INDArray x, double beta, INDArray y) {
        DataType type = sameType(a, x, y);
        long in = transpose ? a.rows() : a.columns();
        long out = transpose ? a.columns() : a.rows();
        if (a.rank() != 2 || x.length() != in || y.length() != out) {
            throw new IllegalArgumentException("gemv shapes do not match: " + Arrays.toString(a.shape())
                    + (transpose ? "^T" : "") + " x " + x.length() + " -> " + y.length());
        }
        checkVector(x);
        checkVector(y);
        if (a.rows() == 0 || a.columns() == 0) {
            return;
        }
        int t = transpose ? CblasTrans : CblasNoTrans;
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemv(CblasRowMajor, t, (int) a.rows(), (int) a.columns(), (float) alpha,
                    floats(a), leading(a), floats(x), 1, (float) beta, floats(y), 1);
        } else {
            openblas_nolapack.cblas_dgemv(CblasRowMajor, t, (int) a.rows(), (int) a.columns(), alpha,
                    doubles(a), leading(a), doubles(x), 1, beta, doubles(y), 1);
        }
    }

    /**
     * The rank-one update {@code a += alpha x y^T}.
     *
     * @param alpha the factor of {@code x y^T}
     * @param x     vector of length {@code m}
     * @param y     vector of length {@code k}
     * @param a     {@code [m,k]}, updated in place
     */
    public static void ger(double alpha, INDArray x, INDArray y, INDArray a) {
        DataType type = sameType(a, x, y);
        if (a.rank() != 2 || x.length() != a.rows() || y.length() != a.columns()) {
            throw new IllegalArgumentException("ger shapes do not match: " + x.length() + " x " + y.length()
                    + " -> " + Arrays.toString(a.shape()));
        }
        checkVector(x);
        checkVector(y);
        if (a.length() == 0) {
            return;
        }
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_sger(CblasRowMajor, (int) a.rows(), (int) a.columns(), (float) alpha,
                    floats(x), 1, floats(y), 1, floats(a), leading(a));
        } else {
            openblas_nolapack.cblas_dger(CblasRowMajor, (int) a.rows(), (int) a.columns(), alpha,
                    doubles(x), 1, doubles(y), 1, doubles(a), leading(a));
        }
    }

    /**
     * {@code sum x_i y_i} over all elements of two arrays of the same length (matrices as their rows end to end),
     * accumulated in double for FLOAT arrays too. Not with BLAS {@code dsdot} for FLOAT: OpenBLAS 0.3.19's
     * vector kernel for it accumulates in float on the AVX-512 development machine (1e8 + 1 + ... - 1e8 over 40
     * entries came out 24 instead of 38), so FLOAT products are summed here, in double, from float copies of
     * 4096 entries at a time.
     *
     * @param x a contiguous array
     * @param y a contiguous array of the same type and length
     * @return the dot product
     */
    public static double dot(INDArray x, INDArray y) {
        DataType type = sameType(x, y, x);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("dot of lengths " + x.length() + " and " + y.length());
        }
        checkContiguous(x);
        checkContiguous(y);
        if (x.length() == 0) {
            return 0;
        }
        return type == DataType.FLOAT ? floatDot(x, y)
                : openblas_nolapack.cblas_ddot((int) x.length(), doubles(x), 1, doubles(y), 1);
    }

    private static final int DOT_CHUNK = 4096;
    private static final ThreadLocal<float[][]> DOT_BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[DOT_CHUNK], new float[DOT_CHUNK]});

    private static double floatDot(INDArray x, INDArray y) {
        // Private pointer copies: positioning the arrays' own pointers would disturb other threads.
        FloatPointer px = new FloatPointer(floats(x));
        FloatPointer py = new FloatPointer(floats(y));
        float[][] buffers = DOT_BUFFERS.get();
        float[] bx = buffers[0];
        float[] by = buffers[1];
        long n = x.length();
        double sum = 0;
        for (long from = 0; from < n; from += DOT_CHUNK) {
            int length = (int) Math.min(DOT_CHUNK, n - from);
            px.position(from).get(bx, 0, length);
            py.position(from).get(by, 0, length);
            for (int i = 0; i < length; i++) {
                sum += (double) bx[i] * by[i];
            }
        }
        return sum;
    }

    /**
     * {@code sum |x_i|} over all elements of a contiguous array (BLAS {@code asum}): one streaming read, which is
     * what the benchmark's floor measures.
     *
     * @param x a contiguous FLOAT or DOUBLE array
     * @return the sum of absolute values
     */
    public static double asum(INDArray x) {
        DataType type = sameType(x, x, x);
        checkContiguous(x);
        if (x.length() == 0) {
            return 0;
        }
        return type == DataType.FLOAT ? openblas_nolapack.cblas_sasum((int) x.length(), floats(x), 1)
                : openblas_nolapack.cblas_dasum((int) x.length(), doubles(x), 1);
    }

    /**
     * {@link #asum} over the elements {@code [from, to)} of a contiguous array in its memory order, without making a
     * view: the benchmark's floor reads a chunk of rows per task, and making 64 ND4J views per read kept the first
     * few dozen reads of CIFAR-10's {@code X} a fifth slower than the rest.
     *
     * @param x    a contiguous FLOAT or DOUBLE array
     * @param from the first element
     * @param to   the element after the last
     * @return the sum of absolute values of those elements
     */
    public static double asum(INDArray x, long from, long to) {
        DataType type = sameType(x, x, x);
        checkContiguous(x);
        if (from < 0 || to > x.length() || from > to || to - from > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") of " + x.length() + " elements");
        }
        if (from == to) {
            return 0;
        }
        int count = (int) (to - from);
        return type == DataType.FLOAT ? openblas_nolapack.cblas_sasum(count, floats(x).position(from), 1)
                : openblas_nolapack.cblas_dasum(count, doubles(x).position(from), 1);
    }

    /**
     * Whether every entry of a floating-point array is finite. A NaN or an infinity makes a sum of absolute values
     * NaN or infinite, so one streaming {@link #asum} decides (ND4J's sum for arrays BLAS cannot read whole). Only
     * when that sum is not finite, which finite entries can also give by overflow, are the entries looked at one by
     * one, a block at a time. For a dense 7850 x 7850 Hessian in double this takes 0.023 s, against 0.36 s for
     * ND4J's {@code isNaN()} and {@code isInfinite()} masks, which are as large as the array and which, in
     * 1.0.0-M2.1, miss a NaN in a HALF array.
     *
     * @param x a floating-point array
     * @return whether no entry is NaN or infinite
     */
    public static boolean allFinite(INDArray x) {
        if (x.length() == 0) {
            return true;
        }
        DataType type = x.dataType();
        boolean blasReadable = (type == DataType.FLOAT || type == DataType.DOUBLE) && x.length() <= Integer.MAX_VALUE
                && (x.length() == 1 || x.elementWiseStride() == 1);
        double sum = blasReadable ? asum(x) : x.sumNumber().doubleValue();
        return Double.isFinite(sum) || everyEntryFinite(x);
    }

    private static final int FINITE_CHECK_BLOCK = 1 << 16;

    private static boolean everyEntryFinite(INDArray x) {
        INDArray flat = (x.length() == 1 || x.elementWiseStride() == 1 ? x : x.dup('c')).reshape(x.length());
        for (long from = 0; from < flat.length(); from += FINITE_CHECK_BLOCK) {
            long to = Math.min(flat.length(), from + FINITE_CHECK_BLOCK);
            for (double value : flat.get(NDArrayIndex.interval(from, to)).castTo(DataType.DOUBLE).toDoubleVector()) {
                if (!Double.isFinite(value)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code y += alpha x} over all elements of two arrays of the same length.
     *
     * @param alpha the factor of {@code x}
     * @param x     a contiguous array
     * @param y     a contiguous array of the same type and length, updated in place
     */
    public static void axpy(double alpha, INDArray x, INDArray y) {
        DataType type = sameType(x, y, x);
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("axpy of lengths " + x.length() + " and " + y.length());
        }
        checkContiguous(x);
        checkContiguous(y);
        if (x.length() == 0) {
            return;
        }
        if (type == DataType.FLOAT) {
            openblas_nolapack.cblas_saxpy((int) x.length(), (float) alpha, floats(x), 1, floats(y), 1);
        } else {
            openblas_nolapack.cblas_daxpy((int) x.length(), alpha, doubles(x), 1, doubles(y), 1);
        }
    }

    private static DataType sameType(INDArray a, INDArray b, INDArray c) {
        DataType type = a.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("BLAS needs FLOAT or DOUBLE arrays, got " + type);
        }
        if (b.dataType() != type || c.dataType() != type) {
            throw new IllegalArgumentException("BLAS arguments must share one data type, got " + a.dataType() + ", "
                    + b.dataType() + " and " + c.dataType());
        }
        return type;
    }

    /** The row stride of a {@code 'c'}-order matrix with contiguous rows. */
    private static int leading(INDArray matrix) {
        if (matrix.rank() == 2 && (matrix.columns() == 1 || matrix.rows() == 1)) {
            // A single row or column (ND4J may call either order): contiguous, its own length apart.
            checkContiguous(matrix);
            return (int) Math.max(1, matrix.columns());
        }
        if (matrix.rank() != 2 || matrix.ordering() != 'c' || matrix.stride(1) != 1) {
            throw new IllegalArgumentException("expected a 'c'-order matrix with contiguous rows, got shape "
                    + Arrays.toString(matrix.shape()) + ", strides " + Arrays.toString(matrix.stride()) + ", order "
                    + matrix.ordering());
        }
        return (int) matrix.stride(0);
    }

    private static void checkVector(INDArray vector) {
        if (vector.rank() > 2 || (vector.rank() == 2 && vector.rows() != 1 && vector.columns() != 1)) {
            throw new IllegalArgumentException("expected a vector, got shape " + Arrays.toString(vector.shape()));
        }
        checkContiguous(vector);
    }

    private static void checkContiguous(INDArray array) {
        if (array.length() > 1 && array.elementWiseStride() != 1) {
            throw new IllegalArgumentException("expected contiguous storage, got shape " + Arrays.toString(array.shape())
                    + ", strides " + Arrays.toString(array.stride()));
        }
    }

    // A view's data buffer already starts at the view's first element (ND4J gives views a buffer of their own).
    private static FloatPointer floats(INDArray array) {
        return (FloatPointer) array.data().addressPointer();
    }

    private static DoublePointer doubles(INDArray array) {
        return (DoublePointer) array.data().addressPointer();
    }
}
