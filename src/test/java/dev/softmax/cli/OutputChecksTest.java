package dev.softmax.cli;

import static dev.softmax.cli.DataCommandLineTest.assertBadInput;
import static dev.softmax.cli.DataCommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.softmax.cli.DataCommandLineTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outputs that would destroy an input, or each other, are refused before anything is read, and an output that cannot
 * be written stops the run before the input is read: regression tests for QA findings on bench, compare, train and
 * predict.
 */
class OutputChecksTest {

    private static final Path IRIS = Path.of("notebooks-data/iris.csv");

    @TempDir
    Path dir;

    @Test
    void benchReportThatIsTheTrainingCsvIsRefused() throws IOException {
        // QA: bench --dataset csv --train iris.csv --report iris.csv replaced the data with the JSON, exit 0.
        Path csv = Files.copy(IRIS, dir.resolve("iris.csv"));
        byte[] before = Files.readAllBytes(csv);
        Path link = Files.createSymbolicLink(dir.resolve("report.json"), csv);
        for (Path report : List.of(csv, link)) {
            Run r = run("bench", "--threads", "1", "--repeats", "1", "--warmups", "0", "--dataset", "csv",
                    "--train", csv.toString(), "--report", report.toString());
            assertBadInput(r, "--report " + report + " is the --train file");
            assertArrayEquals(before, Files.readAllBytes(csv));
        }
        Run shipped = run("bench", "--threads", "1", "--repeats", "1", "--warmups", "0", "--dataset", "iris",
                "--data-dir", dir.toString(), "--report", csv.toString());
        assertBadInput(shipped, "--report " + csv + " is the iris data file");
        assertArrayEquals(before, Files.readAllBytes(csv));
    }

    @Test
    void compareRefusesAnOutFolderThatHoldsItsInput() throws IOException {
        // QA: compare --train summary.csv --out . replaced the training CSV with the summary.
        Path out = Files.createDirectories(dir.resolve("out"));
        byte[] before = Files.readAllBytes(IRIS);
        for (String name : CompareCommand.OUTPUT_FILES) {
            Path csv = Files.copy(IRIS, out.resolve(name));
            Run r = run("compare", "--threads", "1", "--max-iter", "2", "--progress", "none", "--optimizers", "gd",
                    "--dataset", "csv", "--train", csv.toString(), "--out", out.toString());
            assertBadInput(r, "--out " + csv + " is the --train file");
            assertArrayEquals(before, Files.readAllBytes(csv), name);
            Files.delete(csv);
        }
        // Through a link in --out, and as the --test file.
        Path train = Files.copy(IRIS, dir.resolve("train.csv"));
        Path test = Files.copy(IRIS, dir.resolve("test.csv"));
        Files.createSymbolicLink(out.resolve(CompareCommand.HISTORY_CSV), test);
        Run r = run("compare", "--threads", "1", "--max-iter", "2", "--progress", "none", "--optimizers", "gd",
                "--dataset", "csv", "--train", train.toString(), "--test", test.toString(), "--out", out.toString());
        assertBadInput(r, "--out " + out.resolve(CompareCommand.HISTORY_CSV) + " is the --test file");
        assertArrayEquals(before, Files.readAllBytes(test));
        try (var left = Files.list(out)) {
            assertEquals(1, left.count(), "nothing written beside the link");
        }
    }

    @Test
    void trainRefusesASaveOrReportThatThePlotsWouldReplace() throws IOException {
        // QA: train --plot pp3 --save pp3/loss-curve.png saved the model, then the plot replaced it (exit 0).
        Path plots = dir.resolve("pp3");
        for (String name : TrainingPlots.FILES) {
            Path file = plots.resolve(name);
            for (String flag : List.of("--save", "--report")) {
                Run r = run("train", "--threads", "1", "--max-iter", "5", "--data-dir", "notebooks-data",
                        "--plot", plots.toString(), flag, file.toString());
                assertBadInput(r, flag + " and --plot are the same file: " + file);
                assertFalse(Files.exists(plots), "nothing written");
            }
        }
        // A folder that exists, named another way: with a link to it.
        Files.createDirectories(plots);
        Path link = Files.createSymbolicLink(dir.resolve("plots-link"), plots);
        Path viaLink = link.resolve(TrainingPlots.LOSS_CURVE_PNG);
        Run r = run("train", "--threads", "1", "--max-iter", "5", "--data-dir", "notebooks-data",
                "--plot", plots.toString(), "--save", viaLink.toString());
        assertBadInput(r, "--save and --plot are the same file: " + plots.resolve(TrainingPlots.LOSS_CURVE_PNG));
        try (var left = Files.list(plots)) {
            assertEquals(0, left.count(), "nothing written");
        }
    }

