package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Called by every optimizer after each iteration (and once for the starting point, iteration 0). */
@FunctionalInterface
public interface IterationListener {

    /** A listener that does nothing. */
    IterationListener NONE = (record, point) -> true;

    /**
     * Called after each recorded history row.
     *
     * @param record the history row just recorded
     * @param point  the current parameters; read-only, valid only during the call
     * @return {@code true} to continue, {@code false} to stop with {@link TerminationReason#STOPPED_BY_LISTENER}
     */
    boolean iterationDone(IterationRecord record, INDArray point);
}
