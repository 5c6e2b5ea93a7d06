package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

    @TempDir
    Path dir;

    /** Exit status and what went to each stream. */
    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void float64IsAskedForWithEitherSpellingOfDtype() {
        assertTrue(Main.asksForFloat64(new String[] {"train", "--dtype", "double"}));
        assertTrue(Main.asksForFloat64(new String[] {"bench", "--dtype=float64"}));
        assertTrue(Main.asksForFloat64(new String[] {"train", "--dtype", " Double "}));
        assertFalse(Main.asksForFloat64(new String[] {"train", "--dtype", "float"}));
        assertFalse(Main.asksForFloat64(new String[] {"train", "--dtype"}));
        assertFalse(Main.asksForFloat64(new String[] {"train", "--data", "double"}));
    }

    @Test
    void trainingWithNewtonIsToldApart() {
        assertTrue(Main.trainsWithNewton(new String[] {"train", "--dataset", "iris", "--optimizer", "newton"}));
        assertTrue(Main.trainsWithNewton(new String[] {"train", "--optimizer=Newton"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--optimizer", "newton-cg"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--optimizer"}));
        assertFalse(Main.trainsWithNewton(new String[] {"compare", "--optimizer", "newton"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--optimizer", "lbfgs"}));
        // auto on iris, whose shape is known by name, resolves to newton as TrainCommand will resolve it.
        assertTrue(Main.trainsWithNewton(new String[0]));
        assertTrue(Main.trainsWithNewton(new String[] {"train"}));
        assertTrue(Main.trainsWithNewton(new String[] {"train", "--dataset", "iris"}));
        assertTrue(Main.trainsWithNewton(new String[] {"train", "--optimizer=AUTO", "--dataset=Iris"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--dataset", "iris", "--hessian-budget", "1KiB"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--hessian-budget", "lots"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--dataset", "fashion-mnist"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--dataset", "csv", "--train", "x.csv"}));
        assertFalse(Main.trainsWithNewton(new String[] {"train", "--dataset", "no-such-set"}));
    }

    @Test
    void onlyTheBenchCommandKeepsOpenBlasOwnKernels() {
        assertTrue(Main.isBench(new String[] {"bench", "--threads", "2"}));
        assertFalse(Main.isBench(new String[] {"train", "--dataset", "iris"}));
        assertFalse(Main.isBench(new String[] {"train", "bench"}));
        assertFalse(Main.isBench(new String[0]));
    }

    @Test
    void aliasesGivenTogetherAndAForceWithoutSaveAreRefusedByName() {
        Run aliases = run("train", "--epochs", "3", "--max-iter", "4");
        assertEquals(Main.EXIT_BAD_INPUT, aliases.status());
        assertEquals("error: --max-iter and --epochs are one option, given more than once; give it once",
                aliases.err().strip());
        Run twice = run("train", "--l2", "1", "--l2", "2");
        assertEquals(Main.EXIT_BAD_INPUT, twice.status());
        assertTrue(twice.err().contains("'--l2' (LAMBDA) should be specified only once"), twice.err());
        Run force = run("train", "--force");
        assertEquals(Main.EXIT_BAD_INPUT, force.status());
        assertTrue(force.err().startsWith("error: --force lets --save replace a model file; without --save"),
                force.err());
    }

    @Test
    void runningOutOfHeapIsOneLineWithTheHeapSizeAndExitStatusOne() {
        StringWriter err = new StringWriter();
        assertEquals(1, Main.outOfMemory(new OutOfMemoryError("Java heap space"), new String[] {"train"},
                new PrintWriter(err)));
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("error: out of memory (the Java heap may grow to "), err.toString());
        assertTrue(err.toString().contains("start it with a larger -Xmx"), err.toString());
        StringWriter verbose = new StringWriter();
        Main.outOfMemory(new OutOfMemoryError("Java heap space"), new String[] {"train", "--verbose"},
                new PrintWriter(verbose));
        assertTrue(verbose.toString().contains("\tat "), "the stack trace with --verbose");
    }

    @Test
    void trainOnIrisPrintsResultsAndWritesTheReport() throws Exception {
        Path report = dir.resolve("out/report.json");
        Run run = run("train", "--dataset", "iris", "--report", report.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("test accuracy"), run.out());
        assertTrue(run.out().contains("true\\pred"), run.out());
        assertTrue(run.out().contains("versicolor"), run.out());
        assertTrue(run.out().contains(", l2 1e-4, "), "the l2 as it is typed: " + run.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String key : List.of("dataset", "optimizer", "l2", "dtype", "n_train", "n_test", "n_features",
                "n_classes", "iterations", "termination_reason", "objective", "gradient_norm", "train_accuracy",
                "test_accuracy", "test_log_loss", "train_seconds")) {
            assertTrue(json.has(key), "report lacks " + key);
        }
        assertEquals("iris", json.get("dataset").asText());
        assertEquals(120, json.get("n_train").asInt());
        assertEquals(30, json.get("n_test").asInt());
        // The shape Main resolves --optimizer auto with before any data are read.
        assertEquals(DatasetKind.IRIS_FEATURES, json.get("n_features").asInt());
        assertEquals(DatasetKind.IRIS_CLASSES, json.get("n_classes").asInt());
        assertTrue(json.get("test_accuracy").asDouble() >= 0.93, "test accuracy " + json.get("test_accuracy"));
        assertTrue(json.get("optimizer_reason").asText().contains("parameters"), "auto says why");
        Path named = dir.resolve("out/named.json");
        assertEquals("{\"newton_damping\":0.0}", json.get("optimizer_settings").toString(), "auto's choice's");
        assertEquals(0, run("train", "--optimizer", "lbfgs", "--report", named.toString()).status());
        assertTrue(new ObjectMapper().readTree(named.toFile()).get("optimizer_reason").isNull(), "named: no reason");
        assertEquals(0, run("train", "--optimizer", "sgd", "--learning-rate", "0.05", "--schedule", "step",
                "--epochs", "3", "--report", named.toString()).status());
        assertEquals("{\"learning_rate\":0.05,\"batch_size\":32,\"momentum\":0.0,\"nesterov\":false,"
                + "\"schedule\":\"step\",\"drop_factor\":0.5,\"drop_every\":10}",
                new ObjectMapper().readTree(named.toFile()).get("optimizer_settings").toString());
        Files.delete(named);
        try (var files = Files.list(report.getParent())) {
            assertEquals(List.of(report), files.toList(), "no temporary files left beside the report");
        }
    }

    @Test
    void doubleAndFloatReachTheSameObjective() throws Exception {
        Path a = dir.resolve("float.json");
        Path b = dir.resolve("double.json");
        assertEquals(0, run("train", "--report", a.toString()).status());
        assertEquals(0, run("train", "--dtype", "double", "--report", b.toString()).status());
        ObjectMapper mapper = new ObjectMapper();
        double objectiveFloat = mapper.readTree(a.toFile()).get("objective").asDouble();
        double objectiveDouble = mapper.readTree(b.toFile()).get("objective").asDouble();
        // Gradient descent stops where float32 rounding hides further decrease, so the two runs stop at slightly
        // different points on iris's flat valley; they must still agree far beyond what accuracy can show.
        assertEquals(objectiveDouble, objectiveFloat, 1e-4 * objectiveDouble);
        assertEquals("double", mapper.readTree(b.toFile()).get("dtype").asText());
    }

    @Test
    void threadsBeyondTheLimitAreRefusedAndBeyondTheProcessorsWarnedAbout() {
        Run tooMany = run("train", "--dataset", "csv", "--train", "no-such-file.csv", "--threads", "1025");
        assertEquals(Main.EXIT_BAD_INPUT, tooMany.status());
        assertEquals("error: --threads must be 1 to 1024 (0 for every core), got 1025", tooMany.err().strip());

        int more = Runtime.getRuntime().availableProcessors() + 1;
        Run oversubscribed = run("train", "--dataset", "iris", "--max-iter", "2", "--threads", String.valueOf(more));
        assertEquals(0, oversubscribed.status(), oversubscribed.err());
        assertTrue(oversubscribed.err().startsWith("warning: --threads " + more + " is more than the " + (more - 1)
                + " processors"), oversubscribed.err());
        assertTrue(oversubscribed.out().contains(more + " threads"), oversubscribed.out());

        Run fitting = run("train", "--dataset", "iris", "--max-iter", "2", "--threads", "1");
        assertEquals(0, fitting.status(), fitting.err());
        assertFalse(fitting.err().contains("warning"), fitting.err());
    }

    @Test
    void badFlagsGiveUsageAndStatusTwo() {
        Run unknown = run("train", "--no-such-flag");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("Unknown option: '--no-such-flag'"), unknown.err());
        assertTrue(unknown.err().contains("Usage:"), unknown.err());

        // QA: a misspelt required flag was reported as the required one missing, without the suggestion.
        Run misspelt = run("predict", "--modle", "iris.model", "--input", "x.csv");
        assertEquals(2, misspelt.status());
        assertTrue(misspelt.err().startsWith("error: Unknown options: '--modle', 'iris.model'"), misspelt.err());
        assertTrue(misspelt.err().contains("Possible solutions: --model"), misspelt.err());
        Run missing = run("predict", "--input", "x.csv");
        assertEquals("error: Missing required option: '--model=MODEL'", missing.err().strip());

        Run badNumber = run("train", "--l2", "lots");
        assertEquals(2, badNumber.status());
        assertEquals("error: Invalid value for option '--l2': 'lots' is not a double", badNumber.err().strip());

        Run noValue = run("train", "--max-iter");
        assertEquals(2, noValue.status());
        assertEquals(1, noValue.err().strip().lines().count(), noValue.err());
        assertTrue(noValue.err().startsWith("error: ") && noValue.err().contains("--max-iter"), noValue.err());

        Run badOptimizer = run("train", "--optimizer", "magic");
        assertEquals(2, badOptimizer.status());
        assertTrue(badOptimizer.err().contains("unknown optimizer 'magic'"), badOptimizer.err());
        assertEquals(1, badOptimizer.err().strip().lines().count(), badOptimizer.err());

        Run badDtype = run("train", "--dtype", "half");
        assertEquals(2, badDtype.status());
        assertTrue(badDtype.err().contains("expected float or double"), badDtype.err());
    }

    @Test
    void parseErrorsAddTheStackTraceWithVerbose() {
        // picocli's parse errors ignored --verbose, which adds the stack trace to every other error.
        String[][] cases = {{"train", "--max-iter", "abc"}, {"train", "--no-such-flag"},
            {"train", "--epochs", "3", "--max-iter", "4"}, {"compare", "--optimizers", "gd,"}};
        for (String[] args : cases) {
            Run quiet = run(args);
            assertEquals(Main.EXIT_BAD_INPUT, quiet.status(), String.join(" ", args));
            assertFalse(quiet.err().contains("\tat "), quiet.err());
            String error = quiet.err().lines().findFirst().orElseThrow();
            for (boolean first : new boolean[] {true, false}) {
                List<String> withVerbose = new java.util.ArrayList<>(List.of(args));
                withVerbose.add(first ? 1 : withVerbose.size(), "--verbose");
                Run verbose = run(withVerbose.toArray(String[]::new));
                assertEquals(Main.EXIT_BAD_INPUT, verbose.status(), String.join(" ", withVerbose));
                assertEquals(error, verbose.err().lines().findFirst().orElseThrow(), "the same one line first");
                assertTrue(verbose.err().contains("\tat picocli."), verbose.err());
            }
        }
    }

    @Test
    void badValuesGiveOneLineAndStatusTwoWithoutStackTrace() {
        Run fraction = run("train", "--test-fraction", "1.5");
        assertEquals(2, fraction.status());
        assertEquals("error: --test-fraction must be in [0,1), got 1.5", fraction.err().strip());

        Run l2 = run("train", "--l2", "-1");
        assertEquals(2, l2.status());
        assertEquals("error: --l2 must be finite and >= 0, got -1.0", l2.err().strip());
        assertFalse(l2.err().contains("\tat "), "no stack trace without --verbose");

        Run verbose = run("train", "--l2", "-1", "--verbose");
        assertEquals(2, verbose.status());
        assertTrue(verbose.err().contains("\tat "), "stack trace with --verbose");
    }

    @Test
    void anEmptyFileOrFolderNameIsRefusedByItsFlag() {
        // --out "" wrote into the working folder and said "wrote ... to " with nothing after it.
        String[][] cases = {{"compare", "--out"}, {"train", "--plot"}, {"train", "--report"}, {"train", "--save"},
                {"train", "--train"}, {"bench", "--report"}, {"predict", "--output"}, {"evaluate", "--model"},
                {"download", "--data-dir"}};
        for (String[] c : cases) {
            Run empty = run(c[0], c[1], " ");
            assertEquals(Main.EXIT_BAD_INPUT, empty.status(), String.join(" ", c));
            assertEquals("error: Invalid value for option '" + c[1] + "': an empty file or folder name",
                    empty.err().strip());
            if (!c[0].equals("predict")) {
                // QA: --report - and --out - made a file or folder named "-".
                Run dash = run(c[0], c[1], "-");
                assertEquals(Main.EXIT_BAD_INPUT, dash.status(), String.join(" ", c));
                assertEquals("error: Invalid value for option '" + c[1] + "': - (the standard input or output) is not"
                        + " taken here; give a file or folder name", dash.err().strip());
            }
        }
        assertFalse(Files.exists(Path.of("-")));
    }

    @Test
    void brokenDataFileIsNamedInTheError() throws Exception {
        Files.writeString(dir.resolve("iris.csv"), "a,b,label\n1,2,x\n3,,y\n");
        Run run = run("train", "--data-dir", dir.toString());
        assertEquals(2, run.status());
        assertTrue(run.err().contains("iris.csv: line 3: column 2: '' is not a number"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void noArgumentsMeansTrainOnIris() {
        Run run = run();
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("dataset: iris"), run.out());
    }

    @Test
    void helpListsOptionsWithDefaults() {
        Run run = run("train", "--help");
        assertEquals(0, run.status());
        assertTrue(run.out().contains("--optimizer=NAME"), run.out());
        assertTrue(run.out().contains("(default: 1e-4)"), run.out());
        assertTrue(run.out().contains("gd"), run.out());
    }

    @Test
    void eachSubcommandIsRegisteredUnderTheNameItsAnnotationGives() {
        CommandLine all = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        List<String> expected = new java.util.ArrayList<>(Main.SUBCOMMANDS.keySet());
        expected.add("help");
        assertEquals(expected, List.copyOf(all.getSubcommands().keySet()));
        all.getSubcommands().forEach((name, sub) -> assertEquals(name, sub.getCommandName()));
        for (String name : Main.SUBCOMMANDS.keySet()) {
            CommandLine one = Main.commandLine(System.in, new PrintWriter(new StringWriter()),
                    new PrintWriter(new StringWriter()), name);
            assertEquals(List.of(name), List.copyOf(one.getSubcommands().keySet()));
            assertEquals(name, one.getSubcommands().get(name).getCommandSpec().userObject().getClass()
                    .getAnnotation(CommandLine.Command.class).name());
        }
    }

    @Test
    void theTopLevelHelpListsEverySubcommand() {
        Run run = run("--help");
        assertEquals(0, run.status(), run.err());
        for (String name : List.of("train", "compare", "evaluate", "predict", "download", "bench", "help")) {
            assertTrue(run.out().contains("  " + name), name + " missing from\n" + run.out());
        }
        Run help = run("help", "bench");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().contains("--rows"), help.out());
        for (String name : List.of("train", "compare", "evaluate", "predict", "download", "bench")) {
            Run version = run(name, "--version");
            assertEquals(0, version.status(), version.err());
            assertEquals(run("--version").out(), version.out(), name);
            assertTrue(version.out().startsWith("softmax-regression "), version.out());
        }
        Run unknown = run("trian");
        assertEquals(Main.EXIT_BAD_INPUT, unknown.status());
        assertTrue(unknown.err().contains("trian"), unknown.err());
    }

    /** slf4j-simple reads its settings once per JVM, so the probe runs in one of its own. */
    @Test
    void libraryWarningsReadLikeTheCommandLinesOwn() throws Exception {
        for (boolean userSetting : new boolean[] {false, true}) {
            List<String> command = new java.util.ArrayList<>(List.of(
                    java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path")));
            if (userSetting) {
                command.add("-Dorg.slf4j.simpleLogger.showLogName=true");
            }
            command.add(LoggingProbe.class.getName());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, process.waitFor(), output);
            assertEquals(userSetting ? "warning: dev.softmax.Blas - LAPACK probe 1" : "warning: LAPACK probe 1",
                    output.strip());
        }
    }
}
