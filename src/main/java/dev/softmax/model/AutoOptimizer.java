package dev.softmax.model;

import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.Lbfgs;
import dev.softmax.optim.Newton;
import dev.softmax.optim.NewtonCg;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.StoppingCriteria;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Chooses {@link Newton}, {@link NewtonCg} or {@link Lbfgs} (each with its default settings) from the problem's
 * shape, by the rule of the command line's {@code --optimizer auto}, and runs it. The default optimizer of
 * {@link Trainer#builder()}.
 *
 * <p>The rule ({@link #choose}): {@code newton} when {@code (d+1)K <= }{@value #NEWTON_MAX_PARAMETERS} and the
 * dense Hessian fits the objective's {@linkplain SoftmaxCrossEntropy#hessianBudgetBytes() budget} (a few Cholesky
 * factorisations are then cheap and the answer is precise); above that {@code newton-cg} while {@code d + 1 <= }
 * {@link SoftmaxCrossEntropy#KRONECKER_MAX_FEATURES}, where its eigenbasis preconditioner applies (it reached the
 * optimum in 5 to 20 iterations on every problem measured, where {@code lbfgs} took hundreds and at times stopped
 * at 1000 iterations or far short of the optimum); with more features {@code lbfgs}, which needs only gradients.
 * Stateless and thread-safe.
 */
public final class AutoOptimizer implements Optimizer<SoftmaxCrossEntropy> {

    /** Largest parameter count {@code (d+1)K} for which {@code newton} is chosen. */
    public static final long NEWTON_MAX_PARAMETERS = 2000;

    /** The methods the rule chooses between. */
    public enum Method {
        /** {@link Newton}: the dense Hessian and a Cholesky factorisation per iteration. */
        NEWTON,
        /** {@link NewtonCg}: preconditioned conjugate gradient on Hessian-vector products. */
        NEWTON_CG,
        /** {@link Lbfgs}: gradients only. */
        LBFGS;

        /**
         * A new instance of this method with its default settings.
         *
         * @return the optimizer
         */
        public Optimizer<? super SoftmaxCrossEntropy> create() {
            return switch (this) {
                case NEWTON -> new Newton();
                case NEWTON_CG -> new NewtonCg();
                case LBFGS -> new Lbfgs();
            };
        }
    }

    /**
     * A choice and why it was made.
     *
     * @param method the method chosen
     * @param reason why, in words for the user (the shape, the budget and the limits compared)
     */
    public record Choice(Method method, String reason) {
        /**
         * Checks that both parts are given.
         *
         * @param method the method chosen, not {@code null}
         * @param reason why, not {@code null}
         */
        public Choice {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The rule with default settings for the method it chooses. */
    public AutoOptimizer() {
    }

    /**
     * Applies the rule to a problem with {@code features} inputs and {@code classes} classes.
     *
     * @param features           the number of features {@code d}, {@code >= 1}
     * @param classes            the number of classes {@code K}, {@code >= 2}
     * @param hessianBudgetBytes the largest dense Hessian allowed, in bytes, {@code > 0}
     * @return the method and why it was chosen
     * @throws IllegalArgumentException for a non-positive size or budget
     */
    public static Choice choose(int features, int classes, long hessianBudgetBytes) {
        if (features < 1 || classes < 2 || hessianBudgetBytes <= 0) {
            throw new IllegalArgumentException("need features >= 1, classes >= 2 and a budget > 0, got " + features
                    + ", " + classes + " and " + hessianBudgetBytes);
        }
        long parameters = (long) (features + 1) * classes;
        long hessianBytes = SoftmaxCrossEntropy.denseHessianBytes(features, classes);
        String tooLarge;
        if (parameters > NEWTON_MAX_PARAMETERS) {
            tooLarge = "(d+1)K = " + parameters + " parameters > " + NEWTON_MAX_PARAMETERS
                    + ", too many for dense Newton steps";
        } else if (hessianBytes > hessianBudgetBytes) {
            tooLarge = hessianWords(hessianBytes, hessianBudgetBytes) + ": the Hessian does not fit";
        } else {
            return new Choice(Method.NEWTON, "(d+1)K = " + parameters + " parameters <= " + NEWTON_MAX_PARAMETERS
                    + ", " + hessianWords(hessianBytes, hessianBudgetBytes)
                    + ": exact Newton converges in a few iterations");
        }
        long inputs = features + 1L;
        int most = SoftmaxCrossEntropy.KRONECKER_MAX_FEATURES;
        if (inputs <= most) {
            return new Choice(Method.NEWTON_CG, tooLarge + "; d+1 = " + inputs + " <= " + most
                    + ", so newton-cg's eigenbasis preconditioner applies: it converges in a few iterations");
        }
        return new Choice(Method.LBFGS, tooLarge + "; d+1 = " + inputs + " > " + most
                + ", too many for newton-cg's eigenbasis preconditioner; L-BFGS needs only gradients");
    }

    /**
     * Applies the rule to {@code objective}'s shape and Hessian budget.
     *
     * @param objective the objective to be minimised
     * @return the method and why it was chosen
     */
    public static Choice choose(SoftmaxCrossEntropy objective) {
        return choose(objective.layout().features(), objective.layout().classes(), objective.hessianBudgetBytes());
    }

    private static String hessianWords(long hessianBytes, long budgetBytes) {
        return "dense Hessian " + SoftmaxCrossEntropy.formatBytes(hessianBytes) + ", Hessian budget "
                + SoftmaxCrossEntropy.formatBytes(budgetBytes);
    }

    /** {@code auto}; the result's history is the chosen method's (see {@link #choose}). */
    @Override
    public String name() {
        return "auto";
    }

    /**
     * The optimizer this rule runs for {@code objective}: {@link #choose(SoftmaxCrossEntropy)}'s method, with its
     * defaults.
     *
     * @param objective the objective to be minimised
     * @return a new instance of the chosen method
     */
    public static Optimizer<? super SoftmaxCrossEntropy> optimizerFor(SoftmaxCrossEntropy objective) {
        return choose(objective).method().create();
    }

    /** Runs {@link #optimizerFor(SoftmaxCrossEntropy)} on {@code objective}. */
    @Override
    public OptimizationResult minimize(SoftmaxCrossEntropy objective, INDArray start, StoppingCriteria stop,
                                       IterationListener listener) {
        return optimizerFor(objective).minimize(objective, start, stop, listener);
    }
}
