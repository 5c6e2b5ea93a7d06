package dev.softmax.loss;

import dev.softmax.optim.DifferentiableObjective;
import dev.softmax.optim.ValueAndGradient;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The L2-regularised softmax cross-entropy (multinomial logistic regression) objective
 * <pre>
 *   J(W,b) = (1/n) * sum_i -log softmax(x_i W + b)[y_i] + (lambda/2) * ||W||_F^2
 * </pre>
 * with the bias not regularised. This is scikit-learn's
 * {@code LogisticRegression(multi_class="multinomial", C = 1/(lambda*n))}.
 *
 * <h2>Conventions</h2>
 * <ul>
 *   <li>{@code X} is {@code [n,d]}, one row per sample, float32 or float64; the parameters θ have the same
 *       type. Sums that produce the objective value are accumulated in double either way.</li>
 *   <li>Labels are {@code int[n]} in {@code [0,K)}.</li>
 *   <li>θ is laid out by {@link ParameterLayout}: {@code [(d+1),K]} in {@code 'c'} order, last row {@code b}.</li>
 *   <li>With {@code Z = X W + 1 b^T} and {@code P = softmax(Z)} row-wise, {@code Y} the one-hot labels:
 *       {@code dJ/dW = X^T (P - Y) / n + lambda W} and {@code dJ/db = 1^T (P - Y) / n}.</li>
 * </ul>
 *
 * <p>The forward pass is one GEMM ({@code X W}) and the backward pass one GEMM ({@code X^T (P - Y)} with the
 * transpose given to BLAS as a flag, no copy of {@code X}). The {@code [n,K]} work buffers are allocated once
 * and reused by every call, so one instance must not be used from several threads at once.
 */
public final class SoftmaxCrossEntropy implements DifferentiableObjective {

    private final INDArray features;
    private final int[] labels;
    private final INDArray oneHot;
    private final double lambda;
    private final ParameterLayout layout;
    private final int numSamples;
    private final INDArray logits;
    private final INDArray scratch;

    /**
     * @param features {@code X [n,d]}, float or double; kept by reference, not copied, and never mutated
     * @param labels   {@code y [n]}, each in {@code [0, numClasses)}; copied
     * @param numClasses {@code K >= 2}
     * @param lambda   L2 strength {@code >= 0} on {@code W}
     */
    public SoftmaxCrossEntropy(INDArray features, int[] labels, int numClasses, double lambda) {
        if (features.rank() != 2) {
            throw new IllegalArgumentException("features must be an [n,d] matrix, got shape "
                    + Arrays.toString(features.shape()));
        }
        DataType type = features.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("features must be FLOAT or DOUBLE, got " + type);
        }
        if (features.rows() != labels.length) {
            throw new IllegalArgumentException("features have " + features.rows() + " rows but there are "
                    + labels.length + " labels");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException("need at least one sample");
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be finite and >= 0, got " + lambda);
        }
        this.layout = new ParameterLayout((int) features.columns(), numClasses);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0,"
                        + numClasses + ")");
            }
        }
        this.features = features.isView() || features.ordering() != 'c' ? features.dup('c') : features;
        this.labels = labels.clone();
        this.numSamples = labels.length;
        this.lambda = lambda;
        this.oneHot = oneHot(this.labels, numClasses, type);
        this.logits = Nd4j.createUninitialized(type, numSamples, numClasses);
        this.scratch = Nd4j.createUninitialized(type, numSamples, numClasses);
    }

    /** One-hot matrix {@code [n,K]} of the labels, built without a per-element INDArray put. */
    static INDArray oneHot(int[] labels, int numClasses, DataType type) {
        double[] flat = new double[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            flat[i * numClasses + labels[i]] = 1.0;
        }
        return Nd4j.create(flat, new long[] {labels.length, numClasses}, type);
    }

    /** The parameter layout ({@code d}, {@code K}). */
    public ParameterLayout layout() {
        return layout;
    }

    /** Number of samples {@code n}. */
    public int numSamples() {
        return numSamples;
    }

    /** The regularisation strength {@code lambda}. */
    public double lambda() {
        return lambda;
    }

    /** The data type of the features and parameters. */
    public DataType dataType() {
        return features.dataType();
    }

    @Override
    public long dimension() {
        return layout.dimension();
    }

    @Override
    public double value(INDArray theta) {
        checkTheta(theta);
        return dataTerm(theta) + penalty(theta);
    }

    @Override
    public ValueAndGradient valueAndGradient(INDArray theta) {
        checkTheta(theta);
        double value = dataTerm(theta) + penalty(theta);
        // logits now holds Z - rowmax(Z); turn it into P - Y in place.
        Transforms.exp(logits, false);
        logits.diviColumnVector(logits.sum(true, 1));
        logits.subi(oneHot);

        INDArray gradient = layout.zeros(theta.dataType());
        INDArray gradW = layout.weights(gradient);
        Nd4j.gemm(features, logits, gradW, true, false, 1.0 / numSamples, 0.0);
        if (lambda != 0) {
            gradW.addi(layout.weights(theta).mul(lambda));
        }
        layout.bias(gradient).assign(logits.sum(true, 0).divi(numSamples));
        return new ValueAndGradient(value, gradient);
    }

    /**
     * Mean cross-entropy {@code (1/n) sum_i [logsumexp(z_i) - z_{i,y_i}]}. Leaves {@code logits} holding
     * {@code Z - rowmax(Z)}, which the gradient continues from.
     */
    private double dataTerm(INDArray theta) {
        Nd4j.gemm(features, layout.weights(theta), logits, false, false, 1.0, 0.0);
        logits.addiRowVector(layout.bias(theta));
        logits.subiColumnVector(logits.max(true, 1));
        // log-sum-exp of the shifted logits, per row; the row max cancels against the picked logit.
        INDArray logSumExp = Transforms.log(Transforms.exp(scratch.assign(logits), false).sum(true, 1), false);
        INDArray picked = scratch.assign(logits).muli(oneHot).sum(true, 1);
        return logSumExp.subi(picked).castTo(DataType.DOUBLE).sumNumber().doubleValue() / numSamples;
    }

    private double penalty(INDArray theta) {
        if (lambda == 0) {
            return 0;
        }
        INDArray w = layout.weights(theta).castTo(DataType.DOUBLE);
        return 0.5 * lambda * w.mul(w).sumNumber().doubleValue();
    }

    private void checkTheta(INDArray theta) {
        if (theta.dataType() != features.dataType()) {
            throw new IllegalArgumentException("parameters are " + theta.dataType() + " but features are "
                    + features.dataType());
        }
        if (theta.length() != layout.dimension()) {
            throw new IllegalArgumentException("parameter vector must have length (d+1)*K = " + layout.dimension()
                    + ", got " + theta.length());
        }
    }
}
