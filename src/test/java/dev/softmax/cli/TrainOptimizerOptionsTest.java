package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.loss.SoftmaxCrossEntropy;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code train --optimizer ...} with each optimizer's options. */
class TrainOptimizerOptionsTest {

    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gd", "sgd", "adam", "newton", "newton-cg", "lbfgs"})
    void everyOptimizerTrainsIris(String name) {
        Run run = run("train", "--optimizer", name, "--max-iter", "30", "--dtype", "double", "--threads", "1");
        assertEquals(0, run.status, run.err);
        assertTrue(run.out.contains("optimizer: " + name + ","), run.out);
        assertTrue(run.out.contains(", 1 thread\n"), run.out);
        assertTrue(run.out.contains("train accuracy"), run.out);
    }

    @Test
    void aTimeLimitOfAnySizeAboveZeroStopsTheRunAndIsShownAsGiven(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        // 1e-10 s was a zero Duration, refused as "timeLimit must be positive, got PT0S".
        Run tiny = run("train", "--optimizer", "gd", "--time-limit", "1e-10", "--threads", "1");
        assertEquals(0, tiny.status, tiny.err);
        assertTrue(tiny.out.contains("TIME_LIMIT"), tiny.out);
        for (String bad : new String[] {"0", "-1", "NaN"}) {
            Run refused = run("train", "--time-limit", bad, "--threads", "1");
            assertEquals(Main.EXIT_BAD_INPUT, refused.status, bad);
            assertTrue(refused.err.startsWith("error: --time-limit must be > 0"), refused.err);
        }
        // These were clamped to 9.2e9 s, and compare's settings line and summary said so.
        for (String endless : new String[] {"1e300", "Infinity", "9.3e9"}) {
            Run refused = run("train", "--time-limit", endless, "--threads", "1");
            assertEquals(Main.EXIT_BAD_INPUT, refused.status, endless);
            assertEquals("error: --time-limit " + endless + " is beyond the longest limit, about 9.2e9 s (292 years);"
                    + " leave it out for none", refused.err.strip());
        }
        assertEquals(0, run("train", "--time-limit", "9.2e9", "--max-iter", "2", "--threads", "1").status);
        // compare's settings line gave 0.0004 s as "time limit 0 s".
        Run compare = run("compare", "--optimizers", "gd", "--time-limit", "0.0004", "--progress", "none",
                "--threads", "1", "--out", dir.toString());
        assertEquals(0, compare.status, compare.err);
        assertTrue(compare.out.contains(", time limit 4e-4 s,"), compare.out);
    }

    @Test
    void autoPicksNewtonOnIrisAndSaysWhy() {
        Run run = run("train", "--optimizer", "auto", "--dtype", "double", "--threads", "1");
        assertEquals(0, run.status, run.err);
        assertTrue(run.out.contains("auto chose newton: (d+1)K = 15 parameters <= 2000"), run.out);
        assertTrue(run.out.contains("(converged)"), run.out);
    }

    @Test
    void autoPicksNewtonCgWhileItsEigenbasisAppliesElseLbfgs() {
        OptimizerKind.Choice fashion = OptimizerKind.AUTO.resolve(784, 10, 2L << 30);
        assertEquals(OptimizerKind.NEWTON_CG, fashion.kind());
        assertEquals("(d+1)K = 7850 parameters > 2000, too many for dense Newton steps; d+1 = 785 <= 1024, so"
                + " newton-cg's eigenbasis preconditioner applies: it converges in a few iterations", fashion.reason());
        int most = SoftmaxCrossEntropy.KRONECKER_MAX_FEATURES;
        assertEquals(OptimizerKind.NEWTON_CG, OptimizerKind.AUTO.resolve(most - 1, 10, 2L << 30).kind());
        assertEquals(OptimizerKind.LBFGS, OptimizerKind.AUTO.resolve(most, 10, 2L << 30).kind());
        OptimizerKind.Choice cifar = OptimizerKind.AUTO.resolve(3072, 10, 2L << 30);
        assertEquals(OptimizerKind.LBFGS, cifar.kind());
        assertTrue(cifar.reason().contains("30730 parameters") && cifar.reason().contains("d+1 = 3073 > 1024"),
                cifar.reason());
        OptimizerKind.Choice overBudget = OptimizerKind.AUTO.resolve(4, 3, 100);
        assertEquals(OptimizerKind.NEWTON_CG, overBudget.kind(), "above a tiny budget");
        assertTrue(overBudget.reason().startsWith("dense Hessian 1.8 KiB, Hessian budget 100 B: the Hessian does"
                + " not fit; d+1 = 5 <= 1024"), overBudget.reason());
        assertEquals(OptimizerKind.NEWTON, OptimizerKind.AUTO.resolve(4, 3, 2L << 30).kind());
        assertThrows(IllegalStateException.class, () -> OptimizerKind.AUTO.create(null, 1));
    }

    @Test
    void newtonAboveTheHessianBudgetIsBadInputNamingNewtonCg() {
        Run run = run("train", "--optimizer", "newton", "--hessian-budget", "1KiB", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, run.status);
        assertTrue(run.err.contains("newton-cg") && run.err.contains("1.8 KiB"), run.err);
    }

