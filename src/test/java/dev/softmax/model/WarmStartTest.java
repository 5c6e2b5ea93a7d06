package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.optim.StoppingCriteria;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link Trainer.Builder#warmStart}: training continues from an earlier model. */
class WarmStartTest {

    @Test
    void continuingFromAModelLowersTheObjectiveAndKeepsItsScaling() throws IOException {
        Dataset iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.DOUBLE);
        // Newton (the default's choice for iris) converges in about 10 iterations: stop it well before.
        Trainer short3 = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(3)).build();
        SoftmaxRegression first = short3.fit(iris);
        SoftmaxRegression continued = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(50))
                .scaling(Trainer.Scaling.NONE).warmStart(first).build().fit(iris);

        double before = first.trainingSummary().orElseThrow().objective();
        double after = continued.trainingSummary().orElseThrow().objective();
        assertTrue(after < before, "objective " + after + " after continuing, " + before + " before");
        assertEquals(first.scaler(), continued.scaler(), "the warm-start model's scaling is kept");
        // Row 0 of the history is the starting point: the first model's objective, not that of zero weights.
        double start = continued.trainingResult().orElseThrow().history().get(0).value();
        assertEquals(before, start, 1e-12 * before);
    }

    @Test
    void aModelForOtherClassesOrFeaturesIsRefused() throws IOException {
        Dataset iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.FLOAT);
        SoftmaxRegression model = Trainer.builder().stopping(StoppingCriteria.of(5)).build().fit(iris);
        Trainer warm = Trainer.builder().stopping(StoppingCriteria.of(5)).warmStart(model).build();

        double[][] twoFeatures = {{1, 2}, {3, 4}};
        IllegalArgumentException features = assertThrows(IllegalArgumentException.class,
                () -> warm.fit(twoFeatures, new String[] {"setosa", "virginica"}));
        assertTrue(features.getMessage().contains("has 4 features but the training set has 2"), features.getMessage());

        double[][] fourFeatures = {{1, 2, 3, 4}, {3, 4, 5, 6}};
        IllegalArgumentException classes = assertThrows(IllegalArgumentException.class,
                () -> warm.fit(fourFeatures, new String[] {"setosa", "virginica"}));
        assertTrue(classes.getMessage().contains("has classes [setosa, versicolor, virginica] but the training set has"
                + " [setosa, virginica]"), classes.getMessage());

        java.util.List<String> reversed = new java.util.ArrayList<>(iris.featureNames());
        java.util.Collections.reverse(reversed);
        IllegalArgumentException names = assertThrows(IllegalArgumentException.class, () -> warm.fit(new Dataset(
                iris.features(), iris.labels(), iris.classNames(), reversed)));
        assertEquals("the warm-start model has features [sepal_length, sepal_width, petal_length, petal_width] but the"
                + " training set has [petal_width, petal_length, sepal_width, sepal_length]", names.getMessage());
        // QA: an early-stopping validation set with other names was accepted.
        IllegalArgumentException validation = assertThrows(IllegalArgumentException.class, () -> Trainer.builder()
                .stopping(StoppingCriteria.of(5)).earlyStopping(new Dataset(iris.features(), iris.labels(),
                        iris.classNames(), reversed), 3).build().fit(iris));
        assertTrue(validation.getMessage().startsWith("the validation set has features [petal_width,"),
                validation.getMessage());
        // Data without names (arrays, a header-less file) are taken by position, and the model keeps its names.
        assertEquals(model.featureNames(), warm.fit(new Dataset(iris.features(), iris.labels(), iris.classNames()))
                .featureNames());
    }
}
