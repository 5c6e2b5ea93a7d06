package dev.softmax.optim;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bookkeeping every optimizer shares: evaluation counters, the clock, the history, the listener and the
 * stopping test. One instance serves one {@code minimize} call.
 */
public final class RunMonitor {

    private final StoppingCriteria stop;
    private final IterationListener listener;
    private final List<IterationRecord> history = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private long functionEvaluations;
    private long gradientEvaluations;
    private long hessianVectorProducts;

    /**
     * A monitor for one {@code minimize} call.
     *
     * @param stop     the stopping criteria
     * @param listener called after every recorded row; {@code null} means none
     */
    public RunMonitor(StoppingCriteria stop, IterationListener listener) {
        this.stop = java.util.Objects.requireNonNull(stop, "stop");
        this.listener = listener == null ? IterationListener.NONE : listener;
    }

    /** Counts one evaluation of the value alone. */
    public void countValue() {
        functionEvaluations++;
    }

    /** Counts one fused value-and-gradient evaluation. */
    public void countValueAndGradient() {
        functionEvaluations++;
        gradientEvaluations++;
    }

    /**
     * Counts {@code count} Hessian-vector products (a dense Hessian counts as one).
     *
     * @param count the number of products to add
     */
    public void countHessianVectorProducts(long count) {
        hessianVectorProducts += count;
    }

    /**
     * Records a history row and tests the stopping criteria; the first row recorded is iteration 0 (the start)
     * and fixes {@code ||g_0||}.
     *
     * @param iteration       the iteration number
     * @param value           objective after it
     * @param gradientNorm    gradient norm after it (NaN when not measured)
     * @param stepSize        the step taken
     * @param innerIterations line-search trials, CG steps or mini-batches in it
     * @param point           the current parameters, handed to the listener
     * @return the reason to stop, or empty to continue
     */
    public Optional<TerminationReason> record(int iteration, double value, double gradientNorm, double stepSize,
                                              int innerIterations, INDArray point) {
        IterationRecord current = new IterationRecord(iteration, value, gradientNorm, stepSize, innerIterations,
                functionEvaluations, gradientEvaluations, hessianVectorProducts, System.nanoTime() - startNanos);
        IterationRecord previous = history.isEmpty() ? null : history.get(history.size() - 1);
        history.add(current);
        Optional<TerminationReason> reason = stop.check(history.get(0), previous, current);
        if (!listener.iterationDone(current, point) && reason.isEmpty()) {
            return Optional.of(TerminationReason.STOPPED_BY_LISTENER);
        }
        return reason;
    }

    /**
     * Whether the time limit has passed (for optimizers that check inside an iteration).
     *
     * @return {@code true} once the time limit, if any, has passed
     */
    public boolean outOfTime() {
        return stop.timeLimit() != null && System.nanoTime() - startNanos >= stop.timeLimit().toNanos();
    }

    /**
     * The criteria this run stops on.
     *
     * @return the stopping criteria
     */
    public StoppingCriteria criteria() {
        return stop;
    }

    /**
     * Builds the result; {@code solution} is copied.
     *
     * @param solution the final parameters
     * @param value    objective at {@code solution}
     * @param reason   why the optimizer stopped
     * @return the result, with the history recorded so far
     */
    public OptimizationResult result(INDArray solution, double value, TerminationReason reason) {
        return new OptimizationResult(solution.dup(), value, reason, history,
                new OptimizationResult.Work(functionEvaluations, gradientEvaluations, hessianVectorProducts));
    }

    /**
     * Euclidean norm of a vector, accumulated in double whatever the vector's type.
     *
     * @param vector the vector
     * @return its Euclidean norm
     */
    public static double norm(INDArray vector) {
        return Vectors.norm(vector);
    }
}
