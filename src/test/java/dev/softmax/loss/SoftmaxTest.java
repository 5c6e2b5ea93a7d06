package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class SoftmaxTest {

    @Test
    void anInfiniteLogitMakesOnlyItsOwnRowNaN() {
        INDArray logits = Nd4j.createFromArray(new double[][] {{Double.POSITIVE_INFINITY, 0}, {1, 2}});
        INDArray p = Softmax.softmax(logits);
        assertTrue(Double.isNaN(p.getDouble(0, 0)), p.toString());
        assertEquals(1.0, p.getDouble(1, 0) + p.getDouble(1, 1), 1e-15);
        INDArray minus = Softmax.softmax(Nd4j.createFromArray(new double[][] {{Double.NEGATIVE_INFINITY, 0}}));
        assertArrayEquals(new double[] {0, 1}, minus.toDoubleVector(), 0.0);
    }

    @Test
    void probabilitiesArePositiveAndSumToOne() {
        INDArray logits = TestProblems.randomFeatures(20, 5, 3.0, 1, DataType.DOUBLE);
        INDArray p = Softmax.softmax(logits);
        assertEquals(0.0, Transforms.abs(p.sum(1).subi(1.0)).maxNumber().doubleValue(), 1e-14);
        assertTrue(p.minNumber().doubleValue() > 0);
    }

    @Test
    void matchesTheDefinitionOnModerateLogits() {
        double[] z = {1.0, -2.0, 0.5};
        double norm = Math.exp(1.0) + Math.exp(-2.0) + Math.exp(0.5);
        INDArray p = Softmax.softmax(Nd4j.createFromArray(z));
        assertArrayEquals(new double[] {Math.exp(1.0) / norm, Math.exp(-2.0) / norm, Math.exp(0.5) / norm},
                p.toDoubleVector(), 1e-15);
        INDArray logP = Softmax.logSoftmax(Nd4j.createFromArray(z));
        assertArrayEquals(new double[] {1.0 - Math.log(norm), -2.0 - Math.log(norm), 0.5 - Math.log(norm)},
                logP.toDoubleVector(), 1e-14);
        assertEquals(Math.log(norm), Softmax.logSumExp(Nd4j.createFromArray(z)).getDouble(0), 1e-14);
    }

    @Test
    void invariantToAddingAConstantToEveryLogit() {
        INDArray logits = TestProblems.randomFeatures(10, 4, 2.0, 2, DataType.DOUBLE);
        INDArray shifted = logits.add(123.456);
        assertEquals(0.0, Softmax.softmax(logits).distance1(Softmax.softmax(shifted)), 1e-12);
        assertEquals(0.0, Softmax.logSoftmax(logits).distance1(Softmax.logSoftmax(shifted)), 1e-10);
    }

    @Test
    void extremeLogitsGiveFiniteResults() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray logits = Nd4j.create(new double[][] {{1e4, -1e4, 0}, {-1e4, -1e4, -1e4}, {1e4, 1e4, -1e4}})
                    .castTo(type);
            INDArray p = Softmax.softmax(logits);
            assertTrue(p.isNaN().none() && p.isInfinite().none(), "softmax finite for " + type);
            assertEquals(0.0, Transforms.abs(p.sum(1).subi(1.0)).maxNumber().doubleValue(), 1e-6);
            assertArrayEquals(new double[] {1, 0, 0}, p.getRow(0).toDoubleVector(), 1e-7);
            assertArrayEquals(new double[] {0.5, 0.5, 0}, p.getRow(2).toDoubleVector(), 1e-7);
            INDArray logP = Softmax.logSoftmax(logits);
            assertTrue(logP.isNaN().none() && logP.isInfinite().none(), "logSoftmax finite for " + type);
            assertEquals(-2e4, logP.getDouble(0, 1), 1e-2);
            assertEquals(-Math.log(3), logP.getDouble(1, 0), 1e-6);
        }
    }

    @Test
    void temperatureFlattensOrSharpens() {
        INDArray z = Nd4j.createFromArray(2.0, 1.0, 0.0);
        assertEquals(0.0, Softmax.softmax(z, 1.0).distance1(Softmax.softmax(z)), 1e-15);
        assertEquals(0.0, Softmax.softmax(z, 2.0).distance1(Softmax.softmax(z.div(2.0))), 1e-15);
        INDArray hot = Softmax.softmax(z, 1e-3);
        assertEquals(1.0, hot.getDouble(0), 1e-12);
        INDArray flat = Softmax.softmax(z, 1e6);
        assertArrayEquals(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, flat.toDoubleVector(), 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(z, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Softmax.softmax(z, Double.NaN));
    }

    @Test
    void jacobianMatchesFiniteDifferences() {
        INDArray z = TestProblems.randomVector(5, 1.5, 3, DataType.DOUBLE);
        INDArray analytic = Softmax.jacobian(Softmax.softmax(z));
        INDArray numeric = GradientCheck.numericalJacobianColumn(Softmax::softmax, z, 1e-6);
        assertTrue(GradientCheck.maxRelativeError(analytic, numeric, 1e-8) < 1e-6,
                () -> "analytic " + analytic + "\nnumeric " + numeric);
        // Rows of the Jacobian sum to zero: the probabilities always sum to one.
        assertEquals(0.0, Transforms.abs(analytic.sum(1)).maxNumber().doubleValue(), 1e-15);
    }
}
