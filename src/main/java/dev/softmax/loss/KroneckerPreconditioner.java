package dev.softmax.loss;

import dev.softmax.Blas;
import dev.softmax.optim.Preconditioner;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A Kronecker-factored eigenbasis preconditioner for the softmax cross-entropy Hessian (EKFAC: George et al.,
 * "Fast Approximate Natural Gradient Descent in a Kronecker-factored Eigenbasis", NeurIPS 2018), for
 * {@link dev.softmax.optim.NewtonCg}.
 *
 * <h2>The approximation</h2>
 * With θ as the {@code [(d+1),K]} matrix {@code V} of {@link ParameterLayout}, {@code x~_i = [s x_i, 1]} and
 * optional row weights {@code c_i} (mean 1), the Hessian is
 * {@code H = (1/n) sum_i c_i (diag(p_i) - p_i p_i^T) (x) x~_i x~_i^T + lambda (on W)}. K-FAC (Martens and
 * Grosse 2015) replaces it by {@code A (x) G} with the class factor
 * {@code A = (1/n) sum_i c_i (diag(p_i) - p_i p_i^T) = diag(colmean(C P)) - (C P)^T P / n} ({@code [K,K]}) and
 * the feature factor {@code G = X~^T X~ / n} ({@link FeatureGram}). This class keeps K-FAC's eigenbasis
 * {@code Q = U_G (x) U_A} but not its eigenvalues {@code g_j a_k}: it uses the exact diagonal of the data
 * Hessian in that basis,
 * <pre>
 *   S_jk = (1/m) sum_{i sampled} c_i (U_G^T x~_i)_j^2 (U_A^T (diag(p_i) - p_i p_i^T) U_A)_kk + lambda,
 *   (U_A^T (diag(p) - p p^T) U_A)_kk = sum_l U_A[l,k]^2 p_l - (p . U_A[:,k])^2,
 * </pre>
 * so {@code M = Q diag(S) Q^T} and {@code M^{-1} R = U_G [(U_G^T R U_A) ./ S] U_A^T}. The sum runs over the
 * rows {@link FeatureGram} sampled ({@code (U_G^T x~_i)^2} is precomputed there), so building one costs a GEMM
 * of {@code m (d+1) K} flops plus {@code O(n K^2)} for {@code A}; applying it costs four GEMMs,
 * {@code 4 (d+1)^2 K} flops (under a tenth of a Hessian-vector product at Fashion-MNIST size). {@code lambda} is
 * added to every entry of {@code S}: {@code lambda I} stays {@code lambda I} in the orthogonal basis {@code Q},
 * so this is the penalty's own curvature, extended as a damping to the unpenalised bias. Entries below
 * {@code 1e-10} of the largest (with {@code lambda = 0}, the direction "the same change in every class" has no
 * curvature at all) are raised to that floor, as in {@link Preconditioner#jacobi}.
 *
 * <h2>Why this one</h2>
 * Hessian-vector products of {@link dev.softmax.optim.NewtonCg} on Fashion-MNIST (60000 x 784, pixels / 255,
 * {@code lambda = 1e-4}, from zero, to a relative objective gap of 1e-6). A float64 NumPy prototype: Jacobi 545,
 * no preconditioner 337, K-FAC with eigenvalues {@code g_j a_k + lambda} 369 (354 with {@code G} from 8192 rows),
 * K-FAC with factored Tikhonov damping 425 (370), this eigenbasis correction 251 with all rows and 277 to 317
 * with 2048 to 8192 sampled rows. This class in float32 (7500 sampled rows): 257 products against 778 for
 * Jacobi and 530 unpreconditioned, 29 s against 84 s on a busy machine. Plain K-FAC misses because
 * {@code p_i} depends strongly on {@code x_i}: near the optimum most rows are confidently classified and
 * contribute no curvature, so the average {@code A (x) G} misjudges the scale of most directions; the corrected
 * diagonal measures it.
 *
 * <p>The factors are fixed when an instance is made. {@link #apply(INDArray)} may be called from several threads at
 * once; {@link #apply(INDArray, INDArray)} reuses work arrays of the instance and may not.
 */
public final class KroneckerPreconditioner implements Preconditioner {

    private final ParameterLayout layout;
    /** The factors in double, and in the features' type (the same arrays when that is double). */
    private final Factors inDouble;
    private final Factors typed;
    /** {@link #apply(INDArray, INDArray)}'s two work matrices per type, made at its first call. */
    private INDArray[] floatWork;
    private INDArray[] doubleWork;

    /** {@code U_G [(d+1),(d+1)]}, {@code U_A [K,K]} and {@code 1 ./ S [(d+1),K]} in one data type. */
    private record Factors(INDArray featureBasis, INDArray classBasis, INDArray inverseScale) {
        DataType dataType() {
            return featureBasis.dataType();
        }
    }

    private KroneckerPreconditioner(ParameterLayout layout, Factors inDouble, Factors typed) {
        this.layout = layout;
        this.inDouble = inDouble;
        this.typed = typed;
    }

    /**
     * Builds the preconditioner at one linearisation point (once per Newton iteration).
     *
     * @param gram          the data-only factor of the same features ({@link FeatureGram#of}), reused across calls
     * @param probabilities {@code P [n,K]}, FLOAT or DOUBLE: the softmax probabilities of every row at the point;
     *                      not mutated and not kept
     * @param rowScale      the row weights {@code c [n,1]} (or {@code [n]}) normalised to mean 1, any float type,
     *                      or {@code null} for unweighted; not mutated and not kept
     * @param lambda        the L2 strength {@code >= 0} of the objective
     * @return the preconditioner; its {@link #apply} returns vectors of the residual's type
     * @throws IllegalArgumentException when a shape does not match {@code gram} or {@code lambda} is invalid
     */
    public static KroneckerPreconditioner of(FeatureGram gram, INDArray probabilities, INDArray rowScale,
                                             double lambda) {
        ParameterLayout layout = gram.layout();
        int n = gram.rows();
        int k = layout.classes();
        if (probabilities.rank() != 2 || probabilities.rows() != n || probabilities.columns() != k) {
            throw new IllegalArgumentException("probabilities must be [" + n + "," + k + "] (the rows of the "
                    + "feature Gram matrix), got " + Arrays.toString(probabilities.shape()));
        }
        if (rowScale != null && rowScale.length() != n) {
            throw new IllegalArgumentException("rowScale must have one entry per row (" + n + "), got "
                    + rowScale.length());
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        DataType type = probabilities.dataType();
        INDArray weights = rowScale == null ? null : rowScale.reshape(n, 1).castTo(type);

        // A = diag(colmean(C P)) - (C P)^T P / n, one GEMM in P's type, then its eigenvectors in double.
        INDArray weighted = weights == null ? probabilities : probabilities.mulColumnVector(weights);
        INDArray cross = Nd4j.createUninitialized(type, k, k);
        Nd4j.gemm(weighted, probabilities, cross, true, false, 1.0 / n, 0.0);
        INDArray classFactor = cross.castTo(DataType.DOUBLE).negi();
        INDArray means = weighted.sum(0).castTo(DataType.DOUBLE).divi(n);
        for (int c = 0; c < k; c++) {
            classFactor.putScalar(c, c, classFactor.getDouble(c, c) + means.getDouble(c));
        }
        INDArray classBasis = classFactor.dup('c');
        Eigen.symmetricGeneralizedEigenvalues(classBasis, true);

        // Rotated class curvature of each sampled row, w_ik = sum_l U_A[l,k]^2 p_il - (p_i . U_A[:,k])^2 (>= 0),
        // in double: the two terms cancel along the all-ones eigenvector of A.
        int m = gram.sampledRows();
        INDArray sampled = Nd4j.createUninitialized(DataType.DOUBLE, m, k).assign(gram.sampled(probabilities));
        INDArray rotated = sampled.mmul(classBasis);
        INDArray curvature = sampled.mmul(classBasis.mul(classBasis)).subi(rotated.muli(rotated));
        if (weights != null) {
            curvature.muliColumnVector(gram.sampled(rowScale.reshape(n, 1)).castTo(DataType.DOUBLE));
        }

        // S = (X~ U_G)^2^T w / m + lambda, in the features' type (sums of non-negative terms), then floored.
        INDArray squares = gram.rotatedSquaresView();
        INDArray scale = Nd4j.createUninitialized(squares.dataType(), layout.features() + 1, k);
        Nd4j.gemm(squares, curvature.castTo(squares.dataType()), scale, true, false, 1.0 / m, 0.0);
        INDArray damped = scale.castTo(DataType.DOUBLE).addi(lambda);
        double floor = 1e-10 * Math.max(damped.maxNumber().doubleValue(), Double.MIN_NORMAL);
        INDArray inverse = Transforms.max(damped, floor, false).rdivi(1.0);

        Factors inDouble = new Factors(gram.basisView(), classBasis, inverse);
        Factors typed = gram.dataType() == DataType.DOUBLE ? inDouble
                : new Factors(gram.typedBasisView(), classBasis.castTo(gram.dataType()),
                        inverse.castTo(gram.dataType()));
        return new KroneckerPreconditioner(layout, inDouble, typed);
    }

    /**
     * {@code M^{-1} r = U_G [(U_G^T R U_A) ./ S] U_A^T} with {@code R} the residual as a {@code [(d+1),K]} matrix.
     *
     * @param residual length {@code (d+1)K}, FLOAT or DOUBLE; not mutated
     * @return a new array of the residual's shape and data type (with work arrays of its own: safe to call from
     *         several threads)
     */
    @Override
    public INDArray apply(INDArray residual) {
        checkLength(residual, "residual");
        DataType type = residual.dataType();
        Factors f = factorsFor(type);
        if (f == null) {
            return apply(residual.castTo(DataType.DOUBLE)).castTo(type);
        }
        return multiply(f, plain(residual), Nd4j.createUninitialized(type, residual.shape()), newWork(type));
    }

    /**
     * {@link #apply(INDArray)} into {@code out}, through two {@code [(d+1),K]} work matrices kept from the first
     * call: a conjugate-gradient solve then allocates nothing per step (ND4J frees native memory only when the
     * garbage collector runs, which with the vector kernels can be rarely). So not for concurrent calls.
     *
     * @param residual length {@code (d+1)K}, FLOAT or DOUBLE; not mutated unless it is {@code out}
     * @param out      a vector of the residual's length; overwritten; may be {@code residual} itself (the first
     *                 product reads all of it before the last writes {@code out})
     * @return {@code out}
     */
    @Override
    public INDArray apply(INDArray residual, INDArray out) {
        checkLength(residual, "residual");
        checkLength(out, "out");
        DataType type = residual.dataType();
        Factors f = factorsFor(type);
        if (f == null || out.dataType() != type || !isPlain(out)) {
            return out.assign(apply(residual));
        }
        return multiply(f, plain(residual), out, keptWork(type));
    }

    private Factors factorsFor(DataType type) {
        return type == typed.dataType() ? typed : type == DataType.DOUBLE ? inDouble : null;
    }

    private INDArray[] keptWork(DataType type) {
        if (type == DataType.DOUBLE) {
            return doubleWork != null ? doubleWork : (doubleWork = newWork(type));
        }
        return floatWork != null ? floatWork : (floatWork = newWork(type));
    }

    private INDArray[] newWork(DataType type) {
        int rows = layout.features() + 1;
        int k = layout.classes();
        return new INDArray[] {Nd4j.createUninitialized(type, rows, k), Nd4j.createUninitialized(type, rows, k)};
    }

    private INDArray multiply(Factors f, INDArray residual, INDArray out, INDArray[] work) {
        int rows = layout.features() + 1;
        int k = layout.classes();
        INDArray left = work[0];
        INDArray rotated = work[1];
        Blas.gemm(true, false, 1.0, f.featureBasis(), residual.reshape('c', rows, k), 0.0, left);
        Blas.gemm(false, false, 1.0, left, f.classBasis(), 0.0, rotated);
        rotated.muli(f.inverseScale());
        Blas.gemm(false, true, 1.0, rotated, f.classBasis(), 0.0, left);
        Blas.gemm(false, false, 1.0, f.featureBasis(), left, 0.0, out.reshape('c', rows, k));
        return out;
    }

    private static INDArray plain(INDArray a) {
        return isPlain(a) ? a : a.dup('c');
    }

    private void checkLength(INDArray vector, String name) {
        if (vector.length() != layout.dimension()) {
            throw new IllegalArgumentException(name + " must have length (d+1)*K = " + layout.dimension() + ", got "
                    + vector.length());
        }
    }

    private static boolean isPlain(INDArray a) {
        return a.ordering() == 'c' && a.elementWiseStride() == 1 && !a.isView();
    }

    /**
     * The eigenvectors {@code U_A} of the class factor {@code A}, one per column, {@code [K,K]} DOUBLE; a copy.
     *
     * @return {@code U_A}
     */
    public INDArray classBasis() {
        return inDouble.classBasis().dup();
    }

    /**
     * The damped, floored scales {@code S} ({@code M}'s eigenvalues; entry {@code (j,k)} belongs to the column
     * {@code j} of {@code U_G} and the column {@code k} of {@code U_A}), {@code [(d+1),K]} DOUBLE; a copy.
     *
     * @return {@code S}
     */
    public INDArray scale() {
        return inDouble.inverseScale().rdiv(1.0);
    }
}
