package dev.softmax.optim;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What an optimizer returns: the best point it accepted, its objective, why it stopped, and its history.
 *
 * @param solution the final parameters (a new array; for {@link TerminationReason#NON_FINITE_VALUE} the
 *                 last finite point)
 * @param value    objective at {@code solution}
 * @param reason   why the optimizer stopped
 * @param history  one row per iteration, row 0 being the start; unmodifiable
 * @param work     every evaluation the run made, those after its last row included
 */
public record OptimizationResult(INDArray solution, double value, TerminationReason reason,
                                 List<IterationRecord> history, Work work) {

    /**
     * The evaluations of a whole run. The last history row counts those up to its iteration; a run that ends in a
     * failed line search (and its retry along the gradient) makes more, which only these totals include.
     *
     * @param functionEvaluations   objective values computed (fused evaluations included)
     * @param gradientEvaluations   gradients computed
     * @param hessianVectorProducts Hessian-vector products (a dense Hessian counts as one)
     */
    public record Work(long functionEvaluations, long gradientEvaluations, long hessianVectorProducts) {
    }

    /**
     * Copies the history into an unmodifiable list.
     *
     * @param solution the final parameters
     * @param value    objective at {@code solution}
     * @param reason   why the optimizer stopped
     * @param history  one row per iteration, row 0 being the start
     * @param work     every evaluation the run made, not null
     */
    public OptimizationResult {
        history = List.copyOf(history);
        java.util.Objects.requireNonNull(work, "work must not be null");
    }

    /**
     * Whether a convergence test (gradient or function tolerance) was met.
     *
     * @return whether {@code reason} is a convergence
     */
    public boolean converged() {
        return reason.isConvergence();
    }

    /**
     * Number of iterations done (rows after the start).
     *
     * @return the last row's iteration number, 0 for an empty history
     */
    public int iterations() {
        return history.isEmpty() ? 0 : history.get(history.size() - 1).iteration();
    }

    /**
     * The last history row.
     *
     * @return the last row of {@code history}
     */
    public IterationRecord last() {
        return history.get(history.size() - 1);
    }
}
