package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.Kernels;
import dev.softmax.testutil.TestProblems;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * 8-bit features kept as bytes: which matrices qualify, the expansion back to floats bit for bit, and objectives
 * that read bytes giving exactly the results of the same objectives reading floats.
 */
class ByteFeaturesTest {

    @AfterEach
    void restoreSettings() {
        Kernels.set(Kernels.Kind.AUTO);
        Kernels.setByteFeatures(false);
    }

    /** Integers 0..255 as float32, with both ends present. */
    static INDArray pixels(int n, int d, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(256);
        }
        values[0] = 255;
        values[values.length - 1] = 0;
        return Nd4j.create(values, new long[] {n, d}, DataType.FLOAT);
    }

    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {13, 250})
    void pixelsAreCodedAndExpandBackBitForBit(int d) {
        // 300 x 250 is more than one piece of 65536 values, so the coding runs on the worker threads too.
        int n = 300;
        INDArray x = pixels(n, d, d);
        ByteFeatures bytes = ByteFeatures.of(x);
        assertNotNull(bytes);
        assertEquals((long) n * d, bytes.bytes());
        float[] expected = x.data().asFloat();
        float[] row = new float[d + 7];
        for (int i : new int[] {0, 1, n / 2, n - 1}) {
            Arrays.fill(row, Float.NaN);
            bytes.loadRow(i, row, 3);
            for (int j = 0; j < d; j++) {
                assertEquals(Float.floatToRawIntBits(expected[i * d + j]), Float.floatToRawIntBits(row[3 + j]),
                        "row " + i + " feature " + j);
            }
            assertTrue(Float.isNaN(row[2]) && Float.isNaN(row[3 + d]), "only the row's own entries are written");
        }
        int stride = d + 5;
        float[] block = new float[4 * stride];
        bytes.loadRows(n - 4, 4, block, stride);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < d; j++) {
                assertEquals(expected[(n - 4 + i) * d + j], block[i * stride + j], 0.0f);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(floats = {256f, -1f, 0.5f, -0.0f, Float.NaN, Float.POSITIVE_INFINITY, 1e9f})
    void anyOtherValueAnywhereKeepsTheFloats(float value) {
        for (int at : new int[] {0, 40_000, 299 * 250 + 249}) {
            INDArray x = pixels(300, 250, 7);
            x.putScalar(at / 250, at % 250, value);
            assertNull(ByteFeatures.of(x), "value " + value + " at " + at);
        }
    }

    @Test
    void otherTypesAndViewsKeepTheirFloats() {
        INDArray x = pixels(40, 20, 8);
        assertNull(ByteFeatures.of(x.castTo(DataType.DOUBLE)));
        assertNull(ByteFeatures.of(x.get(NDArrayIndex.interval(0, 10), NDArrayIndex.all())));
        assertNull(ByteFeatures.of(x.dup('f')));
        assertNotNull(ByteFeatures.of(x));
    }

    /**
     * Values, gradients and Hessian-vector products (whose probabilities come from the forward pass) of the full
     * objective, a batch and a batch of a batch, with sample weights and the 1/255 folded in: equal to the last bit
     * whether the passes read bytes or floats.
     */
    @ParameterizedTest(name = "d={0}")
    @ValueSource(ints = {100, 128})
    void objectivesReadingBytesGiveExactlyTheResultsOfFloats(int d) {
        Kernels.set(Kernels.Kind.VECTOR);
        // d = 128 is a whole number of vectors, so with 32 vector registers the kernels multiply the bytes in
        // place, and the last chunk's rows (3001 is odd) end in a partial group of four, which is expanded instead.
        int n = 3001;
        int k = 10;
        INDArray x = pixels(n, d, 30);
        int[] y = TestProblems.randomLabels(n, k, 31);
        double[] s = new Random(32).doubles(n, 0.0, 2.0).toArray();
        INDArray theta = TestProblems.randomVector((d + 1) * k, 0.05, 33, DataType.FLOAT);
        INDArray v = TestProblems.randomVector((d + 1) * k, 1.0, 34, DataType.FLOAT);
        int[] rows = TestProblems.randomLabels(700, n, 35);
        int[] sub = TestProblems.randomLabels(130, 700, 36);

        Kernels.setByteFeatures(false);
        SoftmaxCrossEntropy floats = new SoftmaxCrossEntropy(x, y, k, 0.01, s).withFeatureScale(1 / 255.0);
        ObjectiveResults expected = ObjectiveResults.of(floats, theta, v, rows, sub);
        assertFalse(floats.readsFeaturesAsBytes());

        Kernels.setByteFeatures(true);
        SoftmaxCrossEntropy bytes = new SoftmaxCrossEntropy(x, y, k, 0.01, s).withFeatureScale(1 / 255.0);
        ObjectiveResults actual = ObjectiveResults.of(bytes, theta, v, rows, sub);
        assertTrue(bytes.readsFeaturesAsBytes());
        assertEquals(!FloatKernels.FEW_REGISTERS && d % FloatKernels.lanes() == 0, bytes.readsRowsInPlace());
        assertFalse(floats.readsRowsInPlace(), "rows of " + d + " floats are copied");
        // Batches read the bytes too: in place where the kernels multiply them there, else expanded row by row.
        assertTrue(bytes.batch(rows).readsFeaturesAsBytes());
        // The choice is the objective's, made when it was made: its later batches keep it.
        Kernels.setByteFeatures(false);
        assertTrue(bytes.batch(sub).readsFeaturesAsBytes());
        assertFalse(floats.batch(sub).readsFeaturesAsBytes());

        expected.assertIdentical(actual);
    }

    /**
     * The kernels that multiply rows where they are (bytes, and floats in native memory) against the heap kernels on
     * the same rows copied, the rows taken through a shuffled index: equal to the last bit, for 5, 10 and 15
     * classes, rows that are an even and an odd number of vectors wide, and row counts that leave one to three rows
     * after groups of four. They run on any core, though only one with 32 vector registers uses them in a pass.
     */
    @ParameterizedTest(name = "classes={0}")
    @ValueSource(ints = {5, 10, 15})
    void kernelsReadingRowsInPlaceMatchTheHeapKernelsBitForBit(int classes) {
        int lanes = FloatKernels.lanes();
        Random random = new Random(classes);
        for (int vectors : new int[] {1, 4, 7}) {
            int stride = vectors * lanes;
            int rows = 12;
            byte[] values = new byte[(rows + 3) * stride];
            random.nextBytes(values);
            // Rows in a shuffled order, from position 2 of the index, as a mini-batch reads them.
            int[] rowIndex = new int[rows + 2];
            for (int i = 0; i < rowIndex.length; i++) {
                rowIndex[i] = (7 * i + 5) % (rows + 3);
            }
            int first = 2;
            float[] block = new float[rows * stride];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < stride; j++) {
                    block[i * stride + j] = values[rowIndex[first + i] * stride + j] + 128f;
                }
            }
            float[] wt = new float[classes * stride];
            for (int i = 0; i < wt.length; i++) {
                wt[i] = (float) random.nextGaussian();
            }
            java.nio.ByteBuffer floats = java.nio.ByteBuffer.allocateDirect(values.length * Float.BYTES)
                    .order(java.nio.ByteOrder.nativeOrder());
            for (int i = 0; i < values.length; i++) {
                floats.putFloat(i * Float.BYTES, values[i] + 128f);
            }
            float[] expected = new float[rows * classes];
            float[] actual = new float[rows * classes];
            FloatKernels.multiplyWide(block, rows, stride, wt, classes, expected);
            FloatKernels.multiplyWideBytes(values, rowIndex, first, rows, stride, wt, classes, actual);
            assertArrayEquals(expected, actual, 0.0f, "X W from bytes, " + vectors + " vectors");
            // The kernels that read floats in place run only where the JDK loads from native memory.
            boolean floatsInPlace = FloatKernels.READS_NATIVE_ROWS;
            Object nativeRows = floatsInPlace ? FloatKernels.nativeRows(floats) : null;
            if (floatsInPlace) {
                FloatKernels.multiplyWideFloats(nativeRows, rowIndex, first, rows, stride, wt, classes, actual);
                assertArrayEquals(expected, actual, 0.0f, "X W from floats, " + vectors + " vectors");
            }
            for (int used : new int[] {rows, rows - 1, rows - 2, rows - 3}) {
                float[] r = new float[rows * classes];
                for (int i = 0; i < used * classes; i++) {
                    r[i] = (float) random.nextGaussian();
                }
                float[] gtExpected = new float[classes * stride];
                for (int i = 0; i < gtExpected.length; i++) {
                    gtExpected[i] = (float) random.nextGaussian();
                }
                float[] gtActual = gtExpected.clone();
                float[] gtFromFloats = gtExpected.clone();
                FloatKernels.accumulateWide(block, used, stride, r, classes, gtExpected);
                FloatKernels.accumulateWideBytes(values, rowIndex, first, used, stride, r, classes, gtActual);
                if (floatsInPlace) {
                    FloatKernels.accumulateWideFloats(nativeRows, rowIndex, first, used, stride, r, classes,
                            gtFromFloats);
                } else {
                    gtFromFloats = gtActual;
                }
                String what = vectors + " vectors, " + used + " rows";
                assertArrayEquals(gtExpected, gtActual, 0.0f, "R^T X from bytes, " + what);
                assertArrayEquals(gtExpected, gtFromFloats, 0.0f, "R^T X from floats, " + what);
            }
        }
    }

    @Test
    void dataThatAreNotPixelsAreReadAsFloats() {
        Kernels.set(Kernels.Kind.VECTOR);
        Kernels.setByteFeatures(true);
        INDArray x = TestProblems.randomFeatures(500, 30, 1.0, 40, DataType.FLOAT);
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(x, TestProblems.randomLabels(500, 3, 41), 3, 0.01);
        assertEquals("vector", objective.kernel());
        assertFalse(objective.readsFeaturesAsBytes());
    }
}
