package dev.softmax.cli;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.model.AutoOptimizer;
import dev.softmax.optim.Adam;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.Lbfgs;
import dev.softmax.optim.MiniBatchSgd;
import dev.softmax.optim.Newton;
import dev.softmax.optim.NewtonCg;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.WolfeLineSearch;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The optimizers selectable on the command line, each mapped to a factory. */
public enum OptimizerKind {
    /** Full-batch gradient descent with an Armijo line search. */
    GD("gd", (options, seed) -> new GradientDescent()),
    /** Mini-batch SGD with optional (Nesterov) momentum and a learning-rate schedule. */
    SGD("sgd", (options, seed) -> new MiniBatchSgd(options.learningRateFor("sgd"),
            options.batchSize, options.momentum, options.nesterov, options.schedule(), seed)),
    /** Adam on mini-batches. */
    ADAM("adam", (options, seed) -> new Adam(options.learningRateFor("adam"), options.beta1,
            options.beta2, options.adamEpsilon, options.batchSize, options.schedule(), seed)),
    /** Newton's method with the dense Hessian (small problems). */
    NEWTON("newton", (options, seed) -> new Newton(options.newtonDamping, 50)),
    /** Hessian-free Newton with preconditioned conjugate gradient. */
    NEWTON_CG("newton-cg", (options, seed) -> new NewtonCg(options.cgMaxIterations, true, 50,
            options.curvaturePairs())),
    /** Limited-memory BFGS with a strong Wolfe line search. */
    LBFGS("lbfgs", (options, seed) -> new Lbfgs(options.historySize, WolfeLineSearch.DEFAULT)),
    /** {@code newton} when the problem is small, else {@code newton-cg} or {@code lbfgs}; see {@link #resolve}. */
    AUTO("auto", (options, seed) -> {
        throw new IllegalStateException("auto must be resolved to an optimizer with resolve() before create()");
    });

    /** Builds an optimizer from the options and the run's seed. */
    @FunctionalInterface
    private interface Factory {
        Optimizer<? super SoftmaxCrossEntropy> create(OptimizerOptions options, long seed);
    }

    /**
     * A resolved choice.
     *
     * @param kind   a concrete optimizer (never {@link #AUTO})
     * @param reason why it was chosen, for the user
     */
    public record Choice(OptimizerKind kind, String reason) {
    }

    private final String cliName;
    private final Factory factory;

    OptimizerKind(String cliName, Factory factory) {
        this.cliName = cliName;
        this.factory = factory;
    }

    /**
     * Builds the optimizer with the given command-line settings; {@code seed} drives the mini-batch shuffles.
     *
     * @param options the command-line settings
     * @param seed    the seed of the mini-batch shuffles
     * @return the optimizer
     * @throws IllegalStateException for {@link #AUTO}, which must be {@link #resolve resolved} first
     */
    public Optimizer<? super SoftmaxCrossEntropy> create(OptimizerOptions options, long seed) {
        return factory.create(options, seed);
    }

    /**
     * {@link #create(OptimizerOptions, long)} with {@code --seed}'s default, 42.
     *
     * @param options the command-line settings
     * @return the optimizer
     */
    public Optimizer<? super SoftmaxCrossEntropy> create(OptimizerOptions options) {
        return create(options, 42L);
    }

    /**
     * Turns this kind into a concrete one for a problem with {@code features} inputs and {@code classes} classes;
     * {@code auto} applies {@link AutoOptimizer#choose(int, int, long)}, the library's rule.
     *
     * @param features           the number of features {@code d}
     * @param classes            the number of classes {@code K}
     * @param hessianBudgetBytes the dense-Hessian budget in bytes
     * @return the concrete kind and why it was chosen
     * @throws IllegalArgumentException for {@code newton} when the dense Hessian exceeds the budget
     */
    public Choice resolve(int features, int classes, long hessianBudgetBytes) {
        long hessianBytes = SoftmaxCrossEntropy.denseHessianBytes(features, classes);
        if (this == NEWTON && hessianBytes > hessianBudgetBytes) {
            long parameters = (long) (features + 1) * classes;
            throw new IllegalArgumentException("newton needs the dense Hessian, " + parameters + " x " + parameters
                    + " doubles = " + SoftmaxCrossEntropy.formatBytes(hessianBytes) + ", above --hessian-budget "
                    + SoftmaxCrossEntropy.formatBytes(hessianBudgetBytes) + "; use --optimizer newton-cg or lbfgs");
        }
        if (this != AUTO) {
            return new Choice(this, "chosen with --optimizer");
        }
        AutoOptimizer.Choice choice = AutoOptimizer.choose(features, classes, hessianBudgetBytes);
        OptimizerKind kind = switch (choice.method()) {
            case NEWTON -> NEWTON;
            case NEWTON_CG -> NEWTON_CG;
            case LBFGS -> LBFGS;
        };
        return new Choice(kind, choice.reason());
    }

    /** The command-line name. */
    @Override
    public String toString() {
        return cliName;
    }

    /**
     * Parses a command-line name, e.g. {@code gd} or {@code newton-cg}.
     *
     * @param name the name, case-insensitive
     * @return the kind
     * @throws IllegalArgumentException for an unknown name
     */
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
