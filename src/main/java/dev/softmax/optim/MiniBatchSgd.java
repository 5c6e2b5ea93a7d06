package dev.softmax.optim;

import dev.softmax.Blas;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mini-batch stochastic gradient descent with optional (Nesterov) momentum and a learning-rate schedule.
 *
 * <h2>Cost</h2>
 * An epoch is one pass over the data in mini-batches of {@code batchSize} rows (two GEMMs of
 * {@code batchSize x d x K} each), plus one full value-and-gradient evaluation for the history row. Per epoch
 * that is about two full gradients, but {@code n / batchSize} updates instead of one: on large, redundant data
 * sets it gets to a good test accuracy in few epochs, while full-batch methods are far better for a precise
 * optimum. The stopping criteria's {@code maxIterations} is the number of epochs.
 *
 * <h2>Update</h2>
 * With momentum {@code mu} and rate {@code lr}: {@code v = mu v - lr g; x += v}. Nesterov's variant uses the
 * reformulation of Bengio, Boulanger-Lewandowski and Pascanu (2013), {@code x += mu v - lr g} after the same
 * velocity update, which evaluates the gradient at the current point only. Without momentum an epoch's updates
 * are the objective's own {@link MiniBatchObjective#sgdSteps()} where it has them. Rows are reshuffled every epoch from
 * a {@link java.util.Random} seeded with {@code seed}, so runs are reproducible. A learning rate that is too
 * large ends the run with {@link TerminationReason#NON_FINITE_VALUE} and the last finite epoch's parameters.
 */
public final class MiniBatchSgd implements Optimizer<MiniBatchObjective> {

    private final double learningRate;
    private final int batchSize;
    private final double momentum;
    private final boolean nesterov;
    private final LearningRateSchedule schedule;
    private final long seed;
    private final EpochLoop loop;

    /**
     * Plain SGD: no momentum, constant rate.
     *
     * @param learningRate the constant learning rate, {@code > 0}
     * @param batchSize    rows per mini-batch, {@code >= 1}
     * @param seed         seed of the per-epoch shuffles
     */
    public MiniBatchSgd(double learningRate, int batchSize, long seed) {
        this(learningRate, batchSize, 0.0, false, LearningRateSchedule.constant(), seed);
    }

    /**
     * Mini-batch SGD with every setting given.
     *
     * @param learningRate base learning rate, {@code > 0}
     * @param batchSize    rows per mini-batch, {@code >= 1} (a batch larger than the data is the whole data)
     * @param momentum     momentum {@code mu} in {@code [0, 1)}
     * @param nesterov     whether to use Nesterov momentum (needs {@code momentum > 0} to make a difference)
     * @param schedule     how the rate changes
     * @param seed         seed of the per-epoch shuffles
     */
    public MiniBatchSgd(double learningRate, int batchSize, double momentum, boolean nesterov,
                        LearningRateSchedule schedule, long seed) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0,1), got " + momentum);
        }
        this.loop = new EpochLoop(batchSize, seed, learningRate, schedule);
        this.learningRate = learningRate;
        this.batchSize = batchSize;
        this.momentum = momentum;
        this.nesterov = nesterov;
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        this.seed = seed;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public OptimizationResult minimize(MiniBatchObjective objective, INDArray start, StoppingCriteria stop,
                                       IterationListener listener) {
        Vectors.checkStart(start, objective.dimension()); // before the state arrays are made from it
        INDArray velocity = momentum > 0 ? start.mul(0) : null;
        EpochLoop.UpdateRule rule = (x, gradient, rate, step) -> {
            // BLAS calls rather than ND4J ops: at batch 128 on CIFAR-10-sized data an ND4J op costs as much as
            // a tenth of the batch's whole evaluation.
            if (velocity == null) {
                Blas.axpy(-rate, gradient, x);
                return;
            }
            velocity.muli(momentum);
            Blas.axpy(-rate, gradient, velocity);
            if (nesterov) {
                Blas.axpy(momentum, velocity, x);
                Blas.axpy(-rate, gradient, x);
            } else {
                Blas.axpy(1.0, velocity, x);
            }
        };
        return loop.run(objective, start, stop, listener, rule, velocity == null);
    }
}
