package dev.softmax.optim;

import java.time.Duration;
import java.util.Optional;

/**
 * When an optimizer stops; shared by every optimizer.
 *
 * @param maxIterations             iteration (or epoch) limit, {@code > 0}
 * @param gradientTolerance         stop when {@code ||g|| <= gradientTolerance * max(1, ||g_0||)} (relative to the
 *                                  starting gradient, as liblinear does); 0 stops only at a gradient of exactly zero
 * @param relativeFunctionTolerance stop when {@code 0 <= (f_prev - f) <= tol * max(|f_prev|, |f|, 1)} (scipy's
 *                                  L-BFGS-B rule); with 0 only an objective that stopped changing at all (the
 *                                  rounding floor) ends the run; {@link TerminationReason#DIVERGED} instead of
 *                                  converged when {@code f} is then above the start by more than rounding
 * @param timeLimit                 wall-clock limit, or {@code null} for none
 */
public record StoppingCriteria(int maxIterations, double gradientTolerance, double relativeFunctionTolerance,
                               Duration timeLimit) {

    /** Default gradient tolerance, relative to the starting gradient norm. */
    public static final double DEFAULT_GRADIENT_TOLERANCE = 1e-6;
    /** Default relative function tolerance. */
    public static final double DEFAULT_FUNCTION_TOLERANCE = 1e-12;
    /**
     * How far above its start (relative to {@code max(1, |f_0|)}) a run's objective must end to count as risen: a
     * hundred times what the line searches let one float32 step rise by rounding ({@code 1e-6}), so that a warm
     * start at the optimum that ends a hair above it is not {@link TerminationReason#DIVERGED} (90 such runs rose by
     * at most {@code 2.6e-7}), and far below any real divergence.
     */
    public static final double ROSE_BEYOND = 1e-4;

    /**
     * Iterations in a row that reach neither a lower objective nor a lower gradient norm than every iterate before
     * them, with the objective within rounding of its lowest over them, after which {@link Newton} and
     * {@link NewtonCg} stop with {@link TerminationReason#STALLED} (for Newton-CG, iterations whose CG solve took
     * at least half its cap).
     */
    public static final int STALLED_ITERATIONS = 3;

    /**
     * Validates every field.
     *
     * @param maxIterations             iteration (or epoch) limit, {@code > 0}
     * @param gradientTolerance         relative gradient tolerance, finite and {@code >= 0}; 0 stops only at a
     *                                  gradient of exactly zero
     * @param relativeFunctionTolerance relative function tolerance, finite and {@code >= 0}
     * @param timeLimit                 wall-clock limit, positive and at most {@code Long.MAX_VALUE} nanoseconds,
     *                                  or {@code null} for none
     */
    public StoppingCriteria {
        if (maxIterations <= 0) {
            throw new IllegalArgumentException("maxIterations must be > 0, got " + maxIterations);
        }
        if (!(gradientTolerance >= 0) || Double.isInfinite(gradientTolerance)) {
            throw new IllegalArgumentException("gradientTolerance must be finite and >= 0, got " + gradientTolerance);
        }
        if (!(relativeFunctionTolerance >= 0) || Double.isInfinite(relativeFunctionTolerance)) {
            throw new IllegalArgumentException("relativeFunctionTolerance must be finite and >= 0, got "
                    + relativeFunctionTolerance);
        }
        if (timeLimit != null && (timeLimit.isNegative() || timeLimit.isZero())) {
            throw new IllegalArgumentException("timeLimit must be positive, got " + timeLimit);
        }
        if (timeLimit != null && timeLimit.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0) {
            // The clock is read in nanoseconds: a longer limit threw ArithmeticException mid-run.
            throw new IllegalArgumentException("timeLimit must be at most about 292 years (Long.MAX_VALUE"
                    + " nanoseconds), got " + timeLimit);
        }
    }

    /**
     * The defaults with the given iteration limit.
     *
     * @param maxIterations iteration (or epoch) limit, {@code > 0}
     * @return the default tolerances, no time limit, and {@code maxIterations}
     */
    public static StoppingCriteria of(int maxIterations) {
        return new StoppingCriteria(maxIterations, DEFAULT_GRADIENT_TOLERANCE, DEFAULT_FUNCTION_TOLERANCE, null);
    }

    /**
     * A copy with another gradient tolerance.
     *
     * @param tolerance the new gradient tolerance
     * @return the copy
     */
    public StoppingCriteria withGradientTolerance(double tolerance) {
        return new StoppingCriteria(maxIterations, tolerance, relativeFunctionTolerance, timeLimit);
    }

    /**
     * A copy with another relative function tolerance.
     *
     * @param tolerance the new relative function tolerance
     * @return the copy
     */
    public StoppingCriteria withRelativeFunctionTolerance(double tolerance) {
        return new StoppingCriteria(maxIterations, gradientTolerance, tolerance, timeLimit);
    }

    /**
     * A copy with another iteration limit.
     *
     * @param iterations the new iteration limit
     * @return the copy
     */
    public StoppingCriteria withMaxIterations(int iterations) {
        return new StoppingCriteria(iterations, gradientTolerance, relativeFunctionTolerance, timeLimit);
    }

    /**
     * A copy with a wall-clock limit ({@code null} for none).
     *
     * @param limit the new time limit, or {@code null}
     * @return the copy
     */
    public StoppingCriteria withTimeLimit(Duration limit) {
        return new StoppingCriteria(maxIterations, gradientTolerance, relativeFunctionTolerance, limit);
    }

    /**
     * Checks the tests in order: non-finite value or infinite gradient, gradient, function change, iterations, time.
     * A run that meets the function test more than rounding ({@link #ROSE_BEYOND} relative) above its starting objective
     * has not converged but {@link TerminationReason#DIVERGED}: a stochastic run that rose and then stalled (a far
     * too large rate).
     *
     * @param start    the run's first row (iteration 0), giving {@code f_0} and {@code ||g_0||}
     * @param previous the row before {@code current}, or {@code null} when {@code current} is the start
     * @param current  the row just recorded
     * @return the reason to stop, or empty to go on
     */
    public Optional<TerminationReason> check(IterationRecord start, IterationRecord previous,
                                             IterationRecord current) {
        if (!Double.isFinite(current.value()) || Double.isInfinite(current.gradientNorm())) {
            return Optional.of(TerminationReason.NON_FINITE_VALUE);
        }
        if (!Double.isNaN(current.gradientNorm())
                && current.gradientNorm() <= gradientTolerance * Math.max(1.0, start.gradientNorm())) {
            return Optional.of(TerminationReason.GRADIENT_TOLERANCE);
        }
        if (previous != null) {
            double decrease = previous.value() - current.value();
            double scale = Math.max(Math.max(Math.abs(previous.value()), Math.abs(current.value())), 1.0);
            if (decrease >= 0 && decrease <= relativeFunctionTolerance * scale) {
                // A warm start at the optimum may end a hair above it, by the line searches' rounding allowance.
                boolean rose = current.value() > start.value() + ROSE_BEYOND * Math.max(1.0, Math.abs(start.value()));
                return Optional.of(rose ? TerminationReason.DIVERGED : TerminationReason.FUNCTION_TOLERANCE);
            }
        }
        if (current.iteration() >= maxIterations) {
            return Optional.of(TerminationReason.MAX_ITERATIONS);
        }
        if (timeLimit != null && current.elapsedNanos() >= timeLimit.toNanos()) {
            return Optional.of(TerminationReason.TIME_LIMIT);
        }
        return Optional.empty();
    }
}
