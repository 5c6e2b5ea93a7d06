package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.softmax.data.MnistIdxLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void reportsEveryFigureAsSecondsAndAsARatioToTheFloor() throws Exception {
        Path report = dir.resolve("bench.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"bench", "--rows", "700", "--features", "30", "--classes", "4",
            "--repeats", "3", "--warmups", "1", "--threads", "1", "--report", report.toString()},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(0, status, err.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertTrue(Files.readString(report).endsWith("}\n"), "the last line ends");
        assertEquals(700, json.get("rows").asInt());
        assertEquals(30, json.get("features").asInt());
        assertEquals(4, json.get("classes").asInt());
        assertEquals("float", json.get("dtype").asText());
        assertEquals(1, json.get("threads").asInt());
        // The tests run with the Vector API module (pom.xml), so auto picks the vector kernels for float32.
        assertEquals("vector", json.get("kernel").asText());
        double floor = json.get("floor_seconds").asDouble();
        assertTrue(floor > 0);
        // The floor is the faster of the two reads, each timed before the measurements.
        JsonNode candidates = json.get("floor_candidate_seconds");
        assertEquals(2, candidates.size(), candidates.toString());
        double asum = candidates.get("blas_asum").asDouble();
        double vector = candidates.get("vector_sum").asDouble();
        assertTrue(asum > 0 && vector > 0, candidates.toString());
        assertEquals(asum <= vector ? "blas_asum" : "vector_sum", json.get("floor_kernel").asText());
        for (String name : List.of("value_gradient", "hessian_vector", "predict", "sgd_epoch")) {
            double seconds = json.get(name + "_seconds").asDouble();
            assertTrue(seconds > 0, name);
            assertTrue(json.get(name + "_floor_seconds").asDouble() > 0, name);
            // Each run is paired with the floor timed just before it; the ratio is the median of the pairs'.
            JsonNode ratios = json.get(name + "_ratios");
            assertEquals(3, ratios.size(), name);
            double[] sorted = new double[3];
            for (int i = 0; i < 3; i++) {
                sorted[i] = ratios.get(i).asDouble();
                assertTrue(sorted[i] > 0, name);
            }
            java.util.Arrays.sort(sorted);
            assertEquals(sorted[1], json.get(name + "_ratio").asDouble(), 0.0, name);
        }
        // Warmed up for half a second, not one run: the Vector API's code before the JIT compiles it allocated 2.5 MB
        // per evaluation at this shape.
        long allocated = json.get("allocated_bytes_per_evaluation").asLong();
        assertTrue(allocated >= 0 && allocated < 1024 * 1024, "allocated " + allocated); // 3 KB here once compiled
        // Seconds with significant digits: this shape's passes take microseconds, which four decimals showed as 0.
        String[] row = out.toString().lines().filter(line -> line.startsWith("value_gradient")).findFirst()
                .orElseThrow().trim().split(" +");
        assertEquals(json.get("value_gradient_seconds").asDouble(), Double.parseDouble(row[1]),
                1e-3 * json.get("value_gradient_seconds").asDouble(), out.toString());
        assertTrue(out.toString().lines().anyMatch(line -> line.startsWith("floor")
                && line.endsWith(json.get("floor_kernel").asText())), out.toString());
    }

    @Test
    void aFreshJvmCompilesTheKernelsBeforeTimingASmallShape() throws Exception {
        // In a JVM of its own: in this one other tests have compiled the kernels already. Without the compilation on a
        // tiny block, a loaded machine (load 9 on 2 cores) got through only a few uncompiled runs in the warm-up.
        Path report = dir.resolve("fresh.json");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", classpath, Main.class.getName(), "bench", "--rows",
                "2000", "--features", "100", "--threads", "1", "--repeats", "3", "--report", report.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("vector", json.get("kernel").asText());
        // Uncompiled, each evaluation allocated 4.5 MB (every vector an object) and took 0.15 s; compiled, 73 KB.
        long allocated = json.get("allocated_bytes_per_evaluation").asLong();
        assertTrue(allocated < 1024 * 1024, "allocated " + allocated + "\n" + output);
    }

    @Test
    void kernelBlasIsReportedAndABadKernelIsAnErrorWithStatusTwo() throws Exception {
        Path report = dir.resolve("blas.json");
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        try {
            int status = Main.run(new String[] {"bench", "--rows", "300", "--features", "8", "--classes", "3",
                "--repeats", "1", "--warmups", "0", "--threads", "1", "--kernel", "blas", "--report",
                report.toString()}, new PrintWriter(out), new PrintWriter(err));
            assertEquals(0, status, err.toString());
            assertEquals("blas", new ObjectMapper().readTree(report.toFile()).get("kernel").asText());
            assertTrue(out.toString().contains("rows multiplied by OpenBLAS (float32)"), out.toString());
            assertFalse(out.toString().contains("rows read"), "the vector kernels' line: " + out);
        } finally {
            dev.softmax.Kernels.set(dev.softmax.Kernels.Kind.AUTO);
        }
        StringWriter bad = new StringWriter();
        int status = Main.run(new String[] {"bench", "--kernel", "mkl"}, new PrintWriter(new StringWriter()),
                new PrintWriter(bad));
        assertEquals(2, status);
        assertTrue(bad.toString().contains("--kernel must be auto, blas or vector"), bad.toString());
        assertEquals(1, bad.toString().strip().lines().count(), bad.toString());
        // A bad default from the system property is named as that.
        System.setProperty("softmax.kernel", "bogus");
        try {
            StringWriter property = new StringWriter();
            assertEquals(2, Main.run(new String[] {"bench", "--rows", "10"}, new PrintWriter(new StringWriter()),
                    new PrintWriter(property)));
            assertEquals("error: -Dsoftmax.kernel must be auto, blas or vector, got 'bogus'", property.toString().strip());
        } finally {
            System.clearProperty("softmax.kernel");
        }
    }

    @Test
    void flagsThatWouldBeIgnoredAreRefused() {
        for (String[] args : new String[][] {
            {"bench", "--dataset", "iris", "--rows", "100"},
            {"bench", "--limit", "5"},
            {"bench", "--repeats", "0"},
            {"bench", "--l2", "-1"}}) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
            assertEquals(Main.EXIT_BAD_INPUT, status, String.join(" ", args));
            assertEquals("", out.toString(), "refused before the header line: " + String.join(" ", args));
            assertTrue(err.toString().startsWith("error: "), err.toString());
        }
        StringWriter err = new StringWriter();
        Main.run(new String[] {"bench", "--dataset", "iris", "--rows", "100", "--pixels"},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals("error: --rows, --pixels shape synthetic data; --dataset brings its own shape", err.toString().strip());
        StringWriter one = new StringWriter();
        Main.run(new String[] {"bench", "--limit", "5"}, new PrintWriter(new StringWriter()), new PrintWriter(one));
        assertEquals("error: --limit applies to a --dataset; without one, bench makes synthetic data",
                one.toString().strip());
        StringWriter negated = new StringWriter();
        Main.run(new String[] {"bench", "--no-header"}, new PrintWriter(new StringWriter()),
                new PrintWriter(negated));
        assertEquals("error: --no-header applies to a --dataset; without one, bench makes synthetic data",
                negated.toString().strip(), "named as given (review: it said --header)");
    }

    @Test
    void aReportThatCannotBeWrittenIsRefusedBeforeMeasuring() throws Exception {
        Path notAFolder = java.nio.file.Files.writeString(dir.resolve("file"), "");
        Path report = notAFolder.resolve("b.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"bench", "--threads", "1", "--report", report.toString()},
                new PrintWriter(out), new PrintWriter(err));
        assertEquals(Main.EXIT_BAD_INPUT, status);
        assertTrue(err.toString().startsWith("error: " + report + ": "), err.toString());
        assertEquals("", out.toString(), "nothing measured (the default shape would take minutes)");
    }

    @Test
    void pixelsAreReadAsBytesOnRequestWithTheirScaleFolded() throws Exception {
        Path report = dir.resolve("pixels.json");
        try {
            JsonNode json = smallPixelBench(report, "--byte-features");
            assertEquals("synthetic pixels", json.get("source").asText());
            assertEquals("synthetic", json.get("dataset").asText());
            assertTrue(json.get("features_as_bytes").asBoolean());
            assertEquals(1 / 255.0, json.get("feature_scale").asDouble(), 0.0);
        } finally {
            dev.softmax.Kernels.setByteFeatures(false);
        }
        // Off by default: the bytes cost n d more bytes of memory.
        JsonNode floats = smallPixelBench(report);
        assertFalse(floats.get("features_as_bytes").asBoolean());
        assertFalse(floats.get("rows_in_place").asBoolean(), "rows of 40 floats are copied to the heap");

        StringWriter bad = new StringWriter();
        int status = Main.run(new String[] {"bench", "--pixels", "--dtype", "double"}, new PrintWriter(new StringWriter()),
                new PrintWriter(bad));
        assertEquals(2, status);
        assertTrue(bad.toString().contains("--pixels needs --dtype float"), bad.toString());
        assertEquals(1, bad.toString().strip().lines().count(), bad.toString());
    }

    /**
     * An image data set is benchmarked as {@code train} trains on it: the raw pixels, the 1/255 folded into the
     * products, so that with {@code --byte-features} the passes read them as bytes.
     */
    @Test
    void imageDataAreBenchmarkedOnTheirRawPixels() throws Exception {
        // CI installs Debian's dataset-fashion-mnist (.ci/run), so there this runs.
        assumeTrue(MnistIdxLoader.isPresent(Path.of("/usr/share/datasets/fashion-mnist")),
                "dataset-fashion-mnist is not installed");
        JsonNode json;
        try {
            json = singleRunBench(dir.resolve("fashion.json"), "--dataset", "fashion-mnist", "--limit", "600",
                    "--byte-features");
        } finally {
            dev.softmax.Kernels.setByteFeatures(false);
        }
        assertEquals(600, json.get("rows").asInt());
        assertEquals("fashion-mnist", json.get("dataset").asText());
        assertEquals("/usr/share/datasets/fashion-mnist", json.get("source").asText(), "the files, as train says");
        assertEquals(1 / 255.0, json.get("feature_scale").asDouble(), 0.0);
        assertTrue(json.get("features_as_bytes").asBoolean());
    }

    /** {@code bench --pixels} on 600 x 40 with {@code options}, one run: its report. */
    private static JsonNode smallPixelBench(Path report, String... options) throws Exception {
        String[] args = {"--rows", "600", "--features", "40", "--classes", "3", "--pixels"};
        String[] all = java.util.Arrays.copyOf(args, args.length + options.length);
        System.arraycopy(options, 0, all, args.length, options.length);
        return singleRunBench(report, all);
    }

    /** {@code bench} with {@code options}, one run after no warm-up on one thread, which must succeed: its report. */
    private static JsonNode singleRunBench(Path report, String... options) throws Exception {
        String[] args = {"bench", "--repeats", "1", "--warmups", "0", "--threads", "1", "--report", report.toString()};
        String[] all = java.util.Arrays.copyOf(args, args.length + options.length);
        System.arraycopy(options, 0, all, args.length, options.length);
        StringWriter err = new StringWriter();
        int status = Main.run(all, new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(0, status, err.toString());
        return new ObjectMapper().readTree(report.toFile());
    }

    @Test
    void badShapeIsAnErrorWithStatusTwo() {
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"bench", "--classes", "1"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err));
        assertEquals(2, status);
        assertTrue(err.toString().contains("--classes >= 2"), err.toString());
        // Shapes that crashed the JVM or swapped for minutes: refused before anything is made.
        for (String[] shape : new String[][] {{"--rows", "100", "--features", "3", "--classes", "100000000"},
            {"--rows", "2147483647", "--features", "1"}, {"--rows", "65537", "--features", "65537"}}) {
            StringWriter refused = new StringWriter();
            String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("bench", "--warmups", "0"),
                    java.util.Arrays.stream(shape)).toArray(String[]::new);
            assertEquals(2, Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(refused)));
            assertTrue(refused.toString().contains("values, more than bench makes (2^31 - 1 values per array)"),
                    refused.toString());
        }
        long memory = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize();
        long rows = memory / 2 / 8 / 100 + 1; // float64 X just over half the memory
        StringWriter refused = new StringWriter();
        assertEquals(2, Main.run(new String[] {"bench", "--rows", Long.toString(rows), "--features", "100",
            "--classes", "2", "--dtype", "double"}, new PrintWriter(new StringWriter()), new PrintWriter(refused)));
        assertTrue(refused.toString().contains(rows * 100 < Integer.MAX_VALUE - 8 ? "more than half of this machine's"
                : "more than bench makes"), refused.toString());
    }
}
