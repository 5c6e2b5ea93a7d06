package dev.softmax.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How the weights {@code W [d,K]} and the bias {@code b [K]} sit in one flat parameter vector.
 *
 * <p>The flat vector θ has length {@code (d+1)·K} and is the {@code 'c'}-order flattening of the
 * {@code [(d+1),K]} matrix whose first {@code d} rows are {@code W} and whose last row is {@code b}.
 * Every accessor returns a <em>view</em> into θ, never a copy, so writing into a view writes into θ.
 *
 * @param features the number of features {@code d}, {@code >= 1}
 * @param classes  the number of classes {@code K}, {@code >= 2}
 */
public record ParameterLayout(int features, int classes) {

    /**
     * Validates the sizes.
     *
     * @param features the number of features {@code d}, {@code >= 1}
     * @param classes  the number of classes {@code K}, {@code >= 2}
     */
    public ParameterLayout {
        if (features < 1) {
            throw new IllegalArgumentException("features must be >= 1, got " + features);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
    }

    /**
     * Length of θ: {@code (features + 1) * classes}.
     *
     * @return the length of θ
     */
    public long dimension() {
        return (long) (features + 1) * classes;
    }

    /**
     * A new all-zero θ of the given type.
     *
     * @param dataType the type of θ
     * @return the zero vector, length {@link #dimension()}
     */
    public INDArray zeros(DataType dataType) {
        return Nd4j.zeros(dataType, dimension());
    }

    /**
     * View of θ as the {@code [(d+1),K]} matrix (last row is the bias).
     *
     * @param theta the parameters, a vector of length {@link #dimension()}
     * @return the matrix view
     */
    public INDArray matrix(INDArray theta) {
        checkLength(theta);
        return theta.reshape('c', features + 1, classes);
    }

    /**
     * View of the weights {@code W [d,K]} inside θ.
     *
     * @param theta the parameters, a vector of length {@link #dimension()}
     * @return the view of {@code W}
     */
    public INDArray weights(INDArray theta) {
        return matrix(theta).get(NDArrayIndex.interval(0, features), NDArrayIndex.all());
    }

    /**
     * View of the bias {@code b} inside θ, shape {@code [1,K]}.
     *
     * @param theta the parameters, a vector of length {@link #dimension()}
     * @return the view of {@code b}
     */
    public INDArray bias(INDArray theta) {
        return matrix(theta).get(NDArrayIndex.interval(features, features + 1), NDArrayIndex.all());
    }

    /**
     * Packs {@code W [d,K]} and {@code b [K]} (or {@code [1,K]}) into a new θ of W's data type.
     * Neither argument is mutated.
     *
     * @param weights {@code W [d,K]}
     * @param bias    {@code b}, {@code K} entries
     * @return the new θ
     */
    public INDArray pack(INDArray weights, INDArray bias) {
        if (weights.rank() != 2 || weights.rows() != features || weights.columns() != classes) {
            throw new IllegalArgumentException("weights must be [" + features + "," + classes + "], got "
                    + java.util.Arrays.toString(weights.shape()));
        }
        if (bias.length() != classes) {
            throw new IllegalArgumentException("bias must have " + classes + " entries, got " + bias.length());
        }
        INDArray theta = zeros(weights.dataType());
        weights(theta).assign(weights);
        bias(theta).assign(bias.reshape(1, classes).castTo(weights.dataType()));
        return theta;
    }

    private void checkLength(INDArray theta) {
        if (theta.length() != dimension()) {
            throw new IllegalArgumentException("parameter vector must have length (d+1)*K = " + dimension()
                    + " for d=" + features + ", K=" + classes + ", got " + theta.length());
        }
        if (!theta.isVector() && !theta.isScalar()) {
            throw new IllegalArgumentException("parameter vector must be 1-D, got shape "
                    + java.util.Arrays.toString(theta.shape()));
        }
    }
}
