package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.softmax.testutil.TestProblems;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SplitsAndScalingTest {

    @Test
    void subsetCopiesTheGivenRowsInOrderFromAnyLayout() {
        int[] rows = {4, 0, 4, 2};
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            INDArray c = Nd4j.linspace(type, 1, 18, 1).reshape('c', 6, 3);
            INDArray view = Nd4j.linspace(type, 1, 36, 1).reshape('c', 6, 6).get(NDArrayIndex.all(),
                    NDArrayIndex.interval(1, 4));
            for (INDArray source : new INDArray[] {c, c.dup('f'), view}) {
                Dataset data = new Dataset(source, new int[] {0, 1, 0, 1, 0, 1}, java.util.List.of("a", "b"));
                Dataset sub = data.subset(rows);
                assertArrayEquals(new long[] {4, 3}, sub.features().shape());
                assertEquals(type, sub.features().dataType());
                assertArrayEquals(new int[] {0, 0, 0, 0}, sub.labels());
                for (int i = 0; i < rows.length; i++) {
                    assertEquals(source.getRow(rows[i]), sub.features().getRow(i), "row " + i + " of " + type);
                }
                double before = sub.features().getDouble(0, 0);
                source.putScalar(4, 0, -99);
                assertEquals(before, sub.features().getDouble(0, 0), "a copy, not a view");
            }
        }
        Dataset three = new Dataset(Nd4j.zeros(DataType.FLOAT, 3, 2), new int[3], java.util.List.of("a"));
        assertEquals(0, three.subset(new int[0]).numSamples());
        assertThrows(IllegalArgumentException.class, () -> three.subset(new int[] {0, 3}));
        assertThrows(IllegalArgumentException.class, () -> three.subset(new int[] {-1}));
    }

    @Test
    void stratifiedSplitKeepsClassProportionsAndCoversEveryRowOnce() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2;
        }
        Splits.Split split = Splits.stratified(labels, 3, 0.2, 7);
        int[] testCounts = new int[3];
        for (int row : split.test()) {
            testCounts[labels[row]]++;
        }
        assertArrayEquals(new int[] {12, 6, 2}, testCounts);
        int[] all = IntStream.concat(Arrays.stream(split.train()), Arrays.stream(split.test())).sorted().toArray();
        assertArrayEquals(IntStream.range(0, 100).toArray(), all);
    }

    /** The test part gets round(f n) rows in all, and a class of one row keeps it while others can give theirs. */
    @Test
    void theTestPartGetsTheFractionAskedForAndSmallClassesKeepTheirRow() {
        // Classes of 5, 5, 1, 1, 1 rows (13): at 0.5, 6.5 rounds to 7 test rows; per class rounding gave 3+3+1+1+1.
        int[] labels = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 4};
        Splits.Split half = Splits.stratified(labels, 5, 0.5, 3);
        assertEquals(7, half.test().length);
        int[] testPerClass = new int[5];
        for (int i : half.test()) {
            testPerClass[labels[i]]++;
        }
        // 2.5 each from the classes of 5: floors 2 and 2, then the remainders, those classes keeping training rows.
        assertEquals(3, testPerClass[0], java.util.Arrays.toString(testPerClass));
        assertEquals(3, testPerClass[1], java.util.Arrays.toString(testPerClass));
        assertEquals(1, testPerClass[2] + testPerClass[3] + testPerClass[4],
                "two of the three one-row classes keep their row: " + java.util.Arrays.toString(testPerClass));
        // Whole numbers per class are taken as they are (iris: 10 of each 50 at 0.2).
        int[] iris = new int[150];
        for (int i = 0; i < 150; i++) {
            iris[i] = i / 50;
        }
        assertEquals(30, Splits.stratified(iris, 3, 0.2, 42).test().length);
        assertEquals(0, Splits.stratified(labels, 5, 0.0, 1).test().length);
    }

    @Test
    void sameSeedSameSplitOtherSeedOtherSplit() {
        int[] labels = TestProblems.randomLabels(200, 4, 1);
        Splits.Split a = Splits.stratified(labels, 4, 0.25, 42);
        Splits.Split b = Splits.stratified(labels, 4, 0.25, 42);
        Splits.Split c = Splits.stratified(labels, 4, 0.25, 43);
        assertArrayEquals(a.test(), b.test());
        assertFalse(Arrays.equals(a.test(), c.test()));
        assertThrows(IllegalArgumentException.class, () -> Splits.stratified(labels, 4, 1.0, 1));
    }

    @Test
    void standardScalerGivesZeroMeanUnitVarianceAndLeavesConstantColumnsFinite() {
        INDArray x = Nd4j.create(new double[][] {{1, 10, 5}, {2, 20, 5}, {3, 60, 5}});
        FeatureScaler scaler = FeatureScaler.standard(x);
        INDArray z = scaler.transform(x);
        assertArrayEquals(new double[] {0, 0, 0}, z.mean(0).toDoubleVector(), 1e-15);
        assertArrayEquals(new double[] {1, 1, 0}, z.std(false, 0).toDoubleVector(), 1e-14);
        assertEquals(x, Nd4j.create(new double[][] {{1, 10, 5}, {2, 20, 5}, {3, 60, 5}}), "input not mutated");
    }

    @Test
    void standardScalerTakesFiniteValuesWhoseSumsOverflow() {
        // QA: a column of 1, 1e308, 5, -1e308 was refused as "a mean of 0.0 and a standard deviation of Infinity".
        double[][] rows = {{1, 1e308, 1.7e308, 2}, {1e308, 1e308, 1.7e308, 4}, {5, 1e308, -1.7e308, 6},
            {-1e308, 1e308, -1.7e308, 8}};
        FeatureScaler scaler = FeatureScaler.standard(Nd4j.create(rows));
        for (int j = 0; j < 4; j++) {
            java.math.BigDecimal sum = java.math.BigDecimal.ZERO;
            for (double[] row : rows) {
                sum = sum.add(new java.math.BigDecimal(row[j]));
            }
            java.math.BigDecimal mean = sum.divide(java.math.BigDecimal.valueOf(rows.length));
            java.math.BigDecimal squares = java.math.BigDecimal.ZERO;
            for (double[] row : rows) {
                java.math.BigDecimal deviation = new java.math.BigDecimal(row[j]).subtract(mean);
                squares = squares.add(deviation.multiply(deviation));
            }
            double std = squares.divide(java.math.BigDecimal.valueOf(rows.length))
                    .sqrt(java.math.MathContext.DECIMAL64).doubleValue();
            int column = j;
            double magnitude = Arrays.stream(rows).mapToDouble(row -> Math.abs(row[column])).max().orElseThrow();
            assertEquals(mean.doubleValue(), scaler.shift()[j], 1e-15 * magnitude, "mean of feature " + j);
            assertEquals(std == 0 ? 1.0 : std, scaler.scale()[j], 1e-15 * magnitude, "scale of feature " + j);
        }
        INDArray z = scaler.transform(Nd4j.create(rows));
        assertArrayEquals(new double[] {1, 0, 1, 1}, z.std(false, 0).toDoubleVector(), 1e-14);
        // QA: 1.2e308 three times and -1.2e308 once: the mean was right, but -1.2e308 - 6e307 overflowed in
        // transform, and training ended in NaN.
        for (DataType type : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double big = type == DataType.DOUBLE ? 1.2e308 : 3e38;
            INDArray lopsided = Nd4j.create(new double[][] {{big, 1}, {big, 2}, {big, 3}, {-big, 4}}).castTo(type);
            INDArray scaled = FeatureScaler.standard(lopsided).transform(lopsided);
            double root3 = Math.sqrt(3);
            assertArrayEquals(new double[] {1 / root3, 1 / root3, 1 / root3, -root3},
                    scaled.getColumn(0).toDoubleVector(), 1e-6, type.toString());
            assertArrayEquals(FeatureScaler.standard(Nd4j.create(new double[][] {{1}, {2}, {3}, {4}}).castTo(type))
                    .transform(Nd4j.create(new double[][] {{1}, {2}, {3}, {4}}).castTo(type)).toDoubleVector(),
                    scaled.getColumn(1).toDoubleVector(), 0.0, "the other column's bits, as without the huge one");
        }
        assertThrows(FeatureValuesException.class, () -> FeatureScaler.standard(Nd4j.create(new double[][] {
            {1e308, 1}, {Double.POSITIVE_INFINITY, 2}})));
        assertThrows(FeatureValuesException.class, () -> FeatureScaler.standard(Nd4j.create(new double[][] {
            {1e308, 1}, {Double.NaN, 2}})));
    }

    @Test
    void unitScalerDividesAndNoneCopies() {
        INDArray pixels = Nd4j.create(new float[][] {{0, 255}, {51, 102}});
        assertArrayEquals(new float[] {0.2f, 0.4f}, FeatureScaler.unit(2, 255).transform(pixels).getRow(1).toFloatVector(), 1e-7f);
        INDArray copy = FeatureScaler.none(2).transform(pixels);
        assertEquals(pixels, copy);
        assertThrows(IllegalArgumentException.class, () -> FeatureScaler.none(3).transform(pixels));
        assertEquals(DataType.FLOAT, FeatureScaler.standard(pixels).transform(pixels).dataType());
    }
}
