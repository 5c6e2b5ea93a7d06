package dev.softmax.cli;

import dev.softmax.compare.Comparison;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows how a comparison is getting on: a progress bar per optimizer on a terminal (me.tongfei:progressbar), plain
 * log lines otherwise, so that CI logs and pipes get no carriage returns.
 */
final class ComparisonProgress implements Comparison.Observer, AutoCloseable {

    /** How progress is shown. */
    enum Mode {
        /** A bar when {@link System#console()} exists, else log lines. */
        AUTO,
        /** Always a progress bar (on standard error). */
        BAR,
        /** A log line when an optimizer starts, every {@link #LOG_INTERVAL_NANOS}, and when it ends. */
        LOG,
        /** Nothing. */
        NONE;

        /** {@link #AUTO} resolved against whether standard output is a terminal. */
        Mode resolve() {
            return this != AUTO ? this : System.console() != null ? BAR : LOG;
        }
    }

    /** Two seconds between log lines: often enough to see a run is alive, rare enough for CI logs. */
    static final long LOG_INTERVAL_NANOS = 2_000_000_000L;

    private final Mode mode;
    private final PrintWriter log;
    private final PrintStream terminal;
    private ProgressBar bar;
    private long lastLogNanos;

    /**
     * @param mode     the requested mode ({@link Mode#AUTO} is resolved here)
     * @param log      where log lines go
     * @param terminal where the bar is drawn
     */
    ComparisonProgress(Mode mode, PrintWriter log, PrintStream terminal) {
        this.mode = mode.resolve();
        this.log = log;
        this.terminal = terminal;
    }

    @Override
    public void started(String name, int maxIterations) {
        lastLogNanos = System.nanoTime();
        if (mode == Mode.BAR) {
            bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "%-9s", name))
                    .setInitialMax(maxIterations).setStyle(ProgressBarStyle.ASCII).setUnit(" it", 1)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal)).setUpdateIntervalMillis(200).build();
        } else if (mode == Mode.LOG) {
            log.printf(Locale.ROOT, "%s: started (at most %d iterations)%n", name, maxIterations);
            log.flush();
        }
    }

    @Override
    public void iteration(String name, Comparison.Point point) {
        if (bar != null) {
            bar.stepTo(point.iteration());
            bar.setExtraMessage(String.format(Locale.ROOT, "f=%.6g", point.objective()));
        } else if (mode == Mode.LOG) {
            long now = System.nanoTime();
            if (now - lastLogNanos >= LOG_INTERVAL_NANOS) {
                lastLogNanos = now;
                // The optimizer's own time, as the last line and the files give it, not the wall clock's.
                log.printf(Locale.ROOT, "%s: iteration %d, objective %.10g, %.1f s%n", name, point.iteration(),
                        point.objective(), point.elapsedSeconds());
                log.flush();
            }
        }
    }

    @Override
    public void finished(Comparison.Run run) {
        if (bar != null) {
            if (!run.isSkipped()) {
                // A run that converged early ends short of the maximum; show it as complete.
                bar.maxHint(run.result().iterations());
                bar.stepTo(run.result().iterations());
            }
            bar.close();
            bar = null;
        }
        if (mode == Mode.NONE) {
            return;
        }
        if (run.isSkipped()) {
            log.printf("%s: skipped: %s%n", run.name(), run.skipReason());
        } else if (mode == Mode.LOG) {
            log.printf(Locale.ROOT, "%s: %s after %d iterations, objective %.10g, %.3f s%n", run.name(),
                    run.result().reason(), run.result().iterations(), run.result().value(), run.wallSeconds());
        }
        log.flush();
    }

    /** Closes a bar left open by an optimizer that threw. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
