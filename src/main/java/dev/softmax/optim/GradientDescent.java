package dev.softmax.optim;

import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Full-batch steepest descent with a backtracking Armijo line search.
 *
 * <p>Each iteration costs one value-and-gradient evaluation per line-search trial (usually one or two). The
 * first trial step is twice the last accepted one, capped at {@code maxStep}, so the step adapts to the
 * curvature without a learning rate to tune. Linear convergence: use it as a baseline, not for speed.
 */
public final class GradientDescent implements Optimizer<DifferentiableObjective> {

    private final ArmijoLineSearch lineSearch;
    private final double initialStep;
    private final double maxStep;

    /** Default line search, first step 1, step cap 1e6. */
    public GradientDescent() {
        this(ArmijoLineSearch.DEFAULT, 1.0, 1e6);
    }

    /**
     * Gradient descent with this line search and trial steps.
     *
     * @param lineSearch  the backtracking rule
     * @param initialStep first trial step, {@code > 0}
     * @param maxStep     largest trial step, {@code >= initialStep}
     */
    public GradientDescent(ArmijoLineSearch lineSearch, double initialStep, double maxStep) {
        if (!(initialStep > 0) || !(maxStep >= initialStep)) {
            throw new IllegalArgumentException("need 0 < initialStep <= maxStep, got " + initialStep + ", " + maxStep);
        }
        this.lineSearch = java.util.Objects.requireNonNull(lineSearch, "lineSearch");
        this.initialStep = initialStep;
        this.maxStep = maxStep;
    }

    @Override
    public String name() {
        return "gd";
    }

    @Override
    public OptimizationResult minimize(DifferentiableObjective objective, INDArray start, StoppingCriteria stop,
                                       IterationListener listener) {
        Vectors.checkStart(start, objective.dimension());
        RunMonitor monitor = new RunMonitor(stop, listener);
        INDArray x = start.dup();
        ValueAndGradient current = objective.valueAndGradient(x);
        monitor.countValueAndGradient();
        Optional<TerminationReason> reason = monitor.record(0, current.value(),
                RunMonitor.norm(current.gradient()), 0, 0, x);
        double step = initialStep;
        int iteration = 0;
        while (reason.isEmpty()) {
            iteration++;
            INDArray direction = current.gradient().neg();
            ArmijoLineSearch.Outcome outcome = lineSearch.search(objective, x, current, direction, step, monitor);
            if (!outcome.accepted()) {
                reason = Optional.of(TerminationReason.LINE_SEARCH_FAILED);
                break;
            }
            x = outcome.point();
            current = outcome.at();
            reason = monitor.record(iteration, current.value(), RunMonitor.norm(current.gradient()),
                    outcome.step(), outcome.trials(), x);
            step = Math.min(maxStep, 2 * outcome.step());
        }
        return monitor.result(x, current.value(), reason.get());
    }
}
