package dev.softmax.loss;

import dev.softmax.NativeThreads;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A float32 feature matrix whose every value is an integer from 0 to 255 (raw 8-bit pixels, the way the command
 * line trains on image data, with the 1/255 folded into the products), kept as one byte per value: a quarter of
 * the memory traffic of the floats. {@link VectorPass} multiplies the bytes in place where it can ({@link #inPlace},
 * the kernels widening each vector to floats in registers) and otherwise expands each sub-block of rows into
 * floats as it copies them to the heap. Either way the kernels see exactly the values of {@code X} and every
 * result is bit for bit the one the float rows give; a pass reads 1 byte per value from memory instead of 4.
 *
 * <p>Each byte holds {@code value - 128} (a signed byte): the Vector API's one-step widening of bytes to floats
 * ({@code B2F}) takes their sign, and adding 128 back is exact in float.
 */
final class ByteFeatures {

    private static final VectorSpecies<Float> FLOATS = FloatKernels.SPECIES;
    private static final VectorSpecies<Byte> BYTES = FloatKernels.BYTES;
    /** Floats read from native memory at a time while checking and coding. */
    private static final int CODE_CHUNK = 1 << 14;

    /** {@code X[i][j] - 128} at {@code i d + j}. */
    final byte[] values;
    final int featureCount;
    final int rows;

    private ByteFeatures(byte[] values, int featureCount) {
        this.values = values;
        this.featureCount = featureCount;
        this.rows = values.length / featureCount;
    }

    /**
     * Whether the kernels can multiply these bytes where they are ({@link FloatKernels#multiplyWideBytes}): on a
     * core with 32 vector registers, when a row is a whole number of vectors. Otherwise the passes expand each
     * sub-block into floats on the heap first ({@link #loadRows}).
     */
    boolean inPlace() {
        return !FloatKernels.FEW_REGISTERS && featureCount % FloatKernels.lanes() == 0;
    }

    /**
     * {@code features} as bytes when it is float32, {@code 'c'} order, not a view, has fewer than {@code 2^31}
     * entries and every entry is one of the floats 0, 1, ..., 255 (bit for bit: {@code -0.0} does not count),
     * else {@code null}. Reads {@code X} once, on the worker threads; data of another kind usually fail on their
     * first row.
     */
    static ByteFeatures of(INDArray features) {
        if (!eligible(features)) {
            return null;
        }
        byte[] values = new byte[(int) features.length()];
        return code(features, values) ? new ByteFeatures(values, (int) features.columns()) : null;
    }

    /**
     * Whether {@link #of}{@code (features)} would give bytes, without keeping them: one read of {@code X} on the
     * worker threads.
     */
    static boolean fits(INDArray features) {
        return eligible(features) && code(features, null);
    }

    private static boolean eligible(INDArray features) {
        return features.dataType() == DataType.FLOAT && features.ordering() == 'c' && !features.isView()
                && features.rank() == 2 && features.length() <= Integer.MAX_VALUE && features.length() > 0;
    }

    /** Codes all of {@code features} into {@code values} (or only checks, when it is {@code null}). */
    private static boolean code(INDArray features, byte[] values) {
        int length = (int) features.length();
        FloatPointer address = (FloatPointer) features.data().addressPointer();
        float[] first = new float[Math.min(length, CODE_CHUNK)];
        // The first piece alone first: most data that are not pixels fail there, before any work on other threads.
        if (!code(new FloatPointer(address), 0, first.length, values, first)) {
            return false;
        }
        int pieces = (length + CODE_CHUNK - 1) / CODE_CHUNK - 1;
        int parts = Math.min(pieces, NativeThreads.MAX_CHUNKS);
        AtomicBoolean coded = new AtomicBoolean(true);
        NativeThreads.parallelFor(parts, part -> {
            FloatPointer pointer = new FloatPointer(address);
            float[] buffer = new float[CODE_CHUNK];
            for (long piece = 1 + (long) pieces * part / parts; piece < 1 + (long) pieces * (part + 1) / parts
                    && coded.get(); piece++) {
                int from = (int) piece * CODE_CHUNK;
                if (!code(pointer, from, Math.min(length, from + CODE_CHUNK), values, buffer)) {
                    coded.set(false);
                }
            }
        });
        return coded.get();
    }

    /**
     * Codes entries {@code [from, to)} (at most {@link #CODE_CHUNK}, read through {@code buffer}) into {@code values}
     * unless it is {@code null}; false at the first entry that is not one of the floats 0 to 255.
     */
    private static boolean code(FloatPointer address, int from, int to, byte[] values, float[] buffer) {
        int count = to - from;
        address.position(from).get(buffer, 0, count);
        for (int i = 0; i < count; i++) {
            float v = buffer[i];
            int b = (int) v;
            if (b < 0 || b > 255 || Float.floatToRawIntBits(v) != Float.floatToRawIntBits((float) b)) {
                return false;
            }
            if (values != null) {
                values[from + i] = (byte) (b - 128);
            }
        }
        return true;
    }

    /**
     * The byte form of one feature matrix, worked out on first use and then shared by an objective, its copies and
     * (through the objective they were taken from) its batches.
     */
    static final class Slot {
        private final boolean enabled;
        private boolean decided;
        private ByteFeatures value;

        /** @param enabled whether to look for bytes at all ({@link dev.softmax.Kernels#byteFeatures()}) */
        Slot(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * {@link #of}{@code (features)} if enabled, computed on the first call, else {@code null}; {@code features}
         * must be the same each time.
         */
        synchronized ByteFeatures get(INDArray features) {
            if (enabled && !decided) {
                value = of(features);
                decided = true;
            }
            return value;
        }
    }

    /** Bytes this holds: one per entry of {@code X}. */
    long bytes() {
        return values.length;
    }

    /**
     * Copies rows {@code [start, start+rows)} into {@code block} as floats, row {@code i} at {@code i stride}; the
     * entries past {@code featureCount} of each row are left as they are.
     */
    void loadRows(int start, int rows, float[] block, int stride) {
        for (int i = 0; i < rows; i++) {
            loadRow(start + i, block, i * stride);
        }
    }

    /** Copies row {@code row} into {@code block[at, at + featureCount)} as floats. */
    void loadRow(int row, float[] block, int at) {
        expand(values, row * featureCount, featureCount, block, at);
    }

    /** {@code block[at + j] = values[from + j] + 128} for {@code j < count}, a vector at a time. */
    static void expand(byte[] values, int from, int count, float[] block, int at) {
        int step = FLOATS.length();
        int vectorEnd = count - count % step;
        FloatVector offset = FloatVector.broadcast(FLOATS, 128f);
        int j = 0;
        for (; j < vectorEnd; j += step) {
            ((FloatVector) ByteVector.fromArray(BYTES, values, from + j).convertShape(VectorOperators.B2F, FLOATS, 0))
                    .add(offset).intoArray(block, at + j);
        }
        for (; j < count; j++) {
            block[at + j] = values[from + j] + 128f;
        }
    }
}
