package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.compare.Comparison;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The two progress displays: a bar (carriage returns, on the terminal stream) and log lines (none). */
class ComparisonProgressTest {

    private static Comparison.Point row(int iteration, double value) {
        return new Comparison.Point(iteration, iteration * 1e-6, value, 1.0, 0.5, Double.NaN);
    }

    private static void drive(ComparisonProgress progress) {
        progress.started("gd", 10);
        for (int i = 0; i <= 3; i++) {
            progress.iteration("gd", row(i, 1.0 / (i + 1)));
        }
        progress.finished(Comparison.Run.skipped("newton", "too big"));
    }

    @Test
    void logModeWritesPlainLinesAndNoCarriageReturn() {
        StringWriter log = new StringWriter();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (ComparisonProgress progress = new ComparisonProgress(ComparisonProgress.Mode.LOG, new PrintWriter(log),
                new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
            drive(progress);
        }
        assertFalse(log.toString().contains("\r"), log.toString());
        assertTrue(log.toString().contains("gd: started"), log.toString());
        assertTrue(log.toString().contains("newton: skipped: too big"), log.toString());
        assertEquals(0, terminal.size(), "log mode draws nothing on the terminal stream");
    }

    /** The log lines give the optimizer's own time, as the files and the last line do, not the wall clock's. */
    @Test
    void logLinesGiveTheOptimizersOwnTime() throws InterruptedException {
        StringWriter log = new StringWriter();
        try (ComparisonProgress progress = new ComparisonProgress(ComparisonProgress.Mode.LOG, new PrintWriter(log),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            progress.started("lbfgs", 10);
            Thread.sleep(ComparisonProgress.LOG_INTERVAL_NANOS / 1_000_000 + 50);
            progress.iteration("lbfgs", new Comparison.Point(7, 0.5, 0.25, 1e-3, 1, Double.NaN));
        }
        assertTrue(log.toString().contains("lbfgs: iteration 7, objective 0.2500000000, 0.5 s"), log.toString());
    }

    @Test
    void barModeDrawsOnTheTerminalStream() {
        StringWriter log = new StringWriter();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (ComparisonProgress progress = new ComparisonProgress(ComparisonProgress.Mode.BAR, new PrintWriter(log),
                new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
            drive(progress);
        }
        String drawn = terminal.toString(StandardCharsets.UTF_8);
        assertTrue(drawn.contains("gd") && drawn.contains("\r"), drawn);
        assertFalse(log.toString().contains("\r"), log.toString());
    }

    @Test
    void noneModeIsSilent() {
        StringWriter log = new StringWriter();
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        try (ComparisonProgress progress = new ComparisonProgress(ComparisonProgress.Mode.NONE, new PrintWriter(log),
                new PrintStream(terminal, true, StandardCharsets.UTF_8))) {
            drive(progress);
        }
        assertEquals("", log.toString());
        assertEquals(0, terminal.size());
    }
}
