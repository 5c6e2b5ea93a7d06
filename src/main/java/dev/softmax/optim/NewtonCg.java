package dev.softmax.optim;

import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Hessian-free truncated Newton (Newton-CG) with a preconditioned conjugate gradient inner solver and a
 * backtracking line search.
 *
 * <h2>Cost</h2>
 * Each outer iteration linearises once ({@link TwiceDifferentiableObjective#hessianAt}: one forward pass, for
 * softmax one GEMM to recompute the probabilities) and then runs up to {@code maxCgIterations} CG steps, each
 * one Hessian-vector product (two GEMMs, about the cost of one gradient), plus one value-and-gradient per
 * line-search trial. Memory is a few parameter vectors and one {@code [n,K]} array, never the
 * {@code ((d+1)K)^2} Hessian: use it for problems too large for {@link Newton} (CIFAR-10: 30,730 parameters,
 * a 7 GiB Hessian).
 *
 * <h2>Inner solve</h2>
 * CG on {@code H p = -g} from {@code p = 0}, preconditioned by {@link HessianOperator#preconditioner()} (built
 * once per outer iteration; Jacobi, the Hessian diagonal, unless the objective supplies a better one), stops when
 * the residual satisfies {@code ||r|| <= eta ||g||} with the forcing term {@code eta = min(0.5, sqrt(||g||))}
 * (Nocedal and Wright, Algorithm 7.1), which gives superlinear convergence near the optimum while solving only
 * loosely far from it. Optionally, from the second outer iteration on, the preconditioner is refined by
 * limited-memory BFGS updates with curvature pairs sampled from the previous solve ({@link CurvaturePairs}): on
 * Fashion-MNIST that took fewer Hessian-vector products per outer iteration, but not always fewer to a given
 * objective gap, so it is off unless asked for. A direction of non-positive curvature ends CG; when it happens on
 * the first step the preconditioned steepest-descent direction is used. The singular direction of softmax (see
 * {@link Newton}) is harmless here: the right-hand side lies in the range of {@code H}, and CG from zero never
 * leaves the Krylov space it generates, so the iteration stays consistent.
 *
 * <h2>History</h2>
 * {@code innerIterations} is the number of CG steps; {@code hessianVectorProducts} counts them; the line-search
 * trials appear in the evaluation counts.
 */
public final class NewtonCg implements Optimizer<TwiceDifferentiableObjective> {

    private final int maxCgIterations;
    private final boolean precondition;
    private final int maxLineSearchTrials;
    private final int curvaturePairs;

    /** 100 CG steps per iteration at most, the Hessian operator's preconditioner, 50 line-search trials. */
    public NewtonCg() {
        this(100, true, 50);
    }

    /**
     * {@link #NewtonCg(int, boolean, int, int)} without curvature pairs.
     *
     * @param maxCgIterations     CG steps per outer iteration at most, {@code >= 1}
     * @param precondition        whether to precondition CG; {@code false} runs plain CG
     * @param maxLineSearchTrials backtracking trials, {@code >= 1}
     */
    public NewtonCg(int maxCgIterations, boolean precondition, int maxLineSearchTrials) {
        this(maxCgIterations, precondition, maxLineSearchTrials, 0);
    }

    /**
     * Newton-CG with every setting given.
     *
     * @param maxCgIterations     CG steps per outer iteration at most, {@code >= 1}
     * @param precondition        whether to precondition CG with {@link HessianOperator#preconditioner()} (the
     *                            Hessian diagonal unless the objective overrides it); {@code false} runs plain CG
     * @param maxLineSearchTrials backtracking trials, {@code >= 1}
     * @param curvaturePairs      pairs {@code (d, H d)} sampled from each CG solve that refine the next solve's
     *                            preconditioner ({@link CurvaturePairs}), {@code >= 0}; 0 keeps it as it is. Needs
     *                            {@code precondition}.
     */
    public NewtonCg(int maxCgIterations, boolean precondition, int maxLineSearchTrials, int curvaturePairs) {
        if (maxCgIterations < 1) {
            throw new IllegalArgumentException("maxCgIterations must be >= 1, got " + maxCgIterations);
        }
        if (maxLineSearchTrials < 1) {
            throw new IllegalArgumentException("maxLineSearchTrials must be >= 1, got " + maxLineSearchTrials);
        }
        if (curvaturePairs < 0) {
            throw new IllegalArgumentException("curvaturePairs must be >= 0, got " + curvaturePairs);
        }
        if (curvaturePairs > 0 && !precondition) {
            throw new IllegalArgumentException("curvature pairs refine the preconditioner: they need precondition");
        }
        this.maxCgIterations = maxCgIterations;
        this.precondition = precondition;
        this.maxLineSearchTrials = maxLineSearchTrials;
        this.curvaturePairs = curvaturePairs;
    }

    @Override
    public String name() {
        return "newton-cg";
    }

    @Override
    public OptimizationResult minimize(TwiceDifferentiableObjective objective, INDArray start, StoppingCriteria stop,
                                       IterationListener listener) {
        Vectors.checkStart(start, objective.dimension());
        RunMonitor monitor = new RunMonitor(stop, listener);
        INDArray x = start.dup();
        ValueAndGradient current = objective.valueAndGradient(x);
        monitor.countValueAndGradient();
        double gradNorm = RunMonitor.norm(current.gradient());
        Optional<TerminationReason> reason = monitor.record(0, current.value(), gradNorm, 0, 0, x);
        CurvaturePairs pairs = curvaturePairs > 0 ? new CurvaturePairs(curvaturePairs) : null;
        ProgressWatch progress = new ProgressWatch(current.value(), gradNorm, Vectors.roundingTolerance(x));
        int iteration = 0;
        while (reason.isEmpty()) {
            iteration++;
            HessianOperator hessian = objective.hessianAt(x);
            double eta = Math.min(0.5, Math.sqrt(gradNorm));
            CgResult cg = conjugateGradient(hessian, current.gradient(), eta * gradNorm, monitor, pairs);
            if (cg.direction == null) {
                reason = Optional.of(TerminationReason.NON_FINITE_VALUE);
                break;
            }
            Step step = NewtonLineSearch.backtrack(objective, x, current, gradNorm, cg.direction,
                    maxLineSearchTrials, monitor, Step::new);
            if (step == null) {
                // Rounding can leave CG's direction no descent (float32, lambda near 0): one try along the
                // gradient before giving up, as lbfgs does (QA: iris with --l2 1e-8 stopped 9% above the optimum).
                step = NewtonLineSearch.backtrack(objective, x, current, gradNorm,
                        Vectors.likePoint(current.gradient(), x).neg(), maxLineSearchTrials, monitor, Step::new);
            }
            if (step == null) {
                reason = Optional.of(TerminationReason.LINE_SEARCH_FAILED);
                break;
            }
            x = step.point;
            current = step.at;
            gradNorm = RunMonitor.norm(current.gradient());
            reason = monitor.record(iteration, current.value(), gradNorm, step.step, cg.iterations, x);
            if (reason.isEmpty() && progress.stalledAfter(current.value(), gradNorm,
                    2L * cg.iterations >= maxCgIterations)) {
                reason = Optional.of(TerminationReason.STALLED);
            }
        }
        return monitor.result(x, current.value(), reason.get());
    }

    private record Step(INDArray point, ValueAndGradient at, double step, int trials) {
    }

    private record CgResult(INDArray direction, int iterations) {
    }

    /**
     * Preconditioned CG on {@code H p = -g} from {@code p = 0} until {@code ||r|| <= tolerance}; vectors keep the
     * gradient's type, inner products are in double. A {@code null} direction means non-finite curvature. With
     * {@code pairs}, the preconditioner is refined by the previous solve's pairs and this solve's are sampled.
     */
    private CgResult conjugateGradient(HessianOperator hessian, INDArray gradient, double tolerance,
                                       RunMonitor monitor, CurvaturePairs pairs) {
        Preconditioner preconditioner = precondition ? hessian.preconditioner() : null;
        if (pairs != null) {
            preconditioner = pairs.refine(preconditioner);
            pairs.startSolve(gradient);
        }
        try {
            return conjugateGradient(hessian, gradient, tolerance, monitor, preconditioner, pairs);
        } finally {
            if (pairs != null) {
                pairs.endSolve();
            }
        }
    }

    private CgResult conjugateGradient(HessianOperator hessian, INDArray gradient, double tolerance,
                                       RunMonitor monitor, Preconditioner preconditioner, CurvaturePairs pairs) {
        // One array each for the solve: a step allocates nothing, so no native memory waits for the collector.
        INDArray p = gradient.mul(0);
        INDArray r = gradient.neg();
        INDArray z = preconditioner == null ? r.dup() : preconditioner.apply(r, r.ulike());
        INDArray d = z.dup();
        INDArray hd = r.ulike();
        double rz = Vectors.dot(r, z);
        int steps = 0;
        while (steps < maxCgIterations) {
            hessian.apply(d, hd);
            monitor.countHessianVectorProducts(1);
            steps++;
            double curvature = Vectors.dot(d, hd);
            if (!Double.isFinite(curvature)) {
                return new CgResult(null, steps);
            }
            if (curvature <= 0) {
                // No positive curvature along d: stop with what we have (or the preconditioned gradient step).
                return new CgResult(steps == 1 ? z : p, steps);
            }
            if (pairs != null) {
                pairs.offer(d, hd, curvature);
            }
            double alpha = rz / curvature;
            Vectors.axpy(alpha, d, p);
            r.subi(hd.muli(alpha));
            // Out of time, the steps so far still give a descent direction: one line search, then the run stops,
            // instead of overrunning the limit by a whole solve (7.8 s of 30 on Fashion-MNIST with one thread).
            if (RunMonitor.norm(r) <= tolerance || monitor.outOfTime()) {
                break;
            }
            if (preconditioner == null) {
                z.assign(r);
            } else {
                preconditioner.apply(r, z);
            }
            double rzNext = Vectors.dot(r, z);
            d.muli(rzNext / rz).addi(z);
            rz = rzNext;
        }
        return new CgResult(p, steps);
    }
}
