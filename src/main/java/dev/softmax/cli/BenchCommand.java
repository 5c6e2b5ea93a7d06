package dev.softmax.cli;

import dev.softmax.NativeThreads;
import dev.softmax.bench.Benchmark;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.io.Json;
import dev.softmax.model.Trainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: times the hot paths as ratios to a floor measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Time one value-and-gradient evaluation, one Hessian-vector product, one prediction pass and "
                + "one SGD epoch, each as a ratio to the floor: one streaming pass over X in the same process.",
            "Default shape: CIFAR-10's (50000 x 3072, 10 classes, float32) on synthetic data."})
public final class BenchCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public BenchCommand() {
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N", defaultValue = "50000", description = "Rows n (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--features", paramLabel = "D", defaultValue = "3072",
            description = "Features d (default: ${DEFAULT-VALUE}).")
    int features;

    @Option(names = "--classes", paramLabel = "K", defaultValue = "10", description = "Classes K (default: ${DEFAULT-VALUE}).")
    int classes;

    @Mixin
    DataOptions data;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "7",
            description = "Measured runs per figure; the median is reported (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--warmups", paramLabel = "W", defaultValue = "2",
            description = "Unmeasured runs first, and more until half a second of them has passed; 0 for none"
                    + " (default: ${DEFAULT-VALUE}).")
    int warmups;

    @Option(names = "--l2", paramLabel = "LAMBDA", defaultValue = "1e-4", description = "L2 strength (default: ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--pixels", description = "Synthetic data of 8-bit pixel values (the integers 0 to 255, with the "
            + "1/255 folded into the products as train does for image data) instead of floats uniform in [0, 1); with "
            + "--byte-features the vector passes read them as bytes (float32 only).")
    boolean pixels;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the results as JSON.")
    Path report;

    @Mixin
    CommonOptions common;

    /**
     * Refuses a synthetic shape whose arrays would not fit: each of {@code X}, the logits and the parameters under
     * {@code 2^31} values (the byte features and the heap blocks hold one array each), and {@code X} in half the
     * machine's memory (such shapes crashed the JVM, or swapped for minutes).
     */
    static void checkShapeFits(long rows, long features, long classes, int bytesPerValue) {
        for (long[] product : new long[][] {{rows, features}, {rows, classes}, {features + 1, classes}}) {
            if (product[0] * product[1] > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "--rows %d --features %d"
                        + " --classes %d: an array of %d x %d values, more than bench makes (2^31 - 1 values per array)",
                        rows, features, classes, product[0], product[1]));
            }
        }
        long bytes = rows * features * bytesPerValue;
        long memory = physicalMemory();
        if (memory > 0 && bytes > memory / 2) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "--rows %d --features %d: X"
                    + " alone takes %.1f GB, more than half of this machine's %.1f GB", rows, features, bytes / 1e9,
                    memory / 1e9));
        }
    }

    private static long physicalMemory() {
        var system = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return system instanceof com.sun.management.OperatingSystemMXBean os ? os.getTotalMemorySize() : -1;
    }

    @Override
    public Integer call() throws Exception {
        common.applyNativeSettings();
        common.warnIfKernelUnused(data.dataType());
        PrintWriter out = spec.commandLine().getOut();
        var parsed = spec.commandLine().getParseResult();
        boolean fromDataset = parsed.hasMatchedOption("--dataset") || data.datasetImpliedByFiles();
        List<String> ignored = (fromDataset ? List.of("--rows", "--features", "--classes", "--pixels")
                : List.of("--data-dir", "--train", "--test", "--label-column", "--header", "--test-fraction",
                        "--validation-fraction", "--limit", "--scale", "--seed")).stream()
                .filter(parsed::hasMatchedOption)
                .map(name -> name.equals("--header") && !data.headerLine ? "--no-header" : name).toList();
        if (!ignored.isEmpty()) {
            throw new IllegalArgumentException(fromDataset
                    ? String.join(", ", ignored) + (ignored.size() == 1 ? " shapes" : " shape")
                            + " synthetic data; --dataset brings its own shape"
                    : String.join(", ", ignored) + (ignored.size() == 1 ? " applies" : " apply")
                            + " to a --dataset; without one, bench makes synthetic data");
        }
        if (rows < 1 || features < 1 || classes < 2) {
            throw new IllegalArgumentException("need --rows >= 1, --features >= 1 and --classes >= 2");
        }
        if (!fromDataset) {
            checkShapeFits(rows, features, classes, data.dataType() == DataType.DOUBLE ? 8 : 4);
        }
        if (repeats < 1 || warmups < 0) {
            throw new IllegalArgumentException("need --repeats >= 1 and --warmups >= 0, got " + repeats + " and "
                    + warmups);
        }
        if (!(l2 >= 0) || Double.isInfinite(l2)) {
            throw new IllegalArgumentException("--l2 must be finite and >= 0, got " + Numbers.setting(l2));
        }
        if (report != null) {
            dev.softmax.io.AtomicFiles.checkWritable(report); // before minutes of measuring, not after
            if (fromDataset) {
                CommonOptions.checkNotAnInput("--report", report, data.inputFiles());
            }
        }
        Benchmark benchmark = new Benchmark(new Benchmark.Settings(repeats, warmups, 128, 42));
        INDArray x;
        int[] y;
        int k;
        String datasetName = "synthetic";
        String source;
        double featureScale;
        DataType dataType = data.dataType();
        if (fromDataset) {
            DatasetKind dataset = data.dataset();
            DataOptions.Prepared prepared = data.load();
            common.dropBytesThatCannotApply(dataType, dataset, prepared);
            Dataset train = prepared.train();
            // As train does (--scale, else the data set's default): pixels / 255 is folded into the products, so X
            // keeps the raw values.
            FeatureScaler scaler = switch (prepared.scaling()) {
                case NONE, UNIT -> FeatureScaler.none(train.numFeatures());
                case STANDARD -> FeatureScaler.standard(train.features());
            };
            x = scaler.transform(train.features());
            featureScale = prepared.scaling() == Trainer.Scaling.UNIT ? 1 / 255.0 : 1.0;
            y = train.labels();
            k = train.numClasses();
            datasetName = dataset.toString();
            source = prepared.source();
        } else {
            if (pixels && dataType != DataType.FLOAT) {
                throw new IllegalArgumentException("--pixels needs --dtype float");
            }
            x = pixels ? Benchmark.syntheticPixels(rows, features, 42)
                    : Benchmark.syntheticFeatures(rows, features, dataType, 42);
            featureScale = pixels ? 1 / 255.0 : 1.0;
            y = Benchmark.syntheticLabels(rows, classes, 43);
            k = classes;
            source = pixels ? "synthetic pixels" : "synthetic";
        }
        out.printf("bench: %s, %d x %d, %d classes, %s, %s, kernel %s, median of %d after %s%n",
                fromDataset ? datasetName + " (" + source + ")" : source, x.rows(), x.columns(), k, dataType == DataType.DOUBLE ? "double" : "float",
                Numbers.count(NativeThreads.current(), "thread"), CommonOptions.kernelFor(dataType), repeats,
                Numbers.count(warmups, "warm-up"));
        out.flush();
        Map<String, Object> results = benchmark.run(x, y, k, l2, featureScale);

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", datasetName);
        json.put("source", source);
        json.put("rows", x.rows());
        json.put("features", x.columns());
        json.put("classes", k);
        json.put("dtype", dataType == DataType.DOUBLE ? "double" : "float");
        json.put("threads", NativeThreads.current());
        json.put("kernel", CommonOptions.kernelFor(dataType));
        json.put("repeats", repeats);
        json.putAll(results);

        out.printf("%-16s %10s %8s %12s%n", "measurement", "seconds", "x floor", "its floor");
        // Four significant digits, not four decimals: a small shape's passes take microseconds.
        out.printf("%-16s %10.4g %8.2f   %s%n", "floor", (double) results.get("floor_seconds"), 1.0,
                results.get("floor_kernel"));
        for (String name : new String[] {"nd4j_sum", "value_gradient", "hessian_vector", "predict", "sgd_epoch"}) {
            out.printf("%-16s %10.4g %8.2f %12.4g%n", name, (double) results.get(name + "_seconds"),
                    (double) results.get(name + "_ratio"), (double) results.get(name + "_floor_seconds"));
        }
        out.printf("allocated per value-and-gradient evaluation: %d bytes (heap %d, native %d; the gradient itself is %d)%n",
                (long) results.get("allocated_bytes_per_evaluation"),
                (long) results.get("allocated_heap_bytes_per_evaluation"),
                (long) results.get("allocated_native_bytes_per_evaluation"), (long) results.get("gradient_bytes"));
        if (CommonOptions.kernelFor(dataType).equals("vector")) {
            out.printf("rows read %s, %s%n", (boolean) results.get("features_as_bytes") ? "as bytes" : "as floats",
                    (boolean) results.get("rows_in_place") ? "in place" : "copied to the heap block by block");
        } else {
            out.printf("rows multiplied by OpenBLAS (%s)%n", dataType == DataType.DOUBLE ? "float64" : "float32");
        }
        if (report != null) {
            Json.write(report, json);
            out.println("report written to " + report);
        }
        return 0;
    }
}
