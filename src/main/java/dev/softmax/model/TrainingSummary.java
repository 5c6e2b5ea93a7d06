package dev.softmax.model;

import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.optim.TerminationReason;
import java.util.Objects;

/**
 * How a model was trained, in the small form that is saved with it: the configuration that matters to reproduce
 * the fit and the outcome of the optimisation. The full {@link OptimizationResult} (with its per-iteration
 * history) is kept only in the process that trained the model; this summary survives saving and loading.
 *
 * @param optimizer                 the optimizer's name, e.g. {@code gd}
 * @param l2                        the L2 strength on the weights, {@code >= 0}
 * @param maxIterations             the iteration limit the optimizer ran under
 * @param gradientTolerance         the relative gradient tolerance it ran under
 * @param relativeFunctionTolerance the relative function tolerance it ran under
 * @param numSamples                number of training rows
 * @param iterations                iterations (or epochs) done
 * @param terminationReason         why the optimizer stopped
 * @param objective                 the objective at the solution (regularised mean cross-entropy)
 * @param gradientNorm              the gradient norm at the solution, from the history (NaN when not measured there;
 *                                  sgd and adam measure it each epoch)
 */
public record TrainingSummary(String optimizer, double l2, int maxIterations, double gradientTolerance,
                              double relativeFunctionTolerance, int numSamples, int iterations,
                              TerminationReason terminationReason, double objective, double gradientNorm) {

    /**
     * Checks the fields that a model file could get wrong.
     *
     * @param optimizer                 the optimizer's name, not {@code null}
     * @param l2                        the L2 strength, finite and {@code >= 0}
     * @param maxIterations             the iteration limit
     * @param gradientTolerance         the relative gradient tolerance
     * @param relativeFunctionTolerance the relative function tolerance
     * @param numSamples                number of training rows, {@code >= 0}
     * @param iterations                iterations (or epochs) done, {@code >= 0}
     * @param terminationReason         why the optimizer stopped, not {@code null}
     * @param objective                 the objective at the solution
     * @param gradientNorm              the gradient norm at the solution, or NaN
     */
    public TrainingSummary {
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(terminationReason, "terminationReason");
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("l2 must be finite and >= 0, got " + l2);
        }
        if (iterations < 0 || numSamples < 0) {
            throw new IllegalArgumentException("iterations and numSamples must be >= 0, got " + iterations + " and "
                    + numSamples);
        }
    }

    /**
     * The summary of a fit done in this process.
     *
     * @param optimizer  the optimizer's name
     * @param l2         the L2 strength
     * @param stopping   the stopping criteria it ran under
     * @param numSamples number of training rows
     * @param result     what the optimizer returned
     * @return the summary
     */
    public static TrainingSummary of(String optimizer, double l2, StoppingCriteria stopping, int numSamples,
                                     OptimizationResult result) {
        return of(optimizer, l2, stopping, numSamples, result, -1);
    }

    /**
     * The summary of a fit done in this process whose kept point is not necessarily the last: its gradient norm is
     * that of the kept point's history row.
     *
     * @param optimizer     the optimizer's name
     * @param l2            the L2 strength
     * @param stopping      the stopping criteria it ran under
     * @param numSamples    number of training rows
     * @param result        what the optimizer returned, with the kept point as its solution
     * @param keptIteration the iteration of the kept point (early stopping's best), or -1 for the last row whose
     *                      objective is finite (the point an optimizer returns, also after a divergence)
     * @return the summary
     */
    public static TrainingSummary of(String optimizer, double l2, StoppingCriteria stopping, int numSamples,
                                     OptimizationResult result, int keptIteration) {
        double gradientNorm = Double.NaN;
        java.util.List<dev.softmax.optim.IterationRecord> history = result.history();
        for (int i = history.size() - 1; i >= 0; i--) {
            var row = history.get(i);
            if (keptIteration >= 0 ? row.iteration() == keptIteration : Double.isFinite(row.value())) {
                gradientNorm = row.gradientNorm();
                break;
            }
        }
        return new TrainingSummary(optimizer, l2, stopping.maxIterations(), stopping.gradientTolerance(),
                stopping.relativeFunctionTolerance(), numSamples, result.iterations(), result.reason(),
                result.value(), gradientNorm);
    }

    /**
     * Whether a convergence test was met.
     *
     * @return whether {@code terminationReason} is a convergence
     */
    public boolean converged() {
        return terminationReason.isConvergence();
    }
}
