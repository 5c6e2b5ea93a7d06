package dev.softmax.cli;

import dev.softmax.compare.Comparison;
import dev.softmax.compare.ComparisonReport;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.io.AtomicFiles;
import dev.softmax.io.Json;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.plot.Charts;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.knowm.xchart.XYChart;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code compare}: runs several optimizers on the same data from the same start with the same stopping
 * criteria, prints a table, and writes the histories, a summary and plots.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run several optimizers on one problem and compare them: a table in the terminal, and "
                + "history.csv, summary.csv, summary.json and PNG plots in --out.",
                "Every optimizer starts from zero weights on the same scaled data with the same stopping criteria;"
                        + " use --optimizers (a comma list), not --optimizer."})
public final class CompareCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public CompareCommand() {
    }

    /** Names of the files written to the output folder. */
    static final String HISTORY_CSV = "history.csv";
    static final String SUMMARY_CSV = "summary.csv";
    static final String SUMMARY_JSON = "summary.json";

    static final String GAP_VS_ITERATIONS_PNG = "gap-vs-iterations.png";
    static final String GAP_VS_TIME_PNG = "gap-vs-time.png";
    static final String TEST_ACCURACY_VS_TIME_PNG = "test-accuracy-vs-time.png";
    /** Every file a run writes, or removes as an earlier run's, in {@code --out}. */
    static final List<String> OUTPUT_FILES = List.of(HISTORY_CSV, SUMMARY_CSV, SUMMARY_JSON, GAP_VS_ITERATIONS_PNG,
            GAP_VS_TIME_PNG, TEST_ACCURACY_VS_TIME_PNG);

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Option(names = "--optimizers", paramLabel = "LIST", split = ",", preprocessor = NoEmptyElement.class,
            converter = OptimizerOptions.OptimizerKindConverter.class,
            description = "Comma-separated optimizers to compare, from: ${COMPLETION-CANDIDATES} "
                    + "(default: all but auto).",
            completionCandidates = OptimizerOptions.OptimizerKindCandidates.class)
    List<OptimizerKind> optimizers;

    @Mixin
    OptimizerOptions optimization;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Folder for the files (default: notebooks-data/runs/<dataset>-<yyyyMMdd-HHmmss>).")
    Path outDir;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            converter = ProgressModeConverter.class,
            description = "Progress display: auto (a bar on a terminal, log lines otherwise), bar, log or none "
                    + "(default: ${DEFAULT-VALUE}).")
    ComparisonProgress.Mode progress;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        return data.namingTheSource(this::compare);
    }

    private Integer compare() throws Exception {
        Main.refuseSharedOptions(spec);
        if (optimizers != null && new java.util.HashSet<>(optimizers).size() != optimizers.size()) {
            throw new IllegalArgumentException("--optimizers names an optimizer twice: " + optimizers.stream()
                    .map(OptimizerKind::toString).collect(java.util.stream.Collectors.joining(",")));
        }
        common.applyNativeSettings();
        common.warnIfKernelUnused(data.dataType());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StoppingCriteria stop = optimization.stoppingCriteria();
        List<OptimizerKind> kinds = optimizers == null || optimizers.isEmpty() ? defaultKinds() : optimizers;
        optimization.refuseOptionsNotRead(OptimizerOptions.readers(kinds), "--optimizers " + String.join(",",
                kinds.stream().map(OptimizerKind::toString).toList())
                + (kinds.contains(OptimizerKind.AUTO) ? ", where auto " + OptimizerOptions.AUTO_CHOOSES : ""));
        Path dir = outDir != null ? outDir : defaultOutDir(data.dataset().toString());
        AtomicFiles.checkWritableFolder(dir);
        for (String name : OUTPUT_FILES) {
            CommonOptions.checkNotAnInput("--out", dir.resolve(name), data.inputFiles());
            AtomicFiles.checkWritable(dir.resolve(name)); // a folder under one of the names failed after every run
        }

        DataOptions.Prepared prepared = data.load(common.byteFeaturesAuto());
        common.dropBytesThatCannotApply(data.dataType(), data.dataset(), prepared);
        Dataset train = prepared.train();
        Dataset test = prepared.test();
        DataType type = data.dataType();
        // Scale once and build one objective that every optimizer shares (as Trainer.fit scales).
        INDArray rawTrain = train.features().castTo(type);
        FeatureScaler scaler = switch (prepared.scaling()) {
            case NONE -> FeatureScaler.none(train.numFeatures());
            case UNIT -> FeatureScaler.unit(train.numFeatures(), 255.0);
            case STANDARD -> FeatureScaler.standard(rawTrain);
        };
        INDArray xTrain = scaler.transform(rawTrain);
        INDArray xTest = test.numSamples() > 0 ? scaler.transform(test.features().castTo(type)) : null;
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(xTrain, train.labels(), train.numClasses(),
                optimization.l2(), optimization.hessianBudgetBytes());

        OptimizerKind.Choice autoChoice = kinds.contains(OptimizerKind.AUTO) ? OptimizerKind.AUTO.resolve(
                train.numFeatures(), train.numClasses(), optimization.hessianBudgetBytes()) : null;
        if (autoChoice != null) {
            Set<OptimizerKind> readers = EnumSet.copyOf(kinds);
            readers.add(autoChoice.kind());
            optimization.refuseOptionsNotRead(readers, "--optimizers " + String.join(",",
                    kinds.stream().map(OptimizerKind::toString).toList()) + ", where auto chose "
                    + autoChoice.kind() + " for this data");
        }
        out.printf("dataset: %s (%s): %d train, %d test, %s, %d classes%n", data.dataset(),
                prepared.source(), train.numSamples(), test.numSamples(), Numbers.count(train.numFeatures(),
                        "feature"), train.numClasses());
        out.printf("optimizers: %s; l2 %s, dtype %s, max %s, tol %s, ftol %s%s, %s%n",
                String.join(",", kinds.stream().map(OptimizerKind::toString).toList()),
                Numbers.setting(optimization.l2()), dtypeName(type), Numbers.count(stop.maxIterations(), "iteration"),
                Numbers.setting(stop.gradientTolerance()), Numbers.setting(stop.relativeFunctionTolerance()),
                stop.timeLimit() == null ? ""
                        : ", time limit " + Numbers.setting(stop.timeLimit().toNanos() / 1e9) + " s",
                Numbers.count(common.effectiveThreads(), "thread"));
        String untrained = Advice.untrainedClasses(train, data, false);
        if (untrained != null) {
            out.println("note: " + untrained);
        }
        out.flush();

        List<Comparison.Candidate> candidates = new ArrayList<>();
        for (OptimizerKind kind : kinds) {
            OptimizerKind concrete = kind;
            if (kind == OptimizerKind.AUTO) {
                out.printf("auto chose %s: %s%n", autoChoice.kind(), autoChoice.reason());
                concrete = autoChoice.kind();
            }
            // Every stochastic method gets the same --seed, so each sees the same sequence of mini-batches.
            candidates.add(new Comparison.Candidate(kind.toString(), concrete.create(optimization, data.seed())));
        }
        Comparison comparison = new Comparison(objective, xTrain, train.labels(), xTest,
                xTest == null ? null : test.labels());
        List<Comparison.Run> runs;
        try (ComparisonProgress observer = new ComparisonProgress(progress, err, System.err)) {
            runs = comparison.runAll(candidates, stop, observer);
        }
        ComparisonReport report = new ComparisonReport(runs);

        out.println();
        out.print(report.formatTable());
        if (report.bestOptimizer() != null) {
            out.printf("best objective %.15g (%s)%n", report.bestObjective(), report.bestOptimizer());
        }
        for (int i = 0; i < runs.size(); i++) {
            Comparison.Run run = runs.get(i);
            if (!run.isSkipped() && Advice.wentWrong(run.result())) {
                OptimizerKind kind = kinds.get(i) == OptimizerKind.AUTO ? autoChoice.kind() : kinds.get(i);
                out.println("note: " + run.name() + ": " + Advice.forResult(run.result(), optimization, kind,
                        type == DataType.DOUBLE, prepared.scaling()));
            }
        }
        if (optimization.l2() == 0 && runs.stream().anyMatch(run -> run.trainAccuracy() == 1.0)) {
            out.println("note: " + Advice.SEPARABLE_WITHOUT_L2);
        }
        out.flush();

        List<String> written = writeFiles(report, dir, settings(prepared, kinds, autoChoice, stop, type));
        out.println("wrote " + String.join(", ", written) + " to " + dir);
        return 0;
    }

    private List<String> writeFiles(ComparisonReport report, Path dir, Map<String, Object> settings)
            throws java.io.IOException {
        // Every file is made before any is moved into place (AtomicFiles.writeAll): a run stopped while the plots were
        // drawn left this run's CSVs beside an earlier run's summary.json and plots.
        LinkedHashMap<Path, AtomicFiles.Writer> files = new LinkedHashMap<>();
        String history = report.historyCsv();
        String summary = report.summaryCsv();
        files.put(dir.resolve(HISTORY_CSV), out -> out.write(history.getBytes(StandardCharsets.UTF_8)));
        files.put(dir.resolve(SUMMARY_CSV), out -> out.write(summary.getBytes(StandardCharsets.UTF_8)));
        files.put(dir.resolve(SUMMARY_JSON), Json.writer(report.summaryJson(settings)));
        List<String> stale = new ArrayList<>();
        if (report.bestOptimizer() == null) {
            // Nothing ran: no lines to draw, and an earlier run's plots would sit beside files they do not belong to.
            stale.addAll(List.of(GAP_VS_ITERATIONS_PNG, GAP_VS_TIME_PNG, TEST_ACCURACY_VS_TIME_PNG));
        } else {
            // What tells two runs' plots apart: the data (a CSV by its file name), the L2 strength, the precision and
            // the scaling.
            String data = this.data.dataset() == DatasetKind.CSV ? this.data.trainFile.getFileName().toString()
                    : this.data.dataset().toString();
            String what = data + ", l2 " + Numbers.setting(optimization.l2()) + ", " + settings.get("dtype")
                    + ", scaling " + settings.get("scaling");
            files.put(dir.resolve(GAP_VS_ITERATIONS_PNG),
                    Charts.pngWriter(Charts.gapVersusIterations(report, "Objective gap by iteration: " + what)));
            files.put(dir.resolve(GAP_VS_TIME_PNG),
                    Charts.pngWriter(Charts.gapVersusTime(report, "Objective gap by wall time: " + what)));
            XYChart accuracy = Charts.testAccuracyVersusTime(report, "Test accuracy by wall time: " + what);
            if (accuracy != null) {
                files.put(dir.resolve(TEST_ACCURACY_VS_TIME_PNG), Charts.pngWriter(accuracy));
            } else {
                // An earlier run's plot would otherwise sit beside files it does not belong to.
                stale.add(TEST_ACCURACY_VS_TIME_PNG);
            }
        }
        AtomicFiles.writeAll(files);
        for (String name : stale) {
            java.nio.file.Files.deleteIfExists(dir.resolve(name));
        }
        return files.keySet().stream().map(file -> file.getFileName().toString()).toList();
    }

    private Map<String, Object> settings(DataOptions.Prepared prepared, List<OptimizerKind> kinds,
                                         OptimizerKind.Choice autoChoice, StoppingCriteria stop, DataType type) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("dataset", data.dataset().toString());
        json.put("source", prepared.source());
        json.put("optimizers", kinds.stream().map(OptimizerKind::toString).toList());
        if (autoChoice != null) {
            json.put("auto_chose", autoChoice.kind().toString());
            json.put("auto_reason", autoChoice.reason());
        }
        Map<String, Object> optimizerSettings = new LinkedHashMap<>();
        for (OptimizerKind kind : kinds) {
            optimizerSettings.put(kind.toString(), optimization.settingsFor(
                    kind == OptimizerKind.AUTO ? autoChoice.kind() : kind));
        }
        json.put("optimizer_settings", optimizerSettings);
        json.put("l2", optimization.l2());
        json.put("dtype", dtypeName(type));
        json.put("scaling", TrainCommand.scalingName(prepared.scaling()));
        json.put("limit", data.limit());
        json.put("seed", data.seed());
        json.put("test_fraction", data.hasOwnTestSplit() ? null : data.testFraction());
        json.put("n_train", prepared.train().numSamples());
        json.put("n_test", prepared.test().numSamples());
        json.put("n_features", prepared.train().numFeatures());
        json.put("n_classes", prepared.train().numClasses());
        json.put("max_iterations", stop.maxIterations());
        json.put("gradient_tolerance", stop.gradientTolerance());
        json.put("function_tolerance", stop.relativeFunctionTolerance());
        json.put("time_limit_seconds", stop.timeLimit() == null ? null : stop.timeLimit().toNanos() / 1e9);
        json.put("hessian_budget_bytes", optimization.hessianBudgetBytes());
        json.put("threads", common.effectiveThreads());
        json.put("byte_features", CommonOptions.bytesInUse(type));
        json.put("kernel", CommonOptions.kernelFor(type));
        return json;
    }

    /** Every optimizer but {@code auto}, which would only repeat one of the others. */
    static List<OptimizerKind> defaultKinds() {
        return Arrays.stream(OptimizerKind.values()).filter(k -> k != OptimizerKind.AUTO).toList();
    }

    /** {@code notebooks-data/runs/<dataset>-<yyyyMMdd-HHmmss>} under the working directory. */
    static Path defaultOutDir(String dataset) {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("notebooks-data", "runs", dataset + "-" + stamp);
    }

    private static String dtypeName(DataType type) {
        return type == DataType.DOUBLE ? "double" : "float";
    }

    /**
     * Refuses an {@code --optimizers} list with an empty element (or an empty list), which picocli's split would
     * drop at the end ({@code newton,} ran newton alone) or pass on as an unknown name {@code ''}. Spaces around a
     * name are the converter's to trim.
     */
    static final class NoEmptyElement implements picocli.CommandLine.IParameterPreprocessor {
        @Override
        public boolean preprocess(java.util.Stack<String> args, CommandSpec command,
                                  picocli.CommandLine.Model.ArgSpec option, Map<String, Object> info) {
            // With no value left, picocli reports the missing parameter itself.
            if (!args.isEmpty() && Arrays.stream(args.peek().split(",", -1)).anyMatch(String::isBlank)) {
                throw new picocli.CommandLine.ParameterException(command.commandLine(), "--optimizers has an empty"
                        + " element: '" + args.peek() + "'; give names separated by commas, such as gd,lbfgs");
            }
            return false;
        }
    }

    /** Converts {@code --progress} values. */
    static final class ProgressModeConverter implements picocli.CommandLine.ITypeConverter<ComparisonProgress.Mode> {
        @Override
        public ComparisonProgress.Mode convert(String value) {
            try {
                return ComparisonProgress.Mode.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected auto, bar, log or none, got '"
                        + value + "'");
            }
        }
    }
}
