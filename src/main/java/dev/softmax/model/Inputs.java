package dev.softmax.model;

import dev.softmax.Blas;
import dev.softmax.data.FeatureValuesException;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Boundary checks and conversions for the Java-array entry points of {@link Trainer} and
 * {@link SoftmaxRegression}. Every problem becomes an {@link IllegalArgumentException} that names the row and
 * column and says what was expected, before anything is handed to ND4J.
 */
final class Inputs {

    /** Pass as {@code expectedColumns} when any (consistent) feature count is fine. */
    static final int ANY = -1;

    private Inputs() {
    }

    /**
     * Copies {@code x [n][d]} into a {@code 'c'}-order {@code [n,d]} array of {@code type}.
     *
     * @param expectedColumns the required {@code d}, or {@link #ANY}
     */
    static INDArray matrix(double[][] x, int expectedColumns, DataType type) {
        if (x == null) {
            throw new NullPointerException("features must not be null");
        }
        checkNoNullRow(x);
        int d = checkShape(x.length, x.length == 0 ? 0 : x[0].length, expectedColumns);
        double[] flat = new double[Math.multiplyExact(x.length, d)];
        for (int i = 0; i < x.length; i++) {
            checkRow(x[i].length, i, d);
            for (int j = 0; j < d; j++) {
                double v = x[i][j];
                if (!Double.isFinite(v)) {
                    throw nonFinite(v, i, j);
                }
                if (type == DataType.FLOAT && Math.abs(v) > Float.MAX_VALUE) {
                    throw outOfFloatRange("feature " + j + " of row " + i + " is " + v);
                }
                flat[i * d + j] = v;
            }
        }
        return Nd4j.create(flat, new long[] {x.length, d}, type);
    }

    /** As {@link #matrix(double[][], int, DataType)}, for float rows. */
    static INDArray matrix(float[][] x, int expectedColumns, DataType type) {
        if (x == null) {
            throw new NullPointerException("features must not be null");
        }
        checkNoNullRow(x);
        int d = checkShape(x.length, x.length == 0 ? 0 : x[0].length, expectedColumns);
        float[] flat = new float[Math.multiplyExact(x.length, d)];
        for (int i = 0; i < x.length; i++) {
            checkRow(x[i].length, i, d);
            for (int j = 0; j < d; j++) {
                float v = x[i][j];
                if (!Float.isFinite(v)) {
                    throw nonFinite(v, i, j);
                }
                flat[i * d + j] = v;
            }
        }
        // Created as FLOAT, then cast: Nd4j.create(float[], shape, DOUBLE) is not offered for float data.
        INDArray m = Nd4j.create(flat, new long[] {x.length, d}, 'c');
        return type == DataType.FLOAT ? m : m.castTo(type);
    }

    /** Checks an {@code INDArray} of features: rank 2, floating point, at least one row, all finite. */
    static void check(INDArray x, int expectedColumns) {
        checkShapeAndType(x, expectedColumns);
        checkFinite(x);
    }

    /** Fails when {@code x} holds NaN or infinite values. */
    static void checkFinite(INDArray x) {
        if (!Blas.allFinite(x)) {
            throw new FeatureValuesException("features contain NaN or infinite values; expected finite numbers");
        }
    }

    /**
     * Fails when {@code cast}, {@code original} cast to another type, holds NaN or infinite values, saying whether
     * {@code original} had them or the cast made them (finite doubles beyond float's range).
     */
    static void checkFiniteAfterCast(INDArray original, INDArray cast) {
        if (!Blas.allFinite(cast)) {
            checkFinite(original);
            throw outOfFloatRange("features hold values");
        }
    }

    private static IllegalArgumentException outOfFloatRange(String what) {
        // Both ways of asking for it: a library user has no --dtype (QA).
        return new FeatureValuesException(what + " beyond FLOAT's range (magnitudes up to about 3.4e38); a DOUBLE"
                + " model (Trainer.Builder.dataType(DataType.DOUBLE), or --dtype double on the command line) reads"
                + " them, or use features on a smaller scale");
    }

    /** Checks rank 2, {@code expectedColumns} columns, at least one row and a floating-point type. */
    static void checkShapeAndType(INDArray x, int expectedColumns) {
        if (x == null) {
            throw new NullPointerException("features must not be null");
        }
        if (x.rank() != 2) {
            throw new IllegalArgumentException("expected features of shape [n," + describe(expectedColumns)
                    + "], got shape " + Arrays.toString(x.shape()));
        }
        checkShape((int) x.rows(), (int) x.columns(), expectedColumns);
        if (!x.dataType().isFPType()) {
            throw new IllegalArgumentException("features must be floating point, got " + x.dataType());
        }
    }

    private static int checkShape(int rows, int columns, int expectedColumns) {
        if (rows == 0) {
            throw new IllegalArgumentException("features are empty; expected at least one row of "
                    + describe(expectedColumns) + " features");
        }
        if (expectedColumns != ANY && columns != expectedColumns) {
            throw new IllegalArgumentException("expected " + expectedColumns + " features per row, got " + columns);
        }
        if (columns == 0) {
            throw new IllegalArgumentException("rows have no features; expected at least one");
        }
        return columns;
    }

    private static void checkRow(int length, int row, int d) {
        if (length != d) {
            throw new IllegalArgumentException("row " + row + " has " + length + " features; expected " + d
                    + " like row 0");
        }
    }

    private static void checkNoNullRow(Object[] rows) {
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) {
                throw new NullPointerException("row " + i + " of the features is null");
            }
        }
    }

    private static IllegalArgumentException nonFinite(double v, int row, int column) {
        return new IllegalArgumentException("feature " + column + " of row " + row + " is " + v
                + "; expected a finite number");
    }

    private static String describe(int expectedColumns) {
        return expectedColumns == ANY ? "d" : Integer.toString(expectedColumns);
    }
}
