package dev.softmax.loss;

import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.MiniBatchObjective;
import dev.softmax.optim.TwiceDifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The L2-regularised softmax cross-entropy (multinomial logistic regression) objective
 * <pre>
 *   J(W,b) = (1/n) * sum_i -log softmax(x_i W + b)[y_i] + (lambda/2) * ||W||_F^2
 * </pre>
 * with the bias not regularised. This is scikit-learn's
 * {@code LogisticRegression(multi_class="multinomial", C = 1/(lambda*n))}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>{@code X} is {@code [n,d]}, one row per sample, float32 or float64; the parameters θ have the same
 *       type. Sums that produce the objective value are accumulated in double either way.</li>
 *   <li>Labels are {@code int[n]} in {@code [0,K)}.</li>
 *   <li>θ is laid out by {@link ParameterLayout}: {@code [(d+1),K]} in {@code 'c'} order, last row {@code b}.</li>
 *   <li>With {@code Z = X W + 1 b^T} and {@code P = softmax(Z)} row-wise, {@code Y} the one-hot labels:
 *       {@code dJ/dW = X^T (P - Y) / n + lambda W} and {@code dJ/db = 1^T (P - Y) / n}.</li>
 * </ul>
 *
 * <p>The forward pass is one GEMM ({@code X W}) and the backward pass one GEMM ({@code X^T (P - Y)} with the
 * transpose given to BLAS as a flag, no copy of {@code X}). The {@code [n,K]} work buffers are allocated once
 * and reused by every call, so one instance must not be used from several threads at once.
 *
 * <h2>Second derivatives</h2>
 * With {@code V = [dW; db^T]} a direction in θ's layout, the Hessian-vector product is (scikit-learn's
 * multinomial {@code hessp} derivation): {@code T = X dW + 1 db^T}, {@code R = P * (T - rowsum(P * T))},
 * {@code H v = [X^T R / n + lambda dW; colsum(R) / n]}. {@link #hessianAt} computes {@code P} once, so each
 * product costs two GEMMs. The dense Hessian has the blocks
 * {@code H_kl = X~^T diag(p_k * (delta_kl - p_l)) X~ / n (+ lambda on the W diagonal)} with {@code X~ = [X, 1]},
 * one GEMM per class pair; it has {@code ((d+1)K)^2} entries and is refused above
 * {@link #hessianBudgetBytes()}.
 *
 * <p>The Hessian is singular: adding the same vector to every class column of θ leaves {@code P} unchanged,
 * so that direction has zero curvature for the bias always, and for {@code W} too when {@code lambda = 0}.
 * Optimizers that solve with {@code H} must handle it (see {@link dev.softmax.optim.Newton}).
 *
 * <h2>Sample weights</h2>
 * With optional weights {@code s_i >= 0} the data term is the weighted mean
 * {@code (1/sum_i s_i) sum_i s_i * -log p_{i,y_i}}, so a weight of 2 on a row is the same as that row twice, and
 * weights that are all equal give the unweighted objective. It is computed as the plain mean of the per-row terms
 * scaled by {@code c_i = n s_i / sum(s)} (weights normalised to mean 1): the rows of {@code P - Y}, of the
 * Hessian's {@code R} and of its diagonal weights are multiplied by the column {@code c} (one broadcast multiply
 * on the {@code [n,K]} buffer), and every {@code 1/n} above stays as it is. Without weights no such multiply
 * happens.
 */
public final class SoftmaxCrossEntropy implements TwiceDifferentiableObjective, MiniBatchObjective {

    /** Default memory budget of the dense Hessian: 2 GiB. */
    public static final long DEFAULT_HESSIAN_BUDGET_BYTES = 2L << 30;

    private final INDArray features;
    private final int[] labels;
    private final INDArray oneHot;
    private final double lambda;
    private final ParameterLayout layout;
    private final int numSamples;
    private final INDArray logits;
    private final INDArray scratch;
    private final long hessianBudgetBytes;
    /** The sample weights as given (copied; a batch's are its rows'), or {@code null} when unweighted. */
    private final double[] sampleWeights;
    /** {@code n / sum(s)} of the full objective (batches keep it), or NaN when unweighted. */
    private final double weightScale;
    /** {@code [n,1]} column {@code c_i = s_i * weightScale} in the features' type, or {@code null} when unweighted. */
    private final INDArray rowScale;

    /**
     * @param features {@code X [n,d]}, float or double; kept by reference, not copied, and never mutated
     * @param labels   {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses {@code K >= 2}
     * @param lambda   L2 strength {@code >= 0} on {@code W}
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda) {
        this(features, labels, numClasses, lambda, DEFAULT_HESSIAN_BUDGET_BYTES);
    }

    /**
     * @param features           {@code X [n,d]}, float or double; kept by reference, not copied, and never mutated
     * @param labels             {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses         {@code K >= 2}
     * @param lambda             L2 strength {@code >= 0} on {@code W}
     * @param hessianBudgetBytes largest dense Hessian {@link #hessian} may build, in bytes, {@code > 0}
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda,
                               long hessianBudgetBytes) {
        this(features, labels, numClasses, lambda, null, hessianBudgetBytes);
    }

    /**
     * The sample-weighted objective (see the class comment), with the default Hessian budget.
     *
     * @param features      {@code X [n,d]}, float or double; kept by reference, not copied, and never mutated
     * @param labels        {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses    {@code K >= 2}
     * @param lambda        L2 strength {@code >= 0} on {@code W}
     * @param sampleWeights {@code s [n]}, finite, {@code >= 0}, with a positive sum; copied; {@code null} for the
     *                      unweighted objective
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda,
                               double[] sampleWeights) {
        this(features, labels, numClasses, lambda, sampleWeights, DEFAULT_HESSIAN_BUDGET_BYTES);
    }

    /**
     * The sample-weighted objective (see the class comment).
     *
     * @param features           {@code X [n,d]}, float or double; kept by reference, not copied, and never mutated
     * @param labels             {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses         {@code K >= 2}
     * @param lambda             L2 strength {@code >= 0} on {@code W}
     * @param sampleWeights      {@code s [n]}, finite, {@code >= 0}, with a positive sum; copied; {@code null}
     *                           for the unweighted objective
     * @param hessianBudgetBytes largest dense Hessian {@link #hessian} may build, in bytes, {@code > 0}
     * @throws IllegalArgumentException for a weight array of the wrong length, a negative, NaN or infinite weight,
     *                                  or weights that sum to zero (and for the checks of the other arguments)
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda,
                               double[] sampleWeights, long hessianBudgetBytes) {
        if (hessianBudgetBytes <= 0) {
            throw new IllegalArgumentException("hessianBudgetBytes must be > 0, got " + hessianBudgetBytes);
        }
        this.hessianBudgetBytes = hessianBudgetBytes;
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be an [n,d] matrix, got shape "
                    + Arrays.toString(features.shape()));
        }
        DataType type = features.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("features must be FLOAT or DOUBLE, got " + type);
        }
        if (features.rows() != labels.length) {
            throw new IllegalArgumentException("features have " + features.rows() + " rows but there are "
                    + labels.length + " labels");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("need at least one sample");
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        this.layout = new ParameterLayout((int) features.columns(), numClasses);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0,"
                        + numClasses + ")");
            }
        }
        this.sampleWeights = sampleWeights == null ? null : checkSampleWeights(sampleWeights, labels.length);
        this.weightScale = sampleWeights == null ? Double.NaN : labels.length / Arrays.stream(sampleWeights).sum();
        this.rowScale = sampleWeights == null ? null : rowScale(this.sampleWeights, weightScale, type);
        this.features = features.isView() || features.ordering() != 'c' ? features.dup('c') : features;
        this.labels = labels.clone();
        this.numSamples = labels.length;
        this.lambda = lambda;
        this.oneHot = oneHot(this.labels, numClasses, type);
        this.logits = Nd4j.createUninitialized(type, numSamples, numClasses);
        this.scratch = Nd4j.createUninitialized(type, numSamples, numClasses);
    }

    /** One-hot matrix {@code [n,K]} of the labels, built without a per-element INDArray put. */
    static INDArray oneHot(int[] labels, int numClasses, DataType type) {
        double[] flat = new double[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            flat[i * numClasses + labels[i]] = 1.0;
        }
        return Nd4j.create(flat, new long[] {labels.length, numClasses}, type);
    }

    /** Validates sample weights (length, finite, non-negative, positive sum) and returns a copy. */
    private static double[] checkSampleWeights(double[] weights, int n) {
        if (weights.length != n) {
            throw new IllegalArgumentException("expected one sample weight per row (" + n + "), got "
                    + weights.length);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (!(weights[i] >= 0) || Double.isInfinite(weights[i])) {
                throw new IllegalArgumentException("sample weight " + weights[i] + " at row " + i
                        + " is not a finite number >= 0");
            }
            sum += weights[i];
        }
        if (!(sum > 0) || Double.isInfinite(sum)) {
            throw new IllegalArgumentException("sample weights must have a finite, positive sum, got " + sum);
        }
        return weights.clone();
    }

    /**
     * The column {@code c_i = s_i * weightScale}, {@code [n,1]}; with {@code weightScale = n / sum(s)} these are
     * the weights normalised to mean 1, so that the plain mean of {@code c_i * loss_i} is the weighted mean.
     */
    private static INDArray rowScale(double[] weights, double weightScale, DataType type) {
        double[] scale = new double[weights.length];
        for (int i = 0; i < weights.length; i++) {
            scale[i] = weights[i] * weightScale;
        }
        return Nd4j.create(scale, new long[] {weights.length, 1}, type);
    }

    /** The same objective with another dense-Hessian memory budget (shares the data, which is not copied). */
    public SoftmaxCrossEntropy withHessianBudget(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("hessianBudgetBytes must be > 0, got " + bytes);
        }
        return new SoftmaxCrossEntropy(features, labels, oneHot, lambda, layout, bytes, sampleWeights, weightScale,
                rowScale);
    }

    /** Whether the objective has sample weights. */
    public boolean isWeighted() {
        return sampleWeights != null;
    }

    /** A copy of the sample weights {@code s [n]} as given, or {@code null} when unweighted. */
    public double[] sampleWeights() {
        return sampleWeights == null ? null : sampleWeights.clone();
    }

    /** The largest dense Hessian, in bytes, that {@link #hessian} builds. */
    public long hessianBudgetBytes() {
        return hessianBudgetBytes;
    }

    /** Bytes of a dense DOUBLE Hessian for {@code d} features and {@code K} classes: {@code 8 ((d+1)K)^2}. */
    public static long denseHessianBytes(int features, int classes) {
        double dim = (double) (features + 1) * classes;
        double bytes = 8.0 * dim * dim;
        return bytes >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) bytes;
    }

    /** Formats a byte count with a binary unit, e.g. {@code 7.0 GiB}. */
    public static String formatBytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** The parameter layout ({@code d}, {@code K}). */
    public ParameterLayout layout() {
        return layout;
    }

    /** Number of samples {@code n}. */
    @Override
    public int numSamples() {
        return numSamples;
    }

    /** The regularisation strength {@code lambda}. */
    public double lambda() {
        return lambda;
    }

    /** The data type of the features and parameters. */
    public DataType dataType() {
        return features.dataType();
    }

    @Override
    public long dimension() {
        return layout.dimension();
    }

    @Override
    public double value(INDArray theta) {
        checkTheta(theta);
        return dataTerm(theta) + penalty(theta);
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        checkTheta(theta);
        double value = dataTerm(theta) + penalty(theta);
        // logits now holds Z - rowmax(Z); turn it into P - Y in place.
        Transforms.exp(logits, false);
        logits.diviColumnVector(logits.sum(true, 1));
        logits.subi(oneHot);
        if (rowScale != null) {
            // Weighted mean: row i counts n s_i / sum(s) times; the 1/n below completes s_i / sum(s).
            logits.muliColumnVector(rowScale);
        }

        INDArray gradient = layout.zeros(theta.dataType());
        INDArray gradW = layout.weights(gradient);
        Nd4j.gemm(features, logits, gradW, true, false, 1.0 / numSamples, 0.0);
        if (lambda != 0) {
            gradW.addi(layout.weights(theta).mul(lambda));
        }
        layout.bias(gradient).assign(logits.sum(true, 0).divi(numSamples));
        return new ValueAndGradient(value, gradient);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The batch is a new {@code SoftmaxCrossEntropy} on a copy of the selected rows (one gather, no
     * per-element work), with the same {@code lambda} and Hessian budget. A weighted objective's batch keeps
     * each row's factor {@code c_i = n s_i / sum(s)} of the full objective, so the batch is
     * {@code (1/m) sum_{i in batch} c_i loss_i + penalty}: a batch of all rows is the full objective, and over
     * random batches its value and gradient are unbiased estimates of the full ones. (Normalising by the batch's
     * own weight sum instead would be biased, and with one-row batches would ignore the weights altogether.)
     */
    @Override
    public SoftmaxCrossEntropy batch(int[] rowIndices) {
        if (rowIndices.length == 0) {
            throw new IllegalArgumentException("a batch needs at least one row");
        }
        int[] batchLabels = new int[rowIndices.length];
        for (int i = 0; i < rowIndices.length; i++) {
            int row = rowIndices[i];
            if (row < 0 || row >= numSamples) {
                throw new IllegalArgumentException("row index " + row + " at position " + i + " is outside [0,"
                        + numSamples + ")");
            }
            batchLabels[i] = labels[row];
        }
        // Gathers only: the rows are already validated, so skip the public constructor's checks (SGD calls this
        // once per mini-batch).
        double[] batchWeights = sampleWeights == null ? null
                : Arrays.stream(rowIndices).mapToDouble(row -> sampleWeights[row]).toArray();
        return new SoftmaxCrossEntropy(features.getRows(rowIndices), batchLabels, oneHot.getRows(rowIndices), lambda,
                layout, hessianBudgetBytes, batchWeights, weightScale,
                rowScale == null ? null : rowScale.getRows(rowIndices));
    }

    /**
     * A batch (or a copy with another budget): arrays already checked and gathered; {@code sampleWeights} and
     * {@code rowScale} are null when unweighted.
     */
    private SoftmaxCrossEntropy(INDArray features, int[] labels, INDArray oneHot, double lambda, ParameterLayout layout,
                                long hessianBudgetBytes, double[] sampleWeights, double weightScale,
                                INDArray rowScale) {
        this.sampleWeights = sampleWeights;
        this.weightScale = weightScale;
        this.rowScale = rowScale;
        this.features = features;
        this.labels = labels;
        this.oneHot = oneHot;
        this.lambda = lambda;
        this.layout = layout;
        this.hessianBudgetBytes = hessianBudgetBytes;
        this.numSamples = labels.length;
        DataType type = features.dataType();
        this.logits = Nd4j.createUninitialized(type, numSamples, layout.classes());
        this.scratch = Nd4j.createUninitialized(type, numSamples, layout.classes());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Computes {@code P = softmax(X W + 1 b^T)} once (one GEMM) and keeps it in the operator; products and
     * the diagonal are in θ's data type.
     */
    @Override
    public HessianOperator hessianAt(INDArray theta) {
        checkTheta(theta);
        return new SoftmaxHessian(probabilities(features, theta));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Built from {@code K(K+1)/2} GEMMs {@code X~^T diag(w_kl) X~} of size {@code (d+1)^2}, each
     * {@code O(n d^2)}; the probabilities are computed in DOUBLE. The entry for θ indices
     * {@code (j,k), (j',l)} (row {@code j} of the {@code [(d+1),K]} matrix, class {@code k}) is at
     * {@code [j*K + k, j'*K + l]}.
     *
     * @throws IllegalStateException when {@code 8 ((d+1)K)^2} bytes exceed {@link #hessianBudgetBytes()}
     */
    @Override
    public INDArray hessian(INDArray theta) {
        checkTheta(theta);
        int d = layout.features();
        int k = layout.classes();
        long bytes = denseHessianBytes(d, k);
        if (bytes > hessianBudgetBytes) {
            throw new IllegalStateException("the dense Hessian for d=" + d + ", K=" + k + " is " + layout.dimension()
                    + " x " + layout.dimension() + " doubles = " + formatBytes(bytes) + ", above the budget of "
                    + formatBytes(hessianBudgetBytes) + "; use newton-cg (Hessian-free), lbfgs, or raise the budget"
                    + " (--hessian-budget)");
        }
        INDArray x = features.castTo(DataType.DOUBLE);
        INDArray p = probabilities(x, theta.castTo(DataType.DOUBLE));
        INDArray xTilde = Nd4j.hstack(x, Nd4j.ones(DataType.DOUBLE, numSamples, 1));
        int dim = (int) layout.dimension();
        INDArray h = Nd4j.zeros(DataType.DOUBLE, dim, dim);
        // View as [j, k, j', l] so that the block of class pair (k, l) is h4[:, k, :, l].
        INDArray h4 = h.reshape('c', d + 1, k, d + 1, k);
        INDArray block = Nd4j.createUninitialized(DataType.DOUBLE, d + 1, d + 1);
        // Built from the weights in double, not from the float rowScale.
        INDArray scale = sampleWeights == null ? null : rowScale(sampleWeights, weightScale, DataType.DOUBLE);
        for (int a = 0; a < k; a++) {
            INDArray pa = p.getColumn(a, true);
            for (int c = a; c < k; c++) {
                // w_ac = p_a * (delta_ac - p_c), per sample.
                INDArray w = a == c ? pa.mul(pa.rsub(1.0)) : pa.mul(p.getColumn(c, true)).negi();
                if (scale != null) {
                    w.muli(scale);
                }
                Nd4j.gemm(xTilde, xTilde.mulColumnVector(w), block, true, false, 1.0 / numSamples, 0.0);
                h4.get(NDArrayIndex.all(), NDArrayIndex.point(a), NDArrayIndex.all(), NDArrayIndex.point(c))
                        .assign(block);
                if (a != c) {
                    h4.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.point(a))
                            .assign(block.transpose());
                }
            }
        }
        if (lambda != 0) {
            // The W entries come first in θ, so the penalised diagonal is the leading d*K entries.
            for (int i = 0; i < d * k; i++) {
                h.putScalar(i, i, h.getDouble(i, i) + lambda);
            }
        }
        return h;
    }

    /** {@code P = softmax(x W + 1 b^T)} for {@code x} (the features, possibly cast), a new {@code [n,K]} array. */
    private INDArray probabilities(INDArray x, INDArray theta) {
        INDArray z = Nd4j.createUninitialized(theta.dataType(), numSamples, layout.classes());
        Nd4j.gemm(x, layout.weights(theta), z, false, false, 1.0, 0.0);
        z.addiRowVector(layout.bias(theta));
        z.subiColumnVector(z.max(true, 1));
        Transforms.exp(z, false);
        return z.diviColumnVector(z.sum(true, 1));
    }

    /** The Hessian at one point; holds its own {@code P}, so it stays valid after other calls. */
    private final class SoftmaxHessian implements HessianOperator {
        private final INDArray p;

        SoftmaxHessian(INDArray p) {
            this.p = p;
        }

        @Override
        public INDArray apply(INDArray v) {
            checkTheta(v);
            INDArray flat = v.isView() || v.ordering() != 'c' ? v.dup('c') : v;
            INDArray dW = layout.weights(flat);
            // T = X dW + 1 db^T: the change of the logits along v.
            INDArray t = Nd4j.createUninitialized(p.dataType(), numSamples, layout.classes());
            Nd4j.gemm(features, dW, t, false, false, 1.0, 0.0);
            t.addiRowVector(layout.bias(flat));
            // R = P * (T - rowsum(P * T)): the softmax Jacobian diag(p) - p p^T applied row by row.
            INDArray rowSums = t.mul(p).sum(true, 1);
            INDArray r = t.subiColumnVector(rowSums).muli(p);
            if (rowScale != null) {
                r.muliColumnVector(rowScale);
            }
            INDArray out = layout.zeros(p.dataType());
            INDArray outW = layout.weights(out);
            Nd4j.gemm(features, r, outW, true, false, 1.0 / numSamples, 0.0);
            if (lambda != 0) {
                outW.addi(dW.mul(lambda));
            }
            layout.bias(out).assign(r.sum(true, 0).divi(numSamples));
            return out;
        }

        @Override
        public INDArray diagonal() {
            // H[(j,k),(j,k)] = (1/n) sum_i x_ij^2 p_ik (1 - p_ik) (+ lambda for W): one GEMM with X∘X.
            INDArray w = p.mul(p.rsub(1.0));
            if (rowScale != null) {
                w.muliColumnVector(rowScale);
            }
            INDArray out = layout.zeros(p.dataType());
            INDArray outW = layout.weights(out);
            Nd4j.gemm(features.mul(features), w, outW, true, false, 1.0 / numSamples, 0.0);
            if (lambda != 0) {
                outW.addi(lambda);
            }
            layout.bias(out).assign(w.sum(true, 0).divi(numSamples));
            return out;
        }
    }

    /**
     * Mean cross-entropy {@code (1/n) sum_i [logsumexp(z_i) - z_{i,y_i}]} (each term times {@code c_i} when
     * weighted). Leaves {@code logits} holding
     * {@code Z - rowmax(Z)}, which the gradient continues from.
     */
    private double dataTerm(INDArray theta) {
        Nd4j.gemm(features, layout.weights(theta), logits, false, false, 1.0, 0.0);
        logits.addiRowVector(layout.bias(theta));
        logits.subiColumnVector(logits.max(true, 1));
        // log-sum-exp of the shifted logits, per row; the row max cancels against the picked logit.
        INDArray logSumExp = Transforms.log(Transforms.exp(scratch.assign(logits), false).sum(true, 1), false);
        INDArray picked = scratch.assign(logits).muli(oneHot).sum(true, 1);
        INDArray losses = logSumExp.subi(picked);
        if (rowScale != null) {
            losses.muli(rowScale);
        }
        return losses.castTo(DataType.DOUBLE).sumNumber().doubleValue() / numSamples;
    }

    private double penalty(INDArray theta) {
        if (lambda == 0) {
            return 0;
        }
        INDArray w = layout.weights(theta).castTo(DataType.DOUBLE);
        return 0.5 * lambda * w.mul(w).sumNumber().doubleValue();
    }

    private void checkTheta(INDArray theta) {
        if (theta.dataType() != features.dataType()) {
            throw new IllegalArgumentException("parameters are " + theta.dataType() + " but features are "
                    + features.dataType());
        }
        if (theta.length() != layout.dimension()) {
            throw new IllegalArgumentException("parameter vector must have length (d+1)*K = " + layout.dimension()
                    + ", got " + theta.length());
        }
    }
}