    @Test
    void aFarTooLargeLearningRateEndsWithAdvice() {
        Run run = run("train", "--optimizer", "sgd", "--learning-rate", "1e6", "--l2", "0.01", "--epochs", "500",
                "--threads", "1");
        assertEquals(0, run.status, run.err);
        assertTrue(run.out.contains("NON_FINITE_VALUE"), run.out);
        assertTrue(run.out.contains("smaller --learning-rate"), run.out);
    }

    @Test
    void sgdOptionsAreAccepted() {
        Run run = run("train", "--optimizer", "sgd", "--learning-rate", "0.5", "--batch-size", "8", "--momentum",
                "0.9", "--nesterov", "--schedule", "invscaling", "--decay", "0.1", "--power", "1", "--epochs", "20",
                "--seed", "3", "--threads", "1");
        assertEquals(0, run.status, run.err);
        Run step = run("train", "--optimizer", "adam", "--schedule", "step", "--drop-every", "5", "--epochs", "10",
                "--threads", "1");
        assertEquals(0, step.status, step.err);
        Run bad = run("train", "--optimizer", "sgd", "--schedule", "cosine");
        assertEquals(Main.EXIT_BAD_INPUT, bad.status);
        assertTrue(bad.err.contains("constant, invscaling or step"), bad.err);
        Run badPairs = run("train", "--optimizer", "newton-cg", "--cg-pairs", "-1", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, badPairs.status);
        assertTrue(badPairs.err.contains("--cg-pairs must be >= 0"), badPairs.err);
        Run pairs = run("train", "--optimizer", "newton-cg", "--cg-pairs", "4", "--threads", "1");
        assertEquals(0, pairs.status, pairs.err);
        Run badMomentum = run("train", "--optimizer", "sgd", "--momentum", "1.5", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, badMomentum.status);
        assertTrue(badMomentum.err.contains("momentum"), badMomentum.err);
    }

