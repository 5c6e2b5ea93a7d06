package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.eval.Metrics;
import dev.softmax.optim.Newton;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.TestProblems;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Sample and class weights through {@link Trainer}: the weighted mean, and scikit-learn's "balanced" semantics. */
class TrainerWeightsTest {

    private static final int MINORITY = 2;

    private final Dataset iris = TestProblems.irisDataset(DataType.DOUBLE);

    private static Trainer.Builder newton() {
        return Trainer.builder().l2(1e-2).dataType(DataType.DOUBLE).optimizer(new Newton())
                .stopping(new StoppingCriteria(50, 1e-11, 0, null));
    }

    /** Iris with the first 45 rows of class 2 removed: 50, 50 and 5 rows. */
    private Dataset imbalanced() {
        int[] seen = new int[1];
        int[] rows = IntStream.range(0, iris.numSamples())
                .filter(i -> iris.labels()[i] != MINORITY || seen[0]++ >= 45).toArray();
        return iris.subset(rows);
    }

    /** The 45 rows {@link #imbalanced()} removed. */
    private Dataset removed() {
        int[] seen = new int[1];
        int[] rows = IntStream.range(0, iris.numSamples())
                .filter(i -> iris.labels()[i] == MINORITY && seen[0]++ < 45).toArray();
        return iris.subset(rows);
    }

    private static double distance(SoftmaxRegression a, SoftmaxRegression b) {
        // Compare probabilities, not parameters: the bias is only defined up to a constant shift.
        return a.weights().sub(b.weights()).norm2Number().doubleValue()
                + centred(a.bias()).sub(centred(b.bias())).norm2Number().doubleValue();
    }

    private static INDArray centred(INDArray bias) {
        return bias.sub(bias.meanNumber());
    }

    @Test
    void balancedWeightsAreTheScikitLearnFormula() {
        Dataset train = imbalanced();
        assertArrayEquals(new int[] {50, 50, 5}, train.classCounts());
        // n / (K count_k) = 105 / (3 * 50) and 105 / (3 * 5): every class has total weight n/K = 35.
        assertArrayEquals(new double[] {0.7, 0.7, 7.0}, newton().balancedClassWeights().build().classWeightsFor(train),
                1e-15);
        assertEquals(null, newton().build().classWeightsFor(train));
    }

    @Test
    void balancedWeightsRaiseTheMinorityClassProbabilityAndRecall() {
        Dataset train = imbalanced();
        SoftmaxRegression plain = newton().build().fit(train);
        SoftmaxRegression balanced = newton().balancedClassWeights().build().fit(train);
        assertTrue(balanced.trainingResult().orElseThrow().converged());

        // The bias is not penalised, so at the optimum its gradient is zero: sum_i s_i (p_ik - y_ik) = 0. Without
        // weights the mean predicted probability of each class is its frequency; with balanced weights every
        // class has the same total weight, so the weighted mean probability of each class is 1/K.
        INDArray plainProba = plain.predictProba(train.features());
        INDArray balancedProba = balanced.predictProba(train.features());
        double[] w = new double[train.numSamples()];
        double[] perClass = {0.7, 0.7, 7.0};
        for (int i = 0; i < w.length; i++) {
            w[i] = perClass[train.labels()[i]];
        }
        double totalWeight = Arrays.stream(w).sum();
        for (int k = 0; k < 3; k++) {
            double mean = plainProba.getColumn(k).meanNumber().doubleValue();
            assertEquals(train.classCounts()[k] / 105.0, mean, 1e-9, "unweighted mean probability of class " + k);
            double weightedMean = 0;
            for (int i = 0; i < w.length; i++) {
                weightedMean += w[i] * balancedProba.getDouble(i, k);
            }
            assertEquals(1.0 / 3, weightedMean / totalWeight, 1e-9, "balanced weighted mean probability of " + k);
        }
        double plainMass = plainProba.getColumn(MINORITY).meanNumber().doubleValue();
        double balancedMass = balancedProba.getColumn(MINORITY).meanNumber().doubleValue();
        assertTrue(balancedMass > 1.5 * plainMass, "minority probability mass " + plainMass + " -> " + balancedMass);

        // On the 45 held-out rows of the minority class, recall goes up.
        Dataset heldOut = removed();
        double plainRecall = Metrics.accuracy(heldOut.labels(), plain.predict(heldOut.features()));
        double balancedRecall = Metrics.accuracy(heldOut.labels(), balanced.predict(heldOut.features()));
        assertTrue(balancedRecall > plainRecall, "minority recall " + plainRecall + " -> " + balancedRecall);
    }

