package dev.softmax.optim;

import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The epoch loop {@link MiniBatchSgd} and {@link Adam} share: shuffling, batching, the learning-rate schedule,
 * one full evaluation per epoch for the history, and divergence handling. Only the update rule differs.
 */
final class EpochLoop {

    /** Changes {@code x} in place from a mini-batch gradient. */
    interface UpdateRule {
        /**
         * @param x            the parameters, updated in place
         * @param gradient     the mini-batch gradient at {@code x} (may be overwritten)
         * @param learningRate the scheduled rate
         * @param step         1-based count of updates including this one
         */
        void apply(INDArray x, INDArray gradient, double learningRate, long step);
    }

    private final int batchSize;
    private final long seed;
    private final double learningRate;
    private final LearningRateSchedule schedule;

    EpochLoop(int batchSize, long seed, double learningRate, LearningRateSchedule schedule) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, got " + learningRate);
        }
        this.batchSize = batchSize;
        this.seed = seed;
        this.learningRate = learningRate;
        this.schedule = java.util.Objects.requireNonNull(schedule, "schedule");
    }

    /**
     * Runs epochs until a stopping criterion holds. Each epoch reshuffles the rows (one {@link Random} seeded
     * once per run, so a run is reproducible), updates once per mini-batch, then evaluates the full objective for
     * the history row. Evaluation counts are in full passes over the data: the epoch's mini-batches count as one
     * value-and-gradient evaluation, the full evaluation as another.
     *
     * <p>A non-finite mini-batch or full objective ends the run with {@link TerminationReason#NON_FINITE_VALUE}
     * and returns the parameters at the end of the last epoch whose full objective was finite.
     *
     * @param plainSgd whether {@code rule} is plain SGD's {@code x -= rate * gradient}: the epoch's updates are
     *                 then the objective's own {@link MiniBatchObjective#sgdSteps()} where it has them
     */
    OptimizationResult run(MiniBatchObjective objective, INDArray start, StoppingCriteria stop,
                           IterationListener listener, UpdateRule rule, boolean plainSgd) {
        Vectors.checkStart(start, objective.dimension());
        RunMonitor monitor = new RunMonitor(stop, listener);
        int n = objective.numSamples();
        INDArray x = start.dup();
        ValueAndGradient full = objective.valueAndGradient(x);
        monitor.countValueAndGradient();
        Optional<TerminationReason> reason = monitor.record(0, full.value(), RunMonitor.norm(full.gradient()), 0, 0,
                x);
        INDArray lastFinite = x.dup();
        double lastValue = full.value();
        Random random = new Random(seed);
        int[] order = new int[n];
        Arrays.setAll(order, i -> i);
        long step = 0;
        int epoch = 0;
        while (reason.isEmpty()) {
            epoch++;
            shuffle(order, random);
            double rate = learningRate;
            int batches = 0;
            boolean diverged = false;
            Optional<SgdSteps> steps = plainSgd ? objective.sgdSteps() : Optional.empty();
            if (steps.isPresent()) {
                long first = step;
                int epochIndex = epoch - 1;
                int total = (n + batchSize - 1) / batchSize;
                int done = steps.get().run(x, order, batchSize,
                        b -> schedule.rate(learningRate, first + b, epochIndex));
                step += done;
                diverged = done < total;
                batches = diverged ? done + 1 : total;
                rate = schedule.rate(learningRate, first + batches - 1, epochIndex);
            } else {
                for (int from = 0; from < n; from += batchSize) {
                    int[] rows = Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
                    rate = schedule.rate(learningRate, step, epoch - 1);
                    ValueAndGradient batch = objective.batch(rows).valueAndGradient(x);
                    batches++;
                    if (!Double.isFinite(batch.value())) {
                        diverged = true;
                        break;
                    }
                    step++;
                    rule.apply(x, Vectors.likePoint(batch.gradient(), x), rate, step);
                }
            }
            monitor.countValueAndGradient();
            if (diverged) {
                reason = monitor.record(epoch, Double.NaN, Double.NaN, rate, batches, lastFinite);
                break;
            }
            full = objective.valueAndGradient(x);
            monitor.countValueAndGradient();
            if (!Double.isFinite(full.value())) {
                reason = monitor.record(epoch, full.value(), Double.NaN, rate, batches, lastFinite);
                break;
            }
            lastFinite = x.dup();
            lastValue = full.value();
            reason = monitor.record(epoch, full.value(), RunMonitor.norm(full.gradient()), rate, batches, x);
        }
        return monitor.result(lastFinite, lastValue, reason.get());
    }

    /** Fisher-Yates shuffle in place. */
    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    }
}
