package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.compare.Comparison;
import dev.softmax.optim.IterationRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The two progress displays: a bar (carriage returns, on the terminal stream) and log lines (none). */
class ComparisonProgressTest {

    private static IterationRecord row(int iteration, double value) {
        return new IterationRecord(iteration, value, 1.0, 0.5, 1, iteration + 1, iteration + 1, 0, iteration * 1000L);
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
