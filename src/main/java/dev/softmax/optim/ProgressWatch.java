package dev.softmax.optim;

/**
 * Tells a Newton method when its iterations have stopped making progress:
 * {@value StoppingCriteria#STALLED_ITERATIONS} in a row
 * that reach neither a lower objective nor a lower gradient norm than every iterate before them. At the rounding
 * floor (float32, or a {@code --tol} below what the arithmetic resolves) the line search still accepts steps, as it
 * must near the optimum (where the true decrease is below the objective's rounding), but the values and gradient
 * norms it sees are noise: without this a Newton-CG run went on to {@code --max-iter} at a full CG solve an
 * iteration (Fashion-MNIST's first 2000 rows with {@code --tol 1e-12}: 1000 iterations, 180 s); now such a run
 * ends {@link TerminationReason#STALLED}. A converging run lowers the objective at every Armijo step, so it never
 * stalls.
 */
final class ProgressWatch {

    private double lowestValue;
    private double lowestGradientNorm;
    private int stalled;

    /** Starts from the first iterate's objective and gradient norm. */
    ProgressWatch(double value, double gradientNorm) {
        lowestValue = value;
        lowestGradientNorm = gradientNorm;
    }

    /**
     * Records an accepted iterate.
     *
     * @return whether the run has now stalled
     */
    boolean stalledAfter(double value, double gradientNorm) {
        boolean progress = value < lowestValue || gradientNorm < lowestGradientNorm;
        lowestValue = Math.min(lowestValue, value);
        lowestGradientNorm = Math.min(lowestGradientNorm, gradientNorm);
        stalled = progress ? 0 : stalled + 1;
        return stalled >= StoppingCriteria.STALLED_ITERATIONS;
    }
}
