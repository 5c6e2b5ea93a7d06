package dev.softmax.optim;

import dev.softmax.Blas;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Newton's method with the dense Hessian, a Cholesky solve and a backtracking line search.
 *
 * <h2>Cost</h2>
 * Each iteration builds the dense Hessian ({@code O(n d^2 K^2)} for softmax, {@code 8 m^2} bytes for
 * {@code m = (d+1)K} parameters), factors it ({@code m^3/3} flops, by blocks on the native threads, see
 * {@link dev.softmax.Blas#choleskySolve}) and evaluates value and gradient once per line-search trial (almost
 * always one). It holds the Hessian and one scratch of its size for
 * the factor, {@code 16 m^2} bytes, and releases both each iteration. Convergence is quadratic near the optimum,
 * so 5 to 15 iterations are typical; use it when {@code m} is at most a few thousand.
 *
 * <h2>The singular direction</h2>
 * Softmax is unchanged when the same vector is added to every class column of the parameters, so the Hessian
 * is singular along those directions (the bias always, the weights too when {@code lambda = 0}). The objective
 * names directions that are eigenvectors of its Hessian everywhere (for softmax, the shift of each row of the
 * parameters: eigenvalue 0 for the bias, {@code lambda} for a row of the weights); this class gives each curvature
 * of its own before the Cholesky solve ({@link TwiceDifferentiableObjective#addFlatCurvature}: the curvature
 * around it, so that nothing is lost to rounding next to small curvature) and then sets the step along each exactly
 * (with the {@link TwiceDifferentiableObjective.NewtonStepCorrection} that call returns). On the rest {@code H} is positive definite and the
 * step is the Newton step. {@code mu = dampingFactor * ||g||} is Levenberg-Marquardt damping, off by default: until
 * 2026-12-03 it was {@code 1e-3 ||g||}, floored at {@code 1e-12} times the largest diagonal entry, which handled
 * the singular directions but, with features on very different scales (left unscaled), outweighed the curvature of
 * the small ones, so that the steps shrank to short gradient steps and the relative gradient test stopped 15% above
 * the optimum. When the factorisation fails anyway (a non-positive pivot from rounding) {@code mu} is raised to
 * {@code 1e-12} times the largest diagonal entry, then tenfold each retry. An objective that names no such
 * directions gets that floor from the start. A reference-class parameterisation would remove the null space
 * instead, but it changes the parameter layout every other optimizer shares.
 *
 * <h2>Line search</h2>
 * Backtracking from the full step {@code t = 1} on the Armijo condition. Near the optimum the decrease
 * {@code ~ ||g||^2} falls below the rounding error of {@code f}; a trial is then also accepted when the
 * objective is unchanged to within rounding ({@code 1e-14} in double, {@code 1e-6} in float, relative to
 * {@code max(1, |f|)}, so absolute below 1) and the gradient norm decreased (scikit-learn's {@code NewtonSolver} does
 * the same), so the quadratic phase is not cut short by rounding. At the rounding floor those steps are noise, and the
 * run ends {@link TerminationReason#STALLED} (see {@link StoppingCriteria#STALLED_ITERATIONS}).
 */
public final class Newton implements Optimizer<TwiceDifferentiableObjective> {

    private final double dampingFactor;
    private final int maxLineSearchTrials;

    /** No damping ({@code mu = 0}, the flat directions handled as the class comment says), 50 line-search trials. */
    public Newton() {
        this(0, 50);
    }

    /**
     * Newton's method with this damping and line-search budget.
     *
     * @param dampingFactor       {@code mu = dampingFactor * ||g||}, {@code >= 0}
     * @param maxLineSearchTrials backtracking trials before giving up, {@code >= 1}
     */
    public Newton(double dampingFactor, int maxLineSearchTrials) {
        if (!(dampingFactor >= 0) || Double.isInfinite(dampingFactor)) {
            throw new IllegalArgumentException("dampingFactor must be finite and >= 0, got " + dampingFactor);
        }
        if (maxLineSearchTrials < 1) {
            throw new IllegalArgumentException("maxLineSearchTrials must be >= 1, got " + maxLineSearchTrials);
        }
        this.dampingFactor = dampingFactor;
        this.maxLineSearchTrials = maxLineSearchTrials;
    }

    @Override
    public String name() {
        return "newton";
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
        ProgressWatch progress = new ProgressWatch(current.value(), gradNorm, Vectors.roundingTolerance(x));
        int iteration = 0;
        while (reason.isEmpty()) {
            if (!Double.isFinite(gradNorm)) {
                // A finite value with a NaN gradient: damping by a NaN norm cannot factorise anything.
                reason = Optional.of(TerminationReason.NON_FINITE_VALUE);
                break;
            }
            iteration++;
            INDArray hessian = objective.hessian(x);
            if (hessian.wasClosed()) {
                // Closed by the previous iteration: reading it would read freed memory (the JVM stopped on SIGSEGV).
                throw new IllegalStateException("hessian() returned an array that was already closed: it must"
                        + " return a new array each call (Newton closes it after use)");
            }
            monitor.countHessianVectorProducts(1);
            if (!Blas.allFinite(hessian)) {
                reason = Optional.of(TerminationReason.NON_FINITE_VALUE);
                break;
            }
            INDArray direction;
            try {
                double maxDiagonal = largestDiagonal(hessian);
                // The directions the objective names (eigenvectors of H) get curvature of their own, the others
                // keep theirs: on the rest the solution is the Newton step, and the step along them is set
                // afterwards by the correction, undamped whatever mu is.
                TwiceDifferentiableObjective.NewtonStepCorrection correction = objective.addFlatCurvature(hessian);
                INDArray solved = solveDamped(hessian, Vectors.asDouble(current.gradient()).neg(), gradNorm,
                        maxDiagonal, correction != null);
                if (correction != null) {
                    correction.correct(Vectors.asDouble(x), solved);
                }
                direction = solved.castTo(x.dataType());
            } finally {
                hessian.close();
            }
            LineSearchStep step = backtrack(objective, x, current, gradNorm, direction, monitor);
            if (step == null) {
                reason = Optional.of(TerminationReason.LINE_SEARCH_FAILED);
                break;
            }
            gradNorm = RunMonitor.norm(step.at.gradient());
            if (!Double.isFinite(gradNorm)) {
                continue; // the step is not taken: the check above ends the run at the last finite gradient
            }
            x = step.point;
            current = step.at;
            reason = monitor.record(iteration, current.value(), gradNorm, step.step, step.trials, x);
            if (reason.isEmpty() && progress.stalledAfter(current.value(), gradNorm)) {
                reason = Optional.of(TerminationReason.STALLED);
            }
        }
        return monitor.result(x, current.value(), reason.get());
    }

    /**
     * Solves {@code (H + mu I) p = rhs} by Cholesky, {@code H} already given the curvature of the objective's flat
     * directions ({@code flat}) if it names any, raising {@code mu} until the factorisation succeeds.
     */
    private INDArray solveDamped(INDArray hessian, INDArray rhs, double gradNorm, double maxDiagonal, boolean flat) {
        int m = (int) hessian.rows();
        double[] diagonal = new double[m];
        for (int i = 0; i < m; i++) {
            diagonal[i] = hessian.getDouble(i, i);
        }
        double floor = 1e-12 * maxDiagonal;
        // Without known flat directions the floor makes the factorisation exist from the start; with them it is
        // needed only where rounding makes a pivot non-positive.
        double mu = Math.max(dampingFactor * gradNorm, flat ? 0 : floor);
        // One m x m scratch takes each attempt's H + mu I and its factor (493 MB at Fashion-MNIST's 7850
        // parameters); copies made per attempt were left to the garbage collector, gigabytes of them.
        INDArray factor = Nd4j.createUninitialized(DataType.DOUBLE, m, m);
        try {
            for (int attempt = 0; attempt < 40; attempt++) {
                INDArray p = Blas.choleskySolve(hessian, mu, rhs, factor);
                boolean suspect = p == null ? !nativeRefusalsAreGenuine() : !solves(hessian, mu, p, rhs);
                if (suspect) {
                    // OpenBLAS 0.3.19's dpotrf, used here until 2026-12-03, called positive definite matrices of 40
                    // rows and more indefinite, or factored them wrongly, on an Intel AVX-512 core (its SkylakeX
                    // kernels). The blocked factorisation that replaced it calls only dgemm and dsyrk, right there;
                    // still, where a refusal cannot be believed, and whenever the solve is wrong, ask a second,
                    // slower implementation before damping more.
                    factor.assign(hessian);
                    for (int i = 0; i < m; i++) {
                        factor.putScalar(i, i, diagonal[i] + mu);
                    }
                    p = javaCholeskySolve(factor, rhs);
                }
                if (p != null) {
                    return p;
                }
                mu = Math.max(10 * mu, floor);
            }
        } finally {
            factor.close();
        }
        throw new IllegalStateException("the damped Hessian could not be factorised even with damping " + mu);
    }

    private static double largestDiagonal(INDArray hessian) {
        double largest = Double.MIN_NORMAL;
        for (long i = 0; i < hessian.rows(); i++) {
            largest = Math.max(largest, hessian.getDouble(i, i));
        }
        return largest;
    }

    /**
     * Whether a refusal by the native factorisation ({@link Blas#choleskySolve}, on OpenBLAS) can be believed in this
     * process: it factored positive definite probes of 128 and 600 rows, and the solves passed {@link #solves}.
     * Decided once, in 0.06 to 0.16 s. Where it cannot be believed (as with LAPACK's {@code dpotrf}, used until
     * 2026-12-03, on OpenBLAS 0.3.19's SkylakeX kernels), every refusal is checked by
     * {@link #javaCholeskySolve}; where it can, a refusal goes straight to more damping, since the Java
     * factorisation takes about a second at a few thousand parameters and would only refuse too.
     */
    static boolean nativeRefusalsAreGenuine() {
        return CholeskyProbe.REFUSALS_ARE_GENUINE;
    }

    private static final class CholeskyProbe {
        static final boolean REFUSALS_ARE_GENUINE = factorsPositiveDefiniteProbes();

        private static boolean factorsPositiveDefiniteProbes() {
            for (int m : new int[] {128, 600}) {
                // A well-conditioned positive definite matrix, (R^T R) / m + I, and a right-hand side.
                java.util.Random random = new java.util.Random(m);
                double[] values = new double[2 * m * m];
                for (int i = 0; i < values.length; i++) {
                    values[i] = random.nextGaussian();
                }
                INDArray r = Nd4j.createFromArray(values).reshape(2 * m, m);
                INDArray a = r.transpose().mmul(r).divi(m).addi(Nd4j.eye(m).castTo(DataType.DOUBLE)).dup('f');
                INDArray rhs = r.getRow(0).dup();
                INDArray p = nativeCholeskySolve(a, rhs);
                if (p == null || !solves(a, p, rhs)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** {@code a^-1 rhs} by {@link Blas#choleskySolve} on a copy of {@code a}, or null when it refuses it. */
    static INDArray nativeCholeskySolve(INDArray a, INDArray rhs) {
        INDArray factor = Nd4j.createUninitialized(DataType.DOUBLE, a.rows(), a.columns());
        try {
            return Blas.choleskySolve(a, 0, rhs, factor);
        } finally {
            factor.close();
        }
    }

    /**
     * Whether {@code ||a p - rhs|| <= tol ||rhs||}, {@code tol} 1e-6 in double and 1e-2 in float: loose enough for
     * an ill-conditioned system, while the broken kernels' solutions were off by the size of the solution or NaN.
     */
    static boolean solves(INDArray a, INDArray p, INDArray rhs) {
        return solves(a, 0, p, rhs);
    }

    /** {@link #solves(INDArray, INDArray, INDArray)} for {@code a + shift I}, without building it. */
    static boolean solves(INDArray a, double shift, INDArray p, INDArray rhs) {
        int m = (int) a.rows();
        INDArray column = p.reshape(m, 1);
        INDArray residual = a.mmul(column);
        if (shift != 0) {
            residual.addi(column.mul(shift));
        }
        double norm = residual.reshape(m).subi(rhs.reshape(m)).norm2Number().doubleValue();
        double tolerance = a.dataType() == DataType.DOUBLE ? 1e-6 : 1e-2;
        return norm <= tolerance * rhs.norm2Number().doubleValue();
    }

    /** {@code a^-1 rhs} by Commons Math's Cholesky in Java, or null when {@code a} is not positive definite. */
    static INDArray javaCholeskySolve(INDArray a, INDArray rhs) {
        int m = (int) a.rows();
        try {
            org.apache.commons.math3.linear.CholeskyDecomposition cholesky =
                    new org.apache.commons.math3.linear.CholeskyDecomposition(
                            new org.apache.commons.math3.linear.Array2DRowRealMatrix(a.toDoubleMatrix(), false),
                            1e-8, 0);
            double[] p = cholesky.getSolver().solve(new org.apache.commons.math3.linear.ArrayRealVector(
                    rhs.reshape(m).toDoubleVector(), false)).toArray();
            return Nd4j.createFromArray(p).castTo(rhs.dataType());
        } catch (org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException
                 | org.apache.commons.math3.linear.NonSymmetricMatrixException notPositiveDefinite) {
            return null;
        }
    }

    private record LineSearchStep(INDArray point, ValueAndGradient at, double step, int trials) {
    }

    /** Backtracking from {@code t = 1}; {@code null} when no trial is acceptable. */
    private LineSearchStep backtrack(DifferentiableObjective objective, INDArray x, ValueAndGradient current,
                                     double gradNorm, INDArray direction, RunMonitor monitor) {
        return NewtonLineSearch.backtrack(objective, x, current, gradNorm, direction, maxLineSearchTrials, monitor,
                (point, at, step, trials) -> new LineSearchStep(point, at, step, trials));
    }
}
