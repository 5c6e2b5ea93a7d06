package dev.softmax.data;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A per-feature affine map {@code x' = (x - shift) / scale}, fitted on training data and kept with the model so
 * that raw features can be given at prediction time. Covers no scaling (shift 0, scale 1), pixel scaling
 * (shift 0, scale 255) and z-scores (shift = mean, scale = standard deviation).
 *
 * @param kind  how it was made
 * @param shift {@code double[d]}
 * @param scale {@code double[d]}, all {@code > 0}
 */
public record FeatureScaler(Kind kind, double[] shift, double[] scale) {

    /** How a scaler was made. */
    public enum Kind {
        /** Identity. */
        NONE,
        /** Divide by a constant (pixels by 255). */
        UNIT,
        /** Z-score per feature. */
        STANDARD
    }

    /**
     * Validates the vectors.
     *
     * @param kind  how it was made, not null
     * @param shift {@code double[d]}, all finite; copied
     * @param scale {@code double[d]}, all finite and {@code > 0}; copied
     */
    public FeatureScaler {
        java.util.Objects.requireNonNull(kind, "kind must not be null");
        java.util.Objects.requireNonNull(shift, "shift must not be null");
        java.util.Objects.requireNonNull(scale, "scale must not be null");
        if (shift.length != scale.length) {
            throw new IllegalArgumentException("shift has " + shift.length + " entries but scale has " + scale.length);
        }
        for (int j = 0; j < shift.length; j++) {
            if (!Double.isFinite(shift[j])) {
                throw new IllegalArgumentException("every shift must be finite, got " + shift[j] + " for feature "
                        + j);
            }
            if (!(scale[j] > 0) || Double.isInfinite(scale[j])) {
                throw new IllegalArgumentException("every scale must be finite and > 0, got " + scale[j]
                        + " for feature " + j);
            }
        }
        shift = shift.clone();
        scale = scale.clone();
    }

    /**
     * The shift per feature, a copy (the model keeps its own).
     *
     * @return {@code double[d]}
     */
    @Override
    public double[] shift() {
        return shift.clone();
    }

    /**
     * The scale per feature, a copy (the model keeps its own).
     *
     * @return {@code double[d]}
     */
    @Override
    public double[] scale() {
        return scale.clone();
    }

    /**
     * The identity on {@code d} features.
     *
     * @param d the number of features, {@code >= 0}
     * @return the scaler
     */
    public static FeatureScaler none(int d) {
        checkFeatureCount(d);
        double[] ones = new double[d];
        Arrays.fill(ones, 1.0);
        return new FeatureScaler(Kind.NONE, new double[d], ones);
    }

    /**
     * Division of every feature by {@code divisor} (255 for 8-bit pixels).
     *
     * @param d       the number of features, {@code >= 0}
     * @param divisor the scale of every feature, finite and {@code > 0}
     * @return the scaler
     */
    public static FeatureScaler unit(int d, double divisor) {
        checkFeatureCount(d);
        double[] scale = new double[d];
        Arrays.fill(scale, divisor);
        return new FeatureScaler(Kind.UNIT, new double[d], scale);
    }

    /**
     * Z-scores fitted on {@code x [n,d]}: mean and population standard deviation per column, in double (columns
     * whose sums overflow, near 1e308, are reduced by a power of two first). A
     * constant column gets scale 1, so it maps to 0 instead of dividing by zero.
     *
     * @param x the training features {@code [n,d]}, {@code n >= 1}, floating point and finite; not mutated
     * @return the scaler
     */
    public static FeatureScaler standard(INDArray x) {
        checkFloatingPoint(x);
        if (x.rank() != 2 || x.rows() < 1) {
            throw new IllegalArgumentException("expected features [n,d] with n >= 1, got shape "
                    + Arrays.toString(x.shape()));
        }
        INDArray xd = x.castTo(DataType.DOUBLE);
        double[] mean = xd.mean(0).toDoubleVector();
        double[] std = xd.std(false, 0).toDoubleVector();
        if (!allFinite(mean) || !allFinite(std)) {
            momentsOfHugeValues(xd, mean, std);
        }
        for (int j = 0; j < std.length; j++) {
            if (!(std[j] > 1e-12 * Math.max(1.0, Math.abs(mean[j])))) {
                std[j] = 1.0;
            }
        }
        return new FeatureScaler(Kind.STANDARD, mean, std);
    }

    /**
     * Mean and standard deviation of columns whose sums overflow (finite values near 1e308): taken on the columns
     * divided by a power of two near their largest magnitude, which is exact, then multiplied back. Refuses a
     * column with NaN or infinite values.
     */
    private static void momentsOfHugeValues(INDArray xd, double[] mean, double[] std) {
        double[] largest = xd.amax(0).toDoubleVector();
        double[] powers = new double[largest.length];
        for (int j = 0; j < largest.length; j++) {
            if (!Double.isFinite(largest[j])) {
                throw notFinite(j, mean[j], std[j]);
            }
            powers[j] = largest[j] > Double.MIN_NORMAL ? Math.scalb(1.0, Math.getExponent(largest[j])) : 1.0;
        }
        INDArray reduced = xd.divRowVector(Nd4j.createFromArray(powers).reshape(1, powers.length));
        double[] reducedMean = reduced.mean(0).toDoubleVector();
        double[] reducedStd = reduced.std(false, 0).toDoubleVector();
        for (int j = 0; j < powers.length; j++) {
            mean[j] = reducedMean[j] * powers[j];
            std[j] = reducedStd[j] * powers[j];
            if (!Double.isFinite(mean[j]) || !Double.isFinite(std[j])) {
                throw notFinite(j, mean[j], std[j]);
            }
        }
    }

    private static FeatureValuesException notFinite(int feature, double mean, double std) {
        return new FeatureValuesException("feature " + feature + " has a mean of " + mean
                + " and a standard deviation of " + std + ": the features must be finite");
    }

    private static boolean allFinite(double[] values) {
        for (double value : values) {
            if (!Double.isFinite(value)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Number of features.
     *
     * @return {@code d}
     */
    public int numFeatures() {
        return shift.length;
    }

    /**
     * Returns {@code (x - shift) / scale} as a new array of {@code x}'s type; {@code x} is not mutated.
     *
     * @param x raw features {@code [n,d]}, floating point
     * @return the scaled features
     */
    public INDArray transform(INDArray x) {
        checkFloatingPoint(x);
        if (x.rank() != 2 || x.columns() != shift.length) {
            throw new IllegalArgumentException("expected [n," + shift.length + "] features, got shape "
                    + Arrays.toString(x.shape()));
        }
        INDArray out = x.dup('c');
        if (kind == Kind.NONE) {
            return out;
        }
        DataType type = x.dataType();
        out.subiRowVector(row(shift, 1, type)).diviRowVector(row(scale, 1, type));
        if (kind == Kind.STANDARD && !Double.isFinite(out.sumNumber().doubleValue())) {
            // x - shift overflowed (values and means of both signs near the type's largest): halved first, the
            // difference cannot overflow, and where it did not, the result has the same bits, as halving is exact
            // (but for subnormal values). Also taken, needlessly but harmlessly, when finite results sum to
            // infinity; the extra pass is small beside the copy, subtraction and division.
            out.assign(x).muli(0.5).subiRowVector(row(shift, 0.5, type)).diviRowVector(row(scale, 0.5, type));
        }
        return out;
    }

    private static INDArray row(double[] values, double factor, DataType type) {
        double[] row = new double[values.length];
        for (int j = 0; j < row.length; j++) {
            row[j] = values[j] * factor;
        }
        return Nd4j.create(row, new long[] {1, row.length}, type);
    }

    private static void checkFeatureCount(int d) {
        if (d < 0) {
            throw new IllegalArgumentException("the number of features must be >= 0, got " + d);
        }
    }

    private static void checkFloatingPoint(INDArray x) {
        java.util.Objects.requireNonNull(x, "features must not be null");
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException("features must be floating point, got " + x.dataType());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureScaler other && kind == other.kind && Arrays.equals(shift, other.shift)
                && Arrays.equals(scale, other.scale);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * kind.hashCode() + Arrays.hashCode(shift)) + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return "FeatureScaler[" + kind + ", d=" + shift.length + "]";
    }
}
