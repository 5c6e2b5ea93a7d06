package dev.softmax.cli;

import dev.softmax.model.Trainer;
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
                + " model will not predict %s", dev.softmax.io.OneLine.joined(untrained), cause,
                untrained.size() == 1 ? "it" : "them");
    }

    /**
     * A one-line suggestion for a run that did not converge, or that the stopping rules may have called converged
     * short of the optimum, or {@code null}. A run that ends above where it started diverged, whatever stopped it:
     * more iterations would not help.
     *
     * @param result  the run
     * @param options the optimizer options given
     * @param kind    the optimizer that ran (auto's choice, not auto)
     * @param doubles whether it ran in double precision
     * @param scaling the feature scaling it ran with
     * @return the note, or {@code null}
     */
    static String forResult(OptimizationResult result, OptimizerOptions options, OptimizerKind kind, boolean doubles,
                            Trainer.Scaling scaling) {
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
        Stop stop = new Stop(result, options, kind, doubles, scaling);
        return switch (result.reason()) {
            case GRADIENT_TOLERANCE -> stop.looseGradientTest();
            case FUNCTION_TOLERANCE -> stop.functionTestAboveTolerance();
            case MAX_ITERATIONS -> "not converged within " + limit + " " + options.maxIterations
                    + "; raise " + limit + ", loosen --tol, or try another --optimizer";
            case TIME_LIMIT -> "stopped by --time-limit before converging";
            case LINE_SEARCH_FAILED -> stop.lineSearchFailed("the line search found no decrease");
            case STALLED -> stop.lineSearchFailed(StoppingCriteria.STALLED_ITERATIONS + " iterations in a row found"
                    + " neither a lower objective nor a smaller gradient,");
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
     * on a scale of 1e6 gave a relative gap of 1e-3 (README), columns scaled 1e3 to 1e-3 (a first norm of 377)
     * 2.3e-4 (review); standardised features start at a norm of about 1, pixels / 255 at about 2 (Fashion-MNIST;
     * unscaled, 420).
     */
    static final double LARGE_START_GRADIENT = 1e2;

    /**
     * A final gradient norm above this fraction of the first is "far from the optimum"; below it, a run that found
     * no more decrease is taken to be at the rounding floor. Against the first norm, not --tol (QA: the same
     * newton-cg run was "far from the optimum" with --tol 1e-11 and at it with 1e-10).
     */
    static final double FAR_FROM_START = 1e-3;

    /** How a run stopped, for the notes that say what to make of it. */
    private record Stop(OptimizationResult result, OptimizerOptions options, OptimizerKind kind, boolean doubles,
                        Trainer.Scaling scaling) {

        double first() {
            return Math.max(1, result.history().get(0).gradientNorm());
        }

        double last() {
            return result.history().get(result.history().size() - 1).gradientNorm();
        }

        double wanted() {
            return options.gradientTolerance * first();
        }

        boolean far() {
            return last() > FAR_FROM_START * first();
        }

        /** " at gradient norm g (the tolerance asks for w)", or nothing for a NaN norm. */
        String where() {
            return Double.isNaN(last()) ? "" : String.format(Locale.ROOT, " at gradient norm %.3g (the tolerance"
                    + " asks for %.3g)", last(), wanted());
        }

        /**
         * For a run the relative gradient test called converged: a note when its first gradient norm was so large
         * that the test was loose (QA: features near 1e37 with --scale none "converged" at 0.72, the optimum near 0).
         */
        String looseGradientTest() {
            double start = result.history().get(0).gradientNorm();
            return !(start > LARGE_START_GRADIENT) ? null : String.format(Locale.ROOT, "the gradient test is relative"
                    + " to the first gradient norm, %.2g here (features on a large scale): the run may have stopped"
                    + " well above the optimum; %s a smaller --tol", start,
                    scaling == Trainer.Scaling.STANDARD ? "use" : "use --scale standard, or");
        }

        /**
         * For a run the function test stopped with the gradient norm more than ten times what the tolerance asks: it
         * may be short of the optimum (QA: float32 gradient descent on iris, 1.9e-5 above it, said nothing), and
         * --ftol is what stopped it (review: "stopped decreasing" blamed rounding where --ftol 1e-6 had stopped
         * lbfgs 9e-6 above the optimum).
         */
        String functionTestAboveTolerance() {
            if (!(last() > 10 * wanted())) {
                return null;
            }
            String more = kind == OptimizerKind.GD ? "; --optimizer lbfgs or newton get closer"
                    : kind == OptimizerKind.SGD || kind == OptimizerKind.ADAM
                    ? "; a full-batch --optimizer (lbfgs, newton) gets closer" : "";
            // With --ftol 0 there is no lower one to suggest (QA: "a lower --ftol goes on" after --ftol 0).
            boolean zero = options.functionTolerance == 0;
            return String.format(Locale.ROOT, "%s%s: it may be short of the optimum%s%s%s%s",
                    zero ? "the objective stopped changing (--ftol 0)"
                            : "the objective's relative decrease fell below --ftol "
                            + Numbers.setting(options.functionTolerance),
                    where(), zero ? "" : "; a lower --ftol goes on (0: until it no longer changes)", more, unscaled(),
                    floatRounding());
        }

        /**
         * A failed line search, or a Newton run that stalled ({@code what} says which): usually the rounding floor
         * near the optimum (in float32 well above float64's); far from it, badly scaled features are the usual cause.
         */
        String lineSearchFailed(String what) {
            String why;
            if (far() || unscaledLarge()) {
                // Unscaled features inflate the first norm, so a run can look near it and be far (review: lbfgs on
                // iris scaled 1e3 to 1e-3 stopped 3e-3 short, called the rounding floor).
                why = (far() ? "far from the optimum" : "possibly short of the optimum") + (scaling == Trainer.Scaling.NONE
                        ? ": with features on very different scales, or far from 1, try --scale standard"
                                + (kind == OptimizerKind.GD || kind == OptimizerKind.LBFGS
                                        ? ", or --optimizer newton-cg" : "")
                        : kind == OptimizerKind.NEWTON_CG || kind == OptimizerKind.NEWTON
                        ? (doubles ? "" : "; --dtype double gets further")
                        : "; try --optimizer newton-cg" + (doubles ? "" : ", or --dtype double"));
            } else if (kind == OptimizerKind.GD) {
                why = "gradient descent can go no further" + (doubles ? "" : " in float32") + "; --optimizer lbfgs or"
                        + " newton get closer" + (doubles ? "" : ", and so does --dtype double");
            } else {
                why = "usually the optimum to rounding precision" + (doubles ? "" : "; --dtype double gets closer");
            }
            return what + where() + ": " + why;
        }

        /** Unscaled features whose first gradient norm is large: "near the first norm" means little there. */
        private boolean unscaledLarge() {
            return scaling == Trainer.Scaling.NONE && result.history().get(0).gradientNorm() > LARGE_START_GRADIENT;
        }

        /** "; features ... --scale standard" for a run far from the optimum on unscaled features, else nothing. */
        private String unscaled() {
            return (far() || unscaledLarge()) && scaling == Trainer.Scaling.NONE ? "; features on very different"
                    + " scales slow it down: --scale standard" : "";
        }

        /**
         * "; in float32 ..." when float32's rounding may have stopped it too (an --ftol near float32's resolution,
         * 6e-8), else nothing (review: said after --ftol 1e-6, where double stops at the same iteration).
         */
        private String floatRounding() {
            return doubles || far() || options.functionTolerance >= 1e-6 ? ""
                    : "; float32's rounding may stop it short too (--dtype double)";
        }
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
}
