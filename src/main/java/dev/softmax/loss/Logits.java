package dev.softmax.loss;

import dev.softmax.Blas;
import dev.softmax.Kernels;
import dev.softmax.NativeThreads;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The logits {@code Z = X W + 1 b^T} of many rows, the pass behind predictions: chunks of rows on
 * {@link NativeThreads#current()} threads, with the Vector API kernels for float32 when
 * {@link Kernels#useVector()}, else BLAS (a rank-one GEMM for the bias, then {@code X W}). Safe to call from
 * several threads at once.
 */
public final class Logits {

    private Logits() {
    }

    /**
     * The logits {@code X W + b}.
     *
     * @param x       {@code [n,d]}, {@code 'c'} order, not a view, of the parameters' type
     * @param weights {@code [d,K]}, contiguous
     * @param bias    {@code [1,K]}, contiguous
     * @return a new {@code [n,K]} array of the parameters' type
     */
    public static INDArray of(INDArray x, INDArray weights, INDArray bias) {
        DataType type = weights.dataType();
        if (x.dataType() != type || bias.dataType() != type) {
            throw new IllegalArgumentException("features, weights and bias must have one type, got " + x.dataType()
                    + ", " + weights.dataType() + " and " + bias.dataType());
        }
        if (x.columns() != weights.rows() || bias.length() != weights.columns()) {
            throw new IllegalArgumentException("shapes do not match: x " + java.util.Arrays.toString(x.shape())
                    + ", weights " + java.util.Arrays.toString(weights.shape()) + ", bias "
                    + java.util.Arrays.toString(bias.shape()));
        }
        int n = (int) x.rows();
        int k = (int) weights.columns();
        INDArray logits = Nd4j.createUninitialized(type, n, k);
        int chunks = NativeThreads.chunkCount(n);
        if (type == DataType.FLOAT && Kernels.useVector() && !x.isView() && x.ordering() == 'c') {
            VectorPass.Parameters parameters = new VectorPass.Parameters((int) x.columns(), k);
            parameters.load(weights, bias);
            Object rows = VectorPass.readsFloatsInPlace(x)
                    ? FloatKernels.nativeRows(x.data().asNio().order(java.nio.ByteOrder.nativeOrder())) : null;
            if ((long) n * x.columns() >= VectorPass.WARM_UP_MIN_ELEMENTS) {
                VectorPass.warmUpOnce();
                if (rows != null) {
                    VectorPass.warmUpFloatsInPlaceOnce();
                }
            }
            NativeThreads.parallelFor(chunks, c -> vectorChunk(x, rows, parameters, logits,
                    NativeThreads.chunkStart(n, chunks, c), NativeThreads.chunkStart(n, chunks, c + 1)));
            return logits;
        }
        INDArray ones = Nd4j.ones(type, NativeThreads.chunkStart(n, chunks, 1) + 1, 1);
        NativeThreads.parallelFor(chunks, c -> {
            int from = NativeThreads.chunkStart(n, chunks, c);
            int to = NativeThreads.chunkStart(n, chunks, c + 1);
            INDArray chunkLogits = logits.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
            Blas.gemm(false, false, 1.0, ones.get(NDArrayIndex.interval(0, to - from), NDArrayIndex.all()), bias, 0.0,
                    chunkLogits);
            Blas.gemm(false, false, 1.0, x.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()), weights, 1.0,
                    chunkLogits);
        });
        return logits;
    }

    /**
     * Per-thread buffers, kept between calls: allocating a fresh sub-block per chunk (25 MB of new heap per
     * prediction over Fashion-MNIST) made predictions five times slower, the cost of first touching new pages.
     */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    private static float[] scratch(int which, int length) {
        float[][] buffers = SCRATCH.get();
        if (buffers[which].length < length) {
            buffers[which] = new float[length];
        }
        return buffers[which];
    }

    /**
     * Rows {@code [from, to)}: read where they are from {@code rows} when that is not
     * {@code null} and a whole row group fits, else copied to the heap first (see
     * {@link VectorPass#readsFloatsInPlace(INDArray)}); the same products either way.
     */
    private static void vectorChunk(INDArray x, Object rows,
                                    VectorPass.Parameters parameters, INDArray logits, int from, int to) {
        int k = parameters.classes;
        int padded = parameters.paddedClasses;
        int subRows = Math.min(parameters.subRows, VectorPass.roundUp(to - from, FloatKernels.ROW_GROUP));
        float[] block = scratch(0, subRows * parameters.stride);
        float[] products = scratch(1, subRows * padded);
        float[] out = scratch(2, subRows * k);
        int n = (int) x.rows();
        int[] allRows = FloatKernels.identityRows(n);
        FloatPointer source = new FloatPointer((FloatPointer) x.data().addressPointer());
        FloatPointer target = new FloatPointer((FloatPointer) logits.data().addressPointer());
        for (int start = from; start < to; start += subRows) {
            int count = Math.min(subRows, to - start);
            int paddedCount = VectorPass.roundUp(count, FloatKernels.ROW_GROUP);
            if (rows != null && start + paddedCount <= n) {
                FloatKernels.multiplyWideFloats(rows, allRows, start, paddedCount, parameters.stride,
                        parameters.transposedWeights, padded, products);
            } else {
                parameters.loadRows(source, start, count, block);
                FloatKernels.multiply(block, paddedCount, parameters.stride, parameters.transposedWeights, padded,
                        products);
            }
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < k; c++) {
                    out[i * k + c] = (float) (products[i * padded + c] + parameters.bias[c]);
                }
            }
            target.position((long) start * k).put(out, 0, count * k);
        }
    }
}
