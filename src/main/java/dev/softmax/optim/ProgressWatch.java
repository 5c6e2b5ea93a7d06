package dev.softmax.optim;

/**
 * Tells a Newton method when its iterations have stopped making progress: {@value StoppingCriteria#STALLED_ITERATIONS}
 * in a row that reach neither a lower objective nor a lower gradient norm than every iterate before them, while the
 * objective has stayed within rounding of its lowest value ({@code rounding * |lowest|}) over those iterations and the
 * one before. At the rounding floor (float32, or a {@code --tol} below what the arithmetic resolves) the line search
 * still accepts steps, as it must near the optimum (where the true decrease is below the objective's rounding), but
 * the values and gradient norms it sees are noise: without this a Newton-CG run went on to {@code --max-iter} at a
 * full CG solve an iteration (Fashion-MNIST's first 2000 rows with {@code --tol 1e-12}: 1000 iterations, 180 s); now
 * such a run ends {@link TerminationReason#STALLED}. The spread condition keeps runs that are still descending: the
 * line search's rounding allowance is absolute below {@code |f| = 1}, so where the objective is small (badly scaled
 * or separable data) it lets values rise by far more than their rounding, and three iterations without a new low
 * happen on the way down (review: float32 newton-cg on columns scaled 1e-3 to 1e3 stopped at 64 times the gradient
 * tolerance).
 */
final class ProgressWatch {

    private final double rounding;
    /** The objective at the last {@code STALLED_ITERATIONS + 1} iterates, oldest first, as a ring. */
    private final double[] recent = new double[StoppingCriteria.STALLED_ITERATIONS + 1];
    private int seen;
    private double lowestValue;
    private double lowestGradientNorm;
    private int stalled;

    /**
     * Starts from the first iterate's objective and gradient norm.
     *
     * @param rounding the relative rounding of the objective in the run's precision
     *                 ({@link Vectors#roundingTolerance})
     */
    ProgressWatch(double value, double gradientNorm, double rounding) {
        this.rounding = rounding;
        lowestValue = value;
        lowestGradientNorm = gradientNorm;
        remember(value);
    }

    /**
     * Records an accepted iterate.
     *
     * @return whether the run has now stalled
     */
    boolean stalledAfter(double value, double gradientNorm) {
        return stalledAfter(value, gradientNorm, true);
    }

    /**
     * Records an accepted iterate whose step may not count towards a stall: Newton-CG's, unless its CG solve took at
     * least half the cap. At the floor the forcing tolerance is out of reach and the solves run long (Fashion-MNIST:
     * the cap, 100 steps, every iteration; a small random problem 50 to 60, ended by rounding's negative curvature);
     * a short solve is a run still crawling (QA: float32 on features scaled up to 1e3, 1000 iterations of 1 or 2 CG
     * steps that went on lowering the objective, which runs of up to 15 without a new low interrupted).
     *
     * @param counts whether this iterate may count towards a stall
     * @return whether the run has now stalled
     */
    boolean stalledAfter(double value, double gradientNorm, boolean counts) {
        boolean progress = value < lowestValue || gradientNorm < lowestGradientNorm;
        lowestValue = Math.min(lowestValue, value);
        lowestGradientNorm = Math.min(lowestGradientNorm, gradientNorm);
        stalled = progress || !counts ? 0 : stalled + 1;
        remember(value);
        return stalled >= StoppingCriteria.STALLED_ITERATIONS && withinRounding();
    }

    private void remember(double value) {
        recent[seen % recent.length] = value;
        seen++;
    }

    private boolean withinRounding() {
        double highest = Double.NEGATIVE_INFINITY;
        double lowest = Double.POSITIVE_INFINITY;
        for (double value : recent) {
            highest = Math.max(highest, value);
            lowest = Math.min(lowest, value);
        }
        return highest - lowest <= rounding * Math.abs(lowestValue);
    }
}
