package dev.softmax.optim;

/**
 * How the learning rate of a stochastic optimizer changes over training.
 *
 * <p>{@link #rate} is given the base rate, the number of mini-batch updates made so far and the 0-based epoch,
 * so a schedule is a pure function and carries no state between runs.
 */
public sealed interface LearningRateSchedule {

    /**
     * The learning rate for the next update.
     *
     * @param base  the base learning rate
     * @param step  mini-batch updates made before this one (0 for the first)
     * @param epoch the current epoch, 0-based
     * @return the rate for that update
     */
    double rate(double base, long step, int epoch);

    /**
     * The base rate throughout.
     *
     * @return the constant schedule
     */
    static LearningRateSchedule constant() {
        return new Constant();
    }

    /** The base rate throughout. */
    record Constant() implements LearningRateSchedule {
        @Override
        public double rate(double base, long step, int epoch) {
            return base;
        }
    }

    /**
     * Inverse scaling {@code base / (1 + decay * step)^power}: with {@code power} in (0.5, 1] the step sizes
     * satisfy Robbins-Monro's conditions, so SGD converges to the optimum instead of hovering around it.
     *
     * @param decay per-update decay rate, {@code >= 0}
     * @param power exponent, {@code > 0}
     */
    record InverseScaling(double decay, double power) implements LearningRateSchedule {
        /**
         * Validates the parameters.
         *
         * @param decay per-update decay rate, finite and {@code >= 0}
         * @param power exponent, finite and {@code > 0}
         */
        public InverseScaling {
            if (!(decay >= 0) || Double.isInfinite(decay)) {
                throw new IllegalArgumentException("decay must be finite and >= 0, got " + decay);
            }
            if (!(power > 0) || Double.isInfinite(power)) {
                throw new IllegalArgumentException("power must be finite and > 0, got " + power);
            }
        }

        @Override
        public double rate(double base, long step, int epoch) {
            return base / Math.pow(1 + decay * step, power);
        }
    }

    /**
     * Step decay {@code base * factor^floor(epoch / everyEpochs)}.
     *
     * @param factor      multiplier applied every {@code everyEpochs} epochs, in (0, 1]
     * @param everyEpochs epochs between drops, {@code >= 1}
     */
    record StepDecay(double factor, int everyEpochs) implements LearningRateSchedule {
        /**
         * Validates the parameters.
         *
         * @param factor      multiplier applied every {@code everyEpochs} epochs, in (0, 1]
         * @param everyEpochs epochs between drops, {@code >= 1}
         */
        public StepDecay {
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("factor must be in (0,1], got " + factor);
            }
            if (everyEpochs < 1) {
                throw new IllegalArgumentException("everyEpochs must be >= 1, got " + everyEpochs);
            }
        }

        @Override
        public double rate(double base, long step, int epoch) {
            return base * Math.pow(factor, epoch / everyEpochs);
        }
    }
}
