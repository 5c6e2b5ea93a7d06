package dev.softmax.loss;

import dev.softmax.Blas;
import dev.softmax.Kernels;
import dev.softmax.NativeThreads;
import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.MiniBatchObjective;
import dev.softmax.optim.Preconditioner;
import dev.softmax.optim.SgdSteps;
import dev.softmax.optim.TwiceDifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.IntToDoubleFunction;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.reduce.same.Max;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Log;
import org.nd4j.linalg.factory.Broadcast;
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
 * transpose given to BLAS as a flag, no copy of {@code X}), run block by block over the rows so that each block
 * of {@code X} is read from memory once for both. The rows are split into chunks
 * ({@link NativeThreads#chunkCount}) that run on {@link NativeThreads#current()} threads, each into its own
 * partial sums, added in chunk order: the result is the same for any thread count. Within a block, BLAS is called
 * directly ({@link Blas}) and four ND4J operations remain (row maximum, two {@code exp}, {@code log}); the
 * probabilities are {@code exp(z - rowmax - log rowsum)}, by rank-one updates rather than a division of each row.
 * The {@code [n,K]} work buffers are allocated once and reused by every call, so one instance must not be used
 * from several threads at once.
 *
 * <p>For float32 data, when {@link Kernels#useVector()} holds, the same chunks run on the JDK's Vector API instead
 * (see {@link #kernel()}): each sub-block of rows is copied to the heap once and both products, the softmax and the
 * loss are computed on it there, in one pass over {@code X}, with the row-wise arithmetic in double. Chunks start at
 * 64 rows there ({@code VectorPass.chunkCount}) and depend on the shape only, so results are again the same for any
 * thread count.
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
 * scaled by {@code c_i = n s_i / sum(s)} (weights normalised to mean 1): the one-hot targets carry {@code c}
 * ({@code C Y}, made once), the probabilities get {@code + log c} in the exponent ({@code C P}), the Hessian's
 * {@code R} uses {@code C P} and its diagonal weights are multiplied by {@code c}, and every {@code 1/n} above
 * stays as it is. Without weights none of this happens.
 */
public final class SoftmaxCrossEntropy implements TwiceDifferentiableObjective, MiniBatchObjective {

    /** Default memory budget of the dense Hessian: 2 GiB. */
    public static final long DEFAULT_HESSIAN_BUDGET_BYTES = 2L << 30;

    private final INDArray features;
    private final int[] labels;
    /** One-hot labels {@code [n,K]}, each row multiplied by its factor {@code c_i} when weighted. */
    private final INDArray target;
    private final double lambda;
    private final ParameterLayout layout;
    private final int numSamples;
    private final long hessianBudgetBytes;
    /** Work buffers and row blocks, made on the first evaluation (a mini-batch objective may never need them). */
    private Workspace workspace;
    /** The float32 passes with the Vector API kernels, made on first use when {@link Kernels#useVector()}. */
    private VectorPass vectorPass;
    /**
     * Entries of the data this objective stands for: its own, or for a batch the full objective's, which decides
     * whether the vector kernels are warmed up before the first pass ({@link VectorPass}).
     */
    private long dataEntries;
    /** θ as the vector pass reads it, refilled by each evaluation. */
    private VectorPass.Parameters vectorTheta;
    /** θ in the vector kernels' layout during {@link #sgdSteps()}, made on first use. */
    private VectorPass.Parameters sgdTheta;
    /** The data-only factor of Newton-CG's preconditioner, made on first use ({@link #featureGram}). */
    private FeatureGram featureGram;
    /** Rows per block, or 0 for {@link #blockRows}' choice; set by tests to exercise many blocks. */
    private int blockRowsOverride;
    /**
     * Uniform factor the features are multiplied by, folded into the GEMMs as their alpha: pixel scaling (1/255)
     * needs no scaled copy of {@code X}.
     */
    private double featureScale = 1.0;
    /**
     * The features as bytes for the vector passes, if {@link Kernels#byteFeatures()} held when this objective was
     * made; shared with copies, and a batch uses its root's.
     */
    private ByteFeatures.Slot byteFeatures = new ByteFeatures.Slot(Kernels.byteFeatures());
    /**
     * A batch's gradient buffer, returned by every {@link #valueAndGradient} of the batch (see {@link #batch});
     * {@code null} for objectives that return a new gradient each time.
     */
    private INDArray reusedGradient;
    /** The batch objectives {@link #batch} fills and returns, by batch size: their buffers are reused. */
    private final java.util.Map<Integer, SoftmaxCrossEntropy> batchCache = new java.util.HashMap<>();
    /** The sample weights as given (copied; a batch's are its rows'), or {@code null} when unweighted. */
    private final double[] sampleWeights;
    /** {@code n / sum(s)} of the full objective (batches keep it), or NaN when unweighted. */
    private final double weightScale;
    /** {@code [n,1]} column {@code c_i = s_i * weightScale} in the features' type, or {@code null} when unweighted. */
    private final INDArray rowScale;
    /**
     * For a batch: the objective made with a constructor, whose rows it holds (a batch of a batch too), else
     * {@code null}.
     */
    private SoftmaxCrossEntropy root;
    /** For a batch: row {@code i} is row {@code rootRows[i]} of {@link #root}'s data; {@code null} for a root. */
    private int[] rootRows;
    /** For a batch: whether its own features, targets and row factors hold its rows now ({@link #gather}). */
    private boolean gathered;

    /**
     * Compiles the Vector API kernels now, if float32 passes use them ({@link Kernels#useVector()}), with those that
     * read bytes if {@link Kernels#byteFeatures()} is on (those alone if the others were compiled before); otherwise
     * does nothing. Until the JIT compiler has compiled them every vector operation allocates, so compiling them costs
     * about 0.4 s (Zen 5) to 0.9 s (Zen 3) once per JVM and 250 to 300 MB of short-lived heap garbage, which made
     * the collector grow the heap by as much. An objective over 4 MB of data or more does this itself when it is
     * made; a program that is about to load large data can call this first, followed by {@link System#gc()}, so that
     * the garbage is gone before the data arrive (the command line does, for the image data sets).
     *
     * @return whether this call compiled any (false when they are not in use or were compiled before)
     */
    public static boolean warmUpKernels() {
        return Kernels.useVector() && VectorPass.warmUpOnce();
    }

    /**
     * Whether an objective made over {@code features} while {@link Kernels#byteFeatures()} is on reads them as bytes:
     * they are float32 in {@code 'c'} order, not a view, under {@code 2^31} entries, and every entry is one of the
     * floats 0, 1, ..., 255. Otherwise such an objective reads the floats, with the same results. Reads the
     * features once, on the worker threads (most data that are not 8-bit fail on their first row).
     *
     * @param features the training features
     * @return whether the passes would read them as bytes
     */
    public static boolean readableAsBytes(INDArray features) {
        return ByteFeatures.fits(features);
    }

    /**
     * {@link #warmUpKernels()}, and the kernels that read float rows where they are if the passes would read rows of
     * {@code featureCount} features that way ({@link #readsRowsInPlace()}: at least 2048 features, a whole number of
     * vectors, 32 vector registers; 0.13 s more on the Intel machine). Otherwise those are compiled at the first
     * pass that needs them, after the data were loaded: with CIFAR-10's floats the garbage then grew the peak from
     * 0.90 to 1.05 GB resident.
     *
     * @param featureCount the number of features of the data about to be loaded
     * @return whether this call compiled any
     */
    public static boolean warmUpKernels(long featureCount) {
        boolean compiled = warmUpKernels();
        if (Kernels.useVector() && VectorPass.readsRowsOfInPlace(featureCount)) {
            compiled |= VectorPass.warmUpFloatsInPlaceOnce();
        }
        return compiled;
    }

    /**
     * The objective on {@code X} and {@code y}, with the default budget for the dense Hessian.
     *
     * @param features {@code X [n,d]}, float or double; kept by reference and never mutated; must not
     *                 change while the objective is in use (8-bit data may be read from a byte copy,
     *                 {@link Kernels#byteFeatures()})
     * @param labels   {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses {@code K >= 2}
     * @param lambda   L2 strength {@code >= 0} on {@code W}
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda) {
        this(features, labels, numClasses, lambda, DEFAULT_HESSIAN_BUDGET_BYTES);
    }

    /**
     * The objective on {@code X} and {@code y}, with a budget for the dense Hessian.
     *
     * @param features           {@code X [n,d]}, float or double; kept by reference and never mutated; must not
     *                           change while the objective is in use (8-bit data may be read from a byte copy,
     *                           {@link Kernels#byteFeatures()})
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
     * @param features      {@code X [n,d]}, float or double; kept by reference and never mutated; must not
     *                      change while the objective is in use (8-bit data may be read from a byte copy,
     *                      {@link Kernels#byteFeatures()})
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
     * @param features           {@code X [n,d]}, float or double; kept by reference and never mutated; must not
     *                           change while the objective is in use (8-bit data may be read from a byte copy,
     *                           {@link Kernels#byteFeatures()})
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
        this.weightScale = sampleWeights == null ? Double.NaN : labels.length / Arrays.stream(this.sampleWeights).sum();
        this.rowScale = sampleWeights == null ? null : rowScale(this.sampleWeights, weightScale, type);
        this.features = features.isView() || features.ordering() != 'c' ? features.dup('c') : features;
        this.labels = labels.clone();
        this.numSamples = labels.length;
        this.lambda = lambda;
        INDArray oneHot = oneHot(this.labels, numClasses, type);
        this.target = rowScale == null ? oneHot : oneHot.muliColumnVector(rowScale);
    }

    /** One-hot matrix {@code [n,K]} of the labels, built without a per-element INDArray put. */
    static INDArray oneHot(int[] labels, int numClasses, DataType type) {
        long entries = (long) labels.length * numClasses;
        if (entries > Integer.MAX_VALUE - 8) {
            // n * K overflowed int here once ("Index 61049157 out of bounds"); a Java array holds at most 2^31 - 1.
            throw new IllegalArgumentException(labels.length + " rows times " + numClasses + " classes is " + entries
                    + " entries per [n,K] array, more than one array holds (2^31 - 1)");
        }
        double[] flat = new double[(int) entries];
        for (int i = 0; i < labels.length; i++) {
            flat[i * numClasses + labels[i]] = 1.0;
        }
        return Nd4j.create(flat, new long[] {labels.length, numClasses}, type);
    }

    /**
     * Validates sample weights (length, finite, non-negative, not all zero) and returns a copy, divided by the
     * largest weight when their sum, or {@code n} over it, would overflow.
     */
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
        if (!(sum > 0)) {
            throw new IllegalArgumentException("sample weights must not all be zero");
        }
        double[] copy = weights.clone();
        if (Double.isInfinite(sum) || Double.isInfinite(n / sum)) {
            // Only their ratios matter (c_i = n s_i / sum(s)): weights too large to add up, or so small that
            // n / sum(s) overflows, are divided by the largest first.
            double largest = Arrays.stream(copy).max().orElseThrow();
            for (int i = 0; i < n; i++) {
                copy[i] /= largest;
            }
        }
        return copy;
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

    /**
     * The same objective with another dense-Hessian memory budget (shares the data, which is not copied).
     *
     * @param bytes the largest dense Hessian {@link #hessian} builds, in bytes, {@code > 0}
     * @return the copy
     */
    public SoftmaxCrossEntropy withHessianBudget(long bytes) {
        gather();
        if (bytes <= 0) {
            throw new IllegalArgumentException("hessianBudgetBytes must be > 0, got " + bytes);
        }
        SoftmaxCrossEntropy copy = new SoftmaxCrossEntropy(features, labels, target, lambda, layout, bytes,
                sampleWeights, weightScale, rowScale);
        copy.featureScale = featureScale;
        copy.byteFeatures = byteFeatures;
        return copy;
    }

    /**
     * The same objective on the features {@code factor * X} (sharing {@code X}, which is not copied): the factor
     * is applied inside the matrix products, so a uniform scaling such as pixels / 255 costs no memory and no pass.
     *
     * @param factor finite and {@code > 0}
     * @return the copy
     */
    public SoftmaxCrossEntropy withFeatureScale(double factor) {
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("feature scale must be finite and > 0, got " + factor);
        }
        SoftmaxCrossEntropy copy = withHessianBudget(hessianBudgetBytes);
        copy.featureScale = factor;
        return copy;
    }

    /**
     * The factor the features are multiplied by (1 unless set by {@link #withFeatureScale}).
     *
     * @return the factor
     */
    public double featureScale() {
        return featureScale;
    }

    /**
     * Whether the objective has sample weights.
     *
     * @return {@code true} when weighted
     */
    public boolean isWeighted() {
        return sampleWeights != null;
    }

    /**
     * A copy of the sample weights {@code s [n]} as given (divided by the largest when they were too large to add
     * up or too small to divide by; only their ratios count), or {@code null} when unweighted.
     *
     * @return the weights, or {@code null}
     */
    public double[] sampleWeights() {
        return sampleWeights == null ? null : sampleWeights.clone();
    }

    /**
     * The largest dense Hessian, in bytes, that {@link #hessian} builds.
     *
     * @return the budget in bytes
     */
    public long hessianBudgetBytes() {
        return hessianBudgetBytes;
    }

    /**
     * Bytes of a dense DOUBLE Hessian for {@code d} features and {@code K} classes: {@code 8 ((d+1)K)^2}.
     *
     * @param features {@code d}
     * @param classes  {@code K}
     * @return the size in bytes, capped at {@code Long.MAX_VALUE}
     */
    public static long denseHessianBytes(int features, int classes) {
        double dim = (double) (features + 1) * classes;
        double bytes = 8.0 * dim * dim;
        return bytes >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) bytes;
    }

    /**
     * Formats a byte count with a binary unit, e.g. {@code 7.0 GiB}.
     *
     * @param bytes the byte count
     * @return the formatted count
     */
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

    /**
     * The parameter layout ({@code d}, {@code K}).
     *
     * @return the layout
     */
    public ParameterLayout layout() {
        return layout;
    }

    /** Number of samples {@code n}. */
    @Override
    public int numSamples() {
        return numSamples;
    }

    /**
     * The regularisation strength {@code lambda}.
     *
     * @return {@code lambda}
     */
    public double lambda() {
        return lambda;
    }

    /**
     * The data type of the features and parameters.
     *
     * @return the data type
     */
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
        INDArray flat = contiguous(theta);
        Workspace w = workspace();
        VectorPass vector = vectorPass();
        if (vector != null) {
            vectorTheta.loadPacked(flat);
            NativeThreads.parallelFor(w.chunks.length, c -> w.chunkLoss[c] = vector.run(VectorPass.Mode.VALUE,
                    w.chunks[c].from, w.chunks[c].to, vectorTheta, featureScale, null, null, c));
            return dataTerm(w) + 0.5 * lambda * vectorTheta.weightsSquaredNorm;
        }
        gather();
        INDArray weights = layout.weights(flat);
        INDArray bias = layout.bias(flat);
        NativeThreads.parallelFor(w.chunks.length, c -> {
            double loss = 0;
            for (Block block : w.chunks[c].blocks) {
                loss += forward(block, weights, bias);
            }
            w.chunkLoss[c] = loss;
        });
        return dataTerm(w) + penalty(weights);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One fused pass: for each block of rows, the forward GEMM {@code Z_b = X_b W + 1 b^T}, the stable
     * softmax turning {@code Z_b} into {@code P_b - Y_b} in place, and the backward GEMM
     * {@code X_b^T (P_b - Y_b) / n} while the block of {@code X} is still in cache, so {@code X} is read from
     * memory once. Chunks of rows run on {@link NativeThreads#current()} threads, each into its own partial
     * gradient; the partials are added in chunk order, so the result does not depend on the thread count.
     */
    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        checkTheta(theta);
        INDArray flat = contiguous(theta);
        Workspace w = workspace();
        INDArray gradient = reusedGradient != null && reusedGradient.dataType() == theta.dataType() ? reusedGradient
                : layout.zeros(theta.dataType());
        VectorPass vector = vectorPass();
        if (vector != null) {
            // No views of θ or of the gradient (each costs 10 to 40 us, as much as a batch's pass): θ is read in one
            // copy, and the penalty's derivative is added to the chunks' sum before it is copied out in one copy.
            vectorTheta.loadPacked(flat);
            VectorPass.Partials partials = vectorPartials(w, vector);
            NativeThreads.parallelFor(w.chunks.length, c -> w.chunkLoss[c] = vector.run(
                    VectorPass.Mode.VALUE_AND_GRADIENT, w.chunks[c].from, w.chunks[c].to, vectorTheta, featureScale,
                    null, partials, c));
            partials.sumInto(w.chunks.length, featureScale, lambda, vectorTheta, gradient);
            return new ValueAndGradient(dataTerm(w) + 0.5 * lambda * vectorTheta.weightsSquaredNorm, gradient);
        }
        gather();
        INDArray weights = layout.weights(flat);
        INDArray bias = layout.bias(flat);
        BlasPartials partials = w.blasPartials();
        NativeThreads.parallelFor(w.chunks.length, c -> {
            Chunk chunk = w.chunks[c];
            double loss = 0;
            boolean first = true;
            for (Block block : chunk.blocks) {
                loss += forward(block, weights, bias);
                // C P, then C (P - Y) with C the row factors (the target rows already carry them).
                probabilitiesInPlace(block, true);
                Blas.axpy(-1, block.target, block.logits);
                accumulate(partials, c, block, block.logits, first);
                first = false;
            }
            w.chunkLoss[c] = loss;
        });
        sumPartials(partials, gradient);
        double value = dataTerm(w) + penalty(weights);
        if (lambda != 0) {
            Blas.axpy(lambda, weights, layout.weights(gradient));
        }
        return new ValueAndGradient(value, gradient);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The batch is a {@code SoftmaxCrossEntropy} on the selected rows, with the same {@code lambda} and Hessian
     * budget. With the vector kernels ({@link #kernel()}) its value and gradient read the rows straight from this
     * objective's features into the kernels' blocks; anything else (BLAS kernels, Hessians, another batch's
     * copies) first copies the rows into the batch (one memory copy per row), once per batch. The returned object and its buffers are reused by the next call
     * with the same number of rows, so use a batch before asking for the next one (as stochastic optimizers do);
     * this keeps an SGD epoch free of per-batch allocation. That includes the gradient its
     * {@link #valueAndGradient} returns, which the batch's next evaluation overwrites (allocating it took 0.36 ms
     * per batch at CIFAR-10 size, as long as the whole evaluation of 128 rows). A weighted objective's batch keeps
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
        for (int i = 0; i < rowIndices.length; i++) {
            int row = rowIndices[i];
            if (row < 0 || row >= numSamples) {
                throw new IllegalArgumentException("row index " + row + " at position " + i + " is outside [0,"
                        + numSamples + ")");
            }
        }
        int m = rowIndices.length;
        if (batchCache.size() > 4 && !batchCache.containsKey(m)) {
            batchCache.clear();
        }
        SoftmaxCrossEntropy batch = batchCache.computeIfAbsent(m, size -> new SoftmaxCrossEntropy(
                Nd4j.createUninitialized(features.dataType(), size, layout.features()), new int[size],
                Nd4j.createUninitialized(features.dataType(), size, layout.classes()), lambda, layout,
                hessianBudgetBytes, sampleWeights == null ? null : new double[size], weightScale,
                rowScale == null ? null : Nd4j.createUninitialized(features.dataType(), size, 1)));
        batch.featureScale = featureScale;
        batch.dataEntries = Math.max(dataEntries, (long) numSamples * layout.features());
        if (batch.reusedGradient == null) {
            batch.reusedGradient = layout.zeros(features.dataType());
        }
        // Fill the reused buffers: only the rows move (no objective, no workspace, no native allocation per batch).
        if (batch.rootRows == null) {
            batch.rootRows = new int[m];
        }
        batch.root = rootRows == null ? this : root;
        for (int i = 0; i < m; i++) {
            batch.rootRows[i] = rootRows == null ? rowIndices[i] : rootRows[rowIndices[i]];
            batch.labels[i] = labels[rowIndices[i]];
            if (sampleWeights != null) {
                batch.sampleWeights[i] = sampleWeights[rowIndices[i]];
            }
        }
        batch.gathered = false;
        if (batch.vectorPass() == null) {
            batch.gather();
        }
        return batch;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Present when the passes use the vector kernels ({@link #kernel()} is {@code "vector"}): the parameters
     * stay in the kernels' layout from one batch to the next, each step applied to the batch's summed partial
     * derivatives in that layout, and θ is read once at the start and written once at the end. Loading θ,
     * transposing the gradient back and the separate update took about a quarter of a step on 128 CIFAR-10 rows.
     * The steps round as evaluating the batches one by one and updating θ would, except that the update's
     * multiply-add is fused.
     */
    @Override
    public Optional<SgdSteps> sgdSteps() {
        return vectorPass() == null ? Optional.empty() : Optional.of(this::runSgdSteps);
    }

    private int runSgdSteps(INDArray x, int[] order, int batchSize, IntToDoubleFunction rate) {
        checkTheta(x);
        if (batchSize < 1 || order.length == 0) {
            throw new IllegalArgumentException("SGD steps need a batch size >= 1 and at least one row, got "
                    + batchSize + " and " + order.length);
        }
        INDArray flat = contiguous(x);
        if (sgdTheta == null) {
            sgdTheta = vectorPass().newParameters();
        }
        sgdTheta.loadPacked(flat);
        int[] rows = null;
        int done = 0;
        for (int from = 0; from < order.length; from += batchSize) {
            int size = Math.min(batchSize, order.length - from);
            if (rows == null || rows.length != size) {
                rows = new int[size];
            }
            System.arraycopy(order, from, rows, 0, size);
            if (!batch(rows).sgdStep(sgdTheta, rate.applyAsDouble(done))) {
                break;
            }
            done++;
        }
        sgdTheta.storePacked(flat);
        if (flat != x) {
            x.assign(flat);
        }
        return done;
    }

    /**
     * Evaluates this batch at {@code theta} and, if the value is finite, takes the step {@code θ -= rate g} in the
     * kernels' layout; returns whether it did.
     */
    private boolean sgdStep(VectorPass.Parameters theta, double rate) {
        VectorPass vector = vectorPass();
        Workspace w = workspace();
        VectorPass.Partials partials = vectorPartials(w, vector);
        NativeThreads.parallelFor(w.chunks.length, c -> w.chunkLoss[c] = vector.run(
                VectorPass.Mode.VALUE_AND_GRADIENT, w.chunks[c].from, w.chunks[c].to, theta, featureScale, null,
                partials, c));
        if (!Double.isFinite(dataTerm(w) + 0.5 * lambda * theta.weightsSquaredNorm)) {
            return false;
        }
        partials.descend(w.chunks.length, featureScale, lambda, rate, theta);
        return true;
    }

    /**
     * Copies a batch's rows of the root objective's features, targets and row factors into the batch's own arrays,
     * unless done already since {@link #batch} filled it: the vector kernels read the rows straight from the root's
     * features ({@link VectorPass} with a row map), so a batch evaluated only by them never copies its rows twice.
     * Everything else that reads the batch's arrays calls this first.
     */
    private void gather() {
        if (rootRows == null || gathered) {
            return;
        }
        gatherRows(root.features, rootRows, features);
        gatherRows(root.target, rootRows, target);
        if (rowScale != null) {
            gatherRows(root.rowScale, rootRows, rowScale);
        }
        gathered = true;
    }

    /**
     * Copies rows {@code rows} of the {@code 'c'}-order matrix {@code source} into the rows of {@code dest}, one
     * bulk memory copy per row through the arrays' native buffers. ND4J's {@code getRows} copies element by element
     * from Java and {@code pullRows} stalled for milliseconds per call here, both far slower than the copy itself.
     */
    static void gatherRows(INDArray source, int[] rows, INDArray dest) {
        int width = source.dataType().width();
        long rowBytes = source.columns() * width;
        long sourceBytes = (source.offset() + source.length()) * width;
        long destBytes = (dest.offset() + dest.length()) * width;
        if (sourceBytes > Integer.MAX_VALUE || destBytes > Integer.MAX_VALUE) {
            Nd4j.pullRows(source, dest, 1, rows);
            return;
        }
        java.nio.ByteBuffer from = source.data().asNio();
        java.nio.ByteBuffer to = dest.data().asNio();
        long fromBase = source.offset() * width;
        long toBase = dest.offset() * width;
        for (int i = 0; i < rows.length; i++) {
            to.put((int) (toBase + i * rowBytes), from, (int) (fromBase + rows[i] * rowBytes), (int) rowBytes);
        }
    }

    /**
     * A batch (or a copy with another budget): arrays already checked and gathered; {@code sampleWeights} and
     * {@code rowScale} are null when unweighted.
     */
    private SoftmaxCrossEntropy(INDArray features, int[] labels, INDArray target, double lambda, ParameterLayout layout,
                                long hessianBudgetBytes, double[] sampleWeights, double weightScale,
                                INDArray rowScale) {
        this.sampleWeights = sampleWeights;
        this.weightScale = weightScale;
        this.rowScale = rowScale;
        this.features = features;
        this.labels = labels;
        this.target = target;
        this.lambda = lambda;
        this.layout = layout;
        this.hessianBudgetBytes = hessianBudgetBytes;
        this.numSamples = labels.length;
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
        gather();
        return new SoftmaxHessian(probabilities(theta));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Softmax is unchanged when the same number is added to every class's logit, so the objective is constant
     * along the bias shift (every entry of {@code b} moved alike: the bias is not regularised) and, with
     * {@code lambda = 0}, along the shift of each feature's row of {@code W}: one direction, or {@code d + 1}, each
     * {@code 1/sqrt(K)} on one row of the {@code [(d+1),K]} matrix.
     */
    @Override
    public INDArray flatDirections() {
        int d = layout.features();
        int k = layout.classes();
        int first = lambda == 0 ? 0 : d;
        INDArray directions = Nd4j.zeros(DataType.DOUBLE, layout.dimension(), d + 1 - first);
        double entry = 1 / Math.sqrt(k);
        for (int row = first; row <= d; row++) {
            for (int c = 0; c < k; c++) {
                directions.putScalar((long) row * k + c, row - first, entry);
            }
        }
        return directions;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here the directions are the shifts of every row of the {@code [(d+1),K]} matrix, the bias row's and each
     * feature's row of {@code W}, whatever {@code lambda}: the loss does not change along any of them, so each is an
     * eigenvector of the Hessian, with eigenvalue {@code lambda} for a row of {@code W} and 0 for the bias (with
     * {@code lambda = 0}, {@link #flatDirections()}). Each is {@code 1/sqrt(K)} on its row, so {@code s n n^T} is
     * {@code s/K} on that row's {@code K x K} block of the Hessian: added block by block, with no {@code N} made,
     * and {@code s} for each row the largest diagonal entry of its own block (at least {@code 1e-12} of the largest
     * there is). One {@code s} for all, the largest of the whole Hessian, was {@code 10^13} next to rows of curvature
     * {@code 10^-6} when one column of unscaled features held values near {@code 5 10^6}: the factorisation failed
     * on every iteration, and Newton crawled 69% above the optimum; and a row of {@code W}'s own curvature
     * {@code lambda = 10^-8} could not be told from that row's {@code 10^13} at all.
     *
     * <p>The correction: along the shift of a row of {@code W} the loss is constant and the penalty
     * {@code (lambda/2) ||W||^2} a parabola with its minimum where the row sums to zero, so the exact Newton step takes
     * the row's mean out of {@code theta} (with {@code lambda = 0}, no step). Along the bias shift, no step. So each
     * row of the step becomes its own deviation from its mean, minus the row's mean in {@code theta}. In float32 the
     * gradient's rows do not sum to zero as they should (at {@code theta = 0}, {@code 3 fl(1/3) = 1 + 3e-8}), and the
     * solve multiplied that noise by {@code 1/lambda}: with {@code lambda = 10^-8} and unscaled features the first step
     * moved the rows' means to hundreds and the logits to {@code 10^8}.
     */
    @Override
    public NewtonStepCorrection addFlatCurvature(INDArray hessian) {
        int d = layout.features();
        int k = layout.classes();
        double largest = Double.MIN_NORMAL;
        for (long i = 0; i < hessian.rows(); i++) {
            largest = Math.max(largest, hessian.getDouble(i, i));
        }
        for (int row = 0; row <= d; row++) {
            long at = (long) row * k;
            double s = 1e-12 * largest;
            for (long i = at; i < at + k; i++) {
                s = Math.max(s, hessian.getDouble(i, i));
            }
            hessian.get(NDArrayIndex.interval(at, at + k), NDArrayIndex.interval(at, at + k)).addi(s / k);
        }
        return this::centreRowsOfStep;
    }

    private void centreRowsOfStep(INDArray theta, INDArray step) {
        INDArray steps = layout.matrix(step);
        steps.subiColumnVector(steps.mean(1).reshape(layout.features() + 1, 1));
        if (lambda > 0) {
            INDArray means = layout.matrix(theta).mean(1).reshape(layout.features() + 1, 1);
            means.putScalar(layout.features(), 0, 0.0); // the bias is not penalised
            steps.subiColumnVector(means);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Built from the {@code K(K-1)/2} symmetric off-diagonal blocks {@code X~^T diag(w_kl) X~} of size
     * {@code (d+1)^2}, each one BLAS {@code syrk} ({@code n d^2} multiply-adds, half a GEMM's), on row parts (see
     * {@link #hessianRowParts}); each diagonal block is minus the sum of the off-diagonal blocks in its row, since the
     * probabilities sum to 1. The probabilities are computed in DOUBLE. The
     * entry for θ indices {@code (j,k), (j',l)} (row {@code j} of the {@code [(d+1),K]} matrix, class {@code k}) is at
     * {@code [j*K + k, j'*K + l]}.
     *
     * @throws IllegalStateException when {@code 8 ((d+1)K)^2} bytes exceed {@link #hessianBudgetBytes()}
     */
    @Override
    public INDArray hessian(INDArray theta) {
        checkTheta(theta);
        gather();
        int d = layout.features();
        int k = layout.classes();
        long bytes = denseHessianBytes(d, k);
        if (bytes > hessianBudgetBytes) {
            throw new IllegalStateException("the dense Hessian for d=" + d + ", K=" + k + " is " + layout.dimension()
                    + " x " + layout.dimension() + " doubles = " + formatBytes(bytes) + ", above the budget of "
                    + formatBytes(hessianBudgetBytes) + "; use newton-cg (Hessian-free), lbfgs, or raise the budget"
                    + " (Trainer.Builder.hessianBudget, withHessianBudget, or --hessian-budget on the command line)");
        }
        // X~ = [s X, 1] in double, built in place; P = softmax(X~ [W; b]) from it. One n x (d+1) buffer takes each
        // pair's diag(w) X~ in turn: a new one per pair (K(K+1)/2 of them, 55 for 10 classes) left that many
        // copies of X~ to the garbage collector, 9 GB resident at 3000 Fashion-MNIST rows.
        INDArray xTilde = Nd4j.createUninitialized(DataType.DOUBLE, numSamples, d + 1);
        INDArray scaled = xTilde.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d));
        scaled.assign(features);
        if (featureScale != 1.0) {
            scaled.muli(featureScale);
        }
        xTilde.getColumn(d).assign(1.0);
        INDArray p = Nd4j.createUninitialized(DataType.DOUBLE, numSamples, k);
        Nd4j.gemm(xTilde, layout.matrix(theta.castTo(DataType.DOUBLE)), p, false, false, 1.0, 0.0);
        p.subiColumnVector(p.max(true, 1));
        Transforms.exp(p, false);
        p.diviColumnVector(p.sum(true, 1));
        int dim = (int) layout.dimension();
        // Every entry is written by exactly one block placement: no zeros needed.
        INDArray h = Nd4j.createUninitialized(DataType.DOUBLE, dim, dim);
        // View as [j, k, j', l] so that the block of class pair (k, l) is h4[:, k, :, l].
        INDArray h4 = h.reshape('c', d + 1, k, d + 1, k);
        // An off-diagonal block X~^T diag(w) X~ has w = -p_a p_c <= 0, so it is -(sqrt|w| X~)^T (sqrt|w| X~): one
        // syrk, half the multiply-adds of a GEMM, for its upper triangle. The lower one stays zero, and
        // upper + upper^T - diagonal is the block.
        // Each block's syrk runs on row parts, one syrk each into its own triangle, on the pass threads; the parts
        // are added in order, and their number depends on the shape only, so the Hessian does not depend on the
        // thread count.
        int parts = hessianRowParts(numSamples, d + 1);
        INDArray[] partUpper = new INDArray[parts];
        for (int part = 0; part < parts; part++) {
            partUpper[part] = Nd4j.zeros(DataType.DOUBLE, d + 1, d + 1);
        }
        INDArray upper = partUpper[0];
        INDArray block = Nd4j.createUninitialized(DataType.DOUBLE, d + 1, d + 1);
        INDArray weighted = Nd4j.createUninitialized(DataType.DOUBLE, numSamples, d + 1);
        // Built from the weights in double, not from the float rowScale.
        INDArray scale = sampleWeights == null ? null : rowScale(sampleWeights, weightScale, DataType.DOUBLE);
        // The probabilities sum to 1, so p_a (1 - p_a) = sum_{c != a} p_a p_c and each diagonal block is minus the
        // sum of the off-diagonal blocks in its row: K(K-1)/2 syrks instead of K(K+1)/2 (45 instead of 55).
        INDArray[] diagonalUpper = new INDArray[k];
        for (int a = 0; a < k; a++) {
            diagonalUpper[a] = Nd4j.zeros(DataType.DOUBLE, d + 1, d + 1);
        }
        boolean scaleRowsInJava = 8L * numSamples * (d + 1) <= Integer.MAX_VALUE;
        for (int a = 0; a < k; a++) {
            INDArray pa = p.getColumn(a, true);
            for (int c = a + 1; c < k; c++) {
                // |w_ac| = p_a p_c per sample.
                INDArray root = pa.mul(p.getColumn(c, true));
                if (scale != null) {
                    root.muli(scale);
                }
                Transforms.sqrt(root, false);
                // The rows of diag(root) X~ are scaled in Java on each part's thread where the matrix fits a
                // buffer; ND4J's broadcast runs on one thread, and on row views it was slower still.
                if (!scaleRowsInJava) {
                    Broadcast.mul(xTilde, root, weighted, 0);
                }
                NativeThreads.parallelFor(parts, part -> {
                    int from = NativeThreads.chunkStart(numSamples, parts, part);
                    int to = NativeThreads.chunkStart(numSamples, parts, part + 1);
                    if (scaleRowsInJava) {
                        scaleRows(xTilde, root, weighted, from, to);
                    }
                    Blas.syrkUpper(-1.0 / numSamples, weighted.get(NDArrayIndex.interval(from, to),
                            NDArrayIndex.all()), 0.0, partUpper[part]);
                });
                for (int part = 1; part < parts; part++) {
                    upper.addi(partUpper[part]);
                }
                diagonalUpper[a].subi(upper);
                diagonalUpper[c].subi(upper);
                placeBlock(h, h4, a, c, upper, block);
            }
        }
        for (int a = 0; a < k; a++) {
            placeBlock(h, h4, a, a, diagonalUpper[a], block);
            diagonalUpper[a].close();
        }
        xTilde.close();
        weighted.close();
        for (INDArray part : partUpper) {
            part.close();
        }
        block.close();
        p.close();
        if (lambda != 0) {
            // The W entries come first in θ, so the penalised diagonal is the leading d*K entries.
            for (int i = 0; i < d * k; i++) {
                h.putScalar(i, i, h.getDouble(i, i) + lambda);
            }
        }
        return h;
    }

    /** Tiles of {@code placeBlock}'s copy: 64 x 64 entries of a block, whose lower half reads a column. */
    private static final int PLACE_TILE = 64;
    /** Largest Hessian, in bytes, that {@code placeBlock} copies in Java (a buffer's limit); tests lower it. */
    static long javaPlacementMaxBytes = Integer.MAX_VALUE;

    /**
     * Writes the symmetric block whose upper triangle is {@code upper} (its lower triangle zero) at class pair
     * {@code (a, c)} of the Hessian {@code h} ({@code h4} is {@code h} viewed as {@code [j, k, j', l]}), and at
     * {@code (c, a)}; {@code block} is scratch. Copied in Java through the buffers, in tiles on the pass threads, where
     * {@code h} has fewer than {@code 2^31} bytes: ND4J's transposed and strided assigns took 0.6 to 0.9 s of each
     * Newton iteration at Fashion-MNIST's 7850 parameters, on one thread.
     */
    private static void placeBlock(INDArray h, INDArray h4, int a, int c, INDArray upper, INDArray block) {
        int size = (int) upper.rows();
        int dim = (int) h.rows();
        if (8L * dim * dim <= javaPlacementMaxBytes) {
            int classes = dim / size;
            DoubleBuffer us = upper.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            DoubleBuffer hs = h.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
            int tiles = (size + PLACE_TILE - 1) / PLACE_TILE;
            int parts = Math.min(tiles, MAX_HESSIAN_ROW_PARTS);
            NativeThreads.parallelFor(parts, part -> {
                for (int tile = tiles * part / parts; tile < tiles * (part + 1) / parts; tile++) {
                    for (int from = 0; from < size; from += PLACE_TILE) {
                        copyTile(us, hs, size, classes, a, c, tile * PLACE_TILE, from);
                    }
                }
            });
            return;
        }
        block.assign(upper.transpose()).addi(upper);
        for (int j = 0; j < block.rows(); j++) {
            block.putScalar(j, j, upper.getDouble(j, j));
        }
        h4.get(NDArrayIndex.all(), NDArrayIndex.point(a), NDArrayIndex.all(), NDArrayIndex.point(c)).assign(block);
        if (a != c) {
            h4.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.point(a))
                    .assign(block);
        }
    }

    /**
     * Entries {@code (j, j')} of one tile of a symmetric block (rows from {@code row}, columns from {@code column},
     * {@link #PLACE_TILE} each) into {@code h} at {@code (j K + a, j' K + c)} and, off the diagonal blocks,
     * {@code (j K + c, j' K + a)}; the block's entry is {@code upper[j][j']} above the diagonal and
     * {@code upper[j'][j]} below it.
     */
    private static void copyTile(DoubleBuffer upper, DoubleBuffer h, int size, int classes, int a, int c, int row,
                                 int column) {
        int dim = size * classes;
        int rowEnd = Math.min(size, row + PLACE_TILE);
        int columnEnd = Math.min(size, column + PLACE_TILE);
        boolean mirrored = a != c;
        for (int j = row; j < rowEnd; j++) {
            int first = (j * classes + a) * dim + c;
            int second = (j * classes + c) * dim + a;
            for (int jj = column; jj < columnEnd; jj++) {
                double value = jj >= j ? upper.get(j * size + jj) : upper.get(jj * size + j);
                h.put(first + jj * classes, value);
                if (mirrored) {
                    h.put(second + jj * classes, value);
                }
            }
        }
    }

    /**
     * {@code out[i][j] = x[i][j] * factor[i]} for rows {@code [from, to)} of the contiguous DOUBLE matrices {@code x}
     * and {@code out} (under {@code 2^31} bytes) and the column {@code factor}.
     */
    private static void scaleRows(INDArray x, INDArray factor, INDArray out, int from, int to) {
        int columns = (int) x.columns();
        DoubleBuffer xs = x.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
        DoubleBuffer fs = factor.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
        DoubleBuffer os = out.data().asNio().order(ByteOrder.nativeOrder()).asDoubleBuffer();
        double[] row = new double[columns];
        for (int i = from; i < to; i++) {
            xs.get(i * columns, row);
            double f = fs.get(i);
            for (int j = 0; j < columns; j++) {
                row[j] *= f;
            }
            os.put(i * columns, row);
        }
    }

    /** Most row parts of a dense Hessian block's {@code syrk}: enough for 8 threads. */
    static final int MAX_HESSIAN_ROW_PARTS = 8;
    /** Fewest rows in a part: below a few thousand rows one {@code syrk} is not worth splitting. */
    static final int MIN_HESSIAN_PART_ROWS = 4096;
    /** Most memory for the parts' triangles, {@code 8 (d+1)^2} bytes each. */
    static final long HESSIAN_PARTS_BYTES = 256L << 20;

    /**
     * Row parts for the {@code syrk} of each dense Hessian block: one per {@link #MIN_HESSIAN_PART_ROWS} rows, at
     * most {@link #MAX_HESSIAN_ROW_PARTS}, and no more than {@link #HESSIAN_PARTS_BYTES} of triangles. Depends on the
     * shape only.
     */
    static int hessianRowParts(int rows, int columns) {
        long triangleBytes = 8L * columns * columns;
        long byMemory = Math.max(1, HESSIAN_PARTS_BYTES / triangleBytes);
        return (int) Math.max(1, Math.min(Math.min(MAX_HESSIAN_ROW_PARTS, rows / MIN_HESSIAN_PART_ROWS), byMemory));
    }

    /** {@code P = softmax(X W + 1 b^T)} through the blocked forward pass, a new {@code [n,K]} array of θ's type. */
    private INDArray probabilities(INDArray theta) {
        Workspace w = workspace();
        INDArray flat = contiguous(theta);
        VectorPass vector = vectorPass();
        if (vector != null) {
            INDArray p = Nd4j.createUninitialized(DataType.FLOAT, numSamples, layout.classes());
            vectorTheta.loadPacked(flat);
            NativeThreads.parallelFor(w.chunks.length, c -> vector.run(VectorPass.Mode.PROBABILITIES,
                    w.chunks[c].from, w.chunks[c].to, vectorTheta, featureScale, p, null, c));
            return p;
        }
        INDArray weights = layout.weights(flat);
        INDArray bias = layout.bias(flat);
        NativeThreads.parallelFor(w.chunks.length, c -> {
            for (Block block : w.chunks[c].blocks) {
                forward(block, weights, bias);
                probabilitiesInPlace(block, false);
            }
        });
        return w.logits.dup();
    }

    /** The Hessian at one point; holds its own {@code P} and buffers, so it stays valid after other calls. */
    private final class SoftmaxHessian implements HessianOperator {
        private final INDArray p;
        private final INDArray t;
        private final INDArray rowSums;
        /**
         * Per block (by {@link Block#index}): {@code scratch_b = P_b * T_b} and {@code T_b *= (C P)_b}, ND4J ops made
         * once (one vectorised call each; BLAS has no elementwise product but {@code tbmv}, which loops element by
         * element).
         */
        private final CustomOp[] products;
        private final CustomOp[] weightings;
        private final INDArray scratch;
        /** The vector pass when products use it (fixed when the operator is made), else {@code null}. */
        private final VectorPass vector;
        /** The direction as the vector pass reads it, or {@code null} when products use BLAS. */
        private final VectorPass.Parameters vectorDirection;

        SoftmaxHessian(INDArray p) {
            this.p = p;
            this.vector = vectorPass();
            if (vector != null) {
                vectorDirection = vector.newParameters();
                t = null;
                scratch = null;
                rowSums = null;
                products = null;
                weightings = null;
                return;
            }
            vectorDirection = null;
            DataType type = p.dataType();
            int k = layout.classes();
            this.t = Nd4j.createUninitialized(type, numSamples, k);
            this.scratch = Nd4j.createUninitialized(type, numSamples, k);
            this.rowSums = Nd4j.createUninitialized(type, numSamples, 1);
            // With row factors, R = C P * (T - rowsum(P * T)): the factors go into a scaled copy of P.
            INDArray weightedP = rowScale == null ? p : p.mulColumnVector(rowScale);
            Workspace w = workspace();
            products = new CustomOp[w.blockCount];
            weightings = new CustomOp[w.blockCount];
            for (Chunk chunk : w.chunks) {
                for (Block block : chunk.blocks) {
                    products[block.index] = new MulOp(rows(p, block), rows(t, block), rows(scratch, block));
                    weightings[block.index] = new MulOp(rows(t, block), rows(weightedP, block), rows(t, block));
                }
            }
        }

        /**
         * {@inheritDoc} Blocked and chunked like the gradient: the two GEMMs of a block share its rows of
         * {@code X} in cache, and chunks run on the worker threads into partial sums added in chunk order.
         */
        @Override
        public INDArray apply(INDArray v) {
            return multiply(v, layout.zeros(p.dataType()));
        }

        /**
         * {@inheritDoc} Into a contiguous 1-D {@code out} that is not a view (conjugate gradient's own array)
         * nothing parameter-sized is allocated; another {@code out} gets a copy of {@link #apply(INDArray)}'s array.
         * {@code out} may be {@code v} itself.
         *
         * @throws IllegalArgumentException for an {@code out} of another type or length
         */
        @Override
        public INDArray apply(INDArray v, INDArray out) {
            checkTheta(out);
            if (out.isView() || out.ordering() != 'c' || out.elementWiseStride() != 1) {
                return out.assign(apply(v));
            }
            return multiply(v, out);
        }

        private INDArray multiply(INDArray v, INDArray out) {
            checkTheta(v);
            INDArray flat = contiguous(v);
            Workspace w = workspace();
            if (vector != null) {
                vectorDirection.loadPacked(flat);
                VectorPass.Partials partials = vectorPartials(w, vector);
                NativeThreads.parallelFor(w.chunks.length, c -> vector.run(VectorPass.Mode.HESSIAN_PRODUCT,
                        w.chunks[c].from, w.chunks[c].to, vectorDirection, featureScale, p, partials, c));
                partials.sumInto(w.chunks.length, featureScale, lambda, vectorDirection, out);
                return out;
            }
            // The penalty's part is added after the sum overwrites out: from a copy when out is v (review).
            INDArray dW = lambda != 0 && sharesMemory(flat, out) ? layout.weights(flat).dup()
                    : layout.weights(flat);
            INDArray db = layout.bias(flat);
            BlasPartials partials = w.blasPartials();
            NativeThreads.parallelFor(w.chunks.length, c -> {
                Chunk chunk = w.chunks[c];
                boolean first = true;
                for (Block block : chunk.blocks) {
                    INDArray tb = rows(t, block);
                    // T = X dW + 1 db^T: the change of the logits along v.
                    Blas.gemm(false, false, 1.0, block.ones, db, 0.0, tb);
                    Blas.gemm(false, false, featureScale, block.x, dW, 1.0, tb);
                    // R = C P * (T - rowsum(P * T)): the softmax Jacobian diag(p) - p p^T applied row by row.
                    Nd4j.exec(products[block.index]);
                    INDArray rowSum = rows(rowSums, block);
                    Blas.gemv(false, 1.0, rows(scratch, block), w.classOnes, 0.0, rowSum);
                    Blas.ger(-1.0, rowSum, w.classOnes, tb);
                    Nd4j.exec(weightings[block.index]);
                    accumulate(partials, c, block, tb, first);
                    first = false;
                }
            });
            sumPartials(partials, out);
            if (lambda != 0) {
                Blas.axpy(lambda, dW, layout.weights(out));
            }
            return out;
        }

        /**
         * {@inheritDoc}
         *
         * <p>The Kronecker-factored eigenbasis preconditioner ({@link KroneckerPreconditioner}) while
         * {@code d + 1 <= } {@link #KRONECKER_MAX_FEATURES}, else Jacobi.
         */
        @Override
        public Preconditioner preconditioner() {
            if (layout.features() + 1 > KRONECKER_MAX_FEATURES) {
                return HessianOperator.super.preconditioner();
            }
            return KroneckerPreconditioner.of(featureGram(), p, rowScale, lambda);
        }

        @Override
        public INDArray diagonal() {
            // H[(j,k),(j,k)] = (1/n) sum_i x_ij^2 p_ik (1 - p_ik) (+ lambda for W): one GEMM with X∘X per block,
            // squaring one block at a time instead of a full copy of X.
            INDArray w = p.mul(p.rsub(1.0));
            if (rowScale != null) {
                w.muliColumnVector(rowScale);
            }
            INDArray out = layout.zeros(p.dataType());
            INDArray outW = layout.weights(out);
            Workspace work = workspace();
            INDArray squares = Nd4j.createUninitialized(p.dataType(), work.maxBlockRows, layout.features());
            boolean first = true;
            for (Chunk chunk : work.chunks) {
                for (Block block : chunk.blocks) {
                    INDArray sq = squares.get(NDArrayIndex.interval(0, block.to - block.from), NDArrayIndex.all())
                            .assign(block.x);
                    sq.muli(sq);
                    Blas.gemm(true, false, featureScale * featureScale / numSamples, sq, rows(w, block),
                            first ? 0.0 : 1.0, outW);
                    first = false;
                }
            }
            if (lambda != 0) {
                outW.addi(lambda);
            }
            layout.bias(out).assign(w.sum(true, 0).divi(numSamples));
            return out;
        }
    }

    /**
     * The forward pass of one block: {@code logits_b = Z_b - rowmax(Z_b)}, {@code scratch_b = exp(logits_b)},
     * {@code rowSum_b = sum_k scratch_b} and {@code logRowSum_b = log(rowSum_b)}. Returns the block's share of the
     * data term, {@code sum_i c_i [log rowSum_i - (z_{i,y_i} - rowmax_i)]} in double (the row maxima cancel), with
     * {@code c_i} the row factors (1 without weights). The bias enters as a rank-one GEMM ({@code 1 b^T}) that also
     * initialises the logits; the row maxima are subtracted with a rank-one update.
     */
    private double forward(Block block, INDArray weights, INDArray bias) {
        Workspace w = workspace;
        Blas.gemm(false, false, 1.0, block.ones, bias, 0.0, block.logits);
        Blas.gemm(false, false, featureScale, block.x, weights, 1.0, block.logits);
        Nd4j.exec(block.max);
        Blas.ger(-1.0, block.rowMax, w.classOnes, block.logits);
        double picked = Blas.dot(block.logits, block.target);
        Nd4j.exec(block.exp);
        Blas.gemv(false, 1.0, block.scratch, w.classOnes, 0.0, block.rowSum);
        Nd4j.exec(block.log);
        return Blas.dot(block.logRowSum, block.rowScale == null ? block.ones : block.rowScale) - picked;
    }

    /**
     * After {@link #forward}: {@code logits_b = exp(logits_b - log rowSum_b)}, the probabilities {@code P_b}, or with
     * {@code weighted} and row factors {@code exp(logits_b - log rowSum_b + log c_b) = C P_b}. Subtracting the
     * logarithms with rank-one updates and exponentiating again costs one ND4J call; dividing rows by their sums
     * has no BLAS routine, and {@code tbmv} row scaling loops element by element.
     */
    private void probabilitiesInPlace(Block block, boolean weighted) {
        Workspace w = workspace;
        Blas.ger(-1.0, block.logRowSum, w.classOnes, block.logits);
        if (weighted && block.rowScale != null) {
            Nd4j.exec(block.logWeights);
            Blas.ger(1.0, block.logRowScale, w.classOnes, block.logits);
        }
        Nd4j.exec(block.expInPlace);
    }

    /**
     * Adds a block's share of the derivative, {@code [X_b^T R_b; 1^T R_b] * (1/n)} (with the feature scale on the
     * {@code X} part), into its chunk's partial sum; the first block of a chunk overwrites it.
     */
    private void accumulate(BlasPartials partials, int chunk, Block block, INDArray residual, boolean first) {
        double beta = first ? 0.0 : 1.0;
        Blas.gemm(true, false, featureScale / numSamples, block.x, residual, beta, partials.weights()[chunk]);
        Blas.gemv(true, 1.0 / numSamples, residual, block.ones, beta, partials.bias()[chunk]);
    }

    /** {@code out = sum_c partial_c}, added in chunk order (one GEMV with a vector of ones). */
    private static void sumPartials(BlasPartials partials, INDArray out) {
        Blas.gemv(true, 1.0, partials.all(), partials.chunkOnes(), 0.0, out);
    }

    /** The vector pass's heap partial derivatives, one per chunk of {@code w}, made at the first use. */
    private static VectorPass.Partials vectorPartials(Workspace w, VectorPass vector) {
        if (w.vectorPartials == null) {
            w.vectorPartials = vector.newPartials(w.chunks.length);
        }
        return w.vectorPartials;
    }

    /** Mean data term {@code (1/n) sum_i c_i loss_i} from the chunks' sums, added in chunk order. */
    private double dataTerm(Workspace w) {
        double sum = 0;
        for (double chunkLoss : w.chunkLoss) {
            sum += chunkLoss;
        }
        return sum / numSamples;
    }

    private double penalty(INDArray weights) {
        return lambda == 0 ? 0 : 0.5 * lambda * Blas.dot(weights, weights);
    }

    /** Whether two contiguous arrays overlap in memory (a view or reshape has a buffer object of its own). */
    private static boolean sharesMemory(INDArray a, INDArray b) {
        long aStart = a.data().addressPointer().address();
        long bStart = b.data().addressPointer().address();
        return aStart < bStart + b.length() * b.data().getElementSize()
                && bStart < aStart + a.length() * a.data().getElementSize();
    }

    /** {@code theta} itself when it is a contiguous {@code 'c'}-order vector, else such a copy. */
    private static INDArray contiguous(INDArray theta) {
        return theta.ordering() == 'c' && (theta.length() <= 1 || theta.elementWiseStride() == 1)
                ? theta : theta.dup('c');
    }

    /**
     * Largest {@code d + 1} for which {@link HessianOperator#preconditioner()} is the Kronecker-factored one: its
     * feature factor needs one symmetric eigendecomposition of size {@code d + 1}, about 2 s at Fashion-MNIST's
     * 785 but 25 s of a 40 s set-up at CIFAR-10's 3073 (ND4J's {@code syev}), which is more than it saves there.
     */
    public static final int KRONECKER_MAX_FEATURES = 1024;

    /** The feature factor of the preconditioner, computed once per objective (at most 8192 sampled rows). */
    private FeatureGram featureGram() {
        if (featureGram == null) {
            featureGram = FeatureGram.of(features, featureScale, layout);
        }
        return featureGram;
    }

    /** For tests: evaluate in blocks of {@code rows} rows (must be called before the first evaluation). */
    void useBlockRows(int rows) {
        if (workspace != null || rows < 1) {
            throw new IllegalStateException("block rows must be >= 1 and set before the first evaluation");
        }
        blockRowsOverride = rows;
    }

    private Workspace workspace() {
        if (workspace == null) {
            workspace = new Workspace();
        }
        return workspace;
    }

    /**
     * What this objective's passes multiply with now: {@code "vector"} (the Vector API kernels, float32 data with
     * {@link Kernels#useVector()}) or {@code "blas"}.
     *
     * @return {@code "vector"} or {@code "blas"}
     */
    public String kernel() {
        return vectorPass() != null ? "vector" : "blas";
    }

    /**
     * Whether this objective's passes read the features as one byte per value: the vector passes do when
     * {@link Kernels#byteFeatures()} held when the objective (or the one it is a batch or copy of) was made, the
     * features are float32 and every value is an integer from 0 to 255.
     *
     * @return whether the features are read as bytes
     */
    public boolean readsFeaturesAsBytes() {
        VectorPass vector = vectorPass();
        return vector != null && vector.readsBytes();
    }

    /**
     * Whether this objective's full passes read the rows of {@code X} where they are, as floats or as bytes
     * ({@link #readsFeaturesAsBytes()}), rather than copying each block of rows to the heap first: with the vector
     * kernels on a core with 32 vector registers, for rows that are a whole number of vectors (float rows also at
     * least 2048 features long). The results are the same bit for bit either way; only the time differs.
     *
     * @return whether the full passes read the rows in place
     */
    public boolean readsRowsInPlace() {
        VectorPass vector = vectorPass();
        return vector != null && (vector.readsFloatsInPlace() || vector.readsBytesInPlace());
    }

    /**
     * The vector pass when float32 passes use the Vector API kernels now ({@link Kernels#useVector()}) and the
     * features are float32, else {@code null}.
     */
    private VectorPass vectorPass() {
        if (features.dataType() != DataType.FLOAT || !Kernels.useVector()) {
            return null;
        }
        if (vectorPass == null) {
            long entries = Math.max(dataEntries, (long) numSamples * layout.features());
            ByteFeatures bytes = rootRows == null ? byteFeatures.get(features) : root.byteFeatures.get(root.features);
            vectorPass = rootRows == null
                    ? new VectorPass(features, null, labels, sampleWeights, weightScale, layout.classes(), entries,
                            bytes)
                    : new VectorPass(root.features, rootRows, labels, sampleWeights, weightScale, layout.classes(),
                            entries, bytes);
            vectorTheta = vectorPass.newParameters();
        }
        return vectorPass;
    }

    /** Rows {@code [from, to)} of a matrix as a view. */
    private static INDArray rows(INDArray matrix, Block block) {
        return rows(matrix, block.from, block.to);
    }

    private static INDArray rows(INDArray matrix, int from, int to) {
        return matrix.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    /** Bytes of {@code X} per block; see {@link #blockRows}. */
    private static final long BLOCK_BYTES = 4L << 20;

    /**
     * Rows per block: about 4 MiB of {@code X}, so that a block read by the forward GEMM is still in cache for the
     * backward GEMM. Measured on a 32 MiB L3: blocks of 2 to 6 MiB were fastest.
     */
    static int blockRows(int n, int d, DataType type) {
        long rows = BLOCK_BYTES / ((long) d * type.width());
        return (int) Math.max(1, Math.min(n, Math.max(64, rows)));
    }

    /**
     * Views of one block of rows of the data and of the work buffers, and the ND4J ops on them, made once:
     * {@code max} ({@code rowMax = rowmax(logits)}), {@code exp} ({@code scratch = exp(logits)}), {@code log}
     * ({@code logRowSum = log(rowSum)}), {@code expInPlace} ({@code logits = exp(logits)}) and, with row factors,
     * {@code logWeights} ({@code logRowScale = log(rowScale)}). {@code index} numbers the blocks in chunk order.
     */
    private record Block(int index, int from, int to, INDArray x, INDArray logits, INDArray scratch, INDArray target,
                         INDArray ones, INDArray rowMax, INDArray rowSum, INDArray logRowSum, INDArray rowScale,
                         INDArray logRowScale, Op max, Op exp, Op log, Op expInPlace, Op logWeights) {
    }

    /**
     * Consecutive blocks evaluated by one task, rows {@code [from, to)}.
     */
    private record Chunk(int from, int to, Block[] blocks) {
    }

    /**
     * The BLAS passes' partial derivatives: {@code all} is {@code [chunks, (d+1) K]}, row {@code c} chunk {@code c}'s
     * in θ's layout, with views of its weight ({@code [d,K]}) and bias ({@code [1,K]}) parts.
     */
    private record BlasPartials(INDArray all, INDArray chunkOnes, INDArray[] weights, INDArray[] bias) {
    }

    /** The {@code [n,K]} and {@code [n,1]} buffers every evaluation reuses, and their chunks and blocks. */
    private final class Workspace {
        final INDArray logits;
        final INDArray classOnes;
        final double[] chunkLoss;
        final Chunk[] chunks;
        final int maxBlockRows;
        final int blockCount;
        /** The vector pass's partial derivatives, or {@code null} until it first needs them. */
        VectorPass.Partials vectorPartials;
        /** The BLAS passes' partial derivatives, or {@code null} until they first need them. */
        private BlasPartials blasPartials;

        Workspace() {
            DataType type = features.dataType();
            int k = layout.classes();
            logits = Nd4j.createUninitialized(type, numSamples, k);
            INDArray rowMax = Nd4j.createUninitialized(type, numSamples, 1);
            INDArray rowSum = Nd4j.createUninitialized(type, numSamples, 1);
            INDArray logRowSum = Nd4j.createUninitialized(type, numSamples, 1);
            INDArray scratch = Nd4j.createUninitialized(type, numSamples, k);
            INDArray logRowScale = rowScale == null ? null : Nd4j.createUninitialized(type, numSamples, 1);
            int chunkCount = vectorPass() != null ? VectorPass.chunkCount(numSamples, layout.features())
                    : NativeThreads.chunkCount(numSamples);
            int step = blockRowsOverride > 0 ? Math.min(numSamples, blockRowsOverride)
                    : blockRows(numSamples, layout.features(), type);
            classOnes = Nd4j.ones(type, k);
            chunkLoss = new double[chunkCount];
            chunks = new Chunk[chunkCount];
            // Blocks split each chunk evenly, so none has more than `step` rows.
            INDArray ones = Nd4j.ones(type, step, 1);
            int blocks = 0;
            for (int c = 0; c < chunkCount; c++) {
                int chunkFrom = NativeThreads.chunkStart(numSamples, chunkCount, c);
                int chunkTo = NativeThreads.chunkStart(numSamples, chunkCount, c + 1);
                Block[] list = new Block[(chunkTo - chunkFrom + step - 1) / step];
                for (int b = 0; b < list.length; b++) {
                    int from = chunkFrom + (int) ((long) (chunkTo - chunkFrom) * b / list.length);
                    int to = chunkFrom + (int) ((long) (chunkTo - chunkFrom) * (b + 1) / list.length);
                    INDArray blockLogits = rows(logits, from, to);
                    INDArray blockRowMax = rows(rowMax, from, to);
                    INDArray blockRowSum = rows(rowSum, from, to);
                    INDArray blockLogRowSum = rows(logRowSum, from, to);
                    INDArray blockScratch = rows(scratch, from, to);
                    INDArray blockRowScale = rowScale == null ? null : rows(rowScale, from, to);
                    INDArray blockLogRowScale = rowScale == null ? null : rows(logRowScale, from, to);
                    list[b] = new Block(blocks++, from, to, rows(features, from, to), blockLogits, blockScratch,
                            rows(target, from, to), rows(ones, 0, to - from), blockRowMax, blockRowSum,
                            blockLogRowSum, blockRowScale, blockLogRowScale,
                            new Max(blockLogits, blockRowMax, true, 1), new Exp(blockLogits, blockScratch),
                            new Log(blockRowSum, blockLogRowSum), new Exp(blockLogits, blockLogits),
                            rowScale == null ? null : new Log(blockRowScale, blockLogRowScale));
                }
                chunks[c] = new Chunk(chunkFrom, chunkTo, list);
            }
            maxBlockRows = step;
            blockCount = blocks;
        }

        /**
         * The BLAS passes' partial derivatives, made at their first use: with the vector kernels they are never
         * needed, and at CIFAR-10 size they take 8 MB.
         */
        BlasPartials blasPartials() {
            if (blasPartials == null) {
                DataType type = features.dataType();
                int k = layout.classes();
                INDArray all = Nd4j.createUninitialized(type, chunks.length, layout.dimension());
                INDArray[] weights = new INDArray[chunks.length];
                INDArray[] bias = new INDArray[chunks.length];
                for (int c = 0; c < chunks.length; c++) {
                    INDArray partial = all.getRow(c).reshape('c', layout.features() + 1, k);
                    weights[c] = rows(partial, 0, layout.features());
                    bias[c] = rows(partial, layout.features(), layout.features() + 1);
                }
                blasPartials = new BlasPartials(all, Nd4j.ones(type, chunks.length), weights, bias);
            }
            return blasPartials;
        }
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
        if (theta.rank() != 1) {
            // The vector kernels would otherwise take a [(d+1),K] matrix too, and the BLAS passes not.
            throw new IllegalArgumentException("parameter vector must be 1-D, got shape "
                    + Arrays.toString(theta.shape()));
        }
    }
}
