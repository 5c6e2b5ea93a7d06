package dev.softmax.testutil;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.SoftmaxCrossEntropy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small reproducible problems for tests: iris (raw, z-scored, or as an objective) and seeded random problems. */
public final class TestProblems {

    /** The shipped iris file, relative to the project root (Surefire's working directory). */
    public static final Path IRIS = Path.of("notebooks-data", "iris.csv");

    private TestProblems() {
    }

    /** Features {@code [n,d]} with entries N(0, scale^2) from {@code seed}. */
    public static INDArray randomFeatures(int n, int d, double scale, long seed, DataType type) {
        Random random = new Random(seed);
        double[] values = new double[n * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * random.nextGaussian();
        }
        return Nd4j.create(values, new long[] {n, d}, type);
    }

    /** Labels in {@code [0,K)}, every class present when {@code n >= K}. */
    public static int[] randomLabels(int n, int k, long seed) {
        Random random = new Random(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i < k ? i : random.nextInt(k);
        }
        return labels;
    }

    /** A vector of length {@code m} with entries N(0, scale^2). */
    public static INDArray randomVector(long m, double scale, long seed, DataType type) {
        Random random = new Random(seed);
        double[] values = new double[(int) m];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * random.nextGaussian();
        }
        return Nd4j.create(values, new long[] {m}, type);
    }

    /** All of iris in the given type, raw features. */
    public static Dataset iris(DataType type) {
        try {
            return CsvDatasetReader.read(IRIS, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All of iris with z-scored features. */
    public static Dataset standardizedIris(DataType type) {
        Dataset raw = iris(type);
        return raw.withFeatures(FeatureScaler.standard(raw.features()).transform(raw.features()));
    }

    /** Iris from {@code notebooks-data/iris.csv}, z-scored, as a DOUBLE objective with L2 {@code lambda}. */
    public static SoftmaxCrossEntropy iris(double lambda) {
        Dataset data = irisDataset(DataType.DOUBLE);
        INDArray x = FeatureScaler.standard(data.features()).transform(data.features());
        return new SoftmaxCrossEntropy(x, data.labels(), data.numClasses(), lambda);
    }

    /** The raw iris data set. */
    public static Dataset irisDataset(DataType type) {
        try {
            return CsvDatasetReader.read(Path.of("notebooks-data", "iris.csv"), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A random DOUBLE problem: Gaussian features whose class means differ (so the classes overlap but are not
     * separable), labels drawn uniformly, seeded.
     */
    public static SoftmaxCrossEntropy random(int n, int d, int k, double lambda, long seed) {
        Dataset data = randomData(n, d, k, seed);
        return new SoftmaxCrossEntropy(data.features(), data.labels(), k, lambda);
    }

    /** The data behind {@link #random}: DOUBLE features {@code [n,d]}, labels in {@code [0,k)}. */
    public static Dataset randomData(int n, int d, int k, long seed) {
        Random random = new Random(seed);
        int[] labels = new int[n];
        double[] flat = new double[n * d];
        double[][] means = new double[k][d];
        for (int c = 0; c < k; c++) {
            for (int j = 0; j < d; j++) {
                means[c][j] = random.nextGaussian();
            }
        }
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(k);
            for (int j = 0; j < d; j++) {
                flat[i * d + j] = means[labels[i]][j] + 1.5 * random.nextGaussian();
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            names.add("class" + c);
        }
        return new Dataset(Nd4j.create(flat, new long[] {n, d}, DataType.DOUBLE), labels, names);
    }

    /** A seeded Gaussian vector of the objective's dimension, scaled by {@code scale}. */
    public static INDArray randomPoint(SoftmaxCrossEntropy objective, double scale, long seed) {
        Random random = new Random(seed);
        double[] v = new double[(int) objective.dimension()];
        for (int i = 0; i < v.length; i++) {
            v[i] = scale * random.nextGaussian();
        }
        return Nd4j.create(v, new long[] {v.length}, objective.dataType());
    }
}
