package dev.softmax.loss;

import dev.softmax.NativeThreads;
import java.lang.ref.WeakReference;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The float32 passes of {@link SoftmaxCrossEntropy} with {@link FloatKernels}: each sub-block of rows of a chunk
 * (a few hundred KB, so it stays in the core's own cache) is multiplied by the parameters, turned into the softmax
 * residual in Java (in double, the exponentials a vector at a time) and multiplied back into the chunk's partial
 * gradient ({@link Partials}); {@code X} is read from memory once per pass. The kernels read the rows where they
 * are when they can ({@link #readsFloatsInPlace}, or 8-bit rows of {@link ByteFeatures}), else the sub-block is
 * first copied to the heap. Used when {@link dev.softmax.Kernels#useVector()} holds and the data are float32.
 *
 * <p>Per-thread buffers are kept in a {@link ThreadLocal}, so after the first pass on a thread an evaluation
 * allocates only small objects. Chunks are those of the caller; within a chunk the rows are added in order, so
 * the result does not depend on which thread runs which chunk.
 */
final class VectorPass {

    /** Bytes of {@code X} per sub-block: the block stays in a 1 MiB L2 between the two products. */
    private static final int SUB_BLOCK_BYTES = 384 << 10;

    private final INDArray features;
    /**
     * {@code features}' address, taken once: each {@code addressPointer()} call makes new pointer objects (with a JNI
     * call), which per chunk came to most of the 13 KB of heap an evaluation allocated.
     */
    private final FloatPointer featuresAddress;
    /** Row {@code i} of the pass is row {@code rowMap[i]} of {@code features} (read at each pass), or {@code null}. */
    private final int[] rowMap;
    /**
     * {@code features} as a buffer when a row map is given and it has fewer than {@code 2^31} entries, else
     * {@code null}. A row is copied with one absolute bulk get (a JIT intrinsic) rather than a JNI call per row:
     * 15% faster for Fashion-MNIST's rows of 3 KB, the same for CIFAR-10's of 12 KB.
     */
    private final java.nio.FloatBuffer rowBuffer;
    /**
     * {@code features} as bytes ({@link ByteFeatures}), which the passes read instead (in place, or expanded into
     * the heap block), or {@code null}.
     */
    private final ByteFeatures bytes;
    /**
     * {@code features}' memory as the kernels that read float rows where they are take it
     * ({@link FloatKernels#nativeRows}: a native-order buffer, or a memory segment over it) when they do
     * ({@link #readsFloatsInPlace}), else {@code null}.
     */
    private final Object nativeRows;
    /**
     * The rows the kernels that read rows in place ({@link #nativeRows}, {@link #bytes}) are given: {@code rowMap},
     * or {@link FloatKernels#identityRows} (or {@code null} when neither reads them); only its first
     * {@link #indexedRows} entries are rows of {@code features}.
     */
    private final int[] rowIndex;
    private final int indexedRows;
    private final int[] labels;
    /** Weights {@code s_i} of the rows, read at each pass (a batch refills them), or {@code null}. */
    private final double[] sampleWeights;
    private final double weightScale;
    private final int numSamples;
    private final int featureCount;
    private final int classes;
    private final int paddedClasses;
    private final int stride;
    private final int subRows;
    private final ThreadLocal<Scratch> scratch;

    /** What a pass over a chunk computes. */
    enum Mode { VALUE, VALUE_AND_GRADIENT, PROBABILITIES, HESSIAN_PRODUCT }

    /**
     * The transposed weight matrix and the bias of a parameter vector (or of a direction), padded for the kernels,
     * with the geometry of the data they multiply. Filled by {@code load} before a pass and only read during it.
     */
    static final class Parameters {
        final int featureCount;
        final int classes;
        /** {@code classes} rounded up to a whole number of {@link FloatKernels#CLASS_GROUP}. */
        final int paddedClasses;
        /** {@code d} rounded up to a whole number of vector lanes: the heap row stride. */
        final int stride;
        /** Rows per sub-block: about {@link #SUB_BLOCK_BYTES} of heap rows, a multiple of the row group. */
        final int subRows;
        final float[] transposedWeights;
        final double[] bias;
        /** {@code ||W||_F^2}, summed in double by the last load. */
        double weightsSquaredNorm;
        /** The last load's {@code W} in θ's {@code [d,K]} layout, then {@code b}. */
        private final float[] staging;
        /** {@link FloatKernels#columnMap} of {@code classes}. */
        final int[] classMap;
        /** {@link FloatKernels#untransposeMaps} of this geometry. */
        final int[][] untransposeMaps;

        Parameters(int featureCount, int classes) {
            this.featureCount = featureCount;
            this.classes = classes;
            this.paddedClasses = paddedClasses(classes);
            this.stride = stride(featureCount);
            this.subRows = subRows(stride);
            transposedWeights = new float[paddedClasses * stride];
            bias = new double[classes];
            staging = new float[(featureCount + 1) * classes];
            classMap = FloatKernels.columnMap(classes);
            untransposeMaps = FloatKernels.untransposeMaps(classes, stride);
        }

        /** Copies {@code weights [d,K]} transposed and {@code bias [1,K]} (FLOAT, contiguous) in. */
        void load(INDArray weights, INDArray bias) {
            ((FloatPointer) weights.data().addressPointer()).get(staging, 0, featureCount * classes);
            ((FloatPointer) bias.data().addressPointer()).get(staging, featureCount * classes, classes);
            unpack();
        }

        /**
         * Copies a parameter vector in {@link ParameterLayout}'s layout ({@code [(d+1),K]}, FLOAT, contiguous) in,
         * with one bulk copy and no views.
         */
        void loadPacked(INDArray theta) {
            ((FloatPointer) theta.data().addressPointer()).get(staging, 0, staging.length);
            unpack();
        }

        /**
         * Writes these parameters back into a parameter vector in {@link ParameterLayout}'s layout ({@code [(d+1),K]},
         * FLOAT, contiguous) with one bulk copy: the inverse of {@link #loadPacked}, for parameters changed in place
         * ({@link Partials#descend}).
         */
        void storePacked(INDArray theta) {
            FloatKernels.untranspose(transposedWeights, stride, featureCount, classes, 1f, 0f, null, untransposeMaps,
                    staging);
            for (int k = 0; k < classes; k++) {
                staging[featureCount * classes + k] = (float) bias[k];
            }
            ((FloatPointer) theta.data().addressPointer()).put(staging, 0, staging.length);
        }

        private void unpack() {
            FloatKernels.transpose(staging, featureCount, classes, classMap, transposedWeights, stride);
            weightsSquaredNorm = FloatKernels.squaredNorm(staging, featureCount * classes);
            for (int k = 0; k < classes; k++) {
                this.bias[k] = staging[featureCount * classes + k];
            }
        }

        /**
         * Copies rows {@code [start, start+rows)} of {@code x} ({@code [n,d]}, positioned freely) into
         * {@code block} with the heap stride.
         */
        void loadRows(FloatPointer x, long start, int rows, float[] block) {
            VectorPass.loadRows(x, start, rows, block, featureCount, stride);
        }
    }

    /** Fewest rows in a chunk of the vector passes; see {@link #chunkCount}. */
    static final int MIN_CHUNK_ROWS = 64;
    /** Fewest entries of {@code X} in a chunk of the vector passes; see {@link #chunkCount}. */
    static final int MIN_CHUNK_ENTRIES = 1 << 17;
    /** Rows per chunk the vector passes aim for once there are 8 chunks or more; see {@link #chunkCount}. */
    static final int TARGET_CHUNK_ROWS = 512;

    /**
     * Chunks for {@code rows} rows of {@code featureCount} features. Like {@link NativeThreads#chunkCount}, at most
     * {@link NativeThreads#MAX_CHUNKS}, but small inputs split further: a chunk here costs no BLAS set-up, only its
     * partial gradient (zeroing, transposing and adding {@code d K} values, about as much as the arithmetic of 40
     * rows). So chunks have at least {@link #MIN_CHUNK_ROWS} rows and {@link #MIN_CHUNK_ENTRIES} entries, and
     * {@link #TARGET_CHUNK_ROWS} rows unless that leaves fewer than 8. A mini-batch of 128 CIFAR-10 rows is then two
     * chunks, which took an SGD epoch with 2 threads from 0.19 s to 0.15 s; one of 128 Fashion-MNIST rows (a quarter
     * of the work) stays one, since handing half of it to another thread made the epoch slower. Depends on the shape
     * only, so results stay the same for any thread count.
     */
    static int chunkCount(int rows, int featureCount) {
        int minRows = Math.max(MIN_CHUNK_ROWS, (MIN_CHUNK_ENTRIES + featureCount - 1) / featureCount);
        int chunkRows = Math.max(minRows, Math.min(TARGET_CHUNK_ROWS, rows / 8));
        return Math.max(1, Math.min(NativeThreads.MAX_CHUNKS, rows / chunkRows));
    }

    /** {@code classes} rounded up to a whole number of {@link FloatKernels#CLASS_GROUP}. */
    static int paddedClasses(int classes) {
        return roundUp(classes, FloatKernels.CLASS_GROUP);
    }

    /** {@code d} rounded up to a whole number of vector lanes: the heap row stride. */
    static int stride(int featureCount) {
        return roundUp(featureCount, FloatKernels.lanes());
    }

    /** Rows per sub-block: about {@link #SUB_BLOCK_BYTES} of heap rows, a multiple of the row group. */
    static int subRows(int stride) {
        int rows = SUB_BLOCK_BYTES / (4 * stride);
        return Math.max(FloatKernels.ROW_GROUP, rows - rows % FloatKernels.ROW_GROUP);
    }

    /** Copies rows {@code [start, start+rows)} of {@code x} into {@code block} with the heap stride. */
    private static void loadRows(FloatPointer x, long start, int rows, float[] block, int featureCount, int stride) {
        if (stride == featureCount) {
            x.position(start * featureCount).get(block, 0, rows * featureCount);
            return;
        }
        for (int i = 0; i < rows; i++) {
            x.position((start + i) * featureCount).get(block, i * stride, featureCount);
        }
    }

    /**
     * @param features      {@code X [n,d]}, FLOAT, {@code 'c'} order, not a view; read at each pass unless
     *                      {@code bytes} holds it
     * @param rowMap        the rows of {@code features} the pass covers, in order ({@code labels.length} of them,
     *                      read at each pass; a mini-batch gathers them straight into the kernels' blocks), or
     *                      {@code null} for all rows
     * @param labels        {@code y [n]}; read at each pass
     * @param sampleWeights {@code s [n]} or {@code null}; read at each pass
     * @param weightScale   {@code n / sum(s)} (ignored without weights)
     * @param dataEntries   entries of the data the passes will cover in all (a batch's full data): large data
     *                      warm the kernels up first
     * @param bytes         {@link ByteFeatures#of}{@code (features)}, whose rows the passes read instead, or
     *                      {@code null}
     */
    VectorPass(INDArray features, int[] rowMap, int[] labels, double[] sampleWeights, double weightScale, int classes,
               long dataEntries, ByteFeatures bytes) {
        if (features.dataType() != DataType.FLOAT || features.ordering() != 'c' || features.isView()) {
            throw new IllegalArgumentException("the vector pass needs a whole FLOAT 'c'-order matrix");
        }
        this.features = features;
        this.featuresAddress = (FloatPointer) features.data().addressPointer();
        this.rowMap = rowMap;
        this.rowBuffer = rowMap != null && features.length() <= Integer.MAX_VALUE / Float.BYTES
                ? features.data().asNio().order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer() : null;
        this.bytes = bytes;
        this.nativeRows = bytes == null && readsFloatsInPlace(features)
                ? FloatKernels.nativeRows(features.data().asNio().order(java.nio.ByteOrder.nativeOrder())) : null;
        this.indexedRows = rowMap != null ? rowMap.length : (int) features.rows();
        this.rowIndex = rowMap != null || (nativeRows == null && bytes == null) ? rowMap
                : FloatKernels.identityRows(indexedRows);
        this.labels = labels;
        this.sampleWeights = sampleWeights;
        this.weightScale = weightScale;
        this.numSamples = labels.length;
        this.featureCount = (int) features.columns();
        this.classes = classes;
        this.paddedClasses = paddedClasses(classes);
        this.stride = stride(featureCount);
        this.subRows = subRows(stride);
        this.scratch = ThreadLocal.withInitial(Scratch::new);
        if (dataEntries >= WARM_UP_MIN_ELEMENTS) {
            warmUpOnce();
            if (bytes != null) {
                warmUpBytesOnce();
            }
            if (nativeRows != null) {
                warmUpFloatsInPlaceOnce();
            }
        }
    }

    /** Data of at least this many entries (4 MB of float32) warm the kernels up first; smaller data need not. */
    static final long WARM_UP_MIN_ELEMENTS = 1L << 20;
    private static final java.util.concurrent.atomic.AtomicBoolean WARM = new java.util.concurrent.atomic.AtomicBoolean();
    /** Whether {@link FloatKernels#warmUpBytes} has run in this JVM: the first pass that reads bytes runs it. */
    private static final java.util.concurrent.atomic.AtomicBoolean WARM_BYTES =
            new java.util.concurrent.atomic.AtomicBoolean();
    /** Calls of {@link FloatKernels#warmUpBytes}. */
    static final int BYTES_WARM_UP_CALLS = 3000;

    /**
     * Compiles the kernels before the first pass over large data ({@link FloatKernels#warmUp}): about 0.4 s (Zen 5)
     * to 0.9 s (Zen 3) once per JVM, which saved 0.5 s of the first pass over Fashion-MNIST and 1.5 s over CIFAR-10;
     * and the kernels that read bytes if byte features are on ({@link dev.softmax.Kernels#byteFeatures()}) and they
     * were not compiled yet. Returns whether this call compiled anything.
     */
    static boolean warmUpOnce() {
        boolean compiled = false;
        if (WARM.compareAndSet(false, true)) {
            FloatKernels.warmUp(20_000);
            compiled = true;
        }
        if (dev.softmax.Kernels.byteFeatures() && !WARM_BYTES.get()) {
            warmUpBytesOnce();
            compiled = true;
        }
        return compiled;
    }

    /**
     * Compiles the kernels that read bytes ({@link FloatKernels#warmUpBytes}) once per JVM: with the other kernels
     * when byte features are on by then, so that its garbage (like theirs) comes before the command line loads the
     * data, else at the first pass that reads bytes. Compiled at that first pass after the data were loaded, the
     * garbage grew the collector's heap: a CIFAR-10 training peaked at 1.41 GB resident instead of 1.19.
     */
    private static void warmUpBytesOnce() {
        if (WARM_BYTES.compareAndSet(false, true)) {
            FloatKernels.warmUpBytes(BYTES_WARM_UP_CALLS, !FloatKernels.FEW_REGISTERS);
        }
    }

    private static final java.util.concurrent.atomic.AtomicBoolean WARM_FLOATS_IN_PLACE =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Compiles the kernels that read float rows in place ({@link FloatKernels#warmUpFloatsInPlace}) once per JVM, at
     * the first pass over large data that reads rows in place ({@link #readsFloatsInPlace(INDArray)}), unless
     * {@link SoftmaxCrossEntropy#warmUpKernels(long)} did before: data whose rows are copied do not pay for them.
     * Returns whether this call compiled them.
     */
    static boolean warmUpFloatsInPlaceOnce() {
        if (WARM_FLOATS_IN_PLACE.compareAndSet(false, true)) {
            FloatKernels.warmUpFloatsInPlace(FloatKernels.PRODUCT_WARM_UP_CALLS);
            return true;
        }
        return false;
    }

    /** Whether {@link #warmUpFloatsInPlaceOnce} has run in this JVM. */
    static boolean isWarmForFloatsInPlace() {
        return WARM_FLOATS_IN_PLACE.get();
    }

    /** Whether {@link #warmUpOnce} has run in this JVM. */
    static boolean isWarm() {
        return WARM.get();
    }

    static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    /**
     * Whether passes made from now on may read float rows in place ({@link #readsFloatsInPlace}); true unless the
     * system property {@code softmax.floatsInPlace} is {@code false}. A switch for measurements and tests: the
     * results are the same bit for bit either way.
     */
    static volatile boolean floatsInPlace = !"false".equals(System.getProperty("softmax.floatsInPlace"));

    /**
     * Whether the kernels read {@code features}' float rows where they are ({@link FloatKernels#multiplyWideFloats},
     * through a buffer or memory segment over ND4J's memory) instead of copying each sub-block to the heap first:
     * where the JDK's Vector API can load from native memory ({@link FloatKernels#READS_NATIVE_ROWS}), on a core
     * with 32 vector registers, when a row is a whole number of vectors and at least
     * {@link #MIN_IN_PLACE_FEATURES} long, and the matrix has fewer than {@code 2^31} bytes. The copy costs about
     * one streaming pass over {@code X}: at CIFAR-10 size on the Intel machine a value and gradient took 2.6 to 3.0
     * times the floor with it and 2.4 to 2.55 without, although a vector read from a buffer is slower than one from
     * an array (the products ran at 55 to 67 instead of 90 to 128 GFLOP/s per core from cache).
     */
    static boolean readsFloatsInPlace(INDArray features) {
        return readsRowsOfInPlace(features.columns()) && features.length() <= Integer.MAX_VALUE / Float.BYTES;
    }

    /** Whether float rows of {@code featureCount} features are read in place (see above), the matrix small enough. */
    static boolean readsRowsOfInPlace(long featureCount) {
        return floatsInPlace && FloatKernels.READS_NATIVE_ROWS && !FloatKernels.FEW_REGISTERS
                && featureCount >= MIN_IN_PLACE_FEATURES
                && featureCount % FloatKernels.lanes() == 0;
    }

    /**
     * Fewest features (8 KB of float32 per row) for which {@link #readsFloatsInPlace} reads rows in place. On the
     * Intel machine, with 2 threads, a value and gradient took 10 to 18% less time in place for rows of 2048, 3072
     * and 4096 features, the same for 1568, and 7 to 25% more for 784 (Fashion-MNIST's). Probably because the
     * kernels read 4 rows at a time: short rows make short streams for the hardware prefetchers, the copy one long
     * one.
     */
    static final int MIN_IN_PLACE_FEATURES = 2048;

    /** Whether this pass's kernels read the float rows where they are (see {@link #readsFloatsInPlace(INDArray)}). */
    boolean readsFloatsInPlace() {
        return nativeRows != null;
    }

    /** Whether the passes read the rows from {@link ByteFeatures} where they are ({@link ByteFeatures#inPlace}). */
    boolean readsBytesInPlace() {
        return bytes != null && bytes.inPlace();
    }

    /** Whether the passes read the rows from {@link ByteFeatures}. */
    boolean readsBytes() {
        return bytes != null;
    }

    /** Buffers for {@link Parameters#load}, of this pass's geometry. */
    Parameters newParameters() {
        return new Parameters(featureCount, classes);
    }

    /**
     * The chunks' partial derivatives of a gradient or Hessian-vector pass, on the heap in the kernels' layout, and
     * their sum in θ's layout. Summing here and transposing once replaced one transposition and one native copy per
     * chunk plus a GEMV over the chunks: 17 instead of 69 µs of an SGD step on 128 CIFAR-10 rows (two chunks).
     */
    final class Partials {
        /** {@code [chunk][paddedClasses * stride]}: {@code sum_i r_ik x_ij} of the chunk's rows, at {@code [k][j]}. */
        final float[][] transposedWeights;
        /** {@code [chunk][classes]}: {@code sum_i r_ik}. */
        final double[][] bias;
        /** The sum in θ's layout, {@code [(d+1),K]}, copied out in one native copy. */
        private final float[] packed;

        Partials(int chunks) {
            transposedWeights = new float[chunks][paddedClasses * stride];
            bias = new double[chunks][classes];
            packed = new float[(featureCount + 1) * classes];
        }

        /**
         * {@code out = [featureScale sum_c W_c + lambda W; sum_c b_c]} with the chunks added in order (so the sum
         * does not depend on the threads), {@code W} the weights of {@code parameters}' last load. {@code out} is
         * FLOAT and contiguous in θ's layout. The chunks' arrays are summed into chunk 0's.
         */
        void sumInto(int chunks, double featureScale, double lambda, Parameters parameters, INDArray out) {
            sumChunks(chunks);
            float[] sum = transposedWeights[0];
            double[] biasSum = bias[0];
            FloatKernels.untranspose(sum, stride, featureCount, classes, (float) featureScale, (float) lambda,
                    parameters.staging, parameters.untransposeMaps, packed);
            for (int k = 0; k < classes; k++) {
                packed[featureCount * classes + k] = (float) biasSum[k];
            }
            ((FloatPointer) out.data().addressPointer()).put(packed, 0, packed.length);
        }

        /**
         * A plain gradient step on {@code parameters} in the kernels' layout, {@code θ -= rate g} with the gradient
         * {@code g} that {@link #sumInto} would write (rounded to float, as there), the bias included; updates
         * {@code parameters.weightsSquaredNorm}. Nothing is transposed or copied out: an SGD epoch keeps its
         * parameters in this layout from one batch to the next.
         */
        void descend(int chunks, double featureScale, double lambda, double rate, Parameters parameters) {
            sumChunks(chunks);
            float alpha = (float) -rate;
            float[] weights = parameters.transposedWeights;
            FloatKernels.descend(weights, transposedWeights[0], stride, featureCount, classes, (float) featureScale,
                    (float) lambda, alpha);
            // The padding is zero: load writes only the weights, and descend changes only them.
            parameters.weightsSquaredNorm = FloatKernels.squaredNorm(weights, weights.length);
            for (int k = 0; k < classes; k++) {
                parameters.bias[k] = Math.fma(alpha, (float) bias[0][k], (float) parameters.bias[k]);
            }
        }

        /** Adds the chunks' arrays into chunk 0's, in chunk order (so the sum does not depend on the threads). */
        private void sumChunks(int chunks) {
            float[] sum = transposedWeights[0];
            double[] biasSum = bias[0];
            for (int c = 1; c < chunks; c++) {
                FloatKernels.add(transposedWeights[c], sum, sum.length);
                for (int k = 0; k < classes; k++) {
                    biasSum[k] += bias[c][k];
                }
            }
        }
    }

    /** Heap partial derivatives for {@code chunks} chunks of this pass's geometry. */
    Partials newPartials(int chunks) {
        return new Partials(chunks);
    }

    /**
     * One pass over rows {@code [from, to)}.
     *
     * @param mode          what to compute
     * @param parameters    θ, or for {@link Mode#HESSIAN_PRODUCT} the direction {@code v}
     * @param featureScale  the factor on {@code X}
     * @param probabilities {@link Mode#PROBABILITIES}: {@code [n,K]} written with {@code P}; {@link
     *                      Mode#HESSIAN_PRODUCT}: {@code P} at θ, read; else unused
     * @param partials      gradient and Hessian product modes: chunk {@code chunk}'s arrays are overwritten with
     *                      {@code X^T R} and {@code 1^T R} of these rows ({@code R} with its {@code 1/n}, without
     *                      the feature scale); else unused
     * @return the chunk's data term {@code sum_i c_i loss_i} in the value modes, else 0
     */
    double run(Mode mode, int from, int to, Parameters parameters, double featureScale, INDArray probabilities,
               Partials partials, int chunk) {
        Scratch s = scratch.get();
        boolean backward = mode == Mode.VALUE_AND_GRADIENT || mode == Mode.HESSIAN_PRODUCT;
        float[] gradient = backward ? partials.transposedWeights[chunk] : null;
        double[] biasGradient = backward ? partials.bias[chunk] : null;
        if (backward) {
            java.util.Arrays.fill(gradient, 0f);
            java.util.Arrays.fill(biasGradient, 0.0);
        }
        FloatPointer x = s.featuresPointer;
        FloatPointer p = probabilities == null ? null : s.probabilitiesPointer(probabilities);
        double loss = 0;
        for (int start = from; start < to; start += subRows) {
            int rows = Math.min(subRows, to - start);
            int padded = roundUp(rows, FloatKernels.ROW_GROUP);
            // In place unless the row group would run past the last row.
            boolean bytesInPlace = bytes != null && bytes.inPlace() && start + padded <= indexedRows;
            boolean floatRowsInPlace = nativeRows != null && start + padded <= indexedRows;
            if (floatRowsInPlace) {
                FloatKernels.multiplyWideFloats(nativeRows, rowIndex, start, padded, stride,
                        parameters.transposedWeights, paddedClasses, s.logits);
            } else if (bytesInPlace) {
                FloatKernels.multiplyWideBytes(bytes.values, rowIndex, start, padded, stride,
                        parameters.transposedWeights, paddedClasses, s.logits);
            } else {
                if (bytes != null && rowMap == null) {
                    bytes.loadRows(start, rows, s.block, stride);
                } else if (bytes != null) {
                    for (int i = 0; i < rows; i++) {
                        bytes.loadRow(rowMap[start + i], s.block, i * stride);
                    }
                } else if (rowMap == null) {
                    loadRows(x, start, rows, s.block, featureCount, stride);
                } else {
                    gatherRows(x, start, rows, to, s);
                }
                FloatKernels.multiply(s.block, padded, stride, parameters.transposedWeights, paddedClasses,
                        s.logits);
            }
            switch (mode) {
                case VALUE, VALUE_AND_GRADIENT, PROBABILITIES -> loss += softmax(mode, start, rows, parameters,
                        featureScale, biasGradient, s);
                case HESSIAN_PRODUCT -> {
                    p.position((long) start * classes).get(s.probabilities, 0, rows * classes);
                    jacobianProduct(start, rows, parameters, featureScale, biasGradient, s);
                }
            }
            if (mode == Mode.PROBABILITIES) {
                p.position((long) start * classes).put(s.probabilities, 0, rows * classes);
            }
            if (backward && floatRowsInPlace) {
                FloatKernels.accumulateWideFloats(nativeRows, rowIndex, start, rows, stride, s.residual,
                        paddedClasses, gradient);
            } else if (backward && bytesInPlace) {
                FloatKernels.accumulateWideBytes(bytes.values, rowIndex, start, rows, stride, s.residual,
                        paddedClasses, gradient);
            } else if (backward) {
                FloatKernels.accumulateTransposed(s.block, rows, stride, s.residual, paddedClasses, gradient);
            }
        }
        return loss;
    }

    /** How many rows ahead {@link #gatherRows} touches the rows it will copy. */
    private static final int TOUCH_AHEAD = 2;

    /**
     * Copies rows {@code rowMap[start..start+rows)} of {@code x} into the scratch block with the heap stride. Rows
     * picked at random come at half the speed of a streaming copy (each 4 KB page starts cold), so the first two cache
     * lines of every page of the row {@link #TOUCH_AHEAD} ahead (up to {@code end}) are read first, a prefetch by
     * hand: an SGD epoch's gather over CIFAR-10-sized rows took 63 instead of 80 ms on one thread.
     */
    private void gatherRows(FloatPointer x, int start, int rows, int end, Scratch s) {
        float[] block = s.block;
        if (rowBuffer != null) {
            float touched = 0;
            for (int i = 0; i < rows; i++) {
                int ahead = start + i + TOUCH_AHEAD;
                if (ahead < end) {
                    touched += touch(rowMap[ahead]);
                }
                rowBuffer.get(rowMap[start + i] * featureCount, block, i * stride, featureCount);
            }
            s.touched = touched;
            return;
        }
        for (int i = 0; i < rows; i++) {
            x.position((long) rowMap[start + i] * featureCount).get(block, i * stride, featureCount);
        }
    }

    /** Reads the first two cache lines of each 4 KB of row {@code row} (their sum, so that the reads stay). */
    private float touch(int row) {
        int base = row * featureCount;
        float sum = 0;
        for (int offset = 0; offset < featureCount; offset += 1024) {
            sum += rowBuffer.get(base + offset);
            if (offset + 16 < featureCount) {
                sum += rowBuffer.get(base + offset + 16);
            }
        }
        return sum;
    }

    /** The row factor {@code c_i = s_i n / sum(s)}, 1 without weights. */
    private double rowFactor(int row) {
        return sampleWeights == null ? 1.0 : sampleWeights[row] * weightScale;
    }

    /**
     * Turns the sub-block's products into logits, softmax and (by mode) the residual {@code c (P - Y) / n} and the
     * bias gradient, or the probabilities; returns {@code sum_i c_i (log sum_k exp(z_ik) - z_{i,y_i})}, computed
     * with the row maximum subtracted.
     */
    private double softmax(Mode mode, int start, int rows, Parameters parameters, double featureScale,
                           double[] biasGradient, Scratch s) {
        double[] e = s.exponentials;
        for (int i = 0; i < rows; i++) {
            int at = i * paddedClasses;
            int to = i * classes;
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < classes; k++) {
                double z = featureScale * s.logits[at + k] + parameters.bias[k];
                e[to + k] = z;
                max = Math.max(max, z);
            }
            for (int k = 0; k < classes; k++) {
                e[to + k] -= max;
            }
            s.pickedLogits[i] = e[to + labels[start + i]];
        }
        int length = roundUp(rows * classes, FloatKernels.doubleLanes());
        java.util.Arrays.fill(e, rows * classes, length, 0.0);
        double loss = 0;
        FloatKernels.exp(e, length);
        for (int i = 0; i < rows; i++) {
            int at = i * paddedClasses;
            int to = i * classes;
            int label = labels[start + i];
            double sum = 0;
            for (int k = 0; k < classes; k++) {
                sum += e[to + k];
            }
            double factor = rowFactor(start + i);
            if (mode != Mode.PROBABILITIES) {
                loss += factor * (Math.log(sum) - s.pickedLogits[i]);
            }
            if (mode == Mode.VALUE_AND_GRADIENT) {
                double scale = factor / numSamples;
                for (int k = 0; k < classes; k++) {
                    double r = scale * (e[to + k] / sum - (k == label ? 1.0 : 0.0));
                    s.residual[at + k] = (float) r;
                    biasGradient[k] += r;
                }
            } else if (mode == Mode.PROBABILITIES) {
                for (int k = 0; k < classes; k++) {
                    s.probabilities[to + k] = (float) (e[to + k] / sum);
                }
            }
        }
        return loss;
    }

    /**
     * The Hessian-vector residual of the sub-block: with {@code t = x v_W * scale + v_b},
     * {@code r = c p * (t - p.t) / n}, and its column sums into the bias part.
     */
    private void jacobianProduct(int start, int rows, Parameters direction, double featureScale,
                                 double[] biasGradient, Scratch s) {
        double[] t = s.row;
        for (int i = 0; i < rows; i++) {
            int at = i * paddedClasses;
            int pAt = i * classes;
            double dot = 0;
            for (int k = 0; k < classes; k++) {
                t[k] = featureScale * s.logits[at + k] + direction.bias[k];
                dot += s.probabilities[pAt + k] * t[k];
            }
            double scale = rowFactor(start + i) / numSamples;
            for (int k = 0; k < classes; k++) {
                double r = scale * s.probabilities[pAt + k] * (t[k] - dot);
                s.residual[at + k] = (float) r;
                biasGradient[k] += r;
            }
        }
    }

    /** One thread's buffers. */
    private final class Scratch {
        final float[] block = new float[subRows * stride];
        final float[] logits = new float[subRows * paddedClasses];
        /** Zero in the padded classes, which the backward product reads. */
        final float[] residual = new float[subRows * paddedClasses];
        final float[] probabilities = new float[subRows * classes];
        final double[] row = new double[classes];
        /** {@code z_{i,y_i} - max_k z_ik} per row of the sub-block. */
        final double[] pickedLogits = new double[subRows];
        /** Shifted logits, then their exponentials: {@code [rows][classes]}, padded to whole vectors. */
        final double[] exponentials = new double[roundUp(subRows * classes, FloatKernels.doubleLanes())];
        /** A private copy of the features' pointer, so that positioning it does not disturb other threads. */
        final FloatPointer featuresPointer = new FloatPointer(featuresAddress);
        /** The sum of the values {@link #touch} read, kept so that the JIT does not drop the reads. */
        float touched;

        private FloatPointer probabilitiesPointer;
        /** The buffer {@link #probabilitiesPointer} points into, held weakly: this thread must not keep it alive. */
        private WeakReference<DataBuffer> probabilitiesOf;

        /** A private pointer into {@code array}'s buffer, made again only when the buffer changes. */
        FloatPointer probabilitiesPointer(INDArray array) {
            DataBuffer buffer = array.data();
            if (probabilitiesOf == null || probabilitiesOf.get() != buffer) {
                probabilitiesPointer = new FloatPointer((FloatPointer) buffer.addressPointer());
                probabilitiesOf = new WeakReference<>(buffer);
            }
            return probabilitiesPointer;
        }
    }
}
