package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A line search for the strong Wolfe conditions
 * <pre>
 *   f(x + t d) &lt;= f(x) + c1 t g^T d          (sufficient decrease)
 *   |g(x + t d)^T d| &lt;= c2 |g^T d|           (curvature)
 * </pre>
 * by bracketing and zooming with safeguarded cubic interpolation (Nocedal and Wright, Algorithms 3.5 and 3.6).
 * Quasi-Newton methods need the curvature condition: it guarantees {@code s^T y > 0}, so the BFGS update stays
 * positive definite.
 *
 * <p>Near the optimum the decrease {@code c1 t g^T d} falls below the rounding error of {@code f}, and the
 * sufficient-decrease test fails for every step. Like Hager and Zhang's approximate Wolfe conditions (2005), a
 * trial is then also accepted when it meets the curvature condition and {@code f} is unchanged to within
 * rounding ({@code 1e-14} relative in double, {@code 1e-6} in float): the gradient information is still reliable where the function values are not.
 *
 * <p>Every trial evaluates value and gradient together. A trial with a non-finite value is treated as "too
 * far": it becomes the upper end of the bracket and the next trial bisects.
 *
 * @param c1             sufficient-decrease constant, in (0, c2)
 * @param c2             curvature constant, in (c1, 1); 0.9 for quasi-Newton methods
 * @param maxEvaluations trials before giving up, {@code >= 1}
 * @param maxStep        largest step tried, {@code > 0}
 */
public record WolfeLineSearch(double c1, double c2, int maxEvaluations, double maxStep) {

    /** Nocedal and Wright's constants for quasi-Newton methods: c1 = 1e-4, c2 = 0.9, 30 trials, step cap 1e10. */
    public static final WolfeLineSearch DEFAULT = new WolfeLineSearch(1e-4, 0.9, 30, 1e10);

    /**
     * Validates the constants.
     *
     * @param c1             sufficient-decrease constant, in (0, c2)
     * @param c2             curvature constant, in (c1, 1)
     * @param maxEvaluations trials before giving up, {@code >= 1}
     * @param maxStep        largest step tried, {@code > 0}
     */
    public WolfeLineSearch {
        if (!(c1 > 0 && c1 < c2 && c2 < 1)) {
            throw new IllegalArgumentException("need 0 < c1 < c2 < 1, got c1=" + c1 + ", c2=" + c2);
        }
        if (maxEvaluations < 1) {
            throw new IllegalArgumentException("maxEvaluations must be >= 1, got " + maxEvaluations);
        }
        if (!(maxStep > 0)) {
            throw new IllegalArgumentException("maxStep must be > 0, got " + maxStep);
        }
    }

    /**
     * Outcome of a search.
     *
     * @param accepted   whether a point with sufficient decrease was found (the best such one is returned when
     *                   the curvature condition could not be met within the budget)
     * @param strongWolfe whether both strong Wolfe conditions hold at {@code point}
     * @param step       the step length of {@code point} (the last tried one when not accepted)
     * @param point      {@code x + step d} (a new array), or {@code null} when not accepted
     * @param at         value and gradient at {@code point}, or {@code null} when not accepted
     * @param trials     number of evaluations made
     */
    public record Outcome(boolean accepted, boolean strongWolfe, double step, INDArray point, ValueAndGradient at,
                          int trials) {
    }

    /** A trial: step, value, directional derivative, and the evaluation itself. */
    private record Trial(double step, double value, double slope, INDArray point, ValueAndGradient at) {
        boolean finite() {
            return Double.isFinite(value) && Double.isFinite(slope);
        }
    }

    /**
     * Searches along {@code direction} from {@code x}.
     *
     * @param objective   the function
     * @param x           the current point (not mutated)
     * @param current     value and gradient at {@code x}
     * @param direction   a descent direction (not mutated)
     * @param initialStep first step tried, {@code > 0} (1 for quasi-Newton directions)
     * @param monitor     counts the evaluations
     * @return the step found, if any, with the point it reaches and the trials spent
     */
    public Outcome search(DifferentiableObjective objective, INDArray x, ValueAndGradient current,
                          INDArray direction, double initialStep, RunMonitor monitor) {
        double f0 = current.value();
        double slope0 = Vectors.dot(current.gradient(), direction);
        if (!(slope0 < 0)) {
            return new Outcome(false, false, 0, null, null, 0);
        }
        Counter counter = new Counter(objective, x, direction, monitor);
        Trial previous = new Trial(0, f0, slope0, x, current);
        double step = Math.min(initialStep, maxStep);
        Trial best = null;
        while (counter.count < maxEvaluations) {
            Trial trial = counter.evaluate(step);
            if (approximatelyWolfe(trial, f0, slope0, counter.rounding)) {
                return accept(trial, true, counter.count);
            }
            if (!trial.finite() || trial.value > f0 + c1 * step * slope0
                    || (counter.count > 1 && trial.value >= previous.value)) {
                return zoom(counter, previous, trial, f0, slope0, best);
            }
            best = better(best, trial);
            if (Math.abs(trial.slope) <= -c2 * slope0) {
                return accept(trial, true, counter.count);
            }
            if (trial.slope >= 0) {
                return zoom(counter, trial, previous, f0, slope0, best);
            }
            if (step >= maxStep) {
                break;
            }
            previous = trial;
            step = Math.min(4 * step, maxStep);
        }
        return best == null ? new Outcome(false, false, step, null, null, counter.count)
                : accept(best, false, counter.count);
    }

