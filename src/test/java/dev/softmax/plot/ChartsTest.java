package dev.softmax.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.compare.Comparison;
import dev.softmax.compare.ComparisonReport;
import dev.softmax.data.Dataset;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.Adam;
import dev.softmax.optim.Lbfgs;
import dev.softmax.optim.LearningRateSchedule;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.TestProblems;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.nd4j.linalg.api.buffer.DataType;

/** The charts' axes: what they draw of runs that went far off. */
class ChartsTest {

    @Test
    void aDivergedRunIsDrawnAtTheCeilingAndSaysSo() {
        // Adam at a learning rate of 1e30 reached 6e56: the log axis spanned 70 decades, its labels one black block.
        Dataset iris = TestProblems.standardizedIris(DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 1e-4);
        Comparison comparison = new Comparison(f, iris.features(), iris.labels(), null, null);
        List<Comparison.Run> runs = comparison.runAll(List.of(
                        new Comparison.Candidate("adam", new Adam(1e30, 0.9, 0.999, 1e-8, 32,
                                LearningRateSchedule.constant(), 42)),
                        new Comparison.Candidate("lbfgs", new Lbfgs())),
                StoppingCriteria.of(30), new Comparison.Observer() { });
        ComparisonReport report = new ComparisonReport(runs);
        double startingGap = report.gap(runs.get(1).points().get(0).objective());
        double ceiling = Charts.gapCeiling(startingGap, Charts.gapFloor(report.bestObjective()));
        assertTrue(report.gap(runs.get(0).result().value()) > 1e10 * ceiling, "the run went far above: "
                + runs.get(0).result().value());
        XYChart[] charts = {Charts.gapVersusIterations(report, "t"), Charts.gapVersusTime(report, "t")};
        for (XYChart chart : charts) {
            XYSeries adam = chart.getSeriesMap().keySet().stream().filter(name -> name.startsWith("adam"))
                    .map(chart.getSeriesMap()::get).findFirst().orElseThrow();
            assertEquals("adam (drawn at 1e3 above it)", adam.getName());
            assertEquals(ceiling, Arrays.stream(adam.getYData()).max().orElseThrow(), 1e-9 * ceiling);
            assertTrue(chart.getSeriesMap().containsKey("lbfgs"), "the run that stayed is named as it is");
        }
    }

    @Test
    void anIterationAxisIsLabelledWithWholeNumbersOnly() {
        // A run of 3 iterations had labels every 0.2 (0.2, 0.4, ... 3.6).
        Dataset iris = TestProblems.standardizedIris(DataType.DOUBLE);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, 1e-4);
        dev.softmax.optim.OptimizationResult result = new Lbfgs().minimize(f,
                org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, f.dimension()), StoppingCriteria.of(3), null);
        for (XYChart chart : new XYChart[] {Charts.lossCurve(result, "t"), Charts.gapCurve(result, "t")}) {
            assertEquals(4.0, chart.getStyler().getXAxisMax(), 0.0, "a whole number past the last iteration");
            draw(chart);
        }
        assertEquals("3", Charts.iterationLabel(3.0));
        assertEquals("1200", Charts.iterationLabel(1200.0000000001));
        assertEquals("", Charts.iterationLabel(0.2));
        assertEquals("", Charts.iterationLabel(2.5));
    }

    @Test
    void longClassNamesAreTurnedSoTheyDoNotRunIntoEachOther() {
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        dev.softmax.eval.ConfusionMatrix fashion = dev.softmax.eval.ConfusionMatrix.of(labels, labels,
                dev.softmax.data.MnistIdxLoader.FASHION_MNIST_CLASSES);
        assertEquals(30, Charts.confusionHeatMap(fashion, "t").getStyler().getXAxisLabelRotation());
        dev.softmax.eval.ConfusionMatrix iris = dev.softmax.eval.ConfusionMatrix.of(new int[] {0, 1, 2},
                new int[] {0, 1, 2}, List.of("setosa", "versicolor", "virginica"));
        assertEquals(0, Charts.confusionHeatMap(iris, "t").getStyler().getXAxisLabelRotation());
    }

    /** Draws a chart, as saving it does, so that its axis code (and the label formatter) runs. */
    private static void draw(XYChart chart) {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(chart.getWidth(), chart.getHeight(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        chart.paint(g, chart.getWidth(), chart.getHeight());
        g.dispose();
    }
}
