package dev.softmax.cli;

import dev.softmax.optim.OptimizationResult;

/** What to tell the user when an optimizer stopped without converging. */
final class Advice {

    private Advice() {
    }

    /** A one-line suggestion for a run that did not converge, or {@code null} when it did. */
    static String forResult(OptimizationResult result, OptimizerOptions options) {
        return switch (result.reason()) {
            case GRADIENT_TOLERANCE, FUNCTION_TOLERANCE -> null;
            case MAX_ITERATIONS -> "not converged within --max-iter " + options.maxIterations
                    + "; raise --max-iter, loosen --tol, or try another --optimizer";
            case TIME_LIMIT -> "stopped by --time-limit before converging";
            case LINE_SEARCH_FAILED -> "the line search found no decrease (usually the optimum to rounding"
                    + " precision; --dtype double gets closer)";
            case NON_FINITE_VALUE -> "the objective became NaN or infinite and the last finite weights were kept;"
                    + " use a smaller --learning-rate or a larger --l2";
            case STOPPED_BY_LISTENER -> "stopped early";
        };
    }
}
