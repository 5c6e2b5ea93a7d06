package dev.softmax.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class VectorsTest {

    @Test
    void floatProductsAndNormsAccumulateInDouble() {
        // Products of floats are exact in double: the sum of 2^20 of them must match the double sum of the same
        // values to double rounding, not float rounding.
        INDArray a = TestProblems.randomVector(1 << 20, 1.0, 1, DataType.DOUBLE).castTo(DataType.FLOAT);
        INDArray b = TestProblems.randomVector(1 << 20, 1.0, 2, DataType.DOUBLE).castTo(DataType.FLOAT);
        INDArray ad = a.castTo(DataType.DOUBLE);
        INDArray bd = b.castTo(DataType.DOUBLE);
        double expected = ad.mul(bd).sumNumber().doubleValue();
        assertEquals(expected, Vectors.dot(a, b), 1e-9 * Math.abs(expected) + 1e-9);
        assertEquals(expected, Vectors.dot(ad, b), 1e-9 * Math.abs(expected) + 1e-9);
        assertEquals(ad.norm2Number().doubleValue(), Vectors.norm(a), 1e-12 * ad.norm2Number().doubleValue());
        assertEquals(ad.norm2Number().doubleValue(), RunMonitor.norm(a), 1e-12 * ad.norm2Number().doubleValue());
    }

    @Test
    void axpyInPlaceAndForMixedTypes() {
        INDArray x = TestProblems.randomVector(100, 1.0, 3, DataType.DOUBLE);
        INDArray y = TestProblems.randomVector(100, 1.0, 4, DataType.DOUBLE);
        INDArray expected = y.add(x.mul(-2.5));
        INDArray same = y.dup();
        Vectors.axpy(-2.5, x, same);
        assertEquals(expected, same);
        INDArray mixed = y.dup();
        Vectors.axpy(-2.5, x.castTo(DataType.FLOAT), mixed);
        // The float copy of x rounds it: errors of float size.
        assertEquals(0, expected.sub(mixed).norm2Number().doubleValue(), 1e-5);
    }
}
