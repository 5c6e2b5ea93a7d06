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

/** Objectives the optimizer tests share: iris, and seeded random problems. */
public final class TestProblems {

    private TestProblems() {
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