    @Test
    void classWeightsEqualSampleWeightsAndCombineMultiplicatively() {
        Dataset train = imbalanced();
        double[] perClass = {0.7, 0.7, 7.0};
        double[] perRow = new double[train.numSamples()];
        double[] half = new double[train.numSamples()];
        for (int i = 0; i < perRow.length; i++) {
            perRow[i] = perClass[train.labels()[i]];
            half[i] = i % 2 == 0 ? 1.0 : 3.0;
        }
        SoftmaxRegression balanced = newton().balancedClassWeights().build().fit(train);
        SoftmaxRegression explicit = newton().classWeights(perClass).build().fit(train);
        SoftmaxRegression sampled = newton().build().fit(train, perRow);
        assertTrue(distance(balanced, explicit) < 1e-8);
        assertTrue(distance(balanced, sampled) < 1e-8);

        double[] product = new double[perRow.length];
        Arrays.setAll(product, i -> perRow[i] * half[i]);
        SoftmaxRegression combined = newton().classWeights(perClass).build().fit(train, half);
        SoftmaxRegression multiplied = newton().build().fit(train, product);
        assertTrue(distance(combined, multiplied) < 1e-8);

        // QA: sample weights near the largest double times a class weight above 1 were refused as overflowing,
        // balancedClassWeights' own weight named as the culprit; weights count by their ratios only.
        double[] huge = new double[half.length];
        Arrays.setAll(huge, i -> half[i] * (Double.MAX_VALUE / 4));
        SoftmaxRegression hugeCombined = newton().classWeights(perClass).build().fit(train, huge);
        assertTrue(distance(combined, hugeCombined) < 1e-8, "distance " + distance(combined, hugeCombined));
        double[] maxed = new double[half.length];
        Arrays.fill(maxed, Double.MAX_VALUE);
        assertTrue(distance(balanced, newton().balancedClassWeights().build().fit(train, maxed)) < 1e-8);
    }

    @Test
    void sampleWeightTwoEqualsTheRowDuplicatedThroughEveryFitOverload() {
        // Z-scoring uses the unweighted training mean, which duplication changes; without scaling the two problems
        // are the same objective.
        Trainer trainer = newton().scaling(Trainer.Scaling.NONE).build();
        double[][] x = new double[iris.numSamples()][];
        String[] names = new String[iris.numSamples()];
        for (int i = 0; i < x.length; i++) {
            x[i] = iris.features().getRow(i).toDoubleVector();
            names[i] = iris.classNames().get(iris.labels()[i]);
        }
        double[] w = new double[x.length];
        Arrays.fill(w, 1.0);
        w[60] = 2.0;
        int[] rows = IntStream.concat(IntStream.range(0, x.length), IntStream.of(60)).toArray();
        SoftmaxRegression duplicated = trainer.fit(iris.subset(rows));
        assertTrue(distance(duplicated, trainer.fit(iris, w)) < 1e-8);
        assertTrue(distance(duplicated, trainer.fit(x, iris.labels(), w)) < 1e-8);
        assertTrue(distance(duplicated, trainer.fit(x, names, w)) < 1e-8);
        assertTrue(distance(duplicated, trainer.fit(iris.features(), iris.labels(), w)) < 1e-8);
    }

    @Test
    void invalidWeightsAreRejectedWithTheReason() {
        Trainer trainer = newton().build();
        double[] w = new double[iris.numSamples()];
        Arrays.fill(w, 1.0);
        assertMessage("expected one sample weight per row (150), got 3", () -> trainer.fit(iris, new double[3]));
        w[5] = -2;
        assertMessage("sample weight -2.0 at row 5 is not a finite number >= 0", () -> trainer.fit(iris, w));
        w[5] = Double.NaN;
        assertMessage("sample weight NaN at row 5 is not a finite number >= 0", () -> trainer.fit(iris, w));
        assertMessage("the sample weights are all zero", () -> trainer.fit(iris, new double[150]));

        assertMessage("class weight -1.0 of class 1 is not a finite number >= 0",
                () -> Trainer.builder().classWeights(new double[] {1, -1, 1}));
        assertMessage("class weight Infinity of class 0 is not a finite number >= 0",
                () -> Trainer.builder().classWeights(new double[] {Double.POSITIVE_INFINITY, 1, 1}));
        assertMessage("the class weights are all zero (or there are none)",
                () -> Trainer.builder().classWeights(new double[3]));
        assertMessage("expected one class weight per class (3: [setosa, versicolor, virginica]), got 2",
                () -> newton().classWeights(new double[] {1, 1}).build().fit(iris));
        double[] onlyFirstHalf = new double[150];
        Arrays.fill(onlyFirstHalf, 0, 50, 1.0);
        assertMessage("the sample and class weights give every training row weight zero",
                () -> newton().classWeights(new double[] {0, 1, 1}).build().fit(iris, onlyFirstHalf));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        assertEquals(expected, assertThrows(IllegalArgumentException.class, call).getMessage());
    }
}
