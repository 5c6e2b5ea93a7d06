package dev.softmax.data;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fills a {@code [n,d]} 'c'-order feature matrix from unsigned bytes, chunk by chunk, writing straight into the
 * array's native memory.
 *
 * <p>Why not {@code Nd4j.create(float[], shape)}: that needs the whole matrix once on the Java heap and once
 * off-heap, 1.2 GB for CIFAR-10's training set instead of 614 MB. Here only a small scratch array lives on the
 * heap, and the bytes are converted and copied with one bulk native copy per chunk (no per-element puts).
 */
final class FeatureMatrixWriter {

    /** Elements converted per bulk copy; large enough that the per-copy overhead vanishes. */
    static final int CHUNK = 1 << 16;

    private INDArray matrix;
    private final DataType type;
    private final float[] floatScratch;
    private final double[] doubleScratch;

    /**
     * Allocates an uninitialised {@code [rows, columns]} matrix of {@code type}.
     *
     * @param type FLOAT or DOUBLE
     */
    FeatureMatrixWriter(DataType type, long rows, long columns) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("feature type must be FLOAT or DOUBLE, got " + type);
        }
        this.type = type;
        this.matrix = Nd4j.createUninitialized(type, new long[] {rows, columns}, 'c');
        this.floatScratch = type == DataType.FLOAT ? new float[CHUNK] : null;
        this.doubleScratch = type == DataType.DOUBLE ? new double[CHUNK] : null;
    }

    /**
     * Makes room for at least {@code rows} rows, keeping those written so far: a larger matrix is allocated and
     * the old one copied into it. For data whose announced size is not trusted yet, so that a bogus count costs
     * memory only as the data arrive.
     *
     * @param rows the rows needed
     */
    void ensureRows(long rows) {
        if (rows <= matrix.rows()) {
            return;
        }
        INDArray bigger = Nd4j.createUninitialized(type, new long[] {rows, matrix.columns()}, 'c');
        bigger.get(NDArrayIndex.interval(0, matrix.rows()), NDArrayIndex.all()).assign(matrix);
        if (matrix.closeable()) {
            matrix.close(); // at once, not when collected: growing a large file would otherwise hold both
        }
        matrix = bigger;
    }

    /** The matrix being filled (complete once every element was written). */
    INDArray matrix() {
        return matrix;
    }

    /**
     * Writes {@code length} bytes of {@code source} from {@code sourceOffset}, each read as an unsigned value
     * 0..255, to the flat ('c'-order) positions {@code [target, target + length)} of the matrix.
     */
    void putUnsignedBytes(byte[] source, int sourceOffset, int length, long target) {
        if (target < 0 || target + length > matrix.length()) {
            throw new IndexOutOfBoundsException("write of " + length + " at " + target + " outside "
                    + matrix.length() + " elements");
        }
        int done = 0;
        while (done < length) {
            int n = Math.min(CHUNK, length - done);
            int from = sourceOffset + done;
            long at = target + done;
            if (type == DataType.FLOAT) {
                for (int i = 0; i < n; i++) {
                    floatScratch[i] = source[from + i] & 0xFF;
                }
                // A fresh, non-owning pointer object (nothing to close): moving the position of the buffer's own
                // pointer would shift the array for everyone else.
                new FloatPointer(matrix.data().pointer()).position(at).put(floatScratch, 0, n);
            } else {
                for (int i = 0; i < n; i++) {
                    doubleScratch[i] = source[from + i] & 0xFF;
                }
                new DoublePointer(matrix.data().pointer()).position(at).put(doubleScratch, 0, n);
            }
            done += n;
        }
    }
}
