package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.optim.StoppingCriteria;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The Java-array entry points of {@link Trainer} and {@link SoftmaxRegression}, and their boundary checks. */
class ArrayApiTest {

    private static Dataset iris;
    private static double[][] x;
    private static String[] species;
    private static Trainer trainer;
    private static SoftmaxRegression model;

    @BeforeAll
    static void setUp() throws IOException {
        iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.FLOAT);
        x = iris.features().castTo(DataType.DOUBLE).toDoubleMatrix();
        species = new String[iris.numSamples()];
        for (int i = 0; i < species.length; i++) {
            species[i] = iris.classNames().get(iris.labels()[i]);
        }
        trainer = Trainer.builder().stopping(StoppingCriteria.of(50)).build();
        model = trainer.fit(x, species);
    }

    @Test
    void stringLabelsGiveTheSameModelAsTheDataset() {
        SoftmaxRegression fromDataset = trainer.fit(iris);
        assertEquals(List.of("setosa", "versicolor", "virginica"), model.classNames());
        assertArrayEquals(fromDataset.weights().toFloatMatrix(), model.weights().toFloatMatrix());
        assertArrayEquals(fromDataset.predict(iris.features()), model.predict(x));
        assertEquals("newton", model.trainingSummary().orElseThrow().optimizer(), "the default AutoOptimizer's choice");
        assertEquals(150, model.trainingSummary().orElseThrow().numSamples());
    }

    @Test
    void everyArrayFormGivesTheSameModel() {
        float[][] xf = iris.features().toFloatMatrix();
        float[][] expected = model.weights().toFloatMatrix();
        assertArrayEquals(expected, trainer.fit(xf, species).weights().toFloatMatrix());
        SoftmaxRegression byInt = trainer.fit(xf, iris.labels());
        assertEquals(List.of("0", "1", "2"), byInt.classNames());
        assertArrayEquals(expected, byInt.weights().toFloatMatrix());
        assertArrayEquals(expected, trainer.fit(x, iris.labels()).weights().toFloatMatrix());
        assertArrayEquals(expected, trainer.fit(iris.features(), iris.labels()).weights().toFloatMatrix());
    }

    @Test
    void numericClassNamesAreSortedAsNumbers() {
        double[][] small = {{0}, {1}, {2}, {3}};
        SoftmaxRegression m = trainer.fit(small, new String[] {"10", "9", "2", "10"});
        assertEquals(List.of("2", "9", "10"), m.classNames());
    }

    @Test
    void predictionConveniencesAgreeWithTheArrayMethods() {
        double[][] proba = model.predictProba(x);
        float[][] viaArray = model.predictProba(iris.features()).toFloatMatrix();
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < 3; k++) {
                assertEquals(viaArray[i][k], (float) proba[i][k]);
            }
        }
        String[] names = model.predictNames(x);
        int[] labels = model.predict(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(model.classNames().get(labels[i]), names[i]);
        }
        assertEquals(2, model.classIndex("virginica"));
        double[][] one = model.predictProba(new double[][] {x[0]});
        assertEquals(1, one.length);
        assertArrayEquals(proba[0], one[0]);
    }

    @Test
    void trainingInputIsCheckedAtTheBoundary() {
        refused(() -> trainer.fit(new double[0][], new String[0]), "features are empty");
        refused(() -> trainer.fit(new double[][] {{1, 2}, {3}}, new int[] {0, 1}),
                "row 1 has 1 features; expected 2");
        refused(() -> trainer.fit(new double[][] {{1, 2}, {3, Double.NaN}}, new int[] {0, 1}),
                "feature 1 of row 1 is NaN; expected a finite number");
        refused(() -> trainer.fit(new float[][] {{1}, {Float.POSITIVE_INFINITY}}, new int[] {0, 1}),
                "feature 0 of row 1 is Infinity");
        refused(() -> trainer.fit(new double[][] {{1}, {2}}, new int[] {0}), "expected one label per row (2), got 1");
        refused(() -> trainer.fit(new double[][] {{1}, {2}}, new String[] {"a", null}), "label of row 1 is null");
        refused(() -> trainer.fit(new double[][] {{1}, {2}}, new int[] {0, -1}), "label -1 at row 1");
        refused(() -> trainer.fit(new double[][] {{1}, {2}}, new int[] {0, Integer.MAX_VALUE}), "expected class numbers");
        refused(() -> trainer.fit(new double[][] {{1}, {2}}, new String[] {"a", "a"}), "single class");
        refused(() -> trainer.fit(Nd4j.create(DataType.FLOAT, 0, 4), new int[0]), "features are empty");
        refused(() -> trainer.fit(Nd4j.create(new double[] {1, Double.NaN}, new long[] {2, 1}, DataType.DOUBLE),
                new int[] {0, 1}), "NaN or infinite");
    }

    @Test
    void predictionInputIsCheckedAtTheBoundary() {
        refused(() -> model.predict(new double[][] {{1, 2, 3}}), "expected 4 features per row, got 3");
        refused(() -> model.predictProba(new double[][] {{1, 2, 3, 4}, {1, 2, 3}}), "row 1 has 3 features; expected 4");
        refused(() -> model.predictNames(new double[][] {{1, 2, Double.NaN, 4}}), "feature 2 of row 0 is NaN");
        refused(() -> model.predict(new double[0][]), "features are empty; expected at least one row of 4 features");
        refused(() -> model.predict(Nd4j.create(DataType.FLOAT, 2, 5)), "expected 4 features per row, got 5");
        refused(() -> model.predict(Nd4j.create(DataType.FLOAT, 4)), "expected features of shape [n,4]");
        refused(() -> model.classIndex("rose"), "unknown class 'rose'; the model knows [setosa, versicolor, virginica]");
    }

    private static void refused(Executable call, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }
}
