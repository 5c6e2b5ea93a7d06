package dev.softmax.compare;

import dev.softmax.compare.Comparison.Point;
import dev.softmax.compare.Comparison.Run;
import dev.softmax.io.AtomicFiles;
import dev.softmax.io.CsvOutput;
import dev.softmax.io.Json;
import dev.softmax.optim.IterationRecord;
import dev.softmax.optim.OptimizationResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.csv.CSVPrinter;

/**
 * The results of a {@link Comparison} against its reference, the best objective any optimizer reached (the
 * smallest finite objective in any history), as a terminal table, CSV files and JSON.
 *
 * <p>{@code gap = f - f_best >= 0} and {@code relative gap = gap / |f_best|}. Numbers in the files are written
 * with {@link Double#toString} (shortest exact round trip), NaN as an empty CSV field or a JSON {@code null}.
 */
public final class ComparisonReport {

    /** Header of {@code history.csv}. */
    public static final List<String> HISTORY_COLUMNS = List.of("optimizer", "iteration", "elapsed_seconds",
            "objective", "gap", "gradient_norm", "step_size", "test_accuracy", "inner_iterations",
            "function_evaluations", "gradient_evaluations", "hessian_vector_products");

    /** Header of {@code summary.csv}; the same keys are used per optimizer in {@code summary.json}. */
    public static final List<String> SUMMARY_COLUMNS = List.of("optimizer", "status", "iterations",
            "function_evaluations", "gradient_evaluations", "hessian_vector_products", "wall_seconds", "objective",
            "gap", "relative_gap", "gradient_norm", "train_accuracy", "test_accuracy", "termination_reason",
            "converged", "skip_reason");

    private final List<Run> runs;
    private final double bestObjective;
    private final String bestOptimizer;

    /**
     * The report of one comparison's runs.
     *
     * @param runs the runs of one comparison, skipped ones included
     */
    public ComparisonReport(List<Run> runs) {
        this.runs = List.copyOf(runs);
        double best = Double.NaN;
        String who = null;
        for (Run run : this.runs) {
            double min = run.minimumObjective();
            if (Double.isFinite(min) && !(min >= best)) {
                best = min;
                who = run.name();
            }
        }
        this.bestObjective = best;
        this.bestOptimizer = who;
    }

    /**
     * The runs, in the order they ran.
     *
     * @return the runs, unmodifiable
     */
    public List<Run> runs() {
        return runs;
    }

    /**
     * The smallest finite objective in any history; NaN when every candidate was skipped or diverged.
     *
     * @return {@code f_best}
     */
    public double bestObjective() {
        return bestObjective;
    }

    /**
     * The optimizer that found {@link #bestObjective()}, or {@code null}.
     *
     * @return the candidate's name, or {@code null}
     */
    public String bestOptimizer() {
        return bestOptimizer;
    }

    /**
     * {@code f - f_best}.
     *
     * @param objective {@code f}
     * @return the gap
     */
    public double gap(double objective) {
        return objective - bestObjective;
    }

    /**
     * {@code (f - f_best) / |f_best|}; NaN (no relative gap) when {@code f_best} is 0, or so close to it that the
     * ratio would only show how small it is (the objective of separable data without L2 underflows to 0).
     *
     * @param objective {@code f}
     * @return the relative gap, or NaN
     */
    public double relativeGap(double objective) {
        return Math.abs(bestObjective) < Double.MIN_NORMAL ? Double.NaN : gap(objective) / Math.abs(bestObjective);
    }

    /**
     * The aligned table printed after a comparison, one row per candidate.
     *
     * @return the table, with a header line
     */
    public String formatTable() {
        List<String> header = List.of("optimizer", "iters", "f/g evals", "Hv", "time s", "objective", "gap",
                "rel gap", "train acc", "test acc", "termination");
        List<List<String>> rows = new ArrayList<>();
        for (Run run : runs) {
            if (run.isSkipped()) {
                rows.add(List.of(run.name(), "-", "-", "-", "-", "-", "-", "-", "-", "-", "skipped: "
                        + run.skipReason()));
                continue;
            }
            OptimizationResult.Work work = run.result().work();
            double f = run.result().value();
            rows.add(List.of(run.name(), Integer.toString(run.result().iterations()),
                    work.functionEvaluations() + "/" + work.gradientEvaluations(),
                    Long.toString(work.hessianVectorProducts()), format("%.3f", run.wallSeconds()),
                    format("%.10g", f), format("%.3e", gap(f)), format("%.3e", relativeGap(f)),
                    format("%.4f", run.trainAccuracy()), format("%.4f", run.testAccuracy()),
                    run.result().reason().toString()));
        }
        int[] widths = new int[header.size()];
        for (List<String> row : concat(header, rows)) {
            for (int c = 0; c < row.size(); c++) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (List<String> row : concat(header, rows)) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < row.size(); c++) {
                // Names and the reason read left-aligned, numbers right-aligned.
                boolean left = c == 0 || c == row.size() - 1;
                String cell = row.get(c);
                String pad = " ".repeat(widths[c] - cell.length());
                line.append(c == 0 ? "" : "  ").append(left ? cell + pad : pad + cell);
            }
            out.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return out.toString();
    }

    /**
     * Writes {@code history.csv}: one row per optimizer and recorded iteration (row 0 is the start).
     *
     * @param file the file to create or replace
     * @throws IOException when the file cannot be written
     */
    public void writeHistoryCsv(Path file) throws IOException {
        AtomicFiles.writeString(file, historyCsv());
    }

