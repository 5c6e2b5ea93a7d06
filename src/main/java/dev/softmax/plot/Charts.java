package dev.softmax.plot;

import dev.softmax.compare.Comparison.Point;
import dev.softmax.compare.Comparison.Run;
import dev.softmax.compare.ComparisonReport;
import dev.softmax.eval.ConfusionMatrix;
import dev.softmax.io.AtomicFiles;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.OptimizationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of optimizer runs, drawn with XChart.
 *
 * <h2>Gaps of zero on a log axis</h2>
 * The optimizer that found the best objective has gap exactly 0 at its best point, and a log axis cannot show
 * 0. Gaps are clamped to {@link #gapFloor(double)}, {@code 1e-16 * max(1, |f_best|)}: about one unit in the last
 * place of {@code f_best}, below which a difference of objectives is rounding noise anyway. A line that ends on
 * the floor therefore means "reached the best objective", not "gap of exactly 1e-16".
 *
 * <h2>Time on a log axis</h2>
 * Against wall time the x axis is logarithmic too: on one problem Newton may finish in 0.05 s and SGD run for
 * 10 s, and on a linear axis every fast method would be squeezed against the left edge. Every recorded time is
 * positive (row 0 comes after the first evaluation), so no point is lost.
 */
public final class Charts {

    /** Width of every chart, in pixels. */
    public static final int WIDTH = 900;
    /** Height of every chart, in pixels. */
    public static final int HEIGHT = 600;

    static {
        // XChart draws with AWT; without a display AWT must be told so, or the first chart throws HeadlessException.
        // Left alone when the user set it either way.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {
    }

    /**
     * The smallest gap drawn on a log axis; see the class comment.
     *
     * @param bestObjective {@code f_best}
     * @return {@code 1e-16 * max(1, |f_best|)}
     */
    public static double gapFloor(double bestObjective) {
        return 1e-16 * Math.max(1.0, Math.abs(bestObjective));
    }

    /**
     * The highest gap a chart draws: a thousand times the largest starting gap (at least the floor). A run that
     * diverged to 1e56 otherwise stretched the log axis over 70 decades, their labels one black block; its points
     * above are drawn at this height, and its legend entry says so.
     *
     * @param startingGap the largest gap at the start of any run
     * @param floor       the chart's floor ({@link #gapFloor})
     * @return the ceiling
     */
    static double gapCeiling(double startingGap, double floor) {
        return 1e3 * Math.max(startingGap, floor);
    }

    private static String ceilingLabel(double ceiling) {
        return String.format(java.util.Locale.ROOT, "%.0e", ceiling).replace("e+0", "e").replace("e+", "e");
    }

    /**
     * Objective gap (log scale) against iteration, one line per optimizer that ran.
     *
     * @param report the comparison
     * @param title  the chart's title
     * @return the chart
     */
    public static XYChart gapVersusIterations(ComparisonReport report, String title) {
        return gapChart(report, title, "iteration (epoch for sgd and adam)", Point::iteration);
    }

    /**
     * Objective gap (log scale) against the optimizer's own wall time, one line per optimizer that ran.
     *
     * @param report the comparison
     * @param title  the chart's title
     * @return the chart
     */
    public static XYChart gapVersusTime(ComparisonReport report, String title) {
        return gapChart(report, title, "wall time (s, log scale)", Point::elapsedSeconds);
    }

    private static XYChart gapChart(ComparisonReport report, String title, String xTitle,
                                    ToDoubleFunction<Point> x) {
        XYChart chart = lineChart(title, xTitle, "objective gap f - f_best (log scale)");
        chart.getStyler().setYAxisLogarithmic(true);
        boolean logTime = xTitle.startsWith("wall time");
        chart.getStyler().setXAxisLogarithmic(logTime);
        double floor = gapFloor(report.bestObjective());
        double startingGap = report.runs().stream().filter(run -> !run.points().isEmpty())
                .mapToDouble(run -> report.gap(run.points().get(0).objective())).filter(Double::isFinite).max()
                .orElse(floor);
        double ceiling = gapCeiling(startingGap, floor);
        for (Run run : report.runs()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            boolean clipped = false;
            for (Point p : run.points()) {
                if (Double.isFinite(p.objective()) && (!logTime || p.elapsedSeconds() > 0)) {
                    double gap = report.gap(p.objective());
                    clipped |= gap > ceiling;
                    xs.add(x.applyAsDouble(p));
                    ys.add(Math.min(Math.max(gap, floor), ceiling));
                }
            }
            addSeries(chart, clipped ? run.name() + " (drawn at " + ceilingLabel(ceiling) + " above it)" : run.name(),
                    xs, ys);
        }
        if (!logTime) {
            roundXAxis(chart);
        }
        return chart;
    }

    /**
     * Test accuracy against wall time, one line per optimizer that measured it; {@code null} when no optimizer
     * has a test accuracy (no test set).
     *
     * @param report the comparison
     * @param title  the chart's title
     * @return the chart, or {@code null}
     */
    public static XYChart testAccuracyVersusTime(ComparisonReport report, String title) {
        XYChart chart = lineChart(title, "wall time (s, log scale)", "test accuracy");
        chart.getStyler().setXAxisLogarithmic(true);
        boolean any = false;
        for (Run run : report.runs()) {
            List<Double> xs = new ArrayList<>();
            List<Double> ys = new ArrayList<>();
            for (Point p : run.points()) {
                if (Double.isFinite(p.testAccuracy()) && p.elapsedSeconds() > 0) {
                    xs.add(p.elapsedSeconds());
                    ys.add(p.testAccuracy());
                }
            }
            any |= addSeries(chart, run.name(), xs, ys);
        }
        return any ? chart : null;
    }

    /**
     * The run's own convergence: its objective minus the lowest objective it reached, on a log scale, against
     * iteration (a linear axis shows nothing once the objective has flattened). The lowest point is clamped to
     * {@link #gapFloor(double)}.
     *
     * @param result the run
     * @param title  the chart's title
     * @return the chart
     */
    public static XYChart gapCurve(OptimizationResult result, String title) {
        XYChart chart = lineChart(title, "iteration", "objective - its lowest (log scale)");
        chart.getStyler().setYAxisLogarithmic(true);
        double lowest = result.history().stream().mapToDouble(IterationRecord::value).filter(Double::isFinite).min()
                .orElse(Double.NaN);
        double floor = gapFloor(lowest);
        double start = result.history().isEmpty() ? floor : result.history().get(0).value() - lowest;
        double ceiling = gapCeiling(Double.isFinite(start) ? Math.max(start, 1) : 1, floor);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        boolean clipped = false;
        for (IterationRecord record : result.history()) {
            if (Double.isFinite(record.value())) {
                double gap = record.value() - lowest;
                clipped |= gap > ceiling;
                xs.add((double) record.iteration());
                ys.add(Math.min(Math.max(gap, floor), ceiling));
            }
        }
        addSeries(chart, "gap", xs, ys);
        if (clipped) {
            chart.setTitle(title + " (gaps above " + ceilingLabel(ceiling) + " drawn at it)");
        }
        roundXAxis(chart);
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    /**
     * Training objective against iteration for one run (linear scale: the loss itself, not a gap).
     *
     * @param result the run's result, with its history
     * @param title  the chart's title
     * @return the chart
     */
    public static XYChart lossCurve(OptimizationResult result, String title) {
        XYChart chart = lineChart(title, "iteration", "training objective");
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (IterationRecord record : result.history()) {
            if (Double.isFinite(record.value())) {
                xs.add((double) record.iteration());
                ys.add(record.value());
            }
        }
        addSeries(chart, "objective", xs, ys);
        roundXAxis(chart);
        chart.getStyler().setLegendVisible(false);
        return chart;
    }

    /**
     * The confusion matrix as a heat map with counts in the cells: predicted class across, true class down (the
     * first class at the top, as in the printed matrix).
     *
     * @param matrix the confusion matrix
     * @param title  the chart's title
     * @return the chart
     */
    public static HeatMapChart confusionHeatMap(ConfusionMatrix matrix, String title) {
        HeatMapChart chart = new HeatMapChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        chart.getStyler().setShowValue(true);
        chart.getStyler().setHeatMapValueDecimalPattern("0");
        // White for 0 up to a mid blue: the counts (black) stay readable on every cell, and empty cells recede.
        chart.getStyler().setRangeColors(new java.awt.Color[] {java.awt.Color.WHITE, new java.awt.Color(0xC6DBEF),
                new java.awt.Color(0x6BAED6), new java.awt.Color(0x4292C6)});
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotContentSize(1.0);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        int k = matrix.numClasses();
        List<String> predicted = matrix.classNames();
        // XChart puts y index 0 at the bottom; reverse so the matrix reads top to bottom like the printed one.
        List<String> truth = new ArrayList<>(matrix.classNames());
        java.util.Collections.reverse(truth);
        List<Number[]> cells = new ArrayList<>();
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, matrix.count(t, p)});
            }
        }
        chart.addSeries("count", predicted, truth, cells);
        chart.getStyler().setChartTitlePadding(12);
        if (widestLabel(predicted, chart.getStyler().getAxisTickLabelsFont()) > 0.85 * WIDTH * 0.75 / k) {
            chart.getStyler().setXAxisLabelRotation(30); // Fashion-MNIST's ten names ran into each other
        }
        return chart;
    }

    /** The width in pixels of the widest of {@code labels} drawn in {@code font}. */
    private static int widestLabel(List<String> labels, java.awt.Font font) {
        java.awt.image.BufferedImage scratch = new java.awt.image.BufferedImage(1, 1,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = scratch.createGraphics();
        try {
            java.awt.FontMetrics metrics = g.getFontMetrics(font);
            return labels.stream().mapToInt(metrics::stringWidth).max().orElse(0);
        } finally {
            g.dispose();
        }
    }

    /**
     * Ends the x axis at a round number some 15% beyond the data. Left to itself, or ended right at the data, XChart
     * labels long integer axes edge to edge (every 13th of 300 iterations); with this margin it picks round ticks
     * (checked for runs of 5 to 3000 iterations). The axis counts iterations: only whole numbers are labelled (a run
     * of 3 had ticks every 0.2).
     */
    private static void roundXAxis(XYChart chart) {
        double max = chart.getSeriesMap().values().stream()
                .mapToDouble(series -> java.util.Arrays.stream(series.getXData()).max().orElse(0)).max().orElse(0);
        if (max > 0 && Double.isFinite(max)) {
            double target = 1.15 * max;
            double decade = Math.pow(10, Math.floor(Math.log10(target)));
            double mantissa = target / decade;
            double step = Math.max(1, mantissa <= 2 ? decade / 5 : mantissa <= 5 ? decade / 2 : decade);
            chart.getStyler().setXAxisMax(Math.ceil(target / step) * step);
        }
        chart.setCustomXAxisTickLabelsFormatter(Charts::iterationLabel);
    }

    /** An x axis label for an iteration count: the whole number, or nothing between two. */
    static String iterationLabel(double x) {
        double whole = Math.rint(x);
        return Math.abs(x - whole) <= 1e-9 * Math.max(1, Math.abs(x)) ? String.valueOf((long) whole) : "";
    }

    /**
     * Writes {@code chart} as a PNG, atomically.
     *
     * @param chart the chart
     * @param file  the file to create or replace
     * @throws IOException when the file cannot be written
     */
    public static void savePng(Chart<?, ?> chart, Path file) throws IOException {
        AtomicFiles.write(file, true, pngWriter(chart));
    }

    /**
     * What writes {@code chart} as a PNG, as {@link #savePng} does, for {@link AtomicFiles#writeAll}.
     *
     * @param chart the chart
     * @return the writer
     */
    public static AtomicFiles.Writer pngWriter(Chart<?, ?> chart) {
        return out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart lineChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        Styler styler = chart.getStyler();
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setChartBackgroundColor(java.awt.Color.WHITE);
        styler.setPlotBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setMarkerSize(4);
        // matplotlib's "tab10": six lines stay distinguishable (XChart's default puts two yellows side by side).
        chart.getStyler().setSeriesColors(new java.awt.Color[] {new java.awt.Color(0x1F77B4),
                new java.awt.Color(0xFF7F0E), new java.awt.Color(0x2CA02C), new java.awt.Color(0xD62728),
                new java.awt.Color(0x9467BD), new java.awt.Color(0x8C564B), new java.awt.Color(0xE377C2),
                new java.awt.Color(0x7F7F7F), new java.awt.Color(0xBCBD22), new java.awt.Color(0x17BECF)});
        return chart;
    }

    /**
     * Adds a line, with markers on short runs (so that a Newton run of five points shows its iterates, and a
     * one-point run shows at all); returns whether it had any point.
     */
    private static boolean addSeries(XYChart chart, String name, List<Double> xs, List<Double> ys) {
        if (xs.isEmpty()) {
            return false;
        }
        chart.addSeries(name, xs, ys).setMarker(xs.size() <= 60 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return true;
    }
}
