package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.io.ModelIO;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.TestProblems;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The library's public types at their boundary: bad values get an exception that says what is wrong, and nothing a
 * caller keeps (an array given or returned) can change a data set or a model afterwards.
 */
class BoundaryTest {

    @TempDir
    Path dir;

    private static void assertMessage(Class<? extends Exception> type, String expected, Executable call) {
        Exception e = assertThrows(type, call);
        assertTrue(String.valueOf(e.getMessage()).contains(expected), "'" + expected + "' not in: " + e.getMessage());
    }

    @Test
    void aScalerRefusesIntegerFeaturesInsteadOfDividingByAZeroScale() {
        FeatureScaler scaler = FeatureScaler.standard(TestProblems.iris(DataType.DOUBLE).features());
        // Cast to INT, the scales of 0.4 to 1.8 became 0 and 1: ND4J's integer division stopped the JVM (SIGFPE).
        assertMessage(IllegalArgumentException.class, "features must be floating point, got INT",
                () -> scaler.transform(Nd4j.create(new int[][] {{1, 2, 3, 4}})));
        assertMessage(IllegalArgumentException.class, "features must be floating point, got INT",
                () -> FeatureScaler.standard(Nd4j.create(new int[][] {{1, 2}, {3, 4}})));
    }

    @Test
    void integerFeaturesAreRefusedByEveryFit() {
        INDArray ints = Nd4j.create(new int[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}});
        int[] labels = {0, 1, 0, 1};
        Trainer trainer = Trainer.builder().build();
        assertMessage(IllegalArgumentException.class, "features must be floating point, got INT",
                () -> trainer.fit(ints, labels));
        // A Dataset of INT features was cast and trained; the model then refused those features in predict.
        assertMessage(IllegalArgumentException.class, "features must be floating point, got INT",
                () -> trainer.fit(new Dataset(ints, labels, List.of("a", "b"))));
        SoftmaxRegression model = trainer.fit(new Dataset(ints.castTo(DataType.DOUBLE), labels, List.of("a", "b")));
        assertMessage(IllegalArgumentException.class, "features must be floating point, got INT",
                () -> model.predict(ints));
    }

    @Test
    void aScalerChecksWhatItIsMadeOfAndHandsOutCopies() {
        FeatureScaler scaler = new FeatureScaler(FeatureScaler.Kind.STANDARD, new double[] {1, 2}, new double[] {3, 4});
        scaler.shift()[0] = 1e3;
        scaler.scale()[1] = 1e9;
        assertArrayEquals(new double[] {1, 2}, scaler.shift());
        assertArrayEquals(new double[] {3, 4}, scaler.scale());
        assertMessage(NullPointerException.class, "kind must not be null",
                () -> new FeatureScaler(null, new double[1], new double[] {1}));
        assertMessage(IllegalArgumentException.class, "every shift must be finite, got NaN for feature 0",
                () -> new FeatureScaler(FeatureScaler.Kind.STANDARD, new double[] {Double.NaN}, new double[] {1}));
        assertMessage(IllegalArgumentException.class, "the number of features must be >= 0, got -1",
                () -> FeatureScaler.none(-1));
        assertMessage(IllegalArgumentException.class, "with n >= 1, got shape [0, 3]",
                () -> FeatureScaler.standard(Nd4j.create(DataType.DOUBLE, 0, 3)));
        assertMessage(IllegalArgumentException.class, "got shape [3]",
                () -> FeatureScaler.standard(Nd4j.createFromArray(1.0, 2.0, 3.0)));
        assertMessage(IllegalArgumentException.class, "feature 1 has a mean of NaN",
                () -> FeatureScaler.standard(Nd4j.createFromArray(new double[][] {{1, Double.NaN}, {2, 3}})));
    }

    @Test
    void aSavedModelKeepsItsScalingWhateverTheCallerDoesWithTheArrays() throws Exception {
        Dataset iris = TestProblems.iris(DataType.FLOAT);
        SoftmaxRegression model = Trainer.builder().stopping(StoppingCriteria.of(30)).build().fit(iris);
        model.scaler().scale()[2] = 1e9;
        model.scaler().shift()[0] = 1e3;
        Path file = dir.resolve("iris.model");
        ModelIO.save(model, file, false);
        assertArrayEquals(model.predict(iris.features()), ModelIO.load(file).predict(iris.features()));
    }

    @Test
    void aDatasetCopiesItsLabelsAndChecksItsClassNames() {
        int[] labels = {0, 1, 1};
        Dataset data = new Dataset(Nd4j.create(new double[][] {{1}, {2}, {3}}), labels, List.of("a", "b"));
        labels[0] = 7;
        data.labels()[1] = 7;
        assertArrayEquals(new int[] {0, 1, 1}, data.labels());
        INDArray x = Nd4j.create(new double[][] {{1}, {2}});
        assertMessage(IllegalArgumentException.class, "class names must be distinct, got [a, a, b]",
                () -> new Dataset(x, new int[] {0, 1}, List.of("a", "a", "b")));
        assertMessage(IllegalArgumentException.class, "class names must not be null",
                () -> new Dataset(x, new int[] {0, 1}, Arrays.asList("a", null)));
        assertMessage(NullPointerException.class, "labels must not be null", () -> new Dataset(x, null, List.of("a")));
    }

    @Test
    void aClassNameThatASavedModelCouldNotHoldIsRefusedWhereverItIsGiven() throws Exception {
        // A blank name was trained and saved, and the file then refused by load; a lone surrogate came back as "?".
        INDArray x = Nd4j.create(new double[][] {{0}, {1}, {2}, {3}});
        for (String bad : new String[] {" ", "\t", "", "\uD800x"}) {
            String expected = bad.isEmpty() ? "is empty" : bad.isBlank() ? "is blank" : "lone surrogate";
            assertMessage(IllegalArgumentException.class, "class name 0 " + (bad.isBlank() ? expected : "is not valid"),
                    () -> new Dataset(x, new int[] {0, 0, 1, 1}, List.of(bad, "b")));
            assertMessage(IllegalArgumentException.class, expected,
                    () -> new SoftmaxRegression(Nd4j.eye(2), Nd4j.zeros(DataType.DOUBLE, 2), List.of(bad, "b"),
                            FeatureScaler.none(2), null));
            assertMessage(IllegalArgumentException.class, bad.isBlank() ? "label of row 0 " + expected : expected,
                    () -> Trainer.builder().build().fit(new double[][] {{0}, {1}, {2}, {3}},
                            new String[] {bad, bad, "b", "b"}));
        }
        // What training accepts, a model file holds and gives back.
        String[] names = {" a", "\u00e9t\u00e9", "\uD83D\uDE00"};
        SoftmaxRegression model = Trainer.builder().stopping(StoppingCriteria.of(5)).build().fit(
                new double[][] {{0}, {1}, {2}}, names);
        Path file = dir.resolve("names.model");
        ModelIO.save(model, file, false);
        assertEquals(model.classNames(), ModelIO.load(file).classNames());
    }

    @Test
    void aDatasetWithoutFeatureColumnsIsRefusedByTraining() {
        Dataset empty = new Dataset(Nd4j.create(DataType.FLOAT, 4, 0), new int[] {0, 0, 1, 1}, List.of("a", "b"));
        for (Trainer.Scaling scaling : Trainer.Scaling.values()) {
            // It was ND4J's ArrayIndexOutOfBoundsException (none, unit) or "mean on empty array" (standard).
            assertMessage(IllegalArgumentException.class, "rows have no features; expected at least one",
                    () -> Trainer.builder().scaling(scaling).build().fit(empty));
        }
    }

    @Test
    void theTrainingResultAModelHandsOutIsACopy() {
        SoftmaxRegression model = Trainer.builder().stopping(StoppingCriteria.of(20)).build()
                .fit(TestProblems.iris(DataType.DOUBLE));
        double first = model.trainingResult().orElseThrow().solution().getDouble(0);
        model.trainingResult().orElseThrow().solution().addi(100);
        assertEquals(first, model.trainingResult().orElseThrow().solution().getDouble(0));
    }

    @Test
    void valuesBeyondFloatRangeAreNamedAsSuch() {
        Trainer floats = Trainer.builder().stopping(StoppingCriteria.of(5)).build();
        assertMessage(IllegalArgumentException.class, "feature 0 of row 0 is 1.0E39 beyond FLOAT's range",
                () -> floats.fit(new double[][] {{1e39}, {1}}, new int[] {0, 1}));
        assertMessage(IllegalArgumentException.class, "features hold values beyond FLOAT's range",
                () -> floats.fit(Nd4j.create(new double[][] {{1e39}, {1}}), new int[] {0, 1}));
        // QA: the advice was only the command line's --dtype double.
        assertMessage(IllegalArgumentException.class, "a DOUBLE model (Trainer.Builder.dataType(DataType.DOUBLE),"
                + " or --dtype double on the command line) reads them",
                () -> floats.fit(new double[][] {{1e39}, {1}}, new int[] {0, 1}));
        SoftmaxRegression model = floats.fit(new double[][] {{0}, {1}}, new int[] {0, 1});
        assertMessage(IllegalArgumentException.class, "feature 0 of row 0 is -5.0E38 beyond FLOAT's range",
                () -> model.predict(new double[][] {{-5e38}}));
        assertMessage(IllegalArgumentException.class, "features hold values beyond FLOAT's range",
                () -> model.predict(Nd4j.create(new double[][] {{-5e38}})));
        assertMessage(IllegalArgumentException.class, "features contain NaN or infinite values",
                () -> model.predict(Nd4j.create(new double[][] {{Double.NaN}})));
    }

    @Test
    void whetherARowGetsAPredictionDoesNotDependOnTheRowsBesideIt() {
        // QA: the logits were checked by their sum, which 100 rows of logits near 2e37 overflowed in float32.
        SoftmaxRegression model = new SoftmaxRegression(Nd4j.create(new double[][] {{1, 2}}).castTo(DataType.FLOAT),
                Nd4j.zeros(DataType.FLOAT, 2), List.of("a", "b"), FeatureScaler.none(1), null);
        double[][] one = {{1e37}};
        double[][] hundred = new double[100][];
        Arrays.fill(hundred, one[0]);
        assertArrayEquals(model.predictProba(one)[0], model.predictProba(hundred)[99], 0.0);
        assertMessage(dev.softmax.data.FeatureValuesException.class, "the logits overflow",
                () -> model.predictProba(new double[][] {{1e37}, {1.8e38}}));
    }

    @Test
    void featuresFarFromZeroArePredictedAsTheScaledFormulaSays() {
        // QA: timestamps near 1e12, z-scored: the scaling folded into the bias cancelled 12 digits, and the
        // probabilities differed from softmax(((x - shift) / scale) W + b) by 1e-4.
        java.util.Random random = new java.util.Random(5);
        int n = 300;
        double[][] x = new double[n][2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            x[i][0] = 1e12 + random.nextGaussian() + y[i];
            x[i][1] = random.nextGaussian() - y[i];
        }
        SoftmaxRegression model = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(20))
                .build().fit(x, y);
        double[] shift = model.scaler().shift();
        double[] scale = model.scaler().scale();
        double[][] w = model.weights().toDoubleMatrix();
        double[] b = model.bias().toDoubleVector();
        double[][] p = model.predictProba(x);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double[] z = b.clone();
            for (int j = 0; j < 2; j++) {
                double scaled = (x[i][j] - shift[j]) / scale[j];
                for (int k = 0; k < 3; k++) {
                    z[k] += scaled * w[j][k];
                }
            }
            double max = Math.max(z[0], Math.max(z[1], z[2]));
            double sum = 0;
            for (int k = 0; k < 3; k++) {
                sum += Math.exp(z[k] - max);
            }
            for (int k = 0; k < 3; k++) {
                worst = Math.max(worst, Math.abs(p[i][k] - Math.exp(z[k] - max) / sum));
            }
        }
        assertTrue(worst < 1e-13, "largest difference " + worst);

        // Review: a shift so far out that the folded bias would overflow FLOAT refused the model, though scaling
        // first never uses it.
        SoftmaxRegression far = new SoftmaxRegression(Nd4j.create(new double[][] {{1, -1}}).castTo(DataType.FLOAT),
                Nd4j.zeros(DataType.FLOAT, 2), List.of("a", "b"), new FeatureScaler(FeatureScaler.Kind.STANDARD,
                new double[] {1e30}, new double[] {1e-7}), null);
        assertArrayEquals(new double[] {0.5, 0.5}, far.predictProba(new double[][] {{1e30}})[0], 1e-7);
    }

    @Test
    void aModelIsCheckedWhenMade() {
        FeatureScaler none = FeatureScaler.none(2);
        INDArray bias = Nd4j.zeros(DataType.DOUBLE, 2);
        List<String> names = List.of("a", "b");
        INDArray nan = Nd4j.create(new double[][] {{1, Double.NaN}, {0, 1}});
        assertMessage(IllegalArgumentException.class, "weights and bias must be finite",
                () -> new SoftmaxRegression(nan, bias, names, none, null));
        assertMessage(IllegalArgumentException.class, "weights must be FLOAT or DOUBLE, got INT",
                () -> new SoftmaxRegression(Nd4j.create(new int[][] {{1, 0}, {0, 1}}), bias, names, none, null));
        assertMessage(IllegalArgumentException.class, "a model needs at least 2 classes, got 1",
                () -> new SoftmaxRegression(Nd4j.ones(DataType.DOUBLE, 2, 1), Nd4j.zeros(DataType.DOUBLE, 1),
                        List.of("a"), none, null));
        assertMessage(NullPointerException.class, "scaler must not be null",
                () -> new SoftmaxRegression(Nd4j.eye(2), bias, names, null, null));
        assertMessage(IllegalArgumentException.class, "class names must not be null",
                () -> new SoftmaxRegression(Nd4j.eye(2), bias, Arrays.asList("a", null), none, null));
        FeatureScaler tiny = new FeatureScaler(FeatureScaler.Kind.UNIT, new double[2], new double[] {1e-300, 1});
        assertMessage(IllegalArgumentException.class, "the weights on unscaled features overflow",
                () -> new SoftmaxRegression(Nd4j.eye(2).castTo(DataType.FLOAT), bias, names, tiny, null));
        SoftmaxRegression model = new SoftmaxRegression(Nd4j.eye(2), bias, names, none, null);
        assertMessage(NullPointerException.class, "className must not be null", () -> model.classIndex(null));
        assertMessage(NullPointerException.class, "model must not be null",
                () -> ModelIO.save(null, dir.resolve("m"), false));
        assertMessage(NullPointerException.class, "file must not be null", () -> ModelIO.load(null));
        assertMessage(NullPointerException.class, "train must not be null",
                () -> Trainer.builder().build().fit((Dataset) null));
        assertMessage(NullPointerException.class, "dataType", () -> Trainer.builder().dataType(null));

        // Features, rows and labels given as null are null arguments too, named.
        assertMessage(NullPointerException.class, "features must not be null", () -> model.predict((double[][]) null));
        assertMessage(NullPointerException.class, "features must not be null", () -> model.predictProba((double[][]) null));
        assertMessage(NullPointerException.class, "features must not be null", () -> model.predict((INDArray) null));
        assertMessage(NullPointerException.class, "row 0 of the features is null",
                () -> model.predict(new double[][] {null}));
        Trainer trainer = Trainer.builder().stopping(StoppingCriteria.of(5)).build();
        assertMessage(NullPointerException.class, "row 1 of the features is null",
                () -> trainer.fit(new float[][] {{1, 2}, null}, new int[] {0, 1}));
        assertMessage(NullPointerException.class, "features must not be null",
                () -> trainer.fit((double[][]) null, new int[] {0, 1}));
        assertMessage(NullPointerException.class, "labels must not be null",
                () -> trainer.fit(new double[][] {{0}, {1}}, (int[]) null));
        assertMessage(NullPointerException.class, "labels must not be null",
                () -> trainer.fit(new double[][] {{0}, {1}}, (String[]) null));
    }

    @Test
    void numericLabelsEqualAsNumbersSortTheSameWhicheverComesFirst() {
        List<String> expected = List.of("1", "1.0", "2");
        assertEquals(expected, CsvDatasetReader.sortedDistinct(new String[] {"1", "1", "1.0", "2"}));
        assertEquals(expected, CsvDatasetReader.sortedDistinct(new String[] {"2", "1.0", "1"}));
    }

    @Test
    void rowWeightsWhoseProductOverflowsCountByTheirRatios() {
        // Refused until QA found balancedClassWeights' own weights refused with large sample weights.
        Trainer classWeighted = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(5))
                .classWeights(new double[] {1e308, 1}).build();
        double[][] x = {{0}, {1}, {2}};
        int[] y = {0, 1, 1};
        SoftmaxRegression product = classWeighted.fit(x, y, new double[] {10, 1, 2});
        SoftmaxRegression ratios = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(5))
                .build().fit(x, y, new double[] {1, 1e-309, 2e-309});
        assertArrayEquals(ratios.weights().toDoubleVector(), product.weights().toDoubleVector(), 1e-12);
    }
}
