package dev.softmax.loss;

import dev.softmax.Blas;
import dev.softmax.NativeThreads;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The data-only factor of {@link KroneckerPreconditioner}: the feature Gram matrix
 * {@code G = X~^T X~ / m} ({@code [(d+1),(d+1)]}, with {@code X~ = [s X, 1]} and {@code s} the feature scale) of
 * a subset of the rows, its eigendecomposition {@code G = U diag(g) U^T}, and the squared rotated features
 * {@code (X~ U) ∘ (X~ U)} of the same rows. It depends only on the data, so one instance serves every Newton
 * iteration (and every run on the same features).
 *
 * <h2>Rows</h2>
 * {@code G} is estimated on the rows {@code 0, t, 2t, ...} with the stride {@code t = ceil(n / maxRows)}, at most
 * {@code maxRows} (default {@value #DEFAULT_MAX_ROWS}) evenly spread rows, plus at most {@code maxRows} heavy rows
 * (below). This caps the cost at {@code O(maxRows d^2)} flops (CIFAR-10: about 1.5e11 for {@code G} and as much
 * again for the rotation) and the memory at {@code 2 maxRows (d+1)} entries; on Fashion-MNIST at pixels / 255 the
 * subset preconditioned as well as all 60000 rows within run-to-run noise (see {@link KroneckerPreconditioner}). The
 * rows are taken in order, so the data should not be sorted by class when it is much larger than {@code maxRows}.
 * Rows that a feature's energy is concentrated on are sampled as well: a row whose square in some feature exceeds
 * {@value #HEAVY_FACTOR} {@code t} times that feature's mean square is always taken and stands for itself (where
 * more than {@code maxRows} rows do, the heaviest {@code maxRows} of them), and the other sampled rows stand for all
 * the others, so {@code G} and the squares are weighted means over all {@code n} rows. A pixel dark in all but a
 * few images, standardized, is such a feature: missed by the stride, its
 * curvature was taken as lambda alone and Newton-CG's steps along it were cut 16 to 32 times by the line search
 * (standardized Fashion-MNIST: 88 iterations and 73 to 76 s, now 19 and 15 to 17 s, with about 1050 more rows).
 * Finding them reads {@code X} twice (0.08 s at Fashion-MNIST's size).
 *
 * <h2>Precision</h2>
 * {@code G} is accumulated and eigendecomposed in double whatever the features' type (its eigenvalues span many
 * orders of magnitude for image data), a block of rows at a time so that no double copy of the subset is made.
 * The basis is kept in double and, for float features, also in float; the squared rotated features are kept in
 * the features' type.
 *
 * <h2>Cost</h2>
 * Two passes of GEMMs over the subset ({@code 2 m d^2} flops each) and one symmetric eigendecomposition of
 * {@code G} (LAPACK's divide-and-conquer {@code dsyevd}, {@link Blas#symmetricEigen},
 * {@code O(d^3)}); the passes' blocks run on the worker threads ({@link NativeThreads}). Measured on
 * the 2-core Zen 3 machine: 2.1 s at Fashion-MNIST size (7500 of 60000 rows, {@code d = 784}) with ND4J's
 * {@code dsyev} (1.0 s of it) and one thread, 1.1 s with {@code dsyevd} (0.15 to 0.25 s), 0.95 to 1.15 s with
 * both threads (each pass about 0.4 s).
 * Build it once per data set, not per run.
 */
public final class FeatureGram {

    /** Default cap on the rows {@code G} is estimated from. */
    public static final int DEFAULT_MAX_ROWS = 8192;

    /** Most parts the blocks of the first pass are split into, each with its own {@code G}. */
    private static final int MAX_PARTS = 4;
    /** Most bytes of the parts' {@code G}s together (so a CIFAR-10-sized {@code d} gets one part). */
    private static final long MAX_PART_BYTES = 64L << 20;
    /** Rows per GEMM while accumulating in double. */
    private static final int BLOCK_ROWS = 1024;
    /**
     * A row is always sampled (with weight 1) when its square in some feature exceeds this many times the stride
     * times that feature's mean square: it holds more than this share of the feature's energy that one sampled row
     * stands for.
     */
    static final double HEAVY_FACTOR = 32;

    private final ParameterLayout layout;
    private final DataType dataType;
    private final int rows;
    private final int stride;
    private final int sampledRows;
    private final int[] sampledIndex;
    private final INDArray eigenvalues;
    private final INDArray basis;
    private final INDArray typedBasis;
    private final INDArray rotatedSquares;

    private FeatureGram(ParameterLayout layout, DataType dataType, int rows, int stride, int sampledRows,
                        int[] sampledIndex, INDArray eigenvalues, INDArray basis, INDArray typedBasis,
                        INDArray rotatedSquares) {
        this.layout = layout;
        this.dataType = dataType;
        this.rows = rows;
        this.stride = stride;
        this.sampledRows = sampledRows;
        this.sampledIndex = sampledIndex;
        this.eigenvalues = eigenvalues;
        this.basis = basis;
        this.typedBasis = typedBasis;
        this.rotatedSquares = rotatedSquares;
    }

    /**
     * {@link #of(INDArray, double, ParameterLayout, int)} with at most {@value #DEFAULT_MAX_ROWS} rows.
     *
     * @param features     {@code X [n,d]}, FLOAT or DOUBLE, unscaled; not mutated and not kept
     * @param featureScale the factor {@code s > 0} the objective multiplies the features by
     * @param layout       the parameter layout; {@code layout.features()} must equal {@code d}
     * @return the factor
     */
    public static FeatureGram of(INDArray features, double featureScale, ParameterLayout layout) {
        return of(features, featureScale, layout, DEFAULT_MAX_ROWS);
    }

    /**
     * Computes {@code G}, its eigendecomposition and the squared rotated features from the evenly strided rows.
     *
     * @param features     {@code X [n,d]}, FLOAT or DOUBLE, unscaled (as the objective keeps it); not mutated and
     *                     not kept
     * @param featureScale the factor {@code s > 0} the objective multiplies the features by (1/255 for pixels)
     * @param layout       the parameter layout; {@code layout.features()} must equal {@code d}
     * @param maxRows      at most this many rows are used, {@code >= 1}
     * @return the factor, for any number of {@link KroneckerPreconditioner#of} calls on probabilities of these
     *         {@code n} rows
     * @throws IllegalArgumentException for a shape, type or scale that does not fit
     */
    public static FeatureGram of(INDArray features, double featureScale, ParameterLayout layout, int maxRows) {
        if (features.rank() != 2 || features.columns() != layout.features() || features.rows() < 1) {
            throw new IllegalArgumentException("features must be [n," + layout.features() + "] with n >= 1, got "
                    + Arrays.toString(features.shape()));
        }
        DataType type = features.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("features must be FLOAT or DOUBLE, got " + type);
        }
        if (!(featureScale > 0) || Double.isInfinite(featureScale)) {
            throw new IllegalArgumentException("featureScale must be finite and > 0, got " + featureScale);
        }
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be >= 1, got " + maxRows);
        }
        int n = (int) features.rows();
        int d = layout.features();
        int stride = (n + maxRows - 1) / maxRows;
        Sample sample = stride == 1 ? null : sample(features, stride, maxRows);
        int m = sample == null ? (n + stride - 1) / stride : sample.index().length;
        int[] index = sample == null ? null : sample.index();
        double[] weight = sample == null ? null : sample.weight();
        // Unweighted rows: G = s^2 X^T X / m; weighted: G = s^2 sum_i w_i x_i x_i^T / sum_i w_i (about n).
        double normalizer = weight == null ? m : Arrays.stream(weight).sum();

        // Pass 1: G = X~^T X~ / m over the subset, in double. The ones column of X~ contributes the column sums
        // (last row and column of G) and m (the corner), so [X, 1] is never built.
        // The blocks are split into parts that the worker threads take; each part sums its own G and the parts are
        // added in order, so G is the same for any thread count.
        int blocks = (m + BLOCK_ROWS - 1) / BLOCK_ROWS;
        int parts = (int) Math.max(1, Math.min(Math.min(MAX_PARTS, blocks), MAX_PART_BYTES / (8L * d * d)));
        INDArray[] partGrams = new INDArray[parts];
        INDArray[] partSums = new INDArray[parts];
        // One block buffer per part, refilled: a new array per block left Fashion-MNIST's 8192 rows in double
        // (three copies, 150 MB) for the collector, which with the vector kernels runs rarely.
        INDArray[] blockBuffers = new INDArray[parts];
        NativeThreads.parallelFor(parts, part -> {
            INDArray partGram = Nd4j.zeros(DataType.DOUBLE, d, d);
            INDArray partSum = Nd4j.zeros(DataType.DOUBLE, 1, d);
            blockBuffers[part] = Nd4j.createUninitialized(DataType.DOUBLE, Math.min(m, BLOCK_ROWS), d);
            for (int b = NativeThreads.chunkStart(blocks, parts, part);
                 b < NativeThreads.chunkStart(blocks, parts, part + 1); b++) {
                int from = b * BLOCK_ROWS;
                int to = Math.min(m, (b + 1) * BLOCK_ROWS);
                INDArray block = sampledBlock(features, stride, index, from, to, blockBuffers[part]);
                if (weight == null) {
                    partSum.addi(block.sum(true, 0));
                } else {
                    INDArray w = Nd4j.createFromArray(Arrays.copyOfRange(weight, from, to)).reshape(to - from, 1);
                    Nd4j.gemm(w, block, partSum, true, false, 1.0, 1.0);
                    block.muliColumnVector(Transforms.sqrt(w, false));
                }
                Nd4j.gemm(block, block, partGram, true, false, featureScale * featureScale / normalizer, 1.0);
            }
            partGrams[part] = partGram;
            partSums[part] = partSum;
        });
        INDArray gramX = partGrams[0];
        INDArray columnSums = partSums[0];
        for (int part = 1; part < parts; part++) {
            gramX.addi(partGrams[part]);
            columnSums.addi(partSums[part]);
        }
        INDArray lastColumn = columnSums.muli(featureScale / normalizer);
        INDArray gram = Nd4j.createUninitialized(DataType.DOUBLE, d + 1, d + 1);
        gram.get(NDArrayIndex.interval(0, d), NDArrayIndex.interval(0, d)).assign(gramX);
        gram.get(NDArrayIndex.interval(d, d + 1), NDArrayIndex.interval(0, d)).assign(lastColumn);
        gram.get(NDArrayIndex.interval(0, d), NDArrayIndex.interval(d, d + 1)).assign(lastColumn.reshape(d, 1));
        gram.putScalar(d, d, 1.0);

        // G = U diag(g) U^T; dsyevd overwrites its argument with the eigenvectors, one per column.
        INDArray basis = gram;
        INDArray eigenvalues = Nd4j.createFromArray(Blas.symmetricEigen(basis));
        if (eigenvalues.isNaN().any() || basis.isNaN().any()) {
            throw new IllegalStateException("eigendecomposition of the feature Gram matrix failed (NaN)");
        }
        INDArray typedBasis = type == DataType.DOUBLE ? basis : basis.castTo(type);

        // Pass 2: Z = X~ U = s X U[0:d,:] + 1 U[d,:], squared, for the subset (one rank-one GEMM for the ones).
        INDArray rotatedSquares = Nd4j.createUninitialized(type, m, d + 1);
        INDArray featureRows = basis.get(NDArrayIndex.interval(0, d), NDArrayIndex.all());
        INDArray biasRow = basis.get(NDArrayIndex.interval(d, d + 1), NDArrayIndex.all());
        // Each block's rows are independent here: as many tasks as threads (or blocks), each with its buffers.
        int tasks = Math.min(blocks, Math.max(parts, NativeThreads.current()));
        NativeThreads.parallelFor(tasks, task -> {
            int rows = Math.min(m, BLOCK_ROWS);
            INDArray blockBuffer = task < parts ? blockBuffers[task]
                    : Nd4j.createUninitialized(DataType.DOUBLE, rows, d);
            INDArray zBuffer = Nd4j.createUninitialized(DataType.DOUBLE, rows, d + 1);
            INDArray ones = Nd4j.ones(DataType.DOUBLE, rows, 1);
            for (int b = NativeThreads.chunkStart(blocks, tasks, task);
                 b < NativeThreads.chunkStart(blocks, tasks, task + 1); b++) {
                int from = b * BLOCK_ROWS;
                int to = Math.min(m, from + BLOCK_ROWS);
                INDArray block = sampledBlock(features, stride, index, from, to, blockBuffer);
                INDArray z = firstRows(zBuffer, to - from);
                Nd4j.gemm(firstRows(ones, to - from), biasRow, z, false, false, 1.0, 0.0);
                Nd4j.gemm(block, featureRows, z, false, false, featureScale, 1.0);
                z.muli(z);
                if (weight != null) {
                    // The preconditioner averages the rows' squares over m: w_i m / sum(w) makes that the weighted
                    // mean.
                    double[] rowFactor = new double[to - from];
                    for (int i = from; i < to; i++) {
                        rowFactor[i - from] = weight[i] * m / normalizer;
                    }
                    z.muliColumnVector(Nd4j.createFromArray(rowFactor).reshape(to - from, 1));
                }
                rotatedSquares.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(z);
            }
        });
        return new FeatureGram(layout, type, n, stride, m, index, eigenvalues, basis, typedBasis, rotatedSquares);
    }

    /** Reads a c-order FLOAT or DOUBLE array's values into a reused heap array, in bulk where it can. */
    private static final class RowReader {
        private final INDArray plain;
        private final java.nio.FloatBuffer floats;
        private final java.nio.DoubleBuffer doubles;
        private final float[] floatRow;

        RowReader(INDArray plain, int length) {
            this.plain = plain;
            // As the vector passes do: a whole array's buffer as NIO (a view's would need its offset in bytes).
            boolean bulk = !plain.isView() && plain.length() <= Integer.MAX_VALUE / Double.BYTES;
            java.nio.ByteBuffer nio = bulk ? plain.data().asNio().order(java.nio.ByteOrder.nativeOrder()) : null;
            boolean isFloat = plain.dataType() == DataType.FLOAT;
            this.floats = nio != null && isFloat ? nio.asFloatBuffer() : null;
            this.doubles = nio != null && !isFloat ? nio.asDoubleBuffer() : null;
            this.floatRow = floats != null ? new float[length] : null;
        }

        /** {@code length} values from element {@code first} (counted from the array's start) into {@code into}. */
        void read(long first, double[] into, int length) {
            long offset = plain.offset() + first;
            if (floats != null) {
                floats.get((int) offset, floatRow, 0, length);
                for (int i = 0; i < length; i++) {
                    into[i] = floatRow[i];
                }
            } else if (doubles != null) {
                doubles.get((int) offset, into, 0, length);
            } else {
                org.nd4j.linalg.api.buffer.DataBuffer data = plain.data();
                for (int i = 0; i < length; i++) {
                    into[i] = data.getDouble(offset + i);
                }
            }
        }
    }

    /** Sampled rows in ascending order and their weights (summing to n, or less where no light row is sampled). */
    private record Sample(int[] index, double[] weight) {
    }

    /**
     * Rows {@code 0, t, 2t, ...} plus every heavy row ({@link #HEAVY_FACTOR}), weighted as the class comment says;
     * {@code null} when no row is heavy (then plain stride sampling, unweighted, as before heavy rows were taken).
     */
    private static Sample sample(INDArray features, int stride, int maxRows) {
        int n = (int) features.rows();
        int d = (int) features.columns();
        INDArray plain = features.ordering() == 'c' && Shape.hasDefaultStridesForShape(features) ? features
                : features.dup('c');
        // Read into one reused heap array: ND4J's temporaries stay in native memory until a collection, and a new
        // heap array per block grew the heap by 100 MB at Fashion-MNIST's size.
        int readRows = Math.max(1, (32 << 10) / d);
        double[] values = new double[readRows * d];
        RowReader reader = new RowReader(plain, values.length);
        double[] meanSquares = new double[d];
        for (int from = 0; from < n; from += readRows) {
            int length = (Math.min(n, from + readRows) - from) * d;
            reader.read((long) from * d, values, length);
            for (int row = 0; row < length; row += d) {
                for (int j = 0; j < d; j++) {
                    meanSquares[j] += values[row + j] * values[row + j];
                }
            }
        }
        // Each row's largest square relative to its feature's mean square (0 for all-zero features).
        double[] inverseMean = new double[d];
        for (int j = 0; j < d; j++) {
            inverseMean[j] = meanSquares[j] > 0 ? n / meanSquares[j] : 0;
        }
        float[] ratio = new float[n];
        for (int from = 0; from < n; from += readRows) {
            int to = Math.min(n, from + readRows);
            reader.read((long) from * d, values, (to - from) * d);
            for (int i = from; i < to; i++) {
                int row = (i - from) * d;
                double most = 0;
                for (int j = 0; j < d; j++) {
                    most = Math.max(most, values[row + j] * values[row + j] * inverseMean[j]);
                }
                ratio[i] = (float) most;
            }
        }
        // At most maxRows heavy rows (data where most rows are, such as sparse counts, keep the stride's cost): the
        // heaviest ones.
        double threshold = HEAVY_FACTOR * stride;
        int candidates = 0;
        for (float r : ratio) {
            candidates += r > threshold ? 1 : 0;
        }
        if (candidates > maxRows) {
            float[] sorted = ratio.clone();
            Arrays.sort(sorted);
            threshold = Math.max(threshold, sorted[n - maxRows - 1]);
        }
        boolean[] heavy = new boolean[n];
        int heavyRows = 0;
        for (int i = 0; i < n; i++) {
            if (ratio[i] > threshold) {
                heavy[i] = true;
                heavyRows++;
            }
        }
        if (heavyRows == 0) {
            return null;
        }
        int lightSampled = 0;
        for (int i = 0; i < n; i += stride) {
            lightSampled += heavy[i] ? 0 : 1;
        }
        double lightWeight = lightSampled == 0 ? 0 : (double) (n - heavyRows) / lightSampled;
        int[] index = new int[heavyRows + lightSampled];
        double[] weight = new double[index.length];
        int at = 0;
        for (int i = 0; i < n; i++) {
            if (heavy[i]) {
                index[at] = i;
                weight[at++] = 1.0;
            } else if (i % stride == 0) {
                index[at] = i;
                weight[at++] = lightWeight;
            }
        }
        return new Sample(index, weight);
    }

    /**
     * Subset rows {@code [from, to)} (rows {@code index[from..to)} of X, or without an index rows
     * {@code from*stride, (from+1)*stride, ...}) in double, copied into the first rows of {@code buffer}; returns
     * those rows.
     */
    private static INDArray sampledBlock(INDArray features, int stride, int[] index, int from, int to,
                                         INDArray buffer) {
        if (index != null) {
            return firstRows(buffer, to - from).assign(Nd4j.pullRows(features, 1, Arrays.copyOfRange(index, from, to)));
        }
        INDArray view = features.get(NDArrayIndex.interval((long) from * stride, stride, (long) (to - 1) * stride + 1),
                NDArrayIndex.all());
        return firstRows(buffer, to - from).assign(view);
    }

    private static INDArray firstRows(INDArray matrix, int rows) {
        return rows == matrix.rows() ? matrix : matrix.get(NDArrayIndex.interval(0, rows), NDArrayIndex.all());
    }

    /**
     * The parameter layout this factor was built for.
     *
     * @return the layout
     */
    public ParameterLayout layout() {
        return layout;
    }

    /**
     * The features' data type (FLOAT or DOUBLE).
     *
     * @return the data type
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * {@code n}, the number of rows of the features (and of the probabilities passed to the preconditioner).
     *
     * @return {@code n}
     */
    public int rows() {
        return rows;
    }

    /**
     * The stride {@code t} between sampled rows; 1 when every row is used.
     *
     * @return {@code t}
     */
    public int stride() {
        return stride;
    }

    /**
     * {@code m}, the number of sampled rows: {@code ceil(n / t)}, plus the rows of concentrated features (see the
     * class comment) where there are any.
     *
     * @return {@code m}
     */
    public int sampledRows() {
        return sampledRows;
    }

    /**
     * The eigenvalues {@code g} of {@code G} in ascending order, length {@code d+1}, DOUBLE; a copy.
     *
     * @return {@code g}
     */
    public INDArray eigenvalues() {
        return eigenvalues.dup();
    }

    /**
     * The eigenvectors {@code U} of {@code G}, one per column, {@code [(d+1),(d+1)]} DOUBLE; a copy.
     *
     * @return {@code U}
     */
    public INDArray basis() {
        return basis.dup();
    }

    /** {@code U} in double (shared, not to be mutated). */
    INDArray basisView() {
        return basis;
    }

    /** {@code U} in the features' type (shared, not to be mutated). */
    INDArray typedBasisView() {
        return typedBasis;
    }

    /** {@code (X~ U) ∘ (X~ U)} of the sampled rows, {@code [m,(d+1)]} in the features' type (shared). */
    INDArray rotatedSquaresView() {
        return rotatedSquares;
    }

    /** The sampled rows of an {@code [n,c]} array: rows {@code 0, t, 2t, ...} as a view, or with heavy rows a copy. */
    INDArray sampled(INDArray perRow) {
        if (sampledIndex != null) {
            return Nd4j.pullRows(perRow, 1, sampledIndex);
        }
        if (stride == 1) {
            return perRow;
        }
        return perRow.get(NDArrayIndex.interval(0, stride, rows), NDArrayIndex.all());
    }
}