    /**
     * A bad value of any optimizer's flag stops the command before it reads the data (the training file here does
     * not exist), in one line that names the flag, whichever optimizer was asked for.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "--batch-size|0|--batch-size must be >= 1, got 0",
        "--momentum|1|--momentum must be in [0,1), got 1.0",
        "--beta1|1|--beta1 must be in [0,1), got 1.0",
        "--beta2|-0.5|--beta2 must be in [0,1), got -0.5",
        "--adam-epsilon|0|--adam-epsilon must be finite and > 0, got 0.0",
        "--decay|-1|--decay must be finite and >= 0, got -1.0",
        "--power|0|--power must be finite and > 0, got 0.0",
        "--drop-factor|2|--drop-factor must be in (0,1], got 2.0",
        "--drop-every|0|--drop-every must be >= 1, got 0",
        "--history-size|0|--history-size must be >= 1, got 0",
        "--cg-max-iter|0|--cg-max-iter must be >= 1, got 0",
        "--newton-damping|-1|--newton-damping must be finite and >= 0, got -1.0",
        "--tol|-1|--tol must be finite and >= 0, got -1.0",
        "--ftol|NaN|--ftol must be finite and >= 0, got NaN",
        "--max-iter|0|--max-iter must be > 0, got 0",
        "--l2|Infinity|--l2 must be finite and >= 0, got Infinity"})
    void badOptimizerValuesNameTheirFlagBeforeAnyDataIsRead(String flag, String value, String message) {
        Run run = run("train", "--dataset", "csv", "--train", "no-such-file.csv", "--optimizer", "lbfgs", flag, value);
        assertEquals(Main.EXIT_BAD_INPUT, run.status);
        assertEquals("error: " + message, run.err.strip());
    }

    /** QA: these ran, with the option ignored and nothing said. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "gd|--learning-rate|0.5|--learning-rate is for sgd and adam, not --optimizer gd",
        "newton|--momentum|0.5|--momentum is for sgd, not --optimizer newton",
        "sgd|--beta1|0.5|--beta1 is for adam, not --optimizer sgd",
        "adam|--history-size|3|--history-size is for lbfgs, not --optimizer adam",
        "lbfgs|--cg-pairs|3|--cg-pairs is for newton-cg, not --optimizer lbfgs",
        "newton-cg|--newton-damping|1|--newton-damping is for newton, not --optimizer newton-cg",
        "lbfgs|--hessian-budget|1k|--hessian-budget is for newton and auto, not --optimizer lbfgs",
        "auto|--batch-size|8|--batch-size is for sgd and adam, not --optimizer auto (which chooses newton, newton-cg or lbfgs)",
        "sgd|--decay|0.1|--decay is for --schedule invscaling, not --schedule constant",
        "adam|--drop-every|3|--drop-every is for --schedule step, not --schedule constant"})
    void optionsTheOptimizerDoesNotReadAreRefusedBeforeAnyDataIsRead(String optimizer, String flag, String value,
                                                                    String message) {
        Run run = run("train", "--dataset", "csv", "--train", "no-such-file.csv", "--optimizer", optimizer, flag,
                value);
        assertEquals(Main.EXIT_BAD_INPUT, run.status);
        assertEquals("error: " + message + ": it would change nothing", run.err.strip());
    }

    @Test
    void optionsOfTheOptimizerAutoDidNotChooseAreRefusedAndCompareRefusesWhatNoneReads() {
        Run auto = run("train", "--history-size", "3", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, auto.status, auto.out);
        assertTrue(auto.err.startsWith("error: --history-size is for lbfgs, not newton, which --optimizer auto chose"
                + " for this data"), auto.err);
        Run overBudget = run("train", "--history-size", "3", "--hessian-budget", "1k", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, overBudget.status, overBudget.out);
        assertTrue(overBudget.err.startsWith("error: --history-size is for lbfgs, not newton-cg, which --optimizer"
                + " auto chose for this data"), overBudget.err);
        Run chosen = run("train", "--cg-max-iter", "3", "--hessian-budget", "1k", "--max-iter", "5", "--threads",
                "1");
        assertEquals(0, chosen.status, chosen.err);
        assertTrue(chosen.out.contains("auto chose newton-cg"), chosen.out);
        // Refused before the settings lines (review: they were printed first).
        Run autoCompared = run("compare", "--optimizers", "gd,auto", "--history-size", "3", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, autoCompared.status, autoCompared.out);
        assertEquals("", autoCompared.out);
        assertEquals("error: --history-size is for lbfgs, not --optimizers gd,auto, where auto chose newton for this"
                + " data: it would change nothing", autoCompared.err.strip());
        Run compared = run("compare", "--optimizers", "gd,lbfgs", "--momentum", "0.5", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, compared.status, compared.out);
        assertEquals("error: --momentum is for sgd, not --optimizers gd,lbfgs: it would change nothing",
                compared.err.strip());
        // QA: train named what auto may choose, compare did not.
        Run autoOnly = run("compare", "--optimizers", "auto", "--momentum", "0.5", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, autoOnly.status, autoOnly.out);
        assertEquals("error: --momentum is for sgd, not --optimizers auto, where auto chooses newton, newton-cg or"
                + " lbfgs: it would change nothing", autoOnly.err.strip());
    }

    /** The table of who reads what agrees with the settings each optimizer reports, for every schedule. */
    @Test
    void theOptionsRefusedAreThoseTheOptimizersDoNotReport() {
        for (String schedule : new String[] {"constant", "invscaling", "step"}) {
            OptimizerOptions options = new OptimizerOptions();
            options.schedule = schedule;
            for (OptimizerKind kind : OptimizerKind.values()) {
                if (kind == OptimizerKind.AUTO) {
                    continue;
                }
                java.util.Set<String> reported = options.settingsFor(kind).keySet();
                for (var entry : OptimizerOptions.READ_BY.entrySet()) {
                    String flag = entry.getKey();
                    if (flag.equals("--hessian-budget")) {
                        continue; // a limit, not a setting: newton refuses to run above it
                    }
                    String scheduleReading = OptimizerOptions.READ_WITH_SCHEDULE.get(flag);
                    boolean read = entry.getValue().contains(kind)
                            && (scheduleReading == null || scheduleReading.equals(schedule));
                    assertEquals(read, reported.contains(flag.substring(2).replace('-', '_')),
                            flag + " for " + kind + " with --schedule " + schedule + ": " + reported);
                }
                for (String key : reported) {
                    assertTrue(OptimizerOptions.READ_BY.containsKey("--" + key.replace('_', '-')), key);
                }
            }
        }
    }

    @Test
    void nesterovWithoutMomentumIsRefusedBeforeAnyDataIsRead() {
        Run run = run("train", "--dataset", "csv", "--train", "no-such-file.csv", "--optimizer", "sgd", "--nesterov");
        assertEquals(Main.EXIT_BAD_INPUT, run.status);
        assertEquals("error: --nesterov needs --momentum > 0: without momentum it changes nothing", run.err.strip());
    }

    @Test
    void helpListsEveryOptimizerAndItsDefaults() {
        Run run = run("train", "--help");
        assertEquals(0, run.status, run.err);
        for (String expected : new String[] {"gd, sgd, adam, newton, newton-cg, lbfgs, auto", "--learning-rate",
                "--batch-size", "--epochs", "--momentum", "--nesterov", "--schedule", "--history-size",
                "--cg-max-iter", "--cg-pairs", "--hessian-budget", "(default: 32)", "(default: 10)",
                "(default: 2GiB)"}) {
            // picocli wraps long lines: compare with the whitespace collapsed.
            assertTrue(run.out.replaceAll("\\s+", " ").contains(expected), expected + " missing from\n" + run.out);
        }
    }

    @Test
    void byteSizesParse() {
        OptimizerOptions.ByteSizeConverter converter = new OptimizerOptions.ByteSizeConverter();
        assertEquals(2L << 30, converter.convert("2GiB"));
        assertEquals(512L << 20, converter.convert("512m"));
        assertEquals(1000L, converter.convert("1000"));
        assertThrows(picocli.CommandLine.TypeConversionException.class, () -> converter.convert("lots"));
    }
}
