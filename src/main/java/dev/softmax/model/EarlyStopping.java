package dev.softmax.model;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.OptimizationResult;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The early-stopping listener of one {@link Trainer} fit: scores every iteration's parameters on the validation
 * objective, keeps a copy of the best, and asks the optimizer to stop after {@code patience} iterations without
 * a strict improvement. Being a listener, it works with every optimizer without changing any of them; the best
 * point is swapped into the result afterwards by {@link #bestOf}.
 */
final class EarlyStopping implements IterationListener {

    private final SoftmaxCrossEntropy validation;
    private final int patience;
    private final Trainer.ValidationListener onValidationLoss;
    private INDArray best;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private int bestIteration = -1;
    private int sinceBest;

    /**
     * @param validation the validation log-loss (no penalty), in the training data type
     * @param patience   iterations without improvement before stopping, {@code >= 1}
     * @param onValidationLoss told every validation loss; may be {@code null}
     */
    EarlyStopping(SoftmaxCrossEntropy validation, int patience, Trainer.ValidationListener onValidationLoss) {
        this.validation = validation;
        this.patience = patience;
        this.onValidationLoss = onValidationLoss;
    }

    @Override
    public boolean iterationDone(IterationRecord record, INDArray point) {
        double loss = validation.value(point);
        if (onValidationLoss != null) {
            onValidationLoss.validationLoss(record, loss);
        }
        // A NaN loss never improves, so a diverging run is stopped by patience at the latest.
        if (loss < bestLoss) {
            bestLoss = loss;
            best = point.dup();
            bestIteration = record.iteration();
            sinceBest = 0;
            return true;
        }
        sinceBest++;
        return sinceBest < patience;
    }

    /** This listener, then {@code next}; stops when either asks to (both are always called). */
    IterationListener then(IterationListener next) {
        return (record, point) -> {
            boolean mine = iterationDone(record, point);
            boolean theirs = next.iterationDone(record, point);
            return mine && theirs;
        };
    }

    /**
     * {@code result} with the best validation point as its solution and the training objective there as its
     * value; the reason and history are kept. Unchanged when no point had a finite validation loss.
     */
    OptimizationResult bestOf(OptimizationResult result, SoftmaxCrossEntropy training) {
        if (best == null) {
            return result;
        }
        return new OptimizationResult(best, training.value(best), result.reason(), result.history(), result.work());
    }

    /** The lowest validation loss seen. */
    /** The iteration whose point is kept, or -1 before any. */
    int bestIteration() {
        return bestIteration;
    }

    double bestLoss() {
        return bestLoss;
    }
}
