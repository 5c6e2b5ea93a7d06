package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.softmax.plot.Charts;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compare} and {@code train --plot} end to end through {@link Main#run}. */
class CompareCommandTest {

    /** Optimizers whose every accepted step decreases the objective (a line search guards it). */
    private static final Set<String> LINE_SEARCH_METHODS = Set.of("gd", "newton", "newton-cg", "lbfgs");

    /** One comparison on iris, shared by the tests that only read its output. */
    @TempDir
    static Path shared;

    private static MainTest.Run compare;
    private static Path out;

    @BeforeAll
    static void compareOnIris() {
        out = shared.resolve("iris-run");
        // Surefire's output is not a terminal, so --progress auto must choose log lines.
        compare = MainTest.run("compare", "--dataset", "iris", "--l2", "1e-2", "--dtype", "double",
                "--max-iter", "200", "--out", out.toString());
    }

    @Test
    void writesEveryFileAndPrintsTheTable() throws IOException {
        assertEquals(0, compare.status(), compare.err());
        for (String name : List.of(CompareCommand.HISTORY_CSV, CompareCommand.SUMMARY_CSV, CompareCommand.SUMMARY_JSON,
                CompareCommand.GAP_VS_ITERATIONS_PNG, CompareCommand.GAP_VS_TIME_PNG,
                CompareCommand.TEST_ACCURACY_VS_TIME_PNG)) {
            assertTrue(Files.isRegularFile(out.resolve(name)), name + " missing; stdout: " + compare.out());
        }
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "temporary files left");
        }
        for (String column : List.of("optimizer", "iters", "f/g evals", "Hv", "time s", "objective", "gap",
                "train acc", "test acc", "termination")) {
            assertTrue(compare.out().contains(column), "table lacks " + column + ":\n" + compare.out());
        }
        for (OptimizerKind kind : CompareCommand.defaultKinds()) {
            assertTrue(compare.out().lines().anyMatch(l -> l.startsWith(kind + " ")), "no row for " + kind);
        }
    }

    @Test
    void plotsDecodeAsImagesOfTheChartSize() throws IOException {
        for (String name : List.of(CompareCommand.GAP_VS_ITERATIONS_PNG, CompareCommand.GAP_VS_TIME_PNG,
                CompareCommand.TEST_ACCURACY_VS_TIME_PNG)) {
            assertImage(out.resolve(name));
        }
    }

    @Test
    void historyHasARowPerRecordedIterationOfEachOptimizer() throws IOException {
        Map<String, List<Map<String, String>>> history = historyByOptimizer();
        JsonNode summary = new ObjectMapper().readTree(out.resolve(CompareCommand.SUMMARY_JSON).toFile());
        assertFalse(summary.get("byte_features").asBoolean(), "iris is far below the size where bytes pay");
        assertEquals("standard", summary.get("scaling").asText());
        assertEquals("{\"history_size\":10}", summary.get("optimizer_settings").get("lbfgs").toString());
        assertEquals("{}", summary.get("optimizer_settings").get("gd").toString());
        assertEquals(0.01, summary.get("optimizer_settings").get("adam").get("learning_rate").asDouble());
        for (JsonNode optimizer : summary.get("optimizers")) {
            String name = optimizer.get("optimizer").asText();
            if (optimizer.get("status").asText().equals("skipped")) {
                assertFalse(history.containsKey(name), name + " was skipped but has history rows");
                continue;
            }
            int iterations = optimizer.get("iterations").asInt();
            List<Map<String, String>> rows = history.get(name);
            assertNotNull(rows, "no history for " + name);
            assertEquals(iterations + 1, rows.size(), name + ": rows 0.." + iterations);
            for (int i = 0; i < rows.size(); i++) {
                assertEquals(i, Integer.parseInt(rows.get(i).get("iteration")), name);
                assertFalse(rows.get(i).get("test_accuracy").isEmpty(), name + " row " + i + " has no test accuracy");
                if (i > 0) {
                    assertTrue(Long.parseLong(rows.get(i).get("function_evaluations"))
                            > Long.parseLong(rows.get(i - 1).get("function_evaluations")), name + " row " + i);
                }
            }
            // The last row's counts are the table's, which the summary gives, up to the work after the last row
            // (a failed line search's trials).
            Map<String, String> last = rows.get(rows.size() - 1);
            assertTrue(Long.parseLong(last.get("function_evaluations")) <= optimizer.get("function_evaluations")
                    .asLong(), name);
            assertTrue(Long.parseLong(last.get("hessian_vector_products"))
                    <= optimizer.get("hessian_vector_products").asLong(), name);
            assertEquals(name.equals("newton-cg") || name.equals("newton"),
                    Long.parseLong(last.get("hessian_vector_products")) > 0, name);
        }
    }

    @Test
    void lineSearchObjectivesNeverIncrease() throws IOException {
        for (Map.Entry<String, List<Map<String, String>>> entry : historyByOptimizer().entrySet()) {
            if (!LINE_SEARCH_METHODS.contains(entry.getKey())) {
                continue;
            }
            double previous = Double.POSITIVE_INFINITY;
            for (Map<String, String> row : entry.getValue()) {
                double f = Double.parseDouble(row.get("objective"));
                assertTrue(f <= previous, entry.getKey() + " went up at iteration " + row.get("iteration") + ": "
                        + previous + " -> " + f);
                previous = f;
            }
        }
    }

    @Test
    void bestObjectiveInTheSummaryIsTheMinimumOfTheHistory() throws IOException {
        double minimum = Double.POSITIVE_INFINITY;
        for (List<Map<String, String>> rows : historyByOptimizer().values()) {
            for (Map<String, String> row : rows) {
                minimum = Math.min(minimum, Double.parseDouble(row.get("objective")));
                assertTrue(Double.parseDouble(row.get("gap")) >= 0, "negative gap in " + row);
            }
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve(CompareCommand.SUMMARY_JSON).toFile());
        assertEquals(minimum, summary.get("best_objective").asDouble(), 0.0);
        // Every optimizer starts from zero weights: f(0) = log K for any data.
        for (List<Map<String, String>> rows : historyByOptimizer().values()) {
            assertEquals(Math.log(3), Double.parseDouble(rows.get(0).get("objective")), 1e-12);
        }
        List<String> summaryCsv = Files.readAllLines(out.resolve(CompareCommand.SUMMARY_CSV));
        assertEquals(String.join(",", dev.softmax.compare.ComparisonReport.SUMMARY_COLUMNS), summaryCsv.get(0));
        assertEquals(summary.get("optimizers").size() + 1, summaryCsv.size());
    }

    @Test
    void nonTerminalRunLogsProgressWithoutCarriageReturns() {
        assertFalse(compare.out().contains("\r"), "carriage return on stdout");
        assertFalse(compare.err().contains("\r"), "carriage return on stderr");
        String first = CompareCommand.defaultKinds().get(0).toString();
        assertTrue(compare.err().contains(first + ": started"), compare.err());
    }

    @Test
    void onlyTheListedOptimizersRun(@TempDir Path dir) throws IOException {
        MainTest.Run run = MainTest.run("compare", "--optimizers", "gd", "--max-iter", "5", "--progress", "none",
                "--out", dir.toString());
        assertEquals(0, run.status(), run.err());
        assertEquals("", run.err());
        List<String> rows = Files.readAllLines(dir.resolve(CompareCommand.SUMMARY_CSV));
        assertEquals(2, rows.size(), rows.toString());
        assertTrue(rows.get(1).startsWith("gd,ran,5,"), rows.get(1));
    }

    @Test
    void aDivergedRunReportsTheGradientNormOfTheWeightsItKeepsAsTrainDoes(@TempDir Path dir) throws IOException {
        MainTest.Run run = MainTest.run("compare", "--optimizers", "sgd", "--learning-rate", "1e30", "--epochs", "3",
                "--threads", "1", "--progress", "none", "--out", dir.toString());
        assertEquals(0, run.status(), run.err());
        com.fasterxml.jackson.databind.JsonNode sgd = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(dir.resolve(CompareCommand.SUMMARY_JSON).toFile()).get("optimizers").get(0);
        assertEquals("NON_FINITE_VALUE", sgd.get("termination_reason").asText());
        MainTest.Run train = MainTest.run("train", "--optimizer", "sgd", "--learning-rate", "1e30", "--epochs", "3",
                "--threads", "1");
        // The same note as train's, named by the optimizer (compare said nothing).
        String note = train.out().lines().filter(l -> l.startsWith("note: ")).findFirst().orElseThrow();
        assertTrue(run.out().contains("note: sgd: " + note.substring("note: ".length())), run.out());
        MainTest.Run fine = MainTest.run("compare", "--optimizers", "sgd,gd", "--epochs", "3", "--threads", "1",
                "--progress", "none", "--out", dir.toString());
        assertFalse(fine.out().contains("note:"), "a run that stopped short is in the table, not a note: "
                + fine.out());
        java.util.regex.Matcher printed = java.util.regex.Pattern.compile("gradient norm (\\S+),")
                .matcher(train.out());
        assertTrue(printed.find(), train.out());
        assertFalse(sgd.get("gradient_norm").isNull(), "the last finite row's gradient norm: " + sgd);
        assertEquals(Double.parseDouble(printed.group(1)), sgd.get("gradient_norm").asDouble(),
                1e-3 * sgd.get("gradient_norm").asDouble());
    }

    @Test
    void newtonAboveTheHessianBudgetIsSkippedWithItsReason(@TempDir Path dir) throws IOException {
        MainTest.Run run = MainTest.run("compare", "--optimizers", "newton,lbfgs", "--hessian-budget", "1KiB",
                "--progress", "log", "--out", dir.toString());
        assertEquals(0, run.status(), run.err());
        String newtonRow = run.out().lines().filter(l -> l.startsWith("newton ")).findFirst().orElseThrow();
        assertTrue(newtonRow.contains("skipped: dense Hessian needs 1.8 KiB, budget is 1.0 KiB; use newton-cg"),
                newtonRow);
        assertTrue(run.err().contains("newton: skipped: "), run.err());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve(CompareCommand.SUMMARY_JSON).toFile());
        assertEquals("lbfgs", summary.get("best_optimizer").asText());
        assertEquals("skipped", summary.get("optimizers").get(0).get("status").asText());
        java.util.List<String> skippedKeys = new java.util.ArrayList<>();
        summary.get("optimizers").get(0).fieldNames().forEachRemaining(skippedKeys::add);
        java.util.List<String> ranKeys = new java.util.ArrayList<>();
        summary.get("optimizers").get(1).fieldNames().forEachRemaining(ranKeys::add);
        assertEquals(ranKeys, skippedKeys, "a skipped run has every key, as null");
        assertTrue(summary.get("optimizers").get(0).get("iterations").isNull());
        assertTrue(Files.readString(dir.resolve(CompareCommand.HISTORY_CSV)).lines().skip(1)
                .allMatch(l -> l.startsWith("lbfgs,")), "only lbfgs has history");
        assertTrue(Files.exists(dir.resolve(CompareCommand.GAP_VS_TIME_PNG)));

        // Into the same folder, a run where nothing runs leaves no plots of the earlier one.
        MainTest.Run none = MainTest.run("compare", "--optimizers", "newton", "--hessian-budget", "1KiB",
                "--progress", "none", "--out", dir.toString());
        assertEquals(0, none.status(), none.err());
        for (String png : List.of(CompareCommand.GAP_VS_ITERATIONS_PNG, CompareCommand.GAP_VS_TIME_PNG,
                CompareCommand.TEST_ACCURACY_VS_TIME_PNG)) {
            assertFalse(Files.exists(dir.resolve(png)), png);
        }
    }

    @Test
    void autoRunsTheOptimizerItChooses(@TempDir Path dir) throws IOException {
        MainTest.Run run = MainTest.run("compare", "--optimizers", "auto", "--progress", "none", "--out",
                dir.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("auto chose newton"), run.out());
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("auto ") && l.contains("GRADIENT_TOLERANCE")),
                run.out());
        JsonNode summary = new ObjectMapper().readTree(dir.resolve(CompareCommand.SUMMARY_JSON).toFile());
        assertEquals("newton", summary.get("auto_chose").asText());
        assertTrue(run.out().contains(summary.get("auto_reason").asText()), summary.toString());
    }

    @Test
    void refusesTheSingularOptimizerOption(@TempDir Path dir) {
        MainTest.Run run = MainTest.run("compare", "--optimizer", "gd", "--out", dir.toString());
        assertEquals(Main.EXIT_BAD_INPUT, run.status());
        assertTrue(run.err().contains("--optimizers"), run.err());
    }

    @Test
    void rejectsAnUnknownOptimizer(@TempDir Path dir) {
        MainTest.Run run = MainTest.run("compare", "--optimizers", "gd,nope", "--out", dir.toString());
        assertEquals(Main.EXIT_BAD_INPUT, run.status());
        assertTrue(run.err().contains("unknown optimizer 'nope'"), run.err());
    }

    @Test
    void refusesAnEmptyOptimizerNameAndTrimsSpacesAroundNames(@TempDir Path dir) throws IOException {
        // "newton," ran newton alone (picocli's split drops a trailing empty string), and "" ran them all.
        Path refused = dir.resolve("refused");
        for (String list : List.of("newton,", "gd,,lbfgs", ",gd", "gd, ", ",", "", " ")) {
            for (String[] option : List.of(new String[] {"--optimizers", list},
                    new String[] {"--optimizers=" + list})) {
                List<String> args = new ArrayList<>(List.of("compare", "--out", refused.toString()));
                args.addAll(List.of(option));
                MainTest.Run run = MainTest.run(args.toArray(String[]::new));
                assertEquals(Main.EXIT_BAD_INPUT, run.status(), String.join(" ", args));
                assertEquals("error: --optimizers has an empty element: '" + list + "'; give names separated by"
                        + " commas, such as gd,lbfgs", run.err().strip(), String.join(" ", args));
                assertEquals("", run.out());
            }
        }
        assertFalse(Files.exists(refused), "nothing written");
        // Two shell arguments: the first is refused for its empty element, not "lbfgs" for being unmatched.
        MainTest.Run split = MainTest.run("compare", "--optimizers", "gd,", "lbfgs", "--out", refused.toString());
        assertEquals(Main.EXIT_BAD_INPUT, split.status());
        assertTrue(split.err().startsWith("error: --optimizers has an empty element: 'gd,'"), split.err());

        Path spaced = dir.resolve("spaced");
        MainTest.Run run = MainTest.run("compare", "--optimizers", " gd, lbfgs ", "--max-iter", "2", "--threads",
                "1", "--progress", "none", "--out", spaced.toString());
        assertEquals(0, run.status(), run.err());
        List<String> ran = new ArrayList<>();
        new ObjectMapper().readTree(spaced.resolve(CompareCommand.SUMMARY_JSON).toFile()).get("optimizers")
                .forEach(optimizer -> ran.add(optimizer.get("optimizer").asText()));
        assertEquals(List.of("gd", "lbfgs"), ran);
    }

    @Test
    void aFolderUnderAnOutputsNameIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws IOException {
        // Found after every optimizer had run, with history.csv and summary.csv written and the rest missing.
        for (String name : CompareCommand.OUTPUT_FILES) {
            Path out = dir.resolve("out-" + name);
            Files.createDirectories(out.resolve(name));
            MainTest.Run run = MainTest.run("compare", "--optimizers", "gd", "--progress", "none", "--threads", "1",
                    "--out", out.toString());
            assertEquals(Main.EXIT_BAD_INPUT, run.status(), name);
            assertEquals("error: " + out.resolve(name) + ": is a folder; give a file name", run.err().strip());
            assertEquals("", run.out(), "nothing ran");
            try (var left = Files.list(out)) {
                assertEquals(List.of(out.resolve(name)), left.toList(), "nothing written");
            }
        }
        for (String name : TrainingPlots.FILES) {
            Path plots = dir.resolve("plots-" + name);
            Files.createDirectories(plots.resolve(name));
            MainTest.Run run = MainTest.run("train", "--dataset", "iris", "--threads", "1", "--plot",
                    plots.toString());
            assertEquals(Main.EXIT_BAD_INPUT, run.status(), name);
            assertEquals("error: " + plots.resolve(name) + ": is a folder; give a file name", run.err().strip());
            assertEquals("", run.out(), "nothing trained");
        }
    }

    @Test
    void trainPlotWritesTheLossCurveAndTheConfusionHeatMap(@TempDir Path dir) throws IOException {
        Path plots = dir.resolve("plots");
        MainTest.Run run = MainTest.run("train", "--dataset", "iris", "--max-iter", "50", "--plot", plots.toString());
        assertEquals(0, run.status(), run.err());
        assertImage(plots.resolve(TrainingPlots.LOSS_CURVE_PNG));
        assertImage(plots.resolve(TrainingPlots.GAP_CURVE_PNG));
        assertImage(plots.resolve(TrainingPlots.CONFUSION_MATRIX_PNG));
    }

    private static void assertImage(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " is not a readable image");
        assertEquals(Charts.WIDTH, image.getWidth(), png.toString());
        assertEquals(Charts.HEIGHT, image.getHeight(), png.toString());
    }

    /** history.csv as rows keyed by column, grouped by optimizer in file order. */
    private static Map<String, List<Map<String, String>>> historyByOptimizer() throws IOException {
        List<String> lines = Files.readAllLines(out.resolve(CompareCommand.HISTORY_CSV));
        String[] header = lines.get(0).split(",", -1);
        assertEquals(dev.softmax.compare.ComparisonReport.HISTORY_COLUMNS, List.of(header));
        Map<String, List<Map<String, String>>> byOptimizer = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            assertEquals(header.length, cells.length, line);
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < header.length; c++) {
                row.put(header[c], cells[c]);
            }
            byOptimizer.computeIfAbsent(cells[0], k -> new ArrayList<>()).add(row);
        }
        return byOptimizer;
    }
}
