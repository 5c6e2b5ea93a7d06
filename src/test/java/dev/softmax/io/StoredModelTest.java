package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.model.Trainer;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.optim.TerminationReason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Model files written by earlier builds keep loading and predicting the same (Tribuo keeps such files for every
 * released version). {@code model-v1.model} was written by format version 1, with the probabilities it gave
 * on iris in {@code model-v1-proba.csv}. When the format changes, add a {@code model-v2} pair with
 * {@link #main}; never regenerate an old one.
 */
class StoredModelTest {

    private static final String RESOURCES = "src/test/resources/dev/softmax/io/";

    @TempDir
    Path dir;

    @Test
    void version1FileLoadsAndPredictsAsWhenItWasWritten() throws IOException {
        Path file = copyResource("model-v1.model");
        SoftmaxRegression model = ModelIO.load(file);
        assertEquals(DataType.DOUBLE, model.dataType());
        assertEquals(List.of("setosa", "versicolor", "virginica"), model.classNames());
        assertEquals("gd", model.trainingSummary().orElseThrow().optimizer());
        assertEquals(TerminationReason.MAX_ITERATIONS, model.trainingSummary().orElseThrow().terminationReason());

        Dataset iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.DOUBLE);
        double[][] proba = model.predictProba(iris.features().toDoubleMatrix());
        List<String> expected = Files.readAllLines(copyResource("model-v1-proba.csv"));
        assertEquals(proba.length, expected.size());
        for (int i = 0; i < proba.length; i++) {
            double[] want = java.util.Arrays.stream(expected.get(i).split(",")).mapToDouble(Double::parseDouble)
                    .toArray();
            // Bitwise equality is not promised across BLAS builds, only agreement to rounding.
            for (int k = 0; k < want.length; k++) {
                assertEquals(want[k], proba[i][k], 1e-12 + 1e-9 * want[k], "row " + i + " class " + k);
            }
        }
    }

    private Path copyResource(String name) throws IOException {
        try (InputStream in = StoredModelTest.class.getResourceAsStream(name)) {
            assertNotNull(in, "test resource " + name + " is missing");
            Path file = dir.resolve(name);
            Files.copy(in, file);
            return file;
        }
    }

    /** Writes the fixtures for the current format version into {@value #RESOURCES} (run from the project root). */
    public static void main(String[] args) throws IOException {
        Dataset iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.DOUBLE);
        SoftmaxRegression model = Trainer.builder().dataType(DataType.DOUBLE).stopping(StoppingCriteria.of(200))
                .build().fit(iris);
        String prefix = RESOURCES + "model-v" + ModelIO.FORMAT_VERSION;
        ModelIO.save(model, Path.of(prefix + ".model"), false);
        StringBuilder csv = new StringBuilder();
        for (double[] row : model.predictProba(iris.features().toDoubleMatrix())) {
            csv.append(row[0]).append(',').append(row[1]).append(',').append(row[2]).append('\n');
        }
        Files.writeString(Path.of(prefix + "-proba.csv"), csv, StandardCharsets.UTF_8);
    }
}
