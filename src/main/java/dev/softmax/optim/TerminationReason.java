package dev.softmax.optim;

/** Why an optimizer stopped. */
public enum TerminationReason {
    /** The gradient norm fell below the tolerance: converged. */
    GRADIENT_TOLERANCE(true),
    /** The relative decrease of the objective fell below the tolerance: converged. */
    FUNCTION_TOLERANCE(true),
    /** The iteration (or epoch) limit was reached first. */
    MAX_ITERATIONS(false),
    /** The wall-clock limit was reached first. */
    TIME_LIMIT(false),
    /** The line search found no step with sufficient decrease (often: converged to rounding precision). */
    LINE_SEARCH_FAILED(false),
    /**
     * {@link Newton} and {@link NewtonCg}: three iterations in a row reached neither a lower objective nor a lower
     * gradient norm than every iterate before them, and the objective stayed within rounding of its lowest. Their
     * steps are rounding noise there: usually the optimum to the arithmetic's precision, with a {@code --tol} below
     * what it resolves.
     */
    STALLED(false),
    /** The objective became NaN or infinite; the result holds the last finite point. */
    NON_FINITE_VALUE(false),
    /**
     * The objective stopped changing (the function test) above where it started, beyond rounding: the steps were far
     * too large (a stochastic method's rate), not converged.
     */
    DIVERGED(false),
    /** An iteration listener asked to stop (for example early stopping on a validation set). */
    STOPPED_BY_LISTENER(false);

    private final boolean converged;

    TerminationReason(boolean converged) {
        this.converged = converged;
    }

    /**
     * Whether this reason means a convergence test was met.
     *
     * @return {@code true} for the tolerance reasons
     */
    public boolean isConvergence() {
        return converged;
    }
}
