package dev.softmax.loss;

import dev.softmax.Kernels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One read of every entry of a float32 matrix where ND4J keeps it, with the Vector API loads that the float32
 * passes use to read rows in place: a floor for {@link dev.softmax.bench.Benchmark} besides BLAS's {@code asum}.
 * Which of the two reads memory faster depends on the JDK and on OpenBLAS's kernels (on the Intel development
 * machine: this one on JDK 25, {@code asum} on JDK 17, where a vector load from native memory costs extra
 * instructions).
 */
public final class StreamingRead {

    private final ByteBuffer buffer;
    private final Object rows;
    private final int columns;

    private StreamingRead(INDArray x) {
        this.buffer = x.data().asNio().order(ByteOrder.nativeOrder());
        this.rows = FloatKernels.nativeRows(buffer);
        this.columns = (int) x.columns();
    }

    /**
     * Whether {@link #of} can read {@code x}: the Vector API module is present and can load from native memory,
     * and {@code x} is a whole FLOAT {@code 'c'}-order matrix (not a view) of fewer than {@code 2^31} bytes.
     *
     * @param x the matrix to read
     * @return whether {@link #of} accepts {@code x}
     */
    public static boolean supports(INDArray x) {
        return Kernels.vectorModulePresent() && x.rank() == 2 && x.dataType() == DataType.FLOAT
                && x.ordering() == 'c' && !x.isView() && x.length() <= Integer.MAX_VALUE / Float.BYTES
                && FloatKernels.READS_NATIVE_ROWS;
    }

    /**
     * A reader of {@code x}'s memory.
     *
     * @param x the matrix to read; read where it is, not copied
     * @return the reader
     * @throws IllegalArgumentException unless {@link #supports}{@code (x)}
     */
    public static StreamingRead of(INDArray x) {
        if (!supports(x)) {
            throw new IllegalArgumentException("a streaming read needs the Vector API module and a whole FLOAT "
                    + "'c'-order matrix under 2^31 bytes");
        }
        return new StreamingRead(x);
    }

    /**
     * The sum of rows {@code [from, to)}, read once in order.
     *
     * @param from the first row
     * @param to   the row after the last
     * @return the sum of every entry of those rows
     */
    public double sumRows(int from, int to) {
        return FloatKernels.sum(rows, buffer, from * columns, to * columns);
    }
}
