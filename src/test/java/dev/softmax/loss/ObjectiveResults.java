package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.softmax.optim.ValueAndGradient;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What two ways of computing one objective are compared on: the value, gradient and Hessian-vector product of the
 * whole objective, and the value and gradient of a batch and of a batch of that batch.
 */
record ObjectiveResults(double value, float[] gradient, float[] hessianProduct, double batchValue,
                        float[] batchGradient, double subBatchValue, float[] subBatchGradient) {

    static ObjectiveResults of(SoftmaxCrossEntropy objective, INDArray theta, INDArray v, int[] rows, int[] sub) {
        ValueAndGradient full = objective.valueAndGradient(theta);
        float[] hv = objective.hessianAt(theta).apply(v).toFloatVector();
        SoftmaxCrossEntropy batch = objective.batch(rows);
        ValueAndGradient b = batch.valueAndGradient(theta);
        double batchValue = b.value();
        float[] batchGradient = b.gradient().toFloatVector();
        ValueAndGradient nested = batch.batch(sub).valueAndGradient(theta);
        return new ObjectiveResults(full.value(), full.gradient().toFloatVector(), hv, batchValue, batchGradient,
                nested.value(), nested.gradient().toFloatVector());
    }

    /** Asserts that {@code actual} equals these results to the last bit. */
    void assertIdentical(ObjectiveResults actual) {
        assertEquals(value, actual.value, 0.0);
        assertArrayEquals(gradient, actual.gradient, 0.0f);
        assertArrayEquals(hessianProduct, actual.hessianProduct, 0.0f);
        assertEquals(batchValue, actual.batchValue, 0.0);
        assertArrayEquals(batchGradient, actual.batchGradient, 0.0f);
        assertEquals(subBatchValue, actual.subBatchValue, 0.0);
        assertArrayEquals(subBatchGradient, actual.subBatchGradient, 0.0f);
    }
}
