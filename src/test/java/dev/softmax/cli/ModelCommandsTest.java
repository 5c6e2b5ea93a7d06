package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.io.ModelIO;
import dev.softmax.model.SoftmaxRegression;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** {@code train --save}, {@code evaluate} and {@code predict} through {@link Main#run}, as a user runs them. */
class ModelCommandsTest {

    private static final Path IRIS = Path.of("notebooks-data/iris.csv");

    @TempDir
    Path dir;

    private Path model;

    /** Output of one run. */
    private record Run(int status, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    private Run train(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data-dir", "notebooks-data",
                "--max-iter", "200", "--threads", "1", "--save", model.toString()));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    @BeforeEach
    void setUp() {
        model = dir.resolve("iris.model");
    }

    @Test
    void evaluateOnADataSetOfOtherClassesNamesItAndTheModel() throws IOException {
        // QA: "error: unknown class '0'; the model knows [...]" named neither the data nor the model.
        Path fashion = Path.of("/usr/share/datasets/fashion-mnist");
        assertTrue(Files.isDirectory(fashion), "the test needs dataset-fashion-mnist");
        Path mnist = Files.createDirectories(dir.resolve("data/mnist"));
        for (String name : dev.softmax.data.MnistIdxLoader.FILE_NAMES) {
            Files.copy(fashion.resolve(name), mnist.resolve(name));
        }
        Path fashionModel = dir.resolve("fashion.model");
        assertEquals(0, run("train", "--dataset", "fashion-mnist", "--limit", "300", "--max-iter", "2", "--threads",
                "1", "--save", fashionModel.toString()).status());
        Run evaluated = run("evaluate", "--model", fashionModel.toString(), "--dataset", "mnist", "--data-dir",
                dir.resolve("data").toString(), "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, evaluated.status());
        assertEquals("error: " + mnist + ": class '0' is not one of the classes of the model " + fashionModel
                + ": " + dev.softmax.data.MnistIdxLoader.FASHION_MNIST_CLASSES, evaluated.err().strip());

        // QA: evaluate needed (and read) the 60000 training images, though it scores the test split only.
        Path testOnly = Files.createDirectories(dir.resolve("test-only/fashion-mnist"));
        for (String name : List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")) {
            Files.copy(fashion.resolve(name), testOnly.resolve(name));
        }
        Run fromTestFiles = run("evaluate", "--model", fashionModel.toString(), "--dataset", "fashion-mnist",
                "--data-dir", dir.resolve("test-only").toString(), "--threads", "1");
        assertEquals(0, fromTestFiles.status(), fromTestFiles.err());
        Run fromAll = run("evaluate", "--model", fashionModel.toString(), "--dataset", "fashion-mnist",
                "--threads", "1");
        assertEquals(0, fromAll.status(), fromAll.err());
        assertTrue(fromTestFiles.out().contains(": 10000 test rows"), fromTestFiles.out());
        assertEquals(fromAll.out().lines().skip(2).toList(), fromTestFiles.out().lines().skip(2).toList());
    }

    @Test
    void evaluateReadsTheDataInTheModelsPrecisionUnlessTold() throws IOException {
        // Review: a float64 model was scored on float32-rounded features, and 1e39 was refused as beyond float32.
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            csv.append(i % 2 == 0 ? "1e39" : "-1e39").append(',').append(i * 0.1).append(',').append(i % 2)
                    .append('\n');
        }
        Path file = java.nio.file.Files.writeString(dir.resolve("wide.csv"), csv);
        assertEquals(0, run("train", "--dataset", "csv", "--train", file.toString(), "--dtype", "double", "--threads",
                "1", "--save", model.toString()).status());
        Run evaluated = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", file.toString(),
                "--threads", "1");
        assertEquals(0, evaluated.status(), evaluated.err());
        assertTrue(evaluated.out().contains("accuracy 1.0000"), evaluated.out());
        Run asked = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", file.toString(),
                "--threads", "1", "--dtype", "float");
        assertEquals(Main.EXIT_BAD_INPUT, asked.status());
        assertTrue(asked.err().contains("beyond float32's range"), asked.err());
    }

    @Test
    void trainSaveThenEvaluateReportsTheSameTestAccuracy() {
        Run trained = train();
        assertEquals(0, trained.status(), trained.err());
        assertTrue(trained.out().contains("model written to " + model), trained.out());
        assertTrue(Files.exists(model));

        Run evaluated = run("evaluate", "--model", model.toString(), "--data-dir", "notebooks-data", "--threads", "1");
        assertEquals(0, evaluated.status(), evaluated.err());
        assertEquals(number("test accuracy ([0-9.]+)", trained.out()), number("accuracy ([0-9.]+)", evaluated.out()),
                "same seed and test fraction: the same held-out rows");
        assertEquals(number("test log-loss ([0-9.]+)", trained.out()), number("log-loss ([0-9.]+)", evaluated.out()));
        assertTrue(evaluated.out().contains("30 test rows"), evaluated.out());
        assertTrue(evaluated.out().contains("true\\pred"), evaluated.out());
        assertTrue(evaluated.out().contains("precision"), evaluated.out());
    }

    @Test
    void aHeaderThatNamesOtherFeaturesThanTheModelsIsRefused() throws IOException {
        // QA: iris's columns in reverse order scored 0.33 in evaluate --test, and predicted without a word.
        Run trained = train();
        assertEquals(0, trained.status(), trained.err());
        List<String> reversed = columns(Files.readAllLines(IRIS), 3, 2, 1, 0, 4);
        Path file = dir.resolve("reversed.csv");
        Files.write(file, reversed);
        String refusal = "error: " + file + ": feature 1 is 'petal_width' in the header but 'sepal_length' in the"
                + " model " + model + ": the header must name the model's features in the same order (the model's:"
                + " sepal_length, sepal_width, petal_length, petal_width), or be left out";
        Run evaluated = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--test", file.toString());
        assertEquals(Main.EXIT_BAD_INPUT, evaluated.status());
        assertEquals(refusal, evaluated.err().strip());
        Run predicted = run("predict", "--model", model.toString(), "--input", file.toString());
        assertEquals(Main.EXIT_BAD_INPUT, predicted.status());
        assertEquals(refusal, predicted.err().strip());
        // The file scored is named, and checked before its rows: iris with numeric labels and its columns reversed
        // met "label '5.1' is not one of the training classes" first (review).
        Run paired = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", IRIS.toString(),
                "--test", file.toString());
        assertEquals(refusal, paired.err().strip());
        List<String> numeric = new java.util.ArrayList<>(List.of("species,petal_width,petal_length,sepal_width,"
                + "sepal_length"));
        for (String line : reversed.subList(1, reversed.size())) {
            String[] cells = line.split(",");
            numeric.add(String.join(",", String.valueOf(List.of("setosa", "versicolor", "virginica")
                    .indexOf(cells[4])), cells[0], cells[1], cells[2], cells[3]));
        }
        Path numericFile = dir.resolve("numeric.csv");
        Files.write(numericFile, numeric);
        Path numericModel = dir.resolve("numeric.model");
        List<String> forward = columns(numeric, 4, 3, 2, 1, 0);
        Path forwardFile = dir.resolve("forward.csv");
        Files.write(forwardFile, forward);
        assertEquals(0, run("train", "--dataset", "csv", "--train", forwardFile.toString(), "--max-iter", "5",
                "--save", numericModel.toString()).status());
        Run moved = run("evaluate", "--model", numericModel.toString(), "--dataset", "csv", "--test",
                numericFile.toString());
        assertEquals(Main.EXIT_BAD_INPUT, moved.status());
        assertTrue(moved.err().startsWith("error: " + numericFile + ": feature 1 is 'species' in the header but"
                + " 'sepal_length' in the model "), moved.err());
        // QA: a quoted line break in a name split the one-line error.
        Path broken = dir.resolve("broken.csv");
        Files.write(broken, List.of("\"sepal\nlength\",sepal_width,petal_length,petal_width", "5.1,3.5,1.4,0.2"));
        Run split = run("predict", "--model", model.toString(), "--input", broken.toString());
        assertEquals(Main.EXIT_BAD_INPUT, split.status());
        assertEquals(1, split.err().strip().lines().count(), split.err());
        assertTrue(split.err().contains("feature 1 is 'sepal\\nlength' in the header"), split.err());
        // Without a header the columns are the model's by position; a model from header-less data checks nothing.
        Path bare = dir.resolve("bare.csv");
        Files.write(bare, reversed.subList(1, reversed.size()));
        assertEquals(0, run("predict", "--model", model.toString(), "--input", bare.toString()).status());
        Path bareModel = dir.resolve("bare.model");
        assertEquals(0, run("train", "--dataset", "csv", "--train", bare.toString(), "--max-iter", "5", "--save",
                bareModel.toString()).status());
        assertEquals(0, run("predict", "--model", bareModel.toString(), "--input", file.toString()).status());
        assertTrue(ModelIO.load(bareModel).featureNames().isEmpty());
    }

    @Test
    void predictIgnoresTheLabelColumnThatItIsGiven() throws IOException {
        // QA: a model trained with the label first could not predict on its own training file.
        List<String> labelFirst = columns(Files.readAllLines(IRIS), 4, 0, 1, 2, 3);
        Path file = Files.write(dir.resolve("label-first.csv"), labelFirst);
        assertEquals(0, run("train", "--dataset", "csv", "--train", file.toString(), "--label-column", "0",
                "--max-iter", "50", "--threads", "1", "--save", model.toString()).status());
        Path features = Files.write(dir.resolve("features.csv"), columns(labelFirst, 1, 2, 3, 4));
        Run expected = run("predict", "--model", model.toString(), "--input", features.toString(), "--proba");
        assertEquals(0, expected.status(), expected.err());
        for (String given : List.of("species", "0")) {
            Run labelled = run("predict", "--model", model.toString(), "--input", file.toString(), "--proba",
                    "--label-column", given);
            assertEquals(0, labelled.status(), labelled.err());
            assertEquals(expected.out(), labelled.out());
            assertEquals("", labelled.err(), "no note: the column was named");
        }
        // QA: "or be left out" was the advice when the label column was the cause.
        Run evaluated = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--test", file.toString());
        assertEquals(Main.EXIT_BAD_INPUT, evaluated.status());
        String refusal = "error: " + file + ": feature 1 is 'species' in the header but 'sepal_length' in the model "
                + model + ": the label is the column 'species' (0-based index 0), give --label-column species";
        assertEquals(refusal, evaluated.err().strip());
        Run unlabelled = run("predict", "--model", model.toString(), "--input", file.toString());
        assertEquals(Main.EXIT_BAD_INPUT, unlabelled.status());
        assertEquals(refusal, unlabelled.err().strip());
        Run featuresOnly = run("predict", "--model", model.toString(), "--input", features.toString(),
                "--label-column", "0");
        assertEquals(Main.EXIT_BAD_INPUT, featuresOnly.status());
        assertEquals("error: " + features + ": line 1: expected 5 columns (4 features and the label column '0',"
                + " which is ignored), found 4", featuresOnly.err().strip());
        Run beyond = run("predict", "--model", model.toString(), "--input", file.toString(), "--label-column", "5");
        assertEquals("error: " + file + ": label column 5 does not exist (5 columns, 0-based)", beyond.err().strip());
        Run absent = run("predict", "--model", model.toString(), "--input", file.toString(), "--label-column",
                "class");
        assertEquals(Main.EXIT_BAD_INPUT, absent.status());
        assertTrue(absent.err().startsWith("error: " + file + ": no column named 'class' in the first line"),
                absent.err());
        // Review: an index beyond int was shown as 9223372036854775807, not as given, and without the flag.
        Run huge = run("predict", "--model", model.toString(), "--input", file.toString(), "--label-column",
                "99999999999999999999");
        assertEquals(Main.EXIT_BAD_INPUT, huge.status());
        assertEquals("error: --label-column 99999999999999999999 is beyond any file's columns (a 0-based index, at"
                + " most 2147483647)", huge.err().strip());
        Run empty = run("predict", "--model", model.toString(), "--input", file.toString(), "--label-column", " ");
        assertEquals(Main.EXIT_BAD_INPUT, empty.status());
        assertTrue(empty.err().startsWith("error: --label-column is empty"), empty.err());
    }

    @Test
    void predictChecksTheHeaderBeforeTheRowsAndKnowsNamesThatAreNumbers() throws IOException {
        assertEquals(0, train().status());
        // Review: predict read every row before the header, so a bad row hid a header in the wrong order.
        Path file = Files.write(dir.resolve("reversed.csv"), List.of("petal_width,petal_length,sepal_width,"
                + "sepal_length", "0.2,1.4,3.5,5.1", "0.2,1.4,3.5,oops"));
        Run reversed = run("predict", "--model", model.toString(), "--input", file.toString());
        assertEquals(Main.EXIT_BAD_INPUT, reversed.status());
        assertTrue(reversed.err().startsWith("error: " + file + ": feature 1 is 'petal_width' in the header"),
                reversed.err());

        // QA: names that are numbers made the header a row, scored and unchecked.
        List<String> years = new java.util.ArrayList<>(List.of("2019,2020,class"));
        for (int i = 0; i < 40; i++) {
            years.add(i + "," + (i % 2 == 0 ? i + 1 : -i) + "," + (i % 2 == 0 ? "up" : "down"));
        }
        Path yearsFile = Files.write(dir.resolve("years.csv"), years);
        Path yearsModel = dir.resolve("years.model");
        assertEquals(0, run("train", "--dataset", "csv", "--train", yearsFile.toString(), "--label-column", "class",
                "--max-iter", "20", "--threads", "1", "--save", yearsModel.toString()).status());
        assertEquals(List.of("2019", "2020"), ModelIO.load(yearsModel).featureNames().orElseThrow());
        Path named = Files.write(dir.resolve("named.csv"), List.of("2019,2020", "3,4", "5,-5"));
        Run withHeader = run("predict", "--model", yearsModel.toString(), "--input", named.toString());
        assertEquals(0, withHeader.status(), withHeader.err());
        assertEquals(2, withHeader.out().lines().count(), withHeader.out());
        // Review: names that are numbers in another order are a row (rankings), not a header to refuse.
        Path swapped = Files.write(dir.resolve("swapped.csv"), List.of("2020,2019", "3,4"));
        Run swappedRun = run("predict", "--model", yearsModel.toString(), "--input", swapped.toString());
        assertEquals(0, swappedRun.status(), swappedRun.err());
        assertEquals(2, swappedRun.out().lines().count(), swappedRun.out());
        // QA: evaluate read such a header as a row ("label 'class' is not one of the training classes").
        Run evaluated = run("evaluate", "--model", yearsModel.toString(), "--dataset", "csv", "--test",
                yearsFile.toString());
        assertEquals(0, evaluated.status(), evaluated.err());
        assertTrue(evaluated.out().contains(": 40 test rows"), evaluated.out());
        Path rows = Files.write(dir.resolve("rows.csv"), List.of("2019,2021", "3,4"));
        Run numbers = run("predict", "--model", yearsModel.toString(), "--input", rows.toString());
        assertEquals(0, numbers.status(), numbers.err());
        assertEquals(2, numbers.out().lines().count(), "a first line that is not the names is a row");
    }

    @Test
    void headerSaysTheFirstLineIsTheHeaderWhenItsNamesAreNumbers() throws IOException {
        // QA: "5,10,20,30,40" over iris with the label first became a training row of a class '5'.
        List<String> lines = columns(Files.readAllLines(IRIS), 4, 0, 1, 2, 3);
        lines.set(0, "5,10,20,30,40");
        Path file = Files.write(dir.resolve("numbers.csv"), lines);
        Run guessed = run("train", "--dataset", "csv", "--train", file.toString(), "--label-column", "0",
                "--max-iter", "20", "--threads", "1");
        assertEquals(0, guessed.status(), guessed.err());
        assertTrue(guessed.out().contains("4 classes"), "by default the line is a row: " + guessed.out());
        Run headed = run("train", "--dataset", "csv", "--train", file.toString(), "--label-column", "0", "--header",
                "--max-iter", "20", "--threads", "1", "--save", model.toString());
        assertEquals(0, headed.status(), headed.err());
        assertTrue(headed.out().contains("4 features, 3 classes"), headed.out());
        assertEquals(List.of("10", "20", "30", "40"), ModelIO.load(model).featureNames().orElseThrow());
        for (String command : List.of("evaluate", "predict")) {
            List<String> args = new java.util.ArrayList<>(List.of(command, "--model", model.toString(),
                    "--label-column", "0"));
            args.addAll(command.equals("evaluate") ? List.of("--dataset", "csv", "--test", file.toString())
                    : List.of("--input", file.toString()));
            Run run = run(args.toArray(String[]::new));
            assertEquals(0, run.status(), command + ": the model's names make it a header: " + run.err());
            assertTrue(run.out().contains(command.equals("evaluate") ? ": 150 test rows" : ""), run.out());
            if (command.equals("predict")) {
                assertEquals(150, run.out().lines().count(), "the header is not predicted on (review)");
                args.add("--no-header");
                Run row = run(args.toArray(String[]::new));
                assertEquals(0, row.status(), row.err());
                assertEquals(151, row.out().lines().count(), "--no-header: the first line is a row");
            }
        }
        Run noHeader = run("predict", "--model", model.toString(), "--input", IRIS.toString(), "--no-header");
        assertEquals(Main.EXIT_BAD_INPUT, noHeader.status());
        assertEquals("error: " + IRIS + ": line 1: column 1: 'sepal_length' is not a number", noHeader.err().strip());
        Run notCsv = run("train", "--dataset", "iris", "--no-header", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, notCsv.status());
        assertEquals("error: --no-header is for --dataset csv, not --dataset iris", notCsv.err().strip());
    }

    @Test
    void evaluateOnIrisSaysTheModelWasTrainedOnOtherFeatures() throws IOException {
        // QA: the advice for iris was that its header "must name the model's features ... or be left out".
        List<String> renamed = new java.util.ArrayList<>(Files.readAllLines(IRIS).stream()
                .map(line -> line.replace("setosa", "c0").replace("versicolor", "c1").replace("virginica", "c2"))
                .toList());
        renamed.set(0, "a,b,c,d,species");
        Path file = Files.write(dir.resolve("renamed.csv"), renamed);
        assertEquals(0, run("train", "--dataset", "csv", "--train", file.toString(), "--max-iter", "20",
                "--threads", "1", "--save", model.toString()).status());
        Run evaluated = run("evaluate", "--model", model.toString(), "--data-dir", "notebooks-data", "--threads",
                "1");
        assertEquals(Main.EXIT_BAD_INPUT, evaluated.status());
        assertEquals("error: " + IRIS + ": feature 1 is 'sepal_length' here but 'a' in the model " + model
                + ": the model was trained on other features (the model's: a, b, c, d); evaluate it on its own kind"
                + " of data (--dataset csv --test FILE)", evaluated.err().strip());

        // A feature name holding a comma is quoted with the others.
        renamed.set(0, "\"a, b\",c,d,e,species");
        Files.write(file, renamed);
        assertEquals(0, run("train", "--dataset", "csv", "--train", file.toString(), "--max-iter", "20",
                "--threads", "1", "--save", model.toString(), "--force").status());
        Run quoted = run("evaluate", "--model", model.toString(), "--data-dir", "notebooks-data", "--threads", "1");
        assertTrue(quoted.err().contains("(the model's: 'a, b', 'c', 'd', 'e')"), quoted.err());
    }

    /** The comma-separated {@code lines} with their cells in the {@code order} given. */
    private static List<String> columns(List<String> lines, int... order) {
        List<String> out = new java.util.ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",");
            out.add(String.join(",", java.util.Arrays.stream(order).mapToObj(c -> cells[c]).toList()));
        }
        return out;
    }

    @Test
    void evaluateScoresATestFileGivenAlone() throws IOException {
        // QA: evaluate --dataset csv --test FILE was refused for want of --train.
        Run trained = train();
        assertEquals(0, trained.status(), trained.err());
        List<String> lines = Files.readAllLines(IRIS);
        Path test = dir.resolve("test.csv");
        Files.write(test, lines.subList(0, 41));
        Path train = dir.resolve("anything.csv");
        Files.write(train, List.of(lines.get(0), lines.get(120), lines.get(130)));
        Run alone = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--test", test.toString(),
                "--threads", "1");
        assertEquals(0, alone.status(), alone.err());
        assertTrue(alone.out().contains("dataset: csv (" + test + "): 40 test rows"), alone.out());
        Run paired = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", train.toString(),
                "--test", test.toString(), "--threads", "1");
        assertEquals(0, paired.status(), paired.err());
        assertEquals(alone.out().lines().skip(2).toList(), paired.out().lines().skip(2).toList(),
                "the same rows scored, the same scores");
        Run narrow = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--test",
                Files.writeString(dir.resolve("narrow.csv"), "a,b,species\n1,2,setosa\n").toString());
        assertEquals(Main.EXIT_BAD_INPUT, narrow.status());
        assertTrue(narrow.err().contains("the model expects 4 features but " + dir.resolve("narrow.csv") + " has 2"),
                narrow.err());
        Run neither = run("evaluate", "--model", model.toString(), "--dataset", "csv");
        assertEquals(Main.EXIT_BAD_INPUT, neither.status());
        assertEquals("error: --dataset csv needs --test FILE (every row scored), or --train FILE (and optionally"
                + " --test FILE)", neither.err().strip());
    }

    /**
     * A CSV file may hold only some of the model's classes, even one: its labels are the model's classes, and a label
     * the model does not know is an error naming the file and line.
     */
    @Test
    void evaluateTakesAFileOfOneClassAndRefusesAnUnknownLabel() throws IOException {
        Run trained = train();
        assertEquals(0, trained.status(), trained.err());
        List<String> lines = Files.readAllLines(IRIS);
        List<String> virginica = new java.util.ArrayList<>(List.of(lines.get(0)));
        lines.stream().filter(line -> line.endsWith(",virginica")).forEach(virginica::add);
        Path oneClass = dir.resolve("virginica.csv");
        Files.write(oneClass, virginica);

        Run evaluated = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train",
                oneClass.toString(), "--test-fraction", "0", "--threads", "1");
        assertEquals(0, evaluated.status(), evaluated.err());
        assertTrue(evaluated.out().contains("50 rows (all)"), evaluated.out());
        double accuracy = Double.parseDouble(number("accuracy ([0-9.]+)", evaluated.out()));
        assertTrue(accuracy > 0.9 && accuracy <= 1, evaluated.out());
        assertTrue(evaluated.out().contains("virginica"), evaluated.out());

        // With a header; and numbers for labels without one, where the last feature column would be read as labels
        // that the model does not have.
        for (String text : new String[] {"a,b,species\n1,2,setosa\n3,4,virginica\n", "5.1,3.5,3\n4.9,3.0,3\n"}) {
            Path narrowFile = Files.writeString(dir.resolve("narrow.csv"), text);
            Run narrow = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train",
                    narrowFile.toString(), "--test-fraction", "0", "--threads", "1");
            assertEquals(Main.EXIT_BAD_INPUT, narrow.status());
            assertEquals("error: " + model + ": the model expects 4 features but " + narrowFile + " has 2",
                    narrow.err().strip());
        }

        // A two-feature model on iris: the width is told, not iris's labels unknown to the model.
        Path narrowModel = dir.resolve("narrow.model");
        Path twoColumns = Files.writeString(dir.resolve("two.csv"), "1,2,a\n2,1,b\n1,1,a\n2,2,b\n");
        assertEquals(0, run("train", "--dataset", "csv", "--train", twoColumns.toString(), "--test-fraction", "0",
                "--save", narrowModel.toString(), "--threads", "1").status());
        Run onIris = run("evaluate", "--model", narrowModel.toString(), "--dataset", "iris");
        assertEquals(Main.EXIT_BAD_INPUT, onIris.status());
        assertEquals("error: " + narrowModel + ": the model expects 2 features but iris has 4", onIris.err().strip());

        for (String option : new String[] {"--scale=unit", "--limit=5", "--validation-fraction=0.2"}) {
            Run ignored = run("evaluate", "--model", model.toString(), option);
            assertEquals(Main.EXIT_BAD_INPUT, ignored.status());
            assertTrue(ignored.err().startsWith("error: evaluate takes no " + option.substring(0, option.indexOf('='))),
                    ignored.err());
            assertFalse(run("evaluate", "--help").out().contains(option.substring(0, option.indexOf('='))));
        }

        Run images = run("evaluate", "--model", model.toString(), "--dataset", "cifar10", "--data-dir",
                dir.resolve("nothing-here").toString());
        assertEquals(Main.EXIT_BAD_INPUT, images.status());
        assertEquals("error: " + model + ": the model expects 4 features but cifar10 has 3072", images.err().strip(),
                "told before looking for the data");

        virginica.set(3, virginica.get(3).replace("virginica", "tulip"));
        Files.write(oneClass, virginica);
        Run unknown = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train",
                oneClass.toString(), "--test-fraction", "0", "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, unknown.status());
        assertEquals("error: " + oneClass + ": line 4: label 'tulip' is not one of the training classes [setosa,"
                + " versicolor, virginica]", unknown.err().strip());
    }

    /** An output that cannot be written stops the command before it trains, naming the output. */
    @Test
    void unwritableOutputsAreRefusedBeforeTraining() throws IOException {
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        for (String[] output : new String[][] {{"--report", file.resolve("r.json").toString()},
                {"--plot", file.toString()}}) {
            Run refused = train(output);
            assertEquals(Main.EXIT_BAD_INPUT, refused.status(), String.join(" ", output));
            assertEquals("error: " + output[1] + ": " + file + " is not a folder", refused.err().strip());
            assertFalse(refused.out().contains("objective"), "refused before training: " + refused.out());
        }
        Run compare = run("compare", "--optimizers", "gd", "--max-iter", "2", "--threads", "1", "--out",
                file.resolve("cmp").toString());
        assertEquals(Main.EXIT_BAD_INPUT, compare.status());
        assertEquals("error: " + file.resolve("cmp") + ": " + file + " is not a folder", compare.err().strip());
        assertFalse(compare.out().contains("gd"), compare.out());
        assertFalse(Files.exists(model), "nothing saved");
    }

    @Test
    void saveRefusesAnExistingFileBeforeTrainingUnlessForced() throws IOException {
        Files.writeString(model, "keep me");
        Run refused = train();
        assertEquals(Main.EXIT_BAD_INPUT, refused.status());
        assertTrue(refused.err().contains("exists (use --force to replace it)"), refused.err());
        assertFalse(refused.out().contains("objective"), "refused before training: " + refused.out());
        assertEquals("keep me", Files.readString(model));

        Run forced = train("--force");
        assertEquals(0, forced.status(), forced.err());
        assertEquals(3, ModelIO.load(model).numClasses());

        // A folder is named as one, not sent to --force, which would not help.
        Path folder = Files.createDirectories(dir.resolve("models"));
        Run intoFolder = run("train", "--data-dir", "notebooks-data", "--threads", "1", "--save", folder.toString());
        assertEquals(Main.EXIT_BAD_INPUT, intoFolder.status());
        assertEquals("error: " + folder + ": is a folder; give a file name", intoFolder.err().strip());
    }

    @Test
    void predictWritesOneClassNamePerRow() throws IOException {
        assertEquals(0, train().status());
        SoftmaxRegression loaded = ModelIO.load(model);
        Dataset iris = CsvDatasetReader.read(IRIS, DataType.DOUBLE);
        String[] expected = loaded.predictNames(iris.features());

        // Features only, with a header.
        Path input = dir.resolve("flowers.csv");
        StringBuilder csv = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width\n");
        for (double[] row : iris.features().toDoubleMatrix()) {
            csv.append(row[0]).append(',').append(row[1]).append(',').append(row[2]).append(',').append(row[3])
                    .append('\n');
        }
        Files.writeString(input, csv);
        Run predicted = run("predict", "--model", model.toString(), "--input", input.toString());
        assertEquals(0, predicted.status(), predicted.err());
        assertArrayEquals(expected, predicted.out().split("\n"));

        // A first row with an empty cell is an error on line 1, not a header that would shift every prediction.
        Path holed = Files.writeString(dir.resolve("holed.csv"), "5.1,3.5,,0.2\n6.7,3.0,5.2,2.3\n");
        Run hole = run("predict", "--model", model.toString(), "--input", holed.toString());
        assertEquals(Main.EXIT_BAD_INPUT, hole.status());
        assertEquals("error: " + holed + ": line 1: column 3: '' is not a number", hole.err().strip());

        // A value beyond a float32 model's range is named where it is written (QA: "feature 0 of row 28").
        Path huge = Files.writeString(dir.resolve("huge.csv"), "5.1,3.5,1.4,0.2\n1e308,3.0,5.2,2.3\n");
        Run beyond = run("predict", "--model", model.toString(), "--input", huge.toString());
        assertEquals(Main.EXIT_BAD_INPUT, beyond.status());
        assertTrue(beyond.err().strip().startsWith("error: " + huge + ": line 2: column 1: '1e308' is beyond"
                + " float32's range"), beyond.err());

        // The training CSV itself: the label column is ignored, with a note.
        Run fromTrainingCsv = run("predict", "--model", model.toString(), "--input", IRIS.toString());
        assertEquals(0, fromTrainingCsv.status(), fromTrainingCsv.err());
        assertArrayEquals(expected, fromTrainingCsv.out().split("\n"));
        assertTrue(fromTrainingCsv.err().contains("the last column is ignored"), fromTrainingCsv.err());
    }

    @Test
    void predictProbaWritesAHeaderAndProbabilitiesToAFile() throws IOException {
        assertEquals(0, train().status());
        Path input = Files.writeString(dir.resolve("two.csv"), "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
        Path output = dir.resolve("out/predictions.csv");
        Run predicted = run("predict", "--model", model.toString(), "--input", input.toString(), "--proba",
                "--output", output.toString());
        assertEquals(0, predicted.status(), predicted.err());
        assertEquals("", predicted.out());
        List<String> lines = Files.readAllLines(output);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("predicted,setosa,versicolor,virginica", lines.get(0));
        assertTrue(lines.get(1).startsWith("setosa,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("virginica,"), lines.get(2));
        double[][] expected = ModelIO.load(model).predictProba(new double[][] {{5.1, 3.5, 1.4, 0.2}, {6.7, 3.0, 5.2, 2.3}});
        for (int i = 0; i < 2; i++) {
            String[] cells = lines.get(i + 1).split(",");
            double sum = 0;
            for (int k = 0; k < 3; k++) {
                assertEquals((float) expected[i][k], Float.parseFloat(cells[k + 1]));
                sum += Double.parseDouble(cells[k + 1]);
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void devStdoutRedirectedToAFileIsWrittenThroughTheStream() throws Exception {
        // QA: with the shell's standard output sent to a file, /dev/stdout led to that file, which the atomic write
        // replaced by a rename: what the shell had written before was gone, and what it wrote after went nowhere.
        assertEquals(0, train().status());
        Path input = Files.writeString(dir.resolve("two.csv"), "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
        Path captured = Files.writeString(dir.resolve("captured.txt"), "before\n");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "predict", "--model",
                model.toString(), "--input", input.toString(), "--output", "/dev/stdout", "--threads", "1")
                .redirectOutput(ProcessBuilder.Redirect.appendTo(captured.toFile()))
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, process.waitFor());
        Files.writeString(captured, "after\n", java.nio.file.StandardOpenOption.APPEND);
        assertEquals(List.of("before", "setosa", "virginica", "after"), Files.readAllLines(captured));
        assertEquals(java.io.FileDescriptor.out, dev.softmax.io.AtomicFiles.standardStream(Path.of("/dev/fd/1")));
        assertEquals(null, dev.softmax.io.AtomicFiles.standardStream(Path.of("/dev/null")));
    }

    @Test
    void dashReadsTheStandardInput() {
        // QA: --output - meant the standard output, but --input - was "error: -: file not found".
        assertEquals(0, train().status());
        Run piped = runWithInput("5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(0, piped.status(), piped.err());
        assertEquals(List.of("setosa", "virginica"), piped.out().lines().toList());
        Run narrow = runWithInput("5.1,3.5,1.4\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Main.EXIT_BAD_INPUT, narrow.status());
        assertTrue(narrow.err().startsWith("error: <stdin>: line 1: expected 4 feature columns"), narrow.err());
        Run binary = runWithInput(new byte[] {'5', ',', (byte) 0xff, '\n'});
        assertEquals(Main.EXIT_BAD_INPUT, binary.status());
        assertEquals("error: <stdin>: not UTF-8 text", binary.err().strip());
        assertFalse(Files.exists(Path.of("-")), "no file named -");
        Run renamed = runWithInput("a,b,c,d\n5.1,3.5,1.4,0.2\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Main.EXIT_BAD_INPUT, renamed.status());
        assertTrue(renamed.err().startsWith("error: <stdin>: feature 1 is 'a' in the header but 'sepal_length' in"
                + " the model "), renamed.err());
    }

    /** {@code predict --model <model> --input -} reading {@code input}. */
    private Run runWithInput(byte[] input) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"predict", "--model", model.toString(), "--input", "-"},
                new java.io.ByteArrayInputStream(input), new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void anOutputThatIsAnInputIsRefusedAndDashIsTheStandardOutput() throws IOException {
        assertEquals(0, train().status());
        String text = "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n";
        Path input = Files.writeString(dir.resolve("two.csv"), text);
        Run dash = run("predict", "--model", model.toString(), "--input", input.toString(), "--output", "-");
        assertEquals(0, dash.status(), dash.err());
        assertEquals(List.of("setosa", "virginica"), dash.out().lines().toList());
        assertFalse(Files.exists(Path.of("-")), "no file named -");

        // The same file through another name: a link in another folder.
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("elsewhere")).resolve("out.csv"),
                input);
        for (Path output : List.of(input, link)) {
            Run over = run("predict", "--model", model.toString(), "--input", input.toString(), "--output",
                    output.toString());
            assertEquals(Main.EXIT_BAD_INPUT, over.status(), over.err());
            assertEquals("error: --output " + output + " is the --input file; writing it would replace what is read"
                    + " from it", over.err().strip());
            assertEquals(text, Files.readString(input));
        }
        Run overModel = run("predict", "--model", model.toString(), "--input", input.toString(), "--output",
                model.toString());
        assertEquals(Main.EXIT_BAD_INPUT, overModel.status(), overModel.err());
        assertTrue(overModel.err().contains("is the --model file"), overModel.err());

        Path csv = Files.copy(IRIS, dir.resolve("iris.csv"));
        byte[] before = Files.readAllBytes(csv);
        for (String flag : List.of("--save", "--report")) {
            // Without --force too: the message must not send the user to --force, which would not help.
            Run trained = run("train", "--dataset", "csv", "--train", csv.toString(), "--threads", "1", flag,
                    csv.toString());
            assertEquals(Main.EXIT_BAD_INPUT, trained.status(), trained.err());
            assertTrue(trained.err().contains(flag + " " + csv + " is the --train file"), trained.err());
            assertArrayEquals(before, Files.readAllBytes(csv));
        }
        // A device is written through, not replaced: the same terminal (or /dev/null) may be input and output.
        Path devNull = Path.of("/dev/null");
        if (Files.exists(devNull)) {
            CommonOptions.checkNotAnInput("--output", devNull, Map.of("--input", devNull));
        }
        Run shipped = run("train", "--data-dir", dir.toString(), "--threads", "1", "--report", csv.toString());
        assertEquals(Main.EXIT_BAD_INPUT, shipped.status(), shipped.err());
        assertTrue(shipped.err().contains("is the iris data file"), shipped.err());
    }

    @Test
    void classNamesWithCommasAndQuotesSurviveTrainingAndPrediction() throws IOException {
        // Iris with its species renamed, quoted as RFC 4180 has it.
        Map<String, String> renamed = Map.of("setosa", "\"Iris, setosa\"", "versicolor", "\"the \"\"other\"\" one\"",
                "virginica", "virginica");
        StringBuilder csv = new StringBuilder();
        for (String line : Files.readAllLines(IRIS)) {
            int label = line.lastIndexOf(',') + 1;
            csv.append(line, 0, label).append(renamed.getOrDefault(line.substring(label), line.substring(label)))
                    .append('\n');
        }
        Path train = Files.writeString(dir.resolve("quoted.csv"), csv);
        Path quotedModel = dir.resolve("quoted.model");
        Run trained = run("train", "--dataset", "csv", "--train", train.toString(), "--save", quotedModel.toString(),
                "--threads", "1");
        assertEquals(0, trained.status(), trained.err());
        assertEquals(List.of("Iris, setosa", "the \"other\" one", "virginica"),
                ModelIO.load(quotedModel).classNames());

        Path input = Files.writeString(dir.resolve("two.csv"), "5.1,3.5,1.4,0.2\n5.9,2.8,4.4,1.3\n");
        Run predicted = run("predict", "--model", quotedModel.toString(), "--input", input.toString(), "--proba");
        assertEquals(0, predicted.status(), predicted.err());
        assertEquals(List.of("predicted,\"Iris, setosa\",\"the \"\"other\"\" one\",virginica",
                "\"Iris, setosa\",", "\"the \"\"other\"\" one\","),
                predicted.out().lines().map(line -> line.startsWith("predicted") ? line
                        : line.substring(0, line.lastIndexOf('"') + 2)).limit(3).toList());
        // QA: "[Iris, setosa, the "other" one, virginica]" read as four classes.
        Run evaluated = run("evaluate", "--model", quotedModel.toString(), "--data-dir", "notebooks-data",
                "--threads", "1");
        assertEquals(Main.EXIT_BAD_INPUT, evaluated.status());
        assertEquals("error: " + IRIS + ": line 2: label 'setosa' is not one of the training classes ['Iris, setosa',"
                + " 'the \"other\" one', 'virginica']", evaluated.err().strip());
    }

    @Test
    void missingOrForeignModelFilesGiveExitTwo() throws IOException {
        Path absent = dir.resolve("absent.model");
        Run evaluate = run("evaluate", "--model", absent.toString());
        assertEquals(Main.EXIT_BAD_INPUT, evaluate.status());
        assertEquals("error: " + absent + ": file not found", evaluate.err().strip());

        Path input = Files.writeString(dir.resolve("one.csv"), "5.1,3.5,1.4,0.2\n");
        Run predict = run("predict", "--model", absent.toString(), "--input", input.toString());
        assertEquals(Main.EXIT_BAD_INPUT, predict.status());
        assertTrue(predict.err().contains("file not found"), predict.err());

        Run foreign = run("predict", "--model", IRIS.toString(), "--input", input.toString());
        assertEquals(Main.EXIT_BAD_INPUT, foreign.status());
        assertTrue(foreign.err().contains("not a model file"), foreign.err());
    }

    @Test
    void badPredictInputGivesExitTwoWithTheLine() throws IOException {
        assertEquals(0, train().status());
        Path wide = Files.writeString(dir.resolve("wide.csv"), "1,2,3,4,5,6\n");
        Run tooWide = run("predict", "--model", model.toString(), "--input", wide.toString());
        assertEquals(Main.EXIT_BAD_INPUT, tooWide.status());
        assertTrue(tooWide.err().contains("line 1: expected 4 feature columns (or 5 with a label last"), tooWide.err());

        Path notNumber = Files.writeString(dir.resolve("bad.csv"), "1,2,3,4\n1,2,x,4\n");
        Run bad = run("predict", "--model", model.toString(), "--input", notNumber.toString());
        assertEquals(Main.EXIT_BAD_INPUT, bad.status());
        assertTrue(bad.err().contains("line 2: column 3: 'x' is not a number"), bad.err());

        Path empty = Files.writeString(dir.resolve("empty.csv"), "sepal_length,sepal_width,petal_length,petal_width\n");
        Run none = run("predict", "--model", model.toString(), "--input", empty.toString());
        assertEquals(Main.EXIT_BAD_INPUT, none.status());
        assertTrue(none.err().contains("no data rows"), none.err());
    }

    private static String number(String pattern, String text) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        assertTrue(m.find(), "no '" + pattern + "' in: " + text);
        return m.group(1);
    }
}
