package dev.softmax.cli;

import dev.softmax.loss.SoftmaxCrossEntropy;
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

    /** Largest parameter count {@code (d+1)K} for which {@code auto} picks {@code newton}. */
    public static final long AUTO_NEWTON_MAX_PARAMETERS = 2000;

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
     * Turns this kind into a concrete one for a problem with {@code features} inputs and {@code classes} classes.
     * {@code auto} picks {@code newton} when the dense Hessian fits {@code hessianBudgetBytes} and
     * {@code (d+1)K <= }{@value #AUTO_NEWTON_MAX_PARAMETERS} (then a few Cholesky factorisations are cheap and
     * the answer is precise). Above that it picks {@code newton-cg} while {@code d + 1 <= }
     * {@link SoftmaxCrossEntropy#KRONECKER_MAX_FEATURES}, where its eigenbasis preconditioner applies: it reached
     * the optimum in 5 to 20 iterations on every problem measured, where {@code lbfgs} took hundreds and at times
     * stopped at 1000 (Fashion-MNIST's first 3000 or 10000 rows) or far short of it. With more features the
     * preconditioner is Jacobi's, and {@code lbfgs} (gradients only) is chosen.
     *
     * @param features           the number of features {@code d}
     * @param classes            the number of classes {@code K}
     * @param hessianBudgetBytes the dense-Hessian budget in bytes
     * @return the concrete kind and why it was chosen
     * @throws IllegalArgumentException for {@code newton} when the dense Hessian exceeds the budget
     */
    public Choice resolve(int features, int classes, long hessianBudgetBytes) {
        long parameters = (long) (features + 1) * classes;
        long hessianBytes = SoftmaxCrossEntropy.denseHessianBytes(features, classes);
        String hessian = "dense Hessian " + SoftmaxCrossEntropy.formatBytes(hessianBytes) + ", --hessian-budget "
                + SoftmaxCrossEntropy.formatBytes(hessianBudgetBytes);
        if (this == NEWTON && hessianBytes > hessianBudgetBytes) {
            throw new IllegalArgumentException("newton needs the dense Hessian, " + parameters + " x " + parameters
                    + " doubles = " + SoftmaxCrossEntropy.formatBytes(hessianBytes) + ", above --hessian-budget "
                    + SoftmaxCrossEntropy.formatBytes(hessianBudgetBytes) + "; use --optimizer newton-cg or lbfgs");
        }
        if (this != AUTO) {
            return new Choice(this, "chosen with --optimizer");
        }
        String tooLarge;
        if (parameters > AUTO_NEWTON_MAX_PARAMETERS) {
            tooLarge = "(d+1)K = " + parameters + " parameters > " + AUTO_NEWTON_MAX_PARAMETERS
                    + ", too many for dense Newton steps";
        } else if (hessianBytes > hessianBudgetBytes) {
            tooLarge = hessian + ": the Hessian does not fit";
        } else {
            return new Choice(NEWTON, "(d+1)K = " + parameters + " parameters <= " + AUTO_NEWTON_MAX_PARAMETERS
                    + ", " + hessian + ": exact Newton converges in a few iterations");
        }
        long inputs = features + 1L;
        int most = SoftmaxCrossEntropy.KRONECKER_MAX_FEATURES;
        if (inputs <= most) {
            return new Choice(NEWTON_CG, tooLarge + "; d+1 = " + inputs + " <= " + most
                    + ", so newton-cg's eigenbasis preconditioner applies: it converges in a few iterations");
        }
        return new Choice(LBFGS, tooLarge + "; d+1 = " + inputs + " > " + most
                + ", too many for newton-cg's eigenbasis preconditioner; L-BFGS needs only gradients");
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
