package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.softmax.cli.MainTest.Run;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train --class-weight} and {@code --early-stopping-patience}, as a user runs them. */
class TrainWeightsOptionsTest {

    @TempDir
    Path dir;

    /** An iris.csv in {@link #dir} without the first 40 virginica rows: 50, 50 and 10 rows. */
    private Path imbalancedIris() throws Exception {
        List<String> kept = new ArrayList<>();
        int dropped = 0;
        for (String line : Files.readAllLines(Path.of("notebooks-data/iris.csv"))) {
            if (line.endsWith(",virginica") && dropped < 40) {
                dropped++;
                continue;
            }
            kept.add(line);
        }
        Files.write(dir.resolve("iris.csv"), kept);
        return dir;
    }

    private JsonNode report(Path file) throws Exception {
        return new ObjectMapper().readTree(file.toFile());
    }

    @Test
    void balancedClassWeightsAreUsedPrintedAndReported() throws Exception {
        Path report = dir.resolve("balanced.json");
        Run run = MainTest.run("train", "--data-dir", imbalancedIris().toString(), "--class-weight", "balanced",
                "--max-iter", "200", "--threads", "1", "--report", report.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("class weights: balanced (setosa "), run.out());
        JsonNode json = report(report);
        assertEquals("balanced", json.get("class_weight").asText());
        JsonNode weights = json.get("class_weights");
        assertEquals(3, weights.size());
        // n / (K count_k): the ratio of two weights is the inverse ratio of the class counts (40 : 8 after the
        // stratified test split).
        double ratio = weights.get(2).asDouble() / weights.get(0).asDouble();
        assertTrue(ratio > 4 && ratio < 6, "virginica / setosa weight " + ratio);
        assertEquals(weights.get(0).asDouble(), weights.get(1).asDouble(), 1e-12);

        Path plain = dir.resolve("plain.json");
        assertEquals(0, MainTest.run("train", "--data-dir", dir.toString(), "--max-iter", "200", "--threads", "1",
                "--report", plain.toString()).status());
        assertEquals("none", report(plain).get("class_weight").asText());
        assertTrue(report(plain).get("class_weights").isNull());
        assertTrue(report(plain).get("early_stopping_patience").isNull());
    }

    @Test
    void earlyStoppingUsesTheValidationSplitAndIsReported() throws Exception {
        Path report = dir.resolve("early.json");
        Run run = MainTest.run("train", "--optimizer", "sgd", "--learning-rate", "0.5", "--epochs", "300",
                "--validation-fraction", "0.25", "--early-stopping-patience", "3", "--threads", "1",
                "--report", report.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("early stopping: lowest validation log-loss"), run.out());
        JsonNode json = report(report);
        assertEquals(3, json.get("early_stopping_patience").asInt());
        int best = json.get("best_iteration").asInt();
        int iterations = json.get("iterations").asInt();
        assertTrue(best >= 0 && best <= iterations, best + " of " + iterations);
        if (json.get("termination_reason").asText().equals("STOPPED_BY_LISTENER")) {
            assertEquals(best + 3, iterations);
        }
        assertTrue(json.get("best_validation_log_loss").asDouble() > 0);
    }

    @Test
    void badValuesGiveStatusTwoAndSayWhy() {
        Run noSplit = MainTest.run("train", "--optimizer", "sgd", "--early-stopping-patience", "3");
        assertEquals(2, noSplit.status());
        assertEquals("error: --early-stopping-patience needs a validation split: set --validation-fraction (e.g. 0.1)",
                noSplit.err().strip());

        Run zero = MainTest.run("train", "--validation-fraction", "0.2", "--early-stopping-patience", "0");
        assertEquals(2, zero.status());
        assertEquals("error: --early-stopping-patience must be >= 1, got 0", zero.err().strip());

        Run mode = MainTest.run("train", "--class-weight", "heavy");
        assertEquals(2, mode.status());
        assertTrue(mode.err().contains("expected none or balanced, got 'heavy'"), mode.err());
    }
}
