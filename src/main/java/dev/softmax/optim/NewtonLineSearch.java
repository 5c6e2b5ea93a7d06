package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The backtracking line search of the Newton methods: Armijo from the full step, plus acceptance of a trial
 * that leaves {@code f} unchanged to rounding precision ({@link Vectors#roundingTolerance}) while decreasing
 * {@code ||g||} (near the optimum the
 * true decrease {@code ~ ||g||^2} is below the rounding error of {@code f}).
 */
final class NewtonLineSearch {

    /** Sufficient-decrease constant. */
    static final double C1 = 1e-4;
    private NewtonLineSearch() {
    }

    /** Builds the caller's step type. */
    interface StepFactory<S> {
        S make(INDArray point, ValueAndGradient at, double step, int trials);
    }

    /**
     * Halves {@code t} from 1 until a trial is accepted; {@code null} after {@code maxTrials} or when
     * {@code direction} is not a descent direction.
     */
    static <S> S backtrack(DifferentiableObjective objective, INDArray x, ValueAndGradient current, double gradNorm,
                           INDArray direction, int maxTrials, RunMonitor monitor, StepFactory<S> factory) {
        double slope = Vectors.dot(current.gradient(), direction);
        if (!(slope < 0)) {
            return null;
        }
        double f = current.value();
        double rounding = Vectors.roundingTolerance(x);
        double step = 1.0;
        for (int trial = 1; trial <= maxTrials; trial++) {
            INDArray candidate = x.dup();
            Vectors.axpy(step, direction, candidate);
            ValueAndGradient at = objective.valueAndGradient(candidate);
            monitor.countValueAndGradient();
            double value = at.value();
            if (Double.isFinite(value)) {
                boolean armijo = value <= f + C1 * step * slope;
                boolean roundingLevel = value - f <= rounding * Math.max(1.0, Math.abs(f))
                        && RunMonitor.norm(at.gradient()) < gradNorm;
                if (armijo || roundingLevel) {
                    return factory.make(candidate, at, step, trial);
                }
            }
            step *= 0.5;
        }
        return null;
    }
}
