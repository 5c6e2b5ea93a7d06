package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The benchmark's Vector API floor reads every entry of the rows it is given once, and only those. */
class StreamingReadTest {

    @Test
    void sumsExactlyTheRowsAskedForWhateverTheirLength() {
        // 13 columns: ranges end inside a vector and inside a group of eight; 256 columns: whole groups only.
        for (int columns : new int[] {13, 256}) {
            int rows = 97;
            double[][] values = new double[rows][columns];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < columns; j++) {
                    // Small integers: every float sum below is exact, whatever the order of the additions.
                    values[i][j] = (i * 31 + j * 7) % 17 - 8;
                }
            }
            INDArray x = Nd4j.createFromArray(values).castTo(DataType.FLOAT);
            assertTrue(StreamingRead.supports(x));
            StreamingRead read = StreamingRead.of(x);
            int[][] ranges = {{0, rows}, {0, 1}, {5, 6}, {3, 40}, {40, 97}, {96, 97}, {10, 10}};
            for (int[] range : ranges) {
                double expected = 0;
                for (int i = range[0]; i < range[1]; i++) {
                    for (int j = 0; j < columns; j++) {
                        expected += values[i][j];
                    }
                }
                assertEquals(expected, read.sumRows(range[0], range[1]), 0.0,
                        columns + " columns, rows " + range[0] + " to " + range[1]);
            }
        }
    }

    @Test
    void refusesWhatItCannotReadInPlace() {
        INDArray floats = Nd4j.rand(DataType.FLOAT, 8, 16);
        assertFalse(StreamingRead.supports(Nd4j.rand(DataType.DOUBLE, 8, 16)));
        assertFalse(StreamingRead.supports(floats.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all())));
        assertFalse(StreamingRead.supports(floats.dup('f')));
        assertThrows(IllegalArgumentException.class, () -> StreamingRead.of(Nd4j.rand(DataType.DOUBLE, 8, 16)));
    }
}