    /**
     * The text of {@code history.csv}, columns {@link #HISTORY_COLUMNS}.
     *
     * @return the CSV text
     * @throws IOException when the CSV printer fails (it writes to memory)
     */
    public String historyCsv() throws IOException {
        StringBuilder csv = new StringBuilder();
        CSVPrinter printer = CsvOutput.printer(csv);
        printer.printRecord(HISTORY_COLUMNS);
        for (Run run : runs) {
            List<Point> points = run.points();
            for (int i = 0; i < points.size(); i++) {
                Point p = points.get(i);
                // A point per history row, in order: the counts are the row's, cumulative from the start.
                IterationRecord row = run.result().history().get(i);
                printer.printRecord(run.name(), Integer.toString(p.iteration()), number(p.elapsedSeconds()),
                        number(p.objective()), number(gap(p.objective())), number(p.gradientNorm()),
                        number(p.stepSize()), number(p.testAccuracy()), Integer.toString(row.innerIterations()),
                        Long.toString(row.functionEvaluations()), Long.toString(row.gradientEvaluations()),
                        Long.toString(row.hessianVectorProducts()));
            }
        }
        return csv.toString();
    }

    /**
     * Writes {@code summary.csv}: one row per candidate, columns {@link #SUMMARY_COLUMNS}.
     *
     * @param file the file to create or replace
     * @throws IOException when the file cannot be written
     */
    public void writeSummaryCsv(Path file) throws IOException {
        AtomicFiles.writeString(file, summaryCsv());
    }

    /**
     * The text of {@code summary.csv}, columns {@link #SUMMARY_COLUMNS}.
     *
     * @return the CSV text
     * @throws IOException when the CSV printer fails (it writes to memory)
     */
    public String summaryCsv() throws IOException {
        StringBuilder csv = new StringBuilder();
        CSVPrinter printer = CsvOutput.printer(csv);
        printer.printRecord(SUMMARY_COLUMNS);
        for (Run run : runs) {
            Map<String, Object> row = summaryRow(run);
            List<String> cells = new ArrayList<>();
            for (String column : SUMMARY_COLUMNS) {
                Object value = row.get(column);
                cells.add(value == null ? "" : value instanceof Double d ? number(d) : value.toString());
            }
            printer.printRecord(cells);
        }
        return csv.toString();
    }

    /**
     * Writes {@code summary.json}: {@code settings}, the best objective and who found it, and one object per
     * candidate with the keys of {@link #SUMMARY_COLUMNS}.
     *
     * @param file     the file to create or replace
     * @param settings the run's settings, written first
     * @throws IOException when the file cannot be written
     */
    public void writeSummaryJson(Path file, Map<String, Object> settings) throws IOException {
        Json.write(file, summaryJson(settings));
    }

    /**
     * What {@code summary.json} holds: {@code settings}, the best objective and who found it, and one object per
     * candidate with the keys of {@link #SUMMARY_COLUMNS}.
     *
     * @param settings the run's settings, first
     * @return the JSON object, as a map
     */
    public Map<String, Object> summaryJson(Map<String, Object> settings) {
        Map<String, Object> json = new LinkedHashMap<>(settings);
        json.put("best_objective", finiteOrNull(bestObjective));
        json.put("best_optimizer", bestOptimizer);
        List<Map<String, Object>> optimizers = new ArrayList<>();
        for (Run run : runs) {
            optimizers.add(summaryRow(run));
        }
        json.put("optimizers", optimizers);
        return json;
    }

    private Map<String, Object> summaryRow(Run run) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("optimizer", run.name());
        row.put("status", run.isSkipped() ? "skipped" : "ran");
        if (run.isSkipped()) {
            // Every key a run has, null: a reader of o["iterations"] gets null, not a missing key.
            for (String key : SUMMARY_COLUMNS) {
                if (!row.containsKey(key) && !key.equals("skip_reason")) {
                    row.put(key, null);
                }
            }
        } else {
            double f = run.result().value();
            row.put("iterations", run.result().iterations());
            row.put("function_evaluations", run.result().work().functionEvaluations());
            row.put("gradient_evaluations", run.result().work().gradientEvaluations());
            row.put("hessian_vector_products", run.result().work().hessianVectorProducts());
            row.put("wall_seconds", run.wallSeconds());
            row.put("objective", finiteOrNull(f));
            row.put("gap", finiteOrNull(gap(f)));
            row.put("relative_gap", finiteOrNull(relativeGap(f)));
            row.put("gradient_norm", finiteOrNull(keptGradientNorm(run.result())));
            row.put("train_accuracy", finiteOrNull(run.trainAccuracy()));
            row.put("test_accuracy", finiteOrNull(run.testAccuracy()));
            row.put("termination_reason", run.result().reason().toString());
            row.put("converged", run.result().converged());
        }
        row.put("skip_reason", run.skipReason());
        return row;
    }

    /** The gradient norm of the point a run keeps: after a divergence, the last finite row's (as train reports). */
    private static double keptGradientNorm(dev.softmax.optim.OptimizationResult result) {
        List<IterationRecord> history = result.history();
        for (int i = history.size() - 1; i >= 0; i--) {
            if (Double.isFinite(history.get(i).value())) {
                return history.get(i).gradientNorm();
            }
        }
        return Double.NaN;
    }

    private static List<List<String>> concat(List<String> header, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        return all;
    }

    private static String format(String pattern, double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, pattern, value);
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : Double.toString(value);
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }
}
