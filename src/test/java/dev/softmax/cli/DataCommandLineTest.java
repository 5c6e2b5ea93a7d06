package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data options and the download command through {@link Main#run}: exit status, the one-line message naming
 * the file, and what reaches the report.
 */
class DataCommandLineTest {

    @TempDir
    Path dir;

    /** Exit status and the two streams of one run. */
    record Run(int status, String out, String err) {
        /** The error output as lines, for the one-line check. */
        List<String> errLines() {
            return err.strip().lines().toList();
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    /**
     * Exit status 2 and one error line, "error: ..." containing every one of {@code parts}, as the last line of
     * the error stream (download progress lines may come before it), with no stack trace.
     */
    static void assertBadInput(Run r, String... parts) {
        assertEquals(Main.EXIT_BAD_INPUT, r.status(), r.err() + r.out());
        List<String> lines = r.errLines();
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("error: "), r.err());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("error: ")).count(), r.err());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("\tat ") || l.contains("--verbose")),
                "no stack trace: " + r.err());
        for (String part : parts) {
            assertTrue(last.contains(part), "'" + part + "' missing from: " + r.err());
        }
    }

    // ---- a small MNIST-format folder: 40 training images of 4x4 in 3 classes, 9 test images ----

    static byte[] idx(int ndim, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) ndim);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(payload).array();
    }

    /** Class {@code k} images are bright in row {@code k}, so the classes are learnable. */
    static void writeMnist(Path folder, int trainCount, int testCount) throws IOException {
        Files.createDirectories(folder);
        for (String part : List.of("train", "t10k")) {
            int n = part.equals("train") ? trainCount : testCount;
            byte[] pixels = new byte[n * 16];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                int k = i % 3;
                labels[i] = (byte) k;
                for (int p = 0; p < 16; p++) {
                    pixels[i * 16 + p] = (byte) (p / 4 == k ? 200 + (i % 50) : (i * 7 + p) % 40);
                }
            }
            gzip(folder.resolve(part + "-images-idx3-ubyte.gz"), idx(3, new int[] {n, 4, 4}, pixels));
            gzip(folder.resolve(part + "-labels-idx1-ubyte.gz"), idx(1, new int[] {n}, labels));
        }
    }

    static void gzip(Path file, byte[] data) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(data);
        }
    }

    @Test
    void trainsOnAnIdxFolderWithLimitValidationAndReport() throws IOException {
        writeMnist(dir.resolve("mnist"), 40, 9);
        Path report = dir.resolve("report.json");
        Run r = run("train", "--dataset", "mnist", "--data-dir", dir.toString(), "--limit", "30",
                "--validation-fraction", "0.2", "--max-iter", "30", "--report", report.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("24 train, 6 validation, 9 test, 16 features, 10 classes"), r.out());
        assertTrue(r.out().contains("scaling unit"), r.out());
        assertTrue(r.out().contains("validation accuracy 1.0000"), r.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(1.0, json.get("validation_accuracy").asDouble());
        assertEquals(6, json.get("n_validation").asInt());
        assertEquals(24, json.get("n_train").asInt());
        assertEquals(30, json.get("limit").asInt());
        assertEquals("unit", json.get("scaling").asText());
        assertTrue(json.get("test_fraction").isNull(), "MNIST has its own test split");
        assertTrue(json.get("test_accuracy").asDouble() > 0.99, json.toString());

        Path compared = dir.resolve("compared");
        Run c = run("compare", "--dataset", "mnist", "--data-dir", dir.toString(), "--optimizers", "lbfgs",
                "--max-iter", "5", "--out", compared.toString());
        assertEquals(0, c.status(), c.err());
        JsonNode summary = new ObjectMapper().readTree(compared.resolve(CompareCommand.SUMMARY_JSON).toFile());
        assertTrue(summary.get("test_fraction").isNull(), "compare too: " + summary.get("test_fraction"));
    }

    @Test
    void trainsOnCsvFilesWithTheChosenScaling() throws IOException {
        Path train = dir.resolve("train.csv");
        Path test = dir.resolve("test.csv");
        StringBuilder rows = new StringBuilder("a,b,species\n");
        for (int i = 0; i < 30; i++) {
            rows.append(i % 2 == 0 ? 1 + i * 0.01 : -1 - i * 0.01).append(',').append(i * 0.1).append(',')
                    .append(i % 2 == 0 ? "left" : "right").append('\n');
        }
        Files.writeString(train, rows);
        Files.writeString(test, "a,b,species\n2,0,left\n-2,1,right\n");
        Run r = run("train", "--dataset", "csv", "--train", train.toString(), "--test", test.toString(),
                "--label-column", "species", "--scale", "none", "--max-iter", "50");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("30 train, 2 test, 2 features, 2 classes"), r.out());
        assertTrue(r.out().contains("scaling none"), r.out());
        assertTrue(r.out().contains("test accuracy 1.0000"), r.out());
    }

    @Test
    void badInputIsExitStatusTwoWithOneLineNamingTheFile() throws IOException {
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString()),
                dir.resolve("mnist").resolve("train-images-idx3-ubyte.gz") + ": file not found",
                "download mnist");
        Path mnist = dir.resolve("mnist");
        writeMnist(mnist, 12, 3);
        Files.write(mnist.resolve("t10k-labels-idx1-ubyte.gz"), new byte[] {1, 2, 3});
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString()),
                mnist.resolve("t10k-labels-idx1-ubyte.gz") + ": truncated");
        assertBadInput(run("train", "--dataset", "cifar10", "--data-dir", dir.toString()),
                dir.resolve("cifar-10-batches-bin") + ": not found", "download cifar10");
        Path cifar = Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
        for (int b = 1; b <= 5; b++) {
            Files.write(cifar.resolve("data_batch_" + b + ".bin"), new byte[3073]);
        }
        Files.write(cifar.resolve("test_batch.bin"), new byte[3073 + 5]);
        assertBadInput(run("train", "--dataset", "cifar10", "--data-dir", dir.toString()),
                cifar.resolve("test_batch.bin") + ": record 2: truncated");

        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "1,2,a\n3,four,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", csv.toString()),
                csv + ": line 2: column 2: 'four' is not a number");
        Files.writeString(csv, "1,2,a\n3,3.5e38,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", csv.toString()),
                csv + ": line 2: column 2: '3.5e38' is beyond float32's range");
        Files.writeString(csv, "1,2,a\n3,4,a\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", csv.toString()), csv + ": ", "single class");
        Files.writeString(csv, "");
        assertBadInput(run("train", "--dataset", "csv", "--train", csv.toString()), csv + ": no data rows");
    }

    @Test
    void anIdColumnTakenForLabelsIsRefusedBeforeTraining() throws IOException {
        // QA: 33000 labels in 40000 rows (--label-column on an ID column) died in OutOfMemoryError or an index
        // overflow; 1500 labels in 2002 rows are refused the same way, up front.
        StringBuilder rows = new StringBuilder("id,x,kind\n");
        for (int i = 0; i < 2002; i++) {
            rows.append(i % 1500).append(',').append(i % 7).append(',').append(i % 2).append('\n');
        }
        Path ids = Files.writeString(dir.resolve("ids.csv"), rows);
        assertBadInput(run("train", "--dataset", "csv", "--train", ids.toString(), "--label-column", "id"),
                ids + ": 1500 distinct labels in 2002 rows (more than half the rows, too few to learn a class from);"
                        + " check --label-column");
        Run kind = run("train", "--dataset", "csv", "--train", ids.toString(), "--label-column", "kind",
                "--max-iter", "5");
        assertEquals(0, kind.status(), kind.err());
    }

    @Test
    void hugeFiniteDoublesNameTheFile() throws IOException {
        // QA: with --dtype double, 1e308 overflowed the mean or the logits in messages that named no file.
        Path huge = Files.writeString(dir.resolve("huge.csv"), "1e308,1,a\n1e308,2,b\n1e308,3,a\n1e308,4,b\n");
        // QA: standard scaling refused finite columns whose sums overflow; it now scales them.
        Path cancelling = Files.writeString(dir.resolve("cancelling.csv"), "1,2,0\n1e308,4,1\n5,6,1\n-1e308,2,0\n");
        Path lopsided = Files.writeString(dir.resolve("lopsided.csv"), "1.2e308,1,a\n1.2e308,2,b\n1.2e308,3,c\n"
                + "-1.2e308,4,a\n");
        for (Path file : new Path[] {huge, cancelling, lopsided}) {
            Run scaled = run("train", "--dataset", "csv", "--train", file.toString(), "--dtype", "double",
                    "--test-fraction", "0", "--threads", "1");
            assertEquals(0, scaled.status(), scaled.err());
            assertTrue(scaled.out().contains("(converged)"), scaled.out());
        }
        assertTrue(run("train", "--dataset", "csv", "--train", cancelling.toString(), "--dtype", "double",
                "--test-fraction", "0", "--threads", "1").out().contains("train accuracy 1.0000"));
        Run unscaled = run("train", "--dataset", "csv", "--train", cancelling.toString(), "--dtype", "double",
                "--scale", "none", "--test-fraction", "0", "--threads", "1");
        assertTrue(unscaled.out().contains("note: the gradient overflowed at finite weights: the features are too"
                + " large for the precision; use --scale standard\n"), "not --dtype double, which it has: "
                + unscaled.out());
        Path small = Files.writeString(dir.resolve("small.csv"), "1,1,a\n2,2,b\n1,3,a\n2,4,b\n");
        Path model = dir.resolve("small.model");
        Run trained = run("train", "--dataset", "csv", "--train", small.toString(), "--dtype", "double",
                "--test-fraction", "0", "--max-iter", "20", "--save", model.toString());
        assertEquals(0, trained.status(), trained.err());
        assertBadInput(run("predict", "--model", model.toString(), "--input", huge.toString()),
                huge + ": the logits overflow");
        assertBadInput(run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", huge.toString(),
                "--dtype", "double", "--test-fraction", "0"), huge + ": the logits overflow");
    }

    @Test
    void aColumnThatFloat32BlursIsWarnedOf() throws IOException {
        StringBuilder csv = new StringBuilder("stamp,x,label\n");
        for (int i = 0; i < 40; i++) {
            csv.append(1.7e12 + i % 9).append(',').append(i % 4).append(',').append(i % 2).append('\n');
        }
        Path stamps = Files.writeString(dir.resolve("stamps.csv"), csv);
        Run single = run("train", "--dataset", "csv", "--train", stamps.toString(), "--max-iter", "5");
        assertEquals(0, single.status(), single.err());
        assertTrue(single.err().startsWith("warning: " + stamps + ": float32 blurs column 1 'stamp' (values near"),
                single.err());
        assertTrue(single.err().contains("; --dtype double keeps it"), single.err());
        Run doubles = run("train", "--dataset", "csv", "--train", stamps.toString(), "--max-iter", "5", "--dtype",
                "double");
        assertFalse(doubles.err().contains("warning"), doubles.err());
        // A float32 model reads the column so whatever the command: retraining in double is the remedy.
        Path model = dir.resolve("stamps.model");
        assertEquals(0, run("train", "--dataset", "csv", "--train", stamps.toString(), "--max-iter", "5", "--save",
                model.toString()).status());
        String advice = "; the model, trained in float32, reads it so (one trained with --dtype double keeps it)";
        Run evaluated = run("evaluate", "--model", model.toString(), "--dataset", "csv", "--test", stamps.toString());
        assertTrue(evaluated.err().startsWith("warning: " + stamps + ": float32 blurs column 1 'stamp'"),
                evaluated.err());
        assertTrue(evaluated.err().contains(advice + "\n"), evaluated.err());
        Path rows = Files.writeString(dir.resolve("rows.csv"), "stamp,x\n1700000000000,1\n1700000000005,2\n"
                + "1700000000009,3\n");
        Run predicted = run("predict", "--model", model.toString(), "--input", rows.toString());
        assertEquals(0, predicted.status(), predicted.err());
        assertTrue(predicted.err().startsWith("warning: " + rows + ": float32 blurs column 1 'stamp'"),
                predicted.err());
        assertTrue(predicted.err().contains(advice + "\n"), predicted.err());
        // Review: a double model evaluated with --dtype float was said to be trained in float32.
        Path doubleModel = dir.resolve("stamps-double.model");
        assertEquals(0, run("train", "--dataset", "csv", "--train", stamps.toString(), "--max-iter", "5", "--dtype",
                "double", "--save", doubleModel.toString()).status());
        Run asFloat = run("evaluate", "--model", doubleModel.toString(), "--dataset", "csv", "--test",
                stamps.toString(), "--dtype", "float");
        assertTrue(asFloat.err().contains("; the model is in double, and reads the file so without --dtype float\n"),
                asFloat.err());
        assertFalse(run("evaluate", "--model", doubleModel.toString(), "--dataset", "csv", "--test",
                stamps.toString()).err().contains("warning"));
    }

    @Test
    void trainOrTestFilesWithoutDatasetMeanCsv() throws IOException {
        Path rows = Files.writeString(dir.resolve("implied.csv"), "x,y,label\n1,0,a\n2,1,b\n3,0,a\n4,1,b\n");
        Run train = run("train", "--train", rows.toString(), "--test-fraction", "0", "--max-iter", "5");
        assertEquals(0, train.status(), train.err() + train.out());
        assertTrue(train.out().startsWith("dataset: csv (" + rows + "): 4 train"), train.out());

        Path model = dir.resolve("implied.model");
        assertEquals(0, run("train", "--train", rows.toString(), "--test-fraction", "0", "--max-iter", "5",
                "--save", model.toString()).status());
        Run evaluate = run("evaluate", "--model", model.toString(), "--test", rows.toString());
        assertEquals(0, evaluate.status(), evaluate.err() + evaluate.out());
        assertTrue(evaluate.out().contains("\ndataset: csv (" + rows + "): 4 test rows"), evaluate.out());

        Run bench = run("bench", "--train", rows.toString(), "--threads", "1", "--repeats", "1", "--warmups", "0");
        assertEquals(0, bench.status(), bench.err() + bench.out());
        assertTrue(bench.out().startsWith("bench: csv"), bench.out());
        // Named, another data set still refuses the files.
        assertBadInput(run("train", "--dataset", "iris", "--train", rows.toString()),
                "--train is for --dataset csv, not --dataset iris");
    }

    @Test
    void optionsThatDoNotFitAreExitStatusTwo() throws IOException {
        assertBadInput(run("train", "--dataset", "csv"), "--dataset csv needs --train FILE");
        // QA: a folder given as a CSV file said only "Is a directory".
        Path rows = Files.writeString(dir.resolve("two-classes.csv"), "1,a\n2,b\n3,a\n4,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", dir.toString()),
                dir + ": is a directory, not a file (--train takes a CSV file)");
        assertBadInput(run("train", "--dataset", "csv", "--train", rows.toString(), "--test", dir.toString()),
                dir + ": is a directory, not a file (--test takes a CSV file)");
        Path model = dir.resolve("rows.model");
        assertEquals(0, run("train", "--dataset", "csv", "--train", rows.toString(), "--test-fraction", "0",
                "--max-iter", "5", "--save", model.toString()).status());
        assertBadInput(run("evaluate", "--model", model.toString(), "--dataset", "csv", "--train", dir.toString()),
                dir + ": is a directory, not a file (--train takes a CSV file)");
        assertBadInput(run("train", "--dataset", "iris", "--train", "x.csv"), "--train is for --dataset csv, not --dataset iris");
        assertBadInput(run("train", "--label-column", "2"), "--label-column is for --dataset csv, not --dataset iris");
        Path labelled = Files.writeString(dir.resolve("labelled.csv"), "1,a\n2,b\n3,a\n4,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", labelled.toString(), "--label-column",
                "2147483648"), "--label-column 2147483648 is beyond any file's columns");
        assertBadInput(run("train", "--dataset", "csv", "--train", labelled.toString(), "--label-column="),
                "--label-column is empty");
        assertBadInput(run("train", "--dataset", "mnist", "--test", "t.csv", "--label-column", "last"),
                "--test, --label-column are for --dataset csv");
        assertBadInput(run("train", "--validation-fraction", "1"), "--validation-fraction must be in [0,1)");
        // QA: these said "the training set is empty" and "has a single class" without naming the flag.
        Path two = Files.writeString(dir.resolve("two.csv"), "1,a\n2,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", two.toString(), "--test-fraction", "0.9"),
                "--test-fraction 0.9 of 2 rows (" + two + ") leaves none to train on; lower it");
        assertBadInput(run("train", "--data-dir", dir.toString(), "--test-fraction", "0.99"),
                "--test-fraction 0.99 of 150 rows (bundled iris.csv) leaves ");
        assertBadInput(run("train", "--limit", "0"), "--limit must be >= 1");
        Run r = run("train", "--scale", "minmax");
        assertEquals(Main.EXIT_BAD_INPUT, r.status());
        assertTrue(r.err().contains("expected none, unit or standard, got 'minmax'"), r.err());
        writeMnist(dir.resolve("mnist"), 12, 3);
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString(), "--limit", "1"),
                "single class after --limit 1");
        assertBadInput(run("train", "--dataset", "mnist", "--data-dir", dir.toString(), "--test-fraction", "0.2"),
                "--test-fraction is for data without a test split; mnist has its own");
        Path csv = Files.writeString(dir.resolve("rows.csv"), "1,a\n2,b\n3,a\n4,b\n");
        assertBadInput(run("train", "--dataset", "csv", "--train", csv.toString(), "--test",
                csv.toString(), "--test-fraction", "0"), "--test-fraction is for data without a test split; --test gives");
    }

    @Test
    void downloadOfflineFailsFastWithExitTwoAndSaysWhereToPutTheFiles() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Path data = dir.resolve("data");
        long start = System.nanoTime();
        Run r = run("download", "cifar10", "--data-dir", data.toString(), "--base-url",
                "http://127.0.0.1:" + closedPort + "/");
        assertTrue((System.nanoTime() - start) / 1e9 < 5, "must fail within seconds");
        assertBadInput(r, "cannot reach http://127.0.0.1:" + closedPort + "/cifar-10-binary.tar.gz",
                "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz by hand and unpack it in " + data);
        assertFalse(Files.exists(data), "nothing left behind");
    }

    @Test
    void downloadWithABadChecksumIsExitTwoAndLeavesNothing() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] body = new byte[100_000];
        Arrays.fill(body, (byte) 7);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
        try {
            Path data = Files.createDirectories(dir.resolve("data"));
            Run r = run("download", "fashion-mnist", "--force", "--data-dir", data.toString(), "--base-url",
                    "http://127.0.0.1:" + server.getAddress().getPort()); // --force: past Debian's installed copy
            assertBadInput(r, "train-images-idx3-ubyte.gz: checksum mismatch",
                    "published value is 8d4fb7e6c68d591d4c3dfef9ec88bf0d");
            try (Stream<Path> left = Files.walk(data)) {
                assertEquals(List.of(data), left.toList(), "nothing left behind");
            }
            Path fresh = dir.resolve("new").resolve("data");
            assertBadInput(run("download", "mnist", "--data-dir", fresh.toString(), "--base-url",
                    "http://127.0.0.1:" + server.getAddress().getPort()), "checksum mismatch");
            assertFalse(Files.exists(dir.resolve("new")), "folders it created are removed again");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBaseUrlThatIsNotHttpIsRefusedNamingItsSetting() {
        Path data = dir.resolve("data");
        assertBadInput(run("download", "mnist", "--data-dir", data.toString(), "--base-url", "notaurl"),
                "--base-url must be an http or https URL, got 'notaurl'");
        assertBadInput(run("download", "mnist", "--data-dir", data.toString(), "--base-url", "file:///tmp/"),
                "--base-url must be an http or https URL, got 'file:///tmp/'");
        String before = System.getProperty(dev.softmax.data.DatasetDownloads.BASE_URL_PROPERTY);
        System.setProperty(dev.softmax.data.DatasetDownloads.BASE_URL_PROPERTY, "ftp://mirror/mnist/");
        try {
            assertBadInput(run("download", "mnist", "--data-dir", data.toString()),
                    "-Dsoftmax.download.baseUrl must be an http or https URL, got 'ftp://mirror/mnist/'");
        } finally {
            if (before == null) {
                System.clearProperty(dev.softmax.data.DatasetDownloads.BASE_URL_PROPERTY);
            } else {
                System.setProperty(dev.softmax.data.DatasetDownloads.BASE_URL_PROPERTY, before);
            }
        }
        assertFalse(Files.exists(data), "nothing created");
    }

    @Test
    void downloadSkipsADataSetAlreadyInPlace() throws IOException {
        writeMnist(dir.resolve("mnist"), 3, 3);
        Run r = run("download", "mnist", "--data-dir", dir.toString(), "--base-url", "http://127.0.0.1:9/");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("already in"), r.out());
        assertBadInput(run("download", "imagenet"), "cannot download 'imagenet'");
        // Even with the data set in place, a bad --base-url is named.
        assertBadInput(run("download", "mnist", "--data-dir", dir.toString(), "--base-url", "ftp://bad/"),
                "--base-url must be an http or https URL");
        // Debian's installed copy (the CI installs dataset-fashion-mnist) is found before the network is tried.
        Path fashion = Path.of("/usr/share/datasets/fashion-mnist");
        assertTrue(dev.softmax.data.MnistIdxLoader.isPresent(fashion), "the test needs dataset-fashion-mnist");
        Run installed = run("download", "fashion-mnist", "--data-dir", dir.resolve("empty").toString(), "--base-url",
                "http://127.0.0.1:9/");
        assertEquals(0, installed.status(), installed.err());
        assertTrue(installed.out().contains("fashion-mnist is installed in " + fashion), installed.out());
        assertFalse(Files.exists(dir.resolve("empty")), "nothing made");
        // A damaged file in place is named, not taken for the data set (QA: a truncated .gz was "already in").
        Path images = dir.resolve("mnist").resolve("train-images-idx3-ubyte.gz");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length - 9));
        assertBadInput(run("download", "mnist", "--data-dir", dir.toString(), "--base-url", "http://127.0.0.1:9/"),
                images + ": in place but damaged (truncated or corrupt); use --force to download mnist again");
        // Unpacked content under the .gz name (a browser unpacks on the way) is read by the loader: whole.
        Files.write(images, new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(whole)).readAllBytes());
        Run unpacked = run("download", "mnist", "--data-dir", dir.toString(), "--base-url", "http://127.0.0.1:9/");
        assertEquals(0, unpacked.status(), unpacked.err());
        assertTrue(unpacked.out().contains("already in"), unpacked.out());
    }
}
