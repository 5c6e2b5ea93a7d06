package dev.softmax.optim;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A method that minimises an objective of type {@code F}.
 *
 * <p>Not reaching a tolerance is a result ({@link TerminationReason#MAX_ITERATIONS} and friends), never an
 * exception.
 *
 * @param <F> what the method needs of the objective (gradients, Hessians, mini-batches)
 */
public interface Optimizer<F extends DifferentiableObjective> {

    /**
     * Short name as used on the command line, e.g. {@code gd}.
     *
     * @return the name
     */
    String name();

    /**
     * Minimises {@code objective} from {@code start}.
     *
     * @param objective the function to minimise
     * @param start     the starting point, length {@code objective.dimension()}; not mutated (warm start: pass
     *                  an earlier solution)
     * @param stop      when to stop
     * @param listener  called after every iteration
     * @return the solution, its objective, why the method stopped, and the history
     */
    OptimizationResult minimize(F objective, INDArray start, StoppingCriteria stop, IterationListener listener);
}
