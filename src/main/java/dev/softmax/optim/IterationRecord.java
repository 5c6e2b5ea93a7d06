package dev.softmax.optim;

/**
 * One row of an optimizer's history; row 0 describes the starting point.
 *
 * @param iteration             iteration (or epoch) number, 0 for the start
 * @param value                 objective after this iteration
 * @param gradientNorm          Euclidean norm of the gradient after this iteration (for SGD: of the full
 *                              gradient when measured, else NaN)
 * @param stepSize              step length taken (the learning rate for SGD), 0 for row 0
 * @param innerIterations       inner work of this iteration: line-search trials, CG steps or mini-batches
 * @param functionEvaluations   cumulative objective evaluations (value, or value and gradient)
 * @param gradientEvaluations   cumulative gradient evaluations
 * @param hessianVectorProducts cumulative Hessian-vector products (or dense Hessians)
 * @param elapsedNanos          wall time since the optimizer started
 */
public record IterationRecord(int iteration, double value, double gradientNorm, double stepSize,
                              int innerIterations, long functionEvaluations, long gradientEvaluations,
                              long hessianVectorProducts, long elapsedNanos) {

    /**
     * Elapsed wall time in seconds.
     *
     * @return {@code elapsedNanos} in seconds
     */
    public double elapsedSeconds() {
        return elapsedNanos / 1e9;
    }
}
