package dev.softmax.cli;

import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.optim.TerminationReason;
import java.util.Locale;

/** What to tell the user about a run: an optimizer that stopped without converging, data it cannot learn from. */
final class Advice {

    private Advice() {
    }

    /** For separable training data fitted without L2 (every training row right, {@code --l2 0}). */
    static final String SEPARABLE_WITHOUT_L2 = "every training row is classified correctly and --l2 is 0: on data that"
            + " classes separate, the objective has no minimum and the weights grow for as long as the optimizer"
            + " runs; set --l2 > 0 for a model that generalises";

    /**
     * The note for classes without training rows, or {@code null} when every class has some.
     *
     * @param train           the training part
     * @param data            the data options: whether --limit was given, and a test split taken
     * @param validationSplit whether a validation split was taken from it too
     */
    static String untrainedClasses(dev.softmax.data.Dataset train, DataOptions data, boolean validationSplit) {
        java.util.List<String> untrained = new java.util.ArrayList<>();
        int[] counts = train.classCounts();
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] == 0) {
                untrained.add(train.classNames().get(k));
            }
        }
        java.util.List<String> after = new java.util.ArrayList<>();
        if (data.limit() != null) {
            after.add("--limit");
        }
        if (!data.hasOwnTestSplit() && data.testFraction() > 0) {
            after.add("the test split");
        }
        if (validationSplit) {
            after.add("the validation split");
        }
        String cause = after.isEmpty() ? "" : " (after " + (after.size() == 1 ? after.get(0)
                : String.join(", ", after.subList(0, after.size() - 1)) + " and " + after.get(after.size() - 1)) + ")";
        return untrained.isEmpty() ? null : String.format(Locale.ROOT, "no training rows of %s%s; the"
                + " model will not predict %s", String.join(", ", untrained), cause,
                untrained.size() == 1 ? "it" : "them");
    }

    /**
     * A one-line suggestion for a run that did not converge, or {@code null} when it did. A run that ends above
     * where it started diverged, whatever stopped it: more iterations would not help.
     */
    static String forResult(OptimizationResult result, OptimizerOptions options, boolean doubles) {
        return forResult(result, options, options.kind(), doubles);
    }

    /** As {@link #forResult(OptimizationResult, OptimizerOptions, boolean)} for a run of {@code kind}. */
    static String forResult(OptimizationResult result, OptimizerOptions options, OptimizerKind kind, boolean doubles) {
        boolean stochastic = kind == OptimizerKind.SGD || kind == OptimizerKind.ADAM;
        String smallerSteps = stochastic ? "use a smaller --learning-rate (or scaled features: --scale)"
                : "use scaled features (--scale standard) or a larger --l2";
        if (rose(result) && result.reason() != TerminationReason.NON_FINITE_VALUE) {
            return String.format(Locale.ROOT, "the objective rose from %.4g to %.4g%s: the steps are too large; %s",
                    result.history().get(0).value(), highest(result),
                    result.reason() == TerminationReason.STOPPED_BY_LISTENER ? " before early stopping" : "",
                    smallerSteps);
        }
        // One option under two names: the one that fits the optimizer.
        String limit = stochastic ? "--epochs" : "--max-iter";
        return switch (result.reason()) {
            case GRADIENT_TOLERANCE -> looseGradientTest(result);
            case FUNCTION_TOLERANCE -> functionTestAboveTolerance(result, options, kind, doubles);
            case MAX_ITERATIONS -> "not converged within " + limit + " " + options.maxIterations
                    + "; raise " + limit + ", loosen --tol, or try another --optimizer";
            case TIME_LIMIT -> "stopped by --time-limit before converging";
            case LINE_SEARCH_FAILED -> lineSearchFailed(result, options, kind, doubles);
            case NON_FINITE_VALUE -> Double.isFinite(result.history().get(result.history().size() - 1).value())
                    ? "the gradient overflowed at finite weights: the features are too large for the precision; use"
                            + (doubles ? " --scale standard" : " --scale standard or --dtype double")
                    : "the objective became NaN or infinite and the last finite weights were kept; use "
                            + (stochastic ? "a smaller --learning-rate or a larger --l2"
                                    : "--scale standard or a larger --l2");
            case DIVERGED -> "the objective stopped changing above where it started: the steps are too large; "
                    + smallerSteps;
            case STOPPED_BY_LISTENER -> "stopped early";
        };
    }

    /**
     * A first gradient norm above which the gradient test, relative to it, may stop far from the optimum: features
     * on a scale of 1e6 gave a relative gap of 1e-3 (README), standardised ones start at a norm of about 1.
     */
    static final double LARGE_START_GRADIENT = 1e3;

    /**
     * For a run the relative gradient test called converged: a note when its first gradient norm was so large that
     * the test was loose (QA: features near 1e37 with --scale none "converged" at 0.72 where the optimum is near 0).
     */
    private static String looseGradientTest(OptimizationResult result) {
        double start = result.history().get(0).gradientNorm();
        if (!(start > LARGE_START_GRADIENT)) {
            return null;
        }
        return String.format(Locale.ROOT, "the gradient test is relative to the first gradient norm, %.2g here (features"
                + " on a large scale): the run may have stopped well above the optimum; use --scale standard, or a"
                + " smaller --tol", start);
    }

    /**
     * Whether the run ended above where it started (beyond rounding): it diverged, whatever stopped it. Its last
     * iterate counts too: early stopping keeps a better point, whose value does not show the divergence.
     */
    private static boolean rose(OptimizationResult result) {
        double start = result.history().get(0).value();
        return highest(result) > start + StoppingCriteria.ROSE_BEYOND * Math.max(1, Math.abs(start));
    }

    /** The higher of the result's value and its last iterate's. */
    private static double highest(OptimizationResult result) {
        java.util.List<dev.softmax.optim.IterationRecord> history = result.history();
        return Math.max(result.value(), history.get(history.size() - 1).value());
    }

    /**
     * Whether a run went wrong rather than stopped short: it rose above its start, diverged or met a non-finite
     * value. {@code compare}, whose table shows iterations and reasons, gives notes for these only.
     */
    static boolean wentWrong(OptimizationResult result) {
        return rose(result) || result.reason() == TerminationReason.DIVERGED
                || result.reason() == TerminationReason.NON_FINITE_VALUE;
    }

    /**
     * A failed line search is usually the rounding floor near the optimum (in float32 well above float64's); with the
     * gradient still a thousand times the tolerance it is far from it, which badly scaled features cause.
     */
    private static String lineSearchFailed(OptimizationResult result, OptimizerOptions options, OptimizerKind kind,
                                           boolean doubles) {
        return "the line search found no decrease" + whereItStopped(result, options, kind, doubles);
    }

    /**
     * For a run the function test ended with the gradient norm more than ten times what the tolerance asks: where
     * it stopped and why (QA: float32 gradient descent on iris stopped so, 2.7e-5 above the optimum, without a word);
     * {@code null} closer to the tolerance.
     */
    private static String functionTestAboveTolerance(OptimizationResult result, OptimizerOptions options,
                                                     OptimizerKind kind, boolean doubles) {
        java.util.List<dev.softmax.optim.IterationRecord> history = result.history();
        double gradient = history.get(history.size() - 1).gradientNorm();
        double wanted = options.gradientTolerance * Math.max(1, history.get(0).gradientNorm());
        return gradient > 10 * wanted ? "the objective stopped decreasing" + whereItStopped(result, options, kind,
                doubles) : null;
    }

    /** " at gradient norm g (the tolerance asks for w): why", for a run that found no more decrease. */
    private static String whereItStopped(OptimizationResult result, OptimizerOptions options, OptimizerKind kind,
                                         boolean doubles) {
        java.util.List<dev.softmax.optim.IterationRecord> history = result.history();
        double gradient = history.get(history.size() - 1).gradientNorm();
        double start = Math.max(1, history.get(0).gradientNorm());
        double wanted = options.gradientTolerance * start;
        String where = Double.isNaN(gradient) ? "" : String.format(Locale.ROOT, " at gradient norm %.3g (the"
                + " tolerance asks for %.3g)", gradient, wanted);
        // Against the start, not --tol (QA: the same newton-cg run was "far from the optimum" with --tol 1e-11 and
        // at it with 1e-10).
        String why = gradient > FAR_FROM_START * start
                ? "far from the optimum: with features on very different scales, or far from 1, try --scale"
                        + " standard, or --optimizer newton-cg"
                : kind == OptimizerKind.GD
                ? "gradient descent can go no further" + (doubles ? "" : " in float32") + "; --optimizer lbfgs or"
                        + " newton get closer" + (doubles ? "" : ", and so does --dtype double")
                : doubles ? "usually the optimum to rounding precision"
                : "usually the optimum to rounding precision; --dtype double gets closer";
        return where + ": " + why;
    }

    /** A failed line search this far below the first gradient norm or less is taken for the rounding floor. */
    static final double FAR_FROM_START = 1e-3;
}
