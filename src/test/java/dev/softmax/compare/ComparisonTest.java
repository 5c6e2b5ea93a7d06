package dev.softmax.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.compare.Comparison.Candidate;
import dev.softmax.compare.Comparison.Point;
import dev.softmax.compare.Comparison.Run;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.data.Splits;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.Adam;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.Lbfgs;
import dev.softmax.optim.MiniBatchSgd;
import dev.softmax.optim.Newton;
import dev.softmax.optim.NewtonCg;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.TestProblems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The comparison runner and its report on iris, with the optimizers the library has. */
class ComparisonTest {

    private static final StoppingCriteria STOP = StoppingCriteria.of(500).withGradientTolerance(1e-8);

    /** Iris split 80/20, scaled on the training part, in double. */
    private static Comparison irisComparison(long hessianBudgetBytes) {
        Dataset all = TestProblems.iris(DataType.DOUBLE);
        Splits.Split split = Splits.stratified(all.labels(), all.numClasses(), 0.2, 42);
        Dataset train = all.subset(split.train());
        Dataset test = all.subset(split.test());
        FeatureScaler scaler = FeatureScaler.standard(train.features());
        INDArray xTrain = scaler.transform(train.features());
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(xTrain, train.labels(), train.numClasses(), 1e-2,
                hessianBudgetBytes);
        return new Comparison(objective, xTrain, train.labels(), scaler.transform(test.features()), test.labels());
    }

    private static List<Candidate> fullBatch() {
        return List.of(new Candidate("gd", new GradientDescent()), new Candidate("newton", new Newton()),
                new Candidate("newton-cg", new NewtonCg()), new Candidate("lbfgs", new Lbfgs()));
    }

    @Test
    void theUntimedWarmUpIsSmallAndBoundedInTime() {
        // 300 rows of 200 features: the warm-up runs on at most 256 rows and 32 columns, each run under the warm-up's
        // time limit; at full width Newton's warm-up factored a 7850-row Hessian ten times on Fashion-MNIST.
        Dataset data = TestProblems.randomData(300, 200, 4, 3);
        SoftmaxCrossEntropy wide = new SoftmaxCrossEntropy(data.features(), data.labels(), 4, 1e-2);
        List<long[]> shapes = new ArrayList<>();
        List<java.time.Duration> limits = new ArrayList<>();
        dev.softmax.optim.Optimizer<SoftmaxCrossEntropy> watched = new dev.softmax.optim.Optimizer<>() {
            @Override
            public dev.softmax.optim.OptimizationResult minimize(SoftmaxCrossEntropy f, INDArray start,
                    StoppingCriteria stop, dev.softmax.optim.IterationListener listener) {
                shapes.add(new long[] {f.layout().features(), f.dimension()});
                limits.add(stop.timeLimit());
                return new GradientDescent().minimize(f, start, stop, listener);
            }

            @Override
            public String name() {
                return "watched";
            }
        };
        Comparison comparison = new Comparison(wide, data.features(), data.labels(), null, null);
        comparison.runAll(List.of(new Candidate("watched", watched)), StoppingCriteria.of(3),
                new Comparison.Observer() { });
        assertTrue(shapes.size() >= 2, "a warm-up run and the timed one");
        for (int i = 0; i < shapes.size() - 1; i++) {
            assertEquals(Comparison.WARM_UP_FEATURES, shapes.get(i)[0], "warm-up run " + i);
            assertEquals(java.time.Duration.ofMillis(250), limits.get(i), "warm-up run " + i);
        }
        assertEquals(200, shapes.get(shapes.size() - 1)[0], "the timed run has every feature");
    }

