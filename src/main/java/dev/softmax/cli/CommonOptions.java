package dev.softmax.cli;

import dev.softmax.NativeThreads;
import picocli.CommandLine.Option;

/** Options every command has. */
public final class CommonOptions {

    @Option(names = "--verbose", description = "Print stack traces with errors, and more detail.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for the passes over the data, each running BLAS and ND4J single-threaded; default: "
                    + "every core (0 means the default).",
            defaultValue = "${sys:softmax.threads:-0}")
    int threads;

    /** Applies {@code --threads} (0 means the default). */
    void applyThreads() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        }
        NativeThreads.set(threads == 0 ? NativeThreads.defaultCount() : threads);
    }

    /** The thread count in force after {@link #applyThreads()}. */
    int effectiveThreads() {
        return threads == 0 ? NativeThreads.defaultCount() : threads;
    }
}
