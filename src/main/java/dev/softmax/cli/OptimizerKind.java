package dev.softmax.cli;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.Optimizer;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The optimizers selectable on the command line, each mapped to a factory. */
public enum OptimizerKind {
    /** Full-batch gradient descent with an Armijo line search. */
    GD("gd", options -> new GradientDescent());

    private final String cliName;
    private final Function<OptimizerOptions, Optimizer<? super SoftmaxCrossEntropy>> factory;

    OptimizerKind(String cliName, Function<OptimizerOptions, Optimizer<? super SoftmaxCrossEntropy>> factory) {
        this.cliName = cliName;
        this.factory = factory;
    }

    /** Builds the optimizer with the given command-line settings. */
    public Optimizer<? super SoftmaxCrossEntropy> create(OptimizerOptions options) {
        return factory.apply(options);
    }

    /** The command-line name. */
    @Override
    public String toString() {
        return cliName;
    }

    /** Parses a command-line name, e.g. {@code gd}. */
    public static OptimizerKind fromName(String name) {
        for (OptimizerKind kind : values()) {
            if (kind.cliName.equalsIgnoreCase(name.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown optimizer '" + name + "', expected one of "
                + Arrays.stream(values()).map(OptimizerKind::toString).collect(Collectors.joining(", ")));
    }
}