    @Test
    void trainRefusesASaveThatIsTheReport() throws IOException {
        // QA: --report r --save r trained, wrote the report, then failed on "exists"; with --force the model
        // silently replaced the report.
        Path report = dir.resolve("run.json");
        for (List<String> force : List.of(List.<String>of(), List.of("--force"))) {
            List<String> args = new java.util.ArrayList<>(List.of("train", "--threads", "1", "--max-iter", "5",
                    "--data-dir", "notebooks-data", "--report", report.toString(), "--save", report.toString()));
            args.addAll(force);
            assertBadInput(run(args.toArray(String[]::new)), "--report and --save are the same file: " + report);
            assertFalse(Files.exists(report), "nothing written");
        }
        // An existing file under another name, replaceable with --force: still the same file.
        Files.writeString(report, "{}\n");
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("elsewhere")).resolve("m.model"),
                report);
        Run r = run("train", "--threads", "1", "--max-iter", "5", "--data-dir", "notebooks-data",
                "--report", report.toString(), "--save", link.toString(), "--force");
        assertBadInput(r, "--report and --save are the same file: " + link);
        assertEquals("{}\n", Files.readString(report));
    }

    @Test
    void theImageDataSetsFilesAreInputsToo() throws IOException {
        // Review: train --dataset mnist --report <its test labels> replaced the labels with JSON.
        Path mnist = dir.resolve("mnist");
        DataCommandLineTest.writeMnist(mnist, 12, 3);
        Path labels = mnist.resolve("t10k-labels-idx1-ubyte.gz");
        byte[] before = Files.readAllBytes(labels);
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString(), "--threads", "1", "--report",
                labels.toString()), "--report " + labels + " is the mnist data (" + labels + ") file");
        assertBadInput(run("bench", "--dataset", "mnist", "--data-dir", dir.toString(), "--threads", "1",
                "--report", labels.toString()), "is the mnist data (");
        assertArrayEquals(before, Files.readAllBytes(labels));
        // Unpacked files, which the loader reads as well (the review's case: the test labels became JSON).
        Path unpacked = mnist.resolve("t10k-labels-idx1-ubyte");
        Files.write(unpacked, new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(before))
                .readAllBytes());
        Files.delete(labels);
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString(), "--threads", "1", "--report",
                unpacked.toString()), "--report " + unpacked + " is the mnist data (" + unpacked + ") file");
    }

    @Test
    void trainRefusesAFileOutputThatAnotherNeedsAsItsFolder() throws IOException {
        // Review: --report zz --save zz/m.model trained, wrote the report as the file zz, then lost the model.
        Path zz = dir.resolve("zz");
        assertBadInput(run("train", "--threads", "1", "--max-iter", "5", "--report", zz.toString(), "--save",
                zz.resolve("m.model").toString()), "--report " + zz + " would be a file where --save needs a folder: "
                + zz.resolve("m.model"));
        assertBadInput(run("train", "--threads", "1", "--max-iter", "5", "--report", zz.toString(), "--plot",
                zz.toString()), "--report " + zz + " would be a file where --plot needs a folder: " + zz);
        assertFalse(Files.exists(zz), "nothing written");
        // Files inside the plot folder are fine, as long as they are not the plots.
        Path plots = dir.resolve("plots");
        Run r = run("train", "--threads", "1", "--max-iter", "5", "--plot", plots.toString(), "--save",
                plots.resolve("m.model").toString(), "--report", plots.resolve("r.json").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(true, Files.exists(plots.resolve("m.model")) && Files.exists(plots.resolve("r.json")));
    }

    @Test
    void predictChecksItsOutputBeforeReadingTheInput() throws IOException {
        // QA: predict --output ro/p.csv read the input (printing its note) before failing on the output.
        Path model = dir.resolve("iris.model");
        Run trained = run("train", "--threads", "1", "--max-iter", "5", "--data-dir", "notebooks-data",
                "--save", model.toString());
        assertEquals(0, trained.status(), trained.err());
        // A part of the path that is a file: no folder can be made there, whoever runs the test (root too).
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x\n");
        Path output = file.resolve("p.csv");
        // Iris has a label column: reading it would print a note about the ignored last column.
        Run r = run("predict", "--threads", "1", "--model", model.toString(), "--input", IRIS.toString(),
                "--output", output.toString());
        assertBadInput(r, output + ": " + file + " is not a folder");
        assertFalse(r.err().contains("note:"), "the input was read: " + r.err());
    }
}
