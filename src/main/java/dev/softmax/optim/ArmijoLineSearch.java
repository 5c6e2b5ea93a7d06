package dev.softmax.optim;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Backtracking line search for the Armijo (sufficient decrease) condition
 * {@code f(x + t d) <= f(x) + c1 t g^T d} with {@code f(x + t d) < f(x)}, halving {@code t} (by {@code shrink})
 * until it holds.
 *
 * <p>Each trial evaluates value and gradient together, so the accepted trial's gradient is reused by the
 * next iteration. A trial with a non-finite value counts as insufficient decrease, and so does one that leaves
 * {@code f} unchanged: near the rounding floor {@code f + c1 t g^T d} rounds to {@code f}, and such a step, taken,
 * made the function test call the run converged wherever the evaluations' rounding hid the decrease (QA: float32
 * gradient descent on iris, 2.7e-5 above the optimum, at a gradient norm 20 times the tolerance). The search then
 * ends unaccepted once a step is so short that no coordinate of {@code x} changes, as no shorter one can.
 *
 * @param c1        sufficient-decrease constant, in (0, 1)
 * @param shrink    factor applied to the step after a failed trial, in (0, 1)
 * @param maxTrials trials before giving up
 */
public record ArmijoLineSearch(double c1, double shrink, int maxTrials) {

    /** Nocedal and Wright's usual constants: c1 = 1e-4, halving, 60 trials. */
    public static final ArmijoLineSearch DEFAULT = new ArmijoLineSearch(1e-4, 0.5, 60);

    /**
     * Validates the constants.
     *
     * @param c1        sufficient-decrease constant, in (0, 1)
     * @param shrink    factor applied to the step after a failed trial, in (0, 1)
     * @param maxTrials trials before giving up, {@code >= 1}
     */
    public ArmijoLineSearch {
        if (!(c1 > 0 && c1 < 1)) {
            throw new IllegalArgumentException("c1 must be in (0,1), got " + c1);
        }
        if (!(shrink > 0 && shrink < 1)) {
            throw new IllegalArgumentException("shrink must be in (0,1), got " + shrink);
        }
        if (maxTrials < 1) {
            throw new IllegalArgumentException("maxTrials must be >= 1, got " + maxTrials);
        }
    }

    /**
     * Outcome of a search.
     *
     * @param accepted whether a step satisfied the condition
     * @param step     the accepted step; when none was, the step after the last one tried (one more shrink), the one
     *                 at which no coordinate moved (not evaluated), or 0 when {@code direction} is not downhill
     * @param point    {@code x + step d} (a new array), or {@code null} when not accepted
     * @param at       value and gradient at {@code point}, or {@code null} when not accepted
     * @param trials   number of evaluations made
     */
    public record Outcome(boolean accepted, double step, INDArray point, ValueAndGradient at, int trials) {
    }

    /**
     * Searches along {@code direction} from {@code x}.
     *
     * @param objective   the function
     * @param x           the current point (not mutated)
     * @param current     value and gradient at {@code x}
     * @param direction   a descent direction (not mutated)
     * @param initialStep the first step to try, {@code > 0}
     * @param monitor     counts the evaluations
     * @return the step found, if any, with the point it reaches and the trials spent
     */
    public Outcome search(DifferentiableObjective objective, INDArray x, ValueAndGradient current,
                          INDArray direction, double initialStep, RunMonitor monitor) {
        double slope = current.gradient().castTo(DataType.DOUBLE)
                .mul(direction.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
        if (!(slope < 0)) {
            return new Outcome(false, 0, null, null, 0);
        }
        double step = initialStep;
        for (int trial = 1; trial <= maxTrials; trial++) {
            INDArray candidate = x.add(direction.mul(step));
            if (candidate.sub(x).amaxNumber().doubleValue() == 0) { // not INDArray.equals: it allows 1e-5
                // No weight moves at this step, nor at any shorter one: nothing left to search.
                return new Outcome(false, step, null, null, trial - 1);
            }
            ValueAndGradient at = objective.valueAndGradient(candidate);
            monitor.countValueAndGradient();
            if (Double.isFinite(at.value()) && at.value() < current.value()
                    && at.value() <= current.value() + c1 * step * slope) {
                return new Outcome(true, step, candidate, at, trial);
            }
            step *= shrink;
        }
        return new Outcome(false, step, null, null, maxTrials);
    }
}
