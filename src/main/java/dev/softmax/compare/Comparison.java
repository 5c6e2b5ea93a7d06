package dev.softmax.compare;

import dev.softmax.loss.ParameterLayout;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.Newton;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.StoppingCriteria;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Runs several optimizers on one objective, one after the other, from the same starting point (zeros) with the
 * same stopping criteria, and records each one's history together with the test accuracy at every iteration.
 *
 * <p>Runs are sequential on purpose: {@link SoftmaxCrossEntropy} reuses internal buffers, and parallel runs
 * would also distort each other's wall times.
 *
 * <h2>Timing</h2>
 * Measuring the test accuracy (a GEMM over the test set and an argmax) and reporting progress happen in the
 * iteration listener, which runs on the optimizer's clock. The time spent there is measured and subtracted, so
 * {@link Point#elapsedSeconds()} and {@link Run#wallSeconds()} are the optimizer's own time. The optimizer's
 * {@code --time-limit} check cannot see that correction and counts the listener's time too. Before the first
 * optimizer, {@link #runAll} evaluates the objective a few times and runs every optimizer for a few iterations on
 * a few rows, untimed, so that ND4J's and the JIT's start-up costs are not charged to whichever optimizer comes
 * first.
 */
public final class Comparison {

    /**
     * An optimizer to compare, under the name the table and files use.
     *
     * @param name      the name the table and files use
     * @param optimizer the optimizer
     */
    public record Candidate(String name, Optimizer<? super SoftmaxCrossEntropy> optimizer) {
        /**
         * Checks that neither part is null.
         *
         * @param name      the name the table and files use
         * @param optimizer the optimizer
         */
        public Candidate {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(optimizer, "optimizer");
        }
    }

    /**
     * One recorded iteration of one optimizer.
     *
     * @param iteration      iteration (or epoch) number, 0 for the start
     * @param elapsedSeconds the optimizer's own wall time, listener overhead removed
     * @param objective      objective after the iteration
     * @param gradientNorm   gradient norm (NaN where the optimizer did not measure it)
     * @param stepSize       step taken (learning rate for stochastic methods)
     * @param testAccuracy   accuracy on the test set at this point, NaN when there is no test set
     */
    public record Point(int iteration, double elapsedSeconds, double objective, double gradientNorm, double stepSize,
                        double testAccuracy) {
    }

    /**
     * The outcome for one candidate: either skipped (with the reason) or run.
     *
     * @param name          the candidate's name
     * @param skipReason    why it did not run, or {@code null} when it ran
     * @param result        the optimizer's result, {@code null} when skipped
     * @param points        one per history row of {@code result}; empty when skipped
     * @param trainAccuracy accuracy of the final point on the training set (NaN when skipped)
     * @param testAccuracy  accuracy of the final point on the test set (NaN when skipped or without test set)
     * @param wallSeconds   the optimizer's own wall time for the whole run (listener overhead removed), at least
     *                      its last point's: work after the last history row counts too
     */
    public record Run(String name, String skipReason, OptimizationResult result, List<Point> points,
                      double trainAccuracy, double testAccuracy, double wallSeconds) {

        /**
         * Copies the points.
         *
         * @param name          the candidate's name
         * @param skipReason    why it did not run, or {@code null} when it ran
         * @param result        the optimizer's result, {@code null} when skipped
         * @param points        one per history row of {@code result}; copied
         * @param trainAccuracy accuracy of the final point on the training set
         * @param testAccuracy  accuracy of the final point on the test set
         * @param wallSeconds   the optimizer's own wall time
         * @throws IllegalStateException when there are not as many points as history rows
         */
        public Run {
            points = List.copyOf(points);
            if (result != null && points.size() != result.history().size()) {
                // The CSVs pair each point with its history row; an optimizer of one's own that skipped the
                // listener would otherwise fail while the files are written, after every run.
                throw new IllegalStateException(name + " has " + result.history().size() + " history rows but "
                        + "passed " + points.size() + " to its listener; an Optimizer passes each row it records");
            }
        }

        /**
         * A candidate that did not run.
         *
         * @param name   the candidate's name
         * @param reason why it did not run
         * @return the run, with no result and NaN accuracies and time
         */
        public static Run skipped(String name, String reason) {
            return new Run(name, reason, null, List.of(), Double.NaN, Double.NaN, Double.NaN);
        }

        /**
         * Whether this candidate was skipped.
         *
         * @return whether there is a skip reason
         */
        public boolean isSkipped() {
            return skipReason != null;
        }

        /**
         * The smallest finite objective in the history, or NaN when there is none.
         *
         * @return the smallest objective, or NaN
         */
        public double minimumObjective() {
            return points.stream().mapToDouble(Point::objective).filter(Double::isFinite).min().orElse(Double.NaN);
        }
    }

    /** Told about each candidate as it runs (progress display); every method may be left as the no-op default. */
    public interface Observer {
        /**
         * A candidate is about to run, with at most {@code maxIterations} iterations.
         *
         * @param name          the candidate's name
         * @param maxIterations its iteration limit
         */
        default void started(String name, int maxIterations) {
        }

        /**
         * One history row was recorded.
         *
         * @param name  the candidate's name
         * @param point the row, with the optimizer's own time (as in the history and the summary)
         */
        default void iteration(String name, Point point) {
        }

        /**
         * A candidate has finished or was skipped.
         *
         * @param run its outcome
         */
        default void finished(Run run) {
        }
    }

    /** Rows of the training data each optimizer is warmed up on. */
    static final int WARM_UP_ROWS = 256;

    /**
     * Most feature columns each optimizer is warmed up on: its own code does not depend on the width, and the
     * objective's passes at the real width are warmed up separately. At Fashion-MNIST's 784, Newton's warm-up
     * factored a 7850-row Hessian ten times, 35 s untimed.
     */
    static final int WARM_UP_FEATURES = 32;

    /** The optimizers warmed up in this JVM: once is enough, however many comparisons a program runs. */
    private static final java.util.Set<Class<?>> WARMED_UP = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Least time each optimizer is warmed up for: a few runs of a few iterations leave the JIT half done. */
    static final double WARM_UP_SECONDS = 0.25;

    private final SoftmaxCrossEntropy objective;
    private final INDArray trainFeatures;
    private final int[] trainLabels;
    private final INDArray testFeatures;
    private final int[] testLabels;
    private final DataType dataType;

    /**
     * A comparison on one objective, with the data that accuracy is measured on.
     *
     * @param objective     the training objective (features already scaled)
     * @param trainFeatures the scaled training features {@code [n,d]} the objective was built from (kept by
     *                      reference, for the final training accuracy)
     * @param trainLabels   the training labels, {@code [n]}
     * @param testFeatures scaled test features {@code [m,d]} with the same scaling as the objective's, or
     *                     {@code null} for none
     * @param testLabels   test labels {@code [m]}, or {@code null} for none
     */
    public Comparison(SoftmaxCrossEntropy objective, INDArray trainFeatures, int[] trainLabels, INDArray testFeatures,
                      int[] testLabels) {
        this.objective = Objects.requireNonNull(objective, "objective");
        if (trainFeatures.rows() != trainLabels.length) {
            throw new IllegalArgumentException("training features have " + trainFeatures.rows()
                    + " rows but there are " + trainLabels.length + " training labels");
        }
        this.trainFeatures = trainFeatures;
        this.trainLabels = trainLabels.clone();
        if ((testFeatures == null) != (testLabels == null)) {
            throw new IllegalArgumentException("give both test features and test labels, or neither");
        }
        if (testFeatures != null && testFeatures.rows() != testLabels.length) {
            throw new IllegalArgumentException("test features have " + testFeatures.rows() + " rows but there are "
                    + testLabels.length + " test labels");
        }
        boolean hasTest = testFeatures != null && testLabels.length > 0;
        this.dataType = objective.dataType();
        this.testFeatures = hasTest ? testFeatures.castTo(dataType) : null;
        this.testLabels = hasTest ? testLabels.clone() : null;
    }

    /**
     * Why {@code optimizer} cannot run on {@code objective}, or empty when it can. Today only the dense-Hessian
     * {@link Newton} has a precondition: its Hessian must fit the objective's memory budget. Checked up front so
     * that a comparison on CIFAR-10 does not spend a gradient evaluation before {@code hessian()} refuses.
     *
     * @param optimizer the optimizer
     * @param objective the objective it would minimise
     * @return the reason, or empty
     */
    public static Optional<String> skipReason(Optimizer<?> optimizer, SoftmaxCrossEntropy objective) {
        if (optimizer instanceof Newton) {
            ParameterLayout layout = objective.layout();
            long bytes = SoftmaxCrossEntropy.denseHessianBytes(layout.features(), layout.classes());
            if (bytes > objective.hessianBudgetBytes()) {
                return Optional.of("dense Hessian needs " + SoftmaxCrossEntropy.formatBytes(bytes) + ", budget is "
                        + SoftmaxCrossEntropy.formatBytes(objective.hessianBudgetBytes()) + "; use newton-cg");
            }
        }
        return Optional.empty();
    }

    /**
     * Runs every candidate in order.
     *
     * @param candidates the optimizers, each run once
     * @param stop       the stopping criteria all of them share
     * @param observer   told about progress; not timed as part of the optimizers
     * @return one run per candidate, in the same order
     */
    public List<Run> runAll(List<Candidate> candidates, StoppingCriteria stop, Observer observer) {
        warmUp();
        warmUp(candidates);
        List<Run> runs = new ArrayList<>();
        for (Candidate candidate : candidates) {
            runs.add(run(candidate, stop, observer));
        }
        return runs;
    }

    /**
     * Runs one candidate from zeros; see {@link #runAll}.
     *
     * @param candidate the optimizer
     * @param stop      the stopping criteria
     * @param observer  told about progress; not timed as part of the optimizer
     * @return the run, or a skipped one
     */
    public Run run(Candidate candidate, StoppingCriteria stop, Observer observer) {
        Optional<String> skip = skipReason(candidate.optimizer(), objective);
        if (skip.isPresent()) {
            Run skipped = Run.skipped(candidate.name(), skip.get());
            observer.finished(skipped);
            return skipped;
        }
        observer.started(candidate.name(), stop.maxIterations());
        Recorder recorder = new Recorder(candidate.name(), observer);
        OptimizationResult result;
        long start = System.nanoTime();
        try {
            result = candidate.optimizer().minimize(objective, objective.layout().zeros(dataType), stop, recorder);
        } catch (IllegalStateException e) {
            // The objective's way of saying "not for this problem" (hessian() above its budget), should an
            // optimizer other than Newton ask for the dense Hessian: a skip, not a failed comparison.
            Run skipped = Run.skipped(candidate.name(), e.getMessage());
            observer.finished(skipped);
            return skipped;
        }
        long end = System.nanoTime();
        INDArray solution = result.solution();
        double trainAccuracy = accuracy(objective.layout(), solution, trainFeatures, trainLabels);
        double testAccuracy = testFeatures == null ? Double.NaN
                : accuracy(objective.layout(), solution, testFeatures, testLabels);
        List<Point> points = recorder.points;
        // The whole run, past its last row too: a failed final line search and its retry come after it.
        double whole = Math.max(0, end - start - recorder.overheadNanos) / 1e9;
        double wall = Math.max(whole, points.isEmpty() ? 0 : points.get(points.size() - 1).elapsedSeconds());
        Run run = new Run(candidate.name(), null, result, points, trainAccuracy, testAccuracy, wall);
        observer.finished(run);
        return run;
    }

    /**
     * Runs the objective's code paths a few times before any optimizer is timed. The first calls into ND4J and
     * the JIT's first compilations take tens of milliseconds, as long as a whole Newton run on iris; without this
     * the first optimizer in the list would pay for them.
     */
    private void warmUp() {
        INDArray zeros = objective.layout().zeros(dataType);
        for (int i = 0; i < 3; i++) {
            objective.valueAndGradient(zeros);
            objective.hessianAt(zeros).apply(zeros);
            if (testFeatures != null) {
                accuracy(objective.layout(), zeros, testFeatures, testLabels);
            }
        }
    }

    /**
     * Runs every candidate not yet warmed up in this JVM, 10 iterations at a time for {@link #WARM_UP_SECONDS}, on
     * {@link #WARM_UP_ROWS} training rows, untimed, so that
     * the JIT has compiled the optimizers' own code (line searches, updates, their vector operations) before any of
     * them is timed: on iris, whichever optimizer ran first took twice as long as when it ran later. Optimizers keep
     * no state between runs, so the timed runs are the same as without this.
     */
    private void warmUp(List<Candidate> candidates) {
        // Rows spread over the data: a CSV sorted by class would give its first rows a single class.
        int n = (int) trainFeatures.rows();
        int rows = Math.min(n, WARM_UP_ROWS);
        long[] spread = new long[rows];
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            spread[i] = (long) i * n / rows;
            labels[i] = trainLabels[(int) spread[i]];
        }
        int d = (int) trainFeatures.columns();
        int columns = Math.min(d, WARM_UP_FEATURES);
        long[] spreadColumns = new long[columns];
        for (int j = 0; j < columns; j++) {
            spreadColumns[j] = (long) j * d / columns;
        }
        SoftmaxCrossEntropy small = null;
        for (Candidate candidate : candidates) {
            if (skipReason(candidate.optimizer(), objective).isPresent()
                    || !WARMED_UP.add(candidate.optimizer().getClass())) {
                continue;
            }
            if (small == null) {
                INDArray x = trainFeatures.get(NDArrayIndex.indices(spread), NDArrayIndex.indices(spreadColumns))
                        .dup('c');
                small = new SoftmaxCrossEntropy(x, labels, objective.layout().classes(), objective.lambda(),
                        objective.hessianBudgetBytes());
            }
            long start = System.nanoTime();
            do {
                try {
                    candidate.optimizer().minimize(small, small.layout().zeros(dataType), StoppingCriteria.of(10)
                            .withTimeLimit(Duration.ofNanos((long) (WARM_UP_SECONDS * 1e9))), IterationListener.NONE);
                } catch (RuntimeException e) {
                    break; // whatever fails here fails again in the timed run, which reports it
                }
            } while (System.nanoTime() - start < WARM_UP_SECONDS * 1e9);
        }
    }

    /** Accuracy of θ on scaled {@code features} {@code [m,d]}: argmax of {@code XW + b} against the labels. */
    private static double accuracy(ParameterLayout layout, INDArray theta, INDArray features, int[] labels) {
        INDArray logits = features.mmul(layout.weights(theta)).addiRowVector(layout.bias(theta));
        int[] predicted = logits.argMax(1).toIntVector();
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += predicted[i] == labels[i] ? 1 : 0;
        }
        return labels.length == 0 ? Double.NaN : (double) correct / labels.length;
    }

    /** Turns history rows into points, measuring test accuracy and keeping its own time off the clock. */
    private final class Recorder implements IterationListener {
        private final String name;
        private final Observer observer;
        private final List<Point> points = new ArrayList<>();
        private long overheadNanos;

        Recorder(String name, Observer observer) {
            this.name = name;
            this.observer = observer;
        }

        @Override
        public boolean iterationDone(IterationRecord record, INDArray point) {
            long start = System.nanoTime();
            // The record's clock was read before this call, so it includes every earlier call's overhead only.
            double elapsed = Math.max(0, record.elapsedNanos() - overheadNanos) / 1e9;
            double test = testFeatures == null || !Double.isFinite(record.value()) ? Double.NaN
                    : accuracy(objective.layout(), point, testFeatures, testLabels);
            Point recorded = new Point(record.iteration(), elapsed, record.value(), record.gradientNorm(),
                    record.stepSize(), test);
            points.add(recorded);
            observer.iteration(name, recorded);
            overheadNanos += System.nanoTime() - start;
            return true;
        }
    }
}
