package dev.softmax.cli;

import dev.softmax.optim.StoppingCriteria;
import picocli.CommandLine.Option;

/** Optimizer and stopping options shared by the commands that train. */
public final class OptimizerOptions {

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "gd",
            converter = OptimizerKindConverter.class, completionCandidates = OptimizerKindCandidates.class,
            description = "Optimizer: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    OptimizerKind optimizer;

    @Option(names = "--l2", paramLabel = "LAMBDA", defaultValue = "1e-4",
            description = "L2 strength lambda on the weights, bias not penalised (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--max-iter", paramLabel = "N", defaultValue = "1000",
            description = "Maximum iterations (epochs for stochastic optimizers) (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--tol", paramLabel = "TOL", defaultValue = "1e-6",
            description = "Stop when the gradient norm is below TOL times max(1, initial norm) (default: ${DEFAULT-VALUE}).")
    double gradientTolerance;

    @Option(names = "--ftol", paramLabel = "TOL", defaultValue = "1e-12",
            description = "Stop when the objective's relative decrease is below TOL; 0 stops only when it no longer changes (default: ${DEFAULT-VALUE}).")
    double functionTolerance;

    @Option(names = "--time-limit", paramLabel = "SECONDS",
            description = "Stop after this many seconds of optimisation (default: none).")
    Double timeLimitSeconds;

    /** The stopping criteria these options describe; validates them. */
    public StoppingCriteria stoppingCriteria() {
        StoppingCriteria stop = new StoppingCriteria(maxIterations, gradientTolerance, functionTolerance, null);
        if (timeLimitSeconds != null) {
            if (!(timeLimitSeconds > 0)) {
                throw new IllegalArgumentException("--time-limit must be > 0, got " + timeLimitSeconds);
            }
            stop = stop.withTimeLimit(java.time.Duration.ofNanos((long) (timeLimitSeconds * 1e9)));
        }
        return stop;
    }

    /** The chosen optimizer kind. */
    public OptimizerKind kind() {
        return optimizer;
    }

    /** The L2 strength. */
    public double l2() {
        return l2;
    }

    /** Converts {@code --optimizer} values. */
    static final class OptimizerKindConverter implements picocli.CommandLine.ITypeConverter<OptimizerKind> {
        @Override
        public OptimizerKind convert(String value) {
            try {
                return OptimizerKind.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Lists {@code --optimizer} values by their command-line names. */
    static final class OptimizerKindCandidates extends java.util.ArrayList<String> {
        private static final long serialVersionUID = 1L;

        OptimizerKindCandidates() {
            for (OptimizerKind kind : OptimizerKind.values()) {
                add(kind.toString());
            }
        }
    }
}
