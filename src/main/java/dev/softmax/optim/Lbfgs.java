package dev.softmax.optim;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Limited-memory BFGS: the two-loop recursion over the last {@code m} curvature pairs, with a strong Wolfe line
 * search.
 *
 * <h2>Cost</h2>
 * Each iteration costs one value-and-gradient per line-search trial (usually one) plus {@code O(m)} vector
 * operations of the parameter length; memory is {@code 2m} parameter vectors. It needs only gradients, so it
 * scales to any problem the gradient fits, and converges superlinearly in practice: the default for problems too
 * large for {@link Newton}.
 *
 * <h2>Details</h2>
 * (Nocedal and Wright, Algorithm 7.4.) The initial matrix is {@code H0 = gamma I} with
 * {@code gamma = s^T y / y^T y} from the newest pair, which makes the first trial step 1 well scaled; on the first
 * iteration (no pairs) the step is {@code min(1, 1/||g||)} along {@code -g}. A pair with
 * {@code s^T y <= 1e-10 * y^T y} is skipped: it would make the update indefinite or ill conditioned (the strong
 * Wolfe conditions normally rule this out, but rounding near the optimum does not). When the line search fails
 * the memory is dropped and a steepest-descent step is tried before giving up with
 * {@link TerminationReason#LINE_SEARCH_FAILED}. The curvature pairs and inner products are kept in double.
 */
public final class Lbfgs implements Optimizer<DifferentiableObjective> {

    /** Pairs with {@code s^T y <= SKIP * y^T y} are not stored. */
    private static final double SKIP = 1e-10;

    private final int historySize;
    private final WolfeLineSearch lineSearch;

    /** History 10, default strong Wolfe line search. */
    public Lbfgs() {
        this(10, WolfeLineSearch.DEFAULT);
    }

    /**
     * L-BFGS with this history size and line search.
     *
     * @param historySize number of curvature pairs kept, {@code m >= 1}
     * @param lineSearch  the strong Wolfe search
     */
    public Lbfgs(int historySize, WolfeLineSearch lineSearch) {
        if (historySize < 1) {
            throw new IllegalArgumentException("historySize must be >= 1, got " + historySize);
        }
        this.historySize = historySize;
        this.lineSearch = Objects.requireNonNull(lineSearch, "lineSearch");
    }

    @Override
    public String name() {
        return "lbfgs";
    }

    /** A curvature pair with {@code rho = 1 / s^T y}, DOUBLE. */
    private record Pair(INDArray s, INDArray y, double rho) {
    }

    @Override
    public OptimizationResult minimize(DifferentiableObjective objective, INDArray start, StoppingCriteria stop,
                                       IterationListener listener) {
        Vectors.checkStart(start, objective.dimension());
        RunMonitor monitor = new RunMonitor(stop, listener);
        INDArray x = start.dup();
        ValueAndGradient current = objective.valueAndGradient(x);
        monitor.countValueAndGradient();
        double gradNorm = RunMonitor.norm(current.gradient());
        Optional<TerminationReason> reason = monitor.record(0, current.value(), gradNorm, 0, 0, x);
        Deque<Pair> pairs = new ArrayDeque<>();
        // Work vectors made once: allocating a parameter-sized array costs more than the arithmetic on it here,
        // and its native memory is only returned when the garbage collector runs.
        INDArray g = doubles(x);
        INDArray xDouble = doubles(x);
        INDArray q = doubles(x);
        INDArray direction = Nd4j.createUninitialized(x.dataType(), x.shape());
        INDArray spareS = doubles(x);
        INDArray spareY = doubles(x);
        int iteration = 0;
        while (reason.isEmpty()) {
            iteration++;
            g.assign(current.gradient());
            if (pairs.isEmpty()) {
                direction.assign(g).negi();
            } else {
                twoLoop(g, pairs, q);
                direction.assign(q);
            }
            double initialStep = pairs.isEmpty() ? Math.min(1.0, 1.0 / gradNorm) : 1.0;
            WolfeLineSearch.Outcome outcome = lineSearch.search(objective, x, current, direction, initialStep,
                    monitor);
            int trials = outcome.trials();
            if (!outcome.accepted() && !pairs.isEmpty()) {
                // The quasi-Newton model may be stale: drop it and try steepest descent once.
                pairs.clear();
                direction.assign(g).negi();
                outcome = lineSearch.search(objective, x, current, direction, Math.min(1.0, 1.0 / gradNorm),
                        monitor);
                trials += outcome.trials();
            }
            if (!outcome.accepted()) {
                reason = Optional.of(TerminationReason.LINE_SEARCH_FAILED);
                break;
            }
            INDArray s = spareS.assign(outcome.point());
            Vectors.axpy(-1, xDouble.assign(x), s);
            INDArray y = spareY.assign(outcome.at().gradient());
            Vectors.axpy(-1, g, y);
            double sy = Vectors.dot(s, y);
            double yy = Vectors.dot(y, y);
            if (sy > SKIP * yy && Double.isFinite(sy)) {
                Pair dropped = pairs.size() == historySize ? pairs.removeFirst() : null;
                pairs.addLast(new Pair(s, y, 1.0 / sy));
                spareS = dropped != null ? dropped.s : doubles(x);
                spareY = dropped != null ? dropped.y : doubles(x);
            }
            x = outcome.point();
            current = outcome.at();
            gradNorm = RunMonitor.norm(current.gradient());
            reason = monitor.record(iteration, current.value(), gradNorm, outcome.step(), trials, x);
        }
        return monitor.result(x, current.value(), reason.get());
    }

    /** A DOUBLE array of {@code x}'s shape, uninitialised. */
    private static INDArray doubles(INDArray x) {
        return Nd4j.createUninitialized(DataType.DOUBLE, x.shape());
    }

    /** {@code q = -H g} by the two-loop recursion, in place; {@code pairs} oldest first, non-empty. */
    private static void twoLoop(INDArray g, Deque<Pair> pairs, INDArray q) {
        q.assign(g);
        double[] alpha = new double[pairs.size()];
        int i = pairs.size();
        for (Iterator<Pair> it = pairs.descendingIterator(); it.hasNext(); ) {
            Pair pair = it.next();
            i--;
            alpha[i] = pair.rho * Vectors.dot(pair.s, q);
            Vectors.axpy(-alpha[i], pair.y, q);
        }
        Pair newest = pairs.getLast();
        double gamma = 1.0 / (newest.rho * Vectors.dot(newest.y, newest.y));
        q.muli(gamma);
        i = 0;
        for (Pair pair : pairs) {
            double beta = pair.rho * Vectors.dot(pair.y, q);
            Vectors.axpy(alpha[i] - beta, pair.s, q);
            i++;
        }
        q.negi();
    }
}
