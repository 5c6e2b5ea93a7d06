package dev.softmax.cli;

import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.TerminationReason;
import java.util.Locale;

/** What to tell the user when an optimizer stopped without converging. */
final class Advice {

    private Advice() {
    }

    /**
     * A one-line suggestion for a run that did not converge, or {@code null} when it did. A run that ends above
     * where it started diverged, whatever stopped it: more iterations would not help.
     */
    static String forResult(OptimizationResult result, OptimizerOptions options) {
        double start = result.history().get(0).value();
        if (result.value() > start && result.reason() != TerminationReason.NON_FINITE_VALUE) {
            return String.format(Locale.ROOT, "the objective rose from %.4g to %.4g: the steps are too large; use"
                    + " a smaller --learning-rate (or scaled features: --scale)", start, result.value());
        }
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