    /**
     * Zooms in on a step satisfying the strong Wolfe conditions between {@code lo} (sufficient decrease, lowest
     * value so far) and {@code hi}.
     */
    private Outcome zoom(Counter counter, Trial lo, Trial hi, double f0, double slope0, Trial best) {
        while (counter.count < maxEvaluations) {
            double width = hi.step - lo.step;
            // Relative to the bracket: on unscaled features near 1e8 the step that decreases f is near 1e-18, and
            // an absolute 1e-16 gave up before reaching it.
            if (Math.abs(width) <= 1e-15 * Math.max(Math.abs(lo.step), Math.abs(hi.step))) {
                break;
            }
            double step = hi.finite() ? cubicMinimiser(lo, hi) : Double.NaN;
            double a = Math.min(lo.step, hi.step);
            double b = Math.max(lo.step, hi.step);
            double margin = 0.1 * (b - a);
            if (!Double.isFinite(step) || step < a + margin || step > b - margin) {
                step = lo.step + 0.5 * width;
            }
            Trial trial = counter.evaluate(step);
            if (approximatelyWolfe(trial, f0, slope0, counter.rounding)) {
                return accept(trial, true, counter.count);
            }
            if (!trial.finite() || trial.value > f0 + c1 * step * slope0 || trial.value >= lo.value) {
                hi = trial;
            } else {
                best = better(best, trial);
                if (Math.abs(trial.slope) <= -c2 * slope0) {
                    return accept(trial, true, counter.count);
                }
                if (trial.slope * (hi.step - lo.step) >= 0) {
                    hi = lo;
                }
                lo = trial;
            }
        }
        return best == null ? new Outcome(false, false, lo.step, null, null, counter.count)
                : accept(best, false, counter.count);
    }

    /** The curvature condition holds and {@code f} did not change beyond rounding. */
    private boolean approximatelyWolfe(Trial trial, double f0, double slope0, double rounding) {
        return trial.finite() && Math.abs(trial.slope) <= -c2 * slope0
                && trial.value - f0 <= rounding * Math.max(1.0, Math.abs(f0));
    }

    /** Minimiser of the cubic interpolating value and slope at both ends (Nocedal and Wright, eq. 3.59). */
    private static double cubicMinimiser(Trial lo, Trial hi) {
        double d1 = lo.slope + hi.slope - 3 * (lo.value - hi.value) / (lo.step - hi.step);
        double radicand = d1 * d1 - lo.slope * hi.slope;
        if (!(radicand >= 0)) {
            return Double.NaN;
        }
        double d2 = Math.signum(hi.step - lo.step) * Math.sqrt(radicand);
        return hi.step - (hi.step - lo.step) * (hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2);
    }

    /** The lower of two sufficient-decrease trials. */
    private static Trial better(Trial best, Trial trial) {
        return best == null || trial.value < best.value ? trial : best;
    }

    private static Outcome accept(Trial trial, boolean strongWolfe, int trials) {
        return new Outcome(true, strongWolfe, trial.step, trial.point, trial.at, trials);
    }

    /** Evaluates {@code f} and its slope at {@code x + t d}, counting the evaluations. */
    private static final class Counter {
        private final DifferentiableObjective objective;
        private final INDArray x;
        private final INDArray direction;
        private final RunMonitor monitor;
        private final double rounding;
        private int count;

        Counter(DifferentiableObjective objective, INDArray x, INDArray direction, RunMonitor monitor) {
            this.objective = objective;
            this.x = x;
            this.direction = direction;
            this.monitor = monitor;
            this.rounding = Vectors.roundingTolerance(x);
        }

        Trial evaluate(double step) {
            INDArray point = x.dup();
            Vectors.axpy(step, direction, point);
            ValueAndGradient at = objective.valueAndGradient(point);
            monitor.countValueAndGradient();
            count++;
            double slope = Double.isFinite(at.value()) ? Vectors.dot(at.gradient(), direction) : Double.NaN;
            return new Trial(step, at.value(), slope, point, at);
        }
    }
}