    @Test
    void anOptimizerThatSkipsItsListenerIsNamedWhenItsRunEnds() {
        // Review: the CSVs pair points with history rows by position; such a run failed while they were written.
        Dataset iris = TestProblems.standardizedIris(DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 1e-4);
        dev.softmax.optim.Optimizer<SoftmaxCrossEntropy> silent = new dev.softmax.optim.Optimizer<>() {
            @Override
            public dev.softmax.optim.OptimizationResult minimize(SoftmaxCrossEntropy objective, INDArray start,
                    StoppingCriteria stop, dev.softmax.optim.IterationListener listener) {
                return new Lbfgs().minimize(objective, start, stop, null);
            }

            @Override
            public String name() {
                return "silent";
            }
        };
        Comparison comparison = new Comparison(f, iris.features(), iris.labels(), null, null);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> comparison.runAll(List.of(new Candidate("silent", silent)), StoppingCriteria.of(3),
                        new Comparison.Observer() { }));
        assertTrue(e.getMessage().startsWith("silent has 4 history rows but passed 0 to its listener"),
                e.getMessage());
    }

    @Test
    void everyOptimizerStartsAtZeroAndReachesTheSameOptimum() {
        List<Run> runs = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES)
                .runAll(fullBatch(), STOP, new Comparison.Observer() { });
        ComparisonReport report = new ComparisonReport(runs);
        assertEquals(4, runs.size());
        for (Run run : runs) {
            assertFalse(run.isSkipped(), run.name() + ": " + run.skipReason());
            assertEquals(Math.log(3), run.points().get(0).objective(), 1e-12, run.name() + " did not start at 0");
            assertEquals(run.result().history().size(), run.points().size(), run.name());
            assertTrue(report.relativeGap(run.result().value()) <= 1e-8,
                    run.name() + " relative gap " + report.relativeGap(run.result().value()));
            assertTrue(run.trainAccuracy() > 0.9 && run.testAccuracy() > 0.85, run.name() + " accuracies "
                    + run.trainAccuracy() + ", " + run.testAccuracy());
            double previousTime = -1;
            for (Point p : run.points()) {
                assertTrue(p.elapsedSeconds() >= previousTime, run.name() + ": time went backwards");
                previousTime = p.elapsedSeconds();
                assertTrue(p.testAccuracy() >= 0 && p.testAccuracy() <= 1, run.name() + " test accuracy");
                assertTrue(report.gap(p.objective()) >= 0, run.name() + " below the best");
            }
            assertTrue(run.wallSeconds() >= previousTime, run.name() + ": the whole run, past its last row");
        }
        double minimum = runs.stream().mapToDouble(Run::minimumObjective).min().orElseThrow();
        assertEquals(minimum, report.bestObjective(), 0.0);
        assertEquals(0.0, report.gap(runs.stream().filter(r -> r.name().equals(report.bestOptimizer()))
                .findFirst().orElseThrow().minimumObjective()), 0.0);
    }

    @Test
    void newtonIsSkippedWithItsReasonWhenTheDenseHessianExceedsTheBudget(@TempDir Path dir) throws IOException {
        List<String> observed = new ArrayList<>();
        Comparison.Observer observer = new Comparison.Observer() {
            @Override
            public void started(String name, int maxIterations) {
                observed.add("started " + name);
            }

            @Override
            public void finished(Run run) {
                observed.add((run.isSkipped() ? "skipped " : "finished ") + run.name());
            }
        };
        List<Run> runs = irisComparison(64).runAll(List.of(new Candidate("newton", new Newton()),
                new Candidate("newton-cg", new NewtonCg())), STOP, observer);
        assertEquals(List.of("skipped newton", "started newton-cg", "finished newton-cg"), observed);
        Run newton = runs.get(0);
        assertTrue(newton.isSkipped());
        assertNull(newton.result());
        assertTrue(newton.points().isEmpty());
        assertTrue(newton.skipReason().contains(SoftmaxCrossEntropy.formatBytes(SoftmaxCrossEntropy.denseHessianBytes(4, 3))) && newton.skipReason().contains("newton-cg"),
                newton.skipReason());
        assertFalse(runs.get(1).isSkipped(), "Newton-CG never forms the Hessian");

        ComparisonReport report = new ComparisonReport(runs);
        assertEquals("newton-cg", report.bestOptimizer());
        String table = report.formatTable();
        assertTrue(table.contains("skipped: " + newton.skipReason()), table);
        report.writeSummaryCsv(dir.resolve("summary.csv"));
        List<String> csv = Files.readAllLines(dir.resolve("summary.csv"));
        // The reason contains a comma, so it is quoted; the row keeps its column count.
        assertTrue(csv.get(1).startsWith("newton,skipped,") && csv.get(1).endsWith("\""), csv.get(1));
    }

    @Test
    void aBestObjectiveOfZeroLeavesTheRelativeGapUndefined() {
        // Separable data without L2: an optimizer can drive the float objective down to exactly 0.
        List<Run> runs = new ArrayList<>();
        for (double last : new double[] {0.0, 1e-3}) {
            List<Point> points = List.of(new Point(0, 0, Math.log(3), 1, 0, Double.NaN),
                    new Point(1, 0.1, last, 1e-3, 1, Double.NaN));
            runs.add(new Run(last == 0 ? "exact" : "close", null, null, points, 1, Double.NaN, 0.1));
        }
        ComparisonReport report = new ComparisonReport(runs);
        assertEquals(0.0, report.bestObjective());
        assertEquals(1e-3, report.gap(1e-3));
        assertTrue(Double.isNaN(report.relativeGap(1e-3)), "not 1e-3 / Double.MIN_NORMAL");
    }

    @Test
    void stochasticMethodsRecordOneRowPerEpochAndStayAtOrAboveTheBest() {
        List<Run> runs = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES).runAll(List.of(
                new Candidate("lbfgs", new Lbfgs()), new Candidate("sgd", new MiniBatchSgd(0.1, 16, 7)),
                new Candidate("adam", new Adam(0.05, 16, 7))), StoppingCriteria.of(30), new Comparison.Observer() { });
        ComparisonReport report = new ComparisonReport(runs);
        for (Run run : runs.subList(1, 3)) {
            assertEquals(run.result().iterations() + 1, run.points().size(), run.name());
            assertEquals(Math.log(3), run.points().get(0).objective(), 1e-12, run.name());
            assertTrue(report.gap(run.result().value()) >= 0, run.name());
            assertTrue(run.result().value() < 0.5 * Math.log(3), run.name() + " made no progress: "
                    + run.result().value());
        }
    }

    /** {@link Comparison#runAll} warms every optimizer up first; optimizers keep no state, so it changes nothing. */
    @Test
    void theWarmUpLeavesEveryRunAsItIsAlone() {
        StoppingCriteria stop = StoppingCriteria.of(20);
        List<Run> together = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES).runAll(warmUpCandidates(),
                stop, new Comparison.Observer() { });
        // Fresh optimizers, so that state kept from the warm-up could not make both runs agree.
        List<Candidate> fresh = warmUpCandidates();
        for (int i = 0; i < fresh.size(); i++) {
            Run alone = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES).run(fresh.get(i), stop,
                    new Comparison.Observer() { });
            String name = fresh.get(i).name();
            assertEquals(alone.points().stream().map(Point::objective).toList(),
                    together.get(i).points().stream().map(Point::objective).toList(), name);
            assertEquals(alone.result().solution(), together.get(i).result().solution(), name);
        }
    }

    private static List<Candidate> warmUpCandidates() {
        return List.of(new Candidate("newton-cg", new NewtonCg()), new Candidate("lbfgs", new Lbfgs()),
                new Candidate("sgd", new MiniBatchSgd(0.1, 16, 7)), new Candidate("adam", new Adam(0.05, 16, 7)));
    }

    /** Work after the last history row (a failed final line search and its retry) is part of the run's time. */
    @Test
    void theWallTimeCountsWorkAfterTheLastRow() {
        dev.softmax.optim.Optimizer<SoftmaxCrossEntropy> trailing = new dev.softmax.optim.Optimizer<>() {
            @Override
            public String name() {
                return "trailing";
            }

            @Override
            public dev.softmax.optim.OptimizationResult minimize(SoftmaxCrossEntropy objective, INDArray start,
                                                                 StoppingCriteria stop,
                                                                 dev.softmax.optim.IterationListener listener) {
                dev.softmax.optim.OptimizationResult result = new Lbfgs().minimize(objective, start, stop, listener);
                long until = System.nanoTime() + 200_000_000L;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                return result;
            }
        };
        Run run = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES)
                .run(new Candidate("trailing", trailing), StoppingCriteria.of(5), new Comparison.Observer() { });
        double lastRow = run.points().get(run.points().size() - 1).elapsedSeconds();
        assertTrue(run.wallSeconds() >= lastRow + 0.2, run.wallSeconds() + " after a last row at " + lastRow);
    }

    @Test
    void tableColumnsLineUp() {
        List<Run> runs = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES)
                .runAll(List.of(new Candidate("gd", new GradientDescent()), new Candidate("lbfgs", new Lbfgs())),
                        StoppingCriteria.of(20), new Comparison.Observer() { });
        List<String> lines = new ComparisonReport(runs).formatTable().lines().toList();
        assertEquals(3, lines.size());
        int termination = lines.get(0).indexOf("termination");
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.substring(termination).matches("[A-Z_]+"), "misaligned: " + line);
        }
    }

    @Test
    void listenerTimeIsKeptOffTheOptimizersClock() {
        long sleepMillis = 20;
        Comparison.Observer slow = new Comparison.Observer() {
            @Override
            public void iteration(String name, Point point) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        Run run = irisComparison(SoftmaxCrossEntropy.DEFAULT_HESSIAN_BUDGET_BYTES)
                .run(new Candidate("lbfgs", new Lbfgs()), StoppingCriteria.of(10), slow);
        double slept = (run.points().size() - 1) * sleepMillis / 1e3;
        double raw = run.result().last().elapsedSeconds();
        assertTrue(raw >= slept, "the optimizer's own clock includes the listener");
        assertTrue(run.wallSeconds() < raw - 0.8 * slept, "overhead not removed: " + run.wallSeconds() + " vs "
                + raw);
    }
}
