package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The objective value at a point and its gradient there, from one pass over the data.
 *
 * @param value    the value being minimised
 * @param gradient its gradient, a new array the caller owns (same length and type as the point)
 */
public record ValueAndGradient(double value, INDArray gradient) {
}
