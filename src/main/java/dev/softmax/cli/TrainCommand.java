package dev.softmax.cli;

import dev.softmax.data.Dataset;
import dev.softmax.eval.ConfusionMatrix;
import dev.softmax.eval.Metrics;
import dev.softmax.io.AtomicFiles;
import dev.softmax.io.Json;
import dev.softmax.io.ModelIO;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.model.Trainer;
import dev.softmax.optim.OptimizationResult;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: fits a model on a data set and reports how well it does on the held-out part. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a softmax regression classifier and evaluate it on a held-out test set.")
public final class TrainCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public TrainCommand() {
    }

    @Spec
    CommandSpec spec;

    @Mixin
    DataOptions data;

    @Mixin
    OptimizerOptions optimization;

    @Option(names = "--class-weight", paramLabel = "MODE", defaultValue = "none", converter = ClassWeightConverter.class,
            description = "Class weights: none, or balanced (n / (K * count_k) per class, scikit-learn's"
                    + " class_weight=\"balanced\"; every class gets the same total weight) (default: ${DEFAULT-VALUE}).")
    String classWeight;

    @Option(names = "--early-stopping-patience", paramLabel = "N",
            description = "Stop once the validation log-loss (on the --validation-fraction split) has not improved"
                    + " for N epochs (iterations for full-batch optimizers) and keep the weights with the lowest"
                    + " validation log-loss (default: off).")
    Integer earlyStoppingPatience;

    @Option(names = "--report", paramLabel = "FILE", description = "Write a JSON summary of the run to FILE.")
    Path report;

    @Option(names = "--save", paramLabel = "MODEL",
            description = "Save the trained model to MODEL (a zip with model.json, weights.npy and bias.npy).")
    Path save;

    @Option(names = "--force", description = "Let --save replace an existing model file.")
    boolean force;

    @Option(names = "--plot", paramLabel = "DIR",
            description = "Write the loss curve, its gap curve (objective minus the run's lowest, log scale) and the test"
                    + " confusion matrix as PNGs to DIR.")
    Path plot;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        return data.namingTheSource(this::train);
    }

    private Integer train() throws Exception {
        common.applyNativeSettings();
        common.warnIfKernelUnused(data.dataType());
        PrintWriter out = spec.commandLine().getOut();
        var stopping = optimization.stoppingCriteria();
        optimization.refuseOptionsNotRead(OptimizerOptions.readers(List.of(optimization.kind())), "--optimizer "
                + optimization.kind() + (optimization.kind() == OptimizerKind.AUTO
                        ? " (which " + OptimizerOptions.AUTO_CHOOSES + ")" : ""));
        // Refuse before training, not after: a long run should not end in "file exists". A folder first: --force
        // would not help there.
        for (Path output : new Path[] {save, report}) {
            if (output != null) {
                AtomicFiles.checkWritable(output);
            }
        }
        CommonOptions.checkNotAnInput("--save", save, data.inputFiles());
        CommonOptions.checkNotAnInput("--report", report, data.inputFiles());
        // In the order they are written: a later one would replace an earlier (--force or not).
        List<CommonOptions.Output> outputs = new java.util.ArrayList<>(List.of(
                new CommonOptions.Output("--report", report), new CommonOptions.Output("--save", save)));
        if (plot != null) {
            outputs.add(new CommonOptions.Output("--plot", plot, true));
            for (String name : TrainingPlots.FILES) {
                CommonOptions.checkNotAnInput("--plot", plot.resolve(name), data.inputFiles());
                outputs.add(new CommonOptions.Output("--plot", plot.resolve(name)));
            }
        }
        CommonOptions.checkDistinctOutputs(outputs);
        if (force && save == null) {
            throw new IllegalArgumentException("--force lets --save replace a model file; without --save it changes"
                    + " nothing (--report and --plot replace their files anyway)");
        }
        if (save != null && !force && Files.exists(save)) {
            throw new FileAlreadyExistsException(save + " exists (use --force to replace it)");
        }
        if (plot != null) {
            AtomicFiles.checkWritableFolder(plot);
            for (String name : TrainingPlots.FILES) {
                AtomicFiles.checkWritable(plot.resolve(name)); // a folder under a plot's name failed after training
            }
        }
        if (earlyStoppingPatience != null) {
            if (earlyStoppingPatience < 1) {
                throw new IllegalArgumentException("--early-stopping-patience must be >= 1, got "
                        + earlyStoppingPatience);
            }
            if (!(data.validationFraction() > 0)) {
                throw new IllegalArgumentException("--early-stopping-patience needs a validation split: set"
                        + " --validation-fraction (e.g. 0.1)");
            }
        }
        DataOptions.Prepared prepared = data.load(common.byteFeaturesAuto());
        common.dropBytesThatCannotApply(data.dataType(), data.dataset(), prepared);
        Dataset train = prepared.train();
        Dataset test = prepared.test();
        Dataset validation = prepared.validation();
        OptimizerKind.Choice choice = optimization.kind().resolve(train.numFeatures(), train.numClasses(),
                optimization.hessianBudgetBytes());
        if (optimization.kind() == OptimizerKind.AUTO) {
            optimization.refuseOptionsNotRead(EnumSet.of(OptimizerKind.AUTO, choice.kind()),
                    choice.kind() + ", which --optimizer auto chose for this data");
        }
        Trainer.Builder builder = Trainer.builder()
                .l2(optimization.l2())
                .optimizer(choice.kind().create(optimization, data.seed()))
                .hessianBudget(optimization.hessianBudgetBytes())
                .stopping(stopping)
                .dataType(data.dataType())
                .scaling(prepared.scaling());
        if (classWeight.equals("balanced")) {
            builder.balancedClassWeights();
        }
        // The lowest validation loss and its iteration, for the output and the report.
        double[] bestValidation = {Double.POSITIVE_INFINITY, -1};
        if (earlyStoppingPatience != null) {
            builder.earlyStopping(validation, earlyStoppingPatience).validationListener((record, loss) -> {
                if (loss < bestValidation[0]) {
                    bestValidation[0] = loss;
                    bestValidation[1] = record.iteration();
                }
            });
        }
        Trainer trainer = builder.build();
        double[] classWeights = trainer.classWeightsFor(train);

        out.printf("dataset: %s (%s): %d train, %s%d test, %s, %d classes%n", data.dataset(),
                prepared.source(), train.numSamples(), validation.numSamples() > 0
                        ? validation.numSamples() + " validation, " : "", test.numSamples(),
                Numbers.count(train.numFeatures(), "feature"), train.numClasses());
        if (optimization.kind() == OptimizerKind.AUTO) {
            out.printf("auto chose %s: %s%n", choice.kind(), choice.reason());
        }
        out.printf("optimizer: %s, l2 %s, dtype %s, scaling %s, %s%s%n", choice.kind(),
                Numbers.setting(optimization.l2()), dtypeName(), scalingName(prepared.scaling()),
                Numbers.count(common.effectiveThreads(), "thread"),
                CommonOptions.bytesInUse(data.dataType()) ? ", 8-bit features read as bytes" : "");
        if (classWeights != null) {
            StringBuilder weights = new StringBuilder();
            for (int k = 0; k < classWeights.length; k++) {
                weights.append(k == 0 ? "" : ", ").append(train.classNames().get(k)).append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.4g", classWeights[k]));
            }
            out.printf("class weights: %s (%s)%n", classWeight, weights);
        }
        String untrained = Advice.untrainedClasses(train, data, data.validationFraction() > 0);
        if (untrained != null) {
            out.println("note: " + untrained);
        }
        out.flush();

        long start = System.nanoTime();
        SoftmaxRegression model = trainer.fit(train);
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        OptimizationResult result = model.trainingResult().orElseThrow();

        int[] trainPredicted = model.predict(train.features());
        double trainAccuracy = Metrics.accuracy(train.labels(), trainPredicted);
        double validationAccuracy = validation.numSamples() > 0
                ? Metrics.accuracy(validation.labels(), model.predict(validation.features())) : Double.NaN;
        double testAccuracy = Double.NaN;
        double testLogLoss = Double.NaN;
        ConfusionMatrix confusion = null;
        if (test.numSamples() > 0) {
            int[] testPredicted = model.predict(test.features());
            testAccuracy = Metrics.accuracy(test.labels(), testPredicted);
            testLogLoss = Metrics.logLoss(test.labels(), model.predictLogProba(test.features()));
            confusion = ConfusionMatrix.of(test.labels(), testPredicted, test.classNames());
        }

        // The kept point's: early stopping's best, or the last finite one after a divergence.
        double keptGradientNorm = model.trainingSummary().orElseThrow().gradientNorm();
        out.printf("objective %.10g, gradient norm %.3e, %s, %s%s, %.3f s%n", result.value(),
                keptGradientNorm, Numbers.count(result.iterations(), "iteration"), result.reason(),
                result.converged() ? " (converged)" : "", trainSeconds);
        if (earlyStoppingPatience != null) {
            out.printf("early stopping: lowest validation log-loss %.6g at iteration %d of %d; its weights are kept"
                    + " (patience %d)%n", bestValidation[0], (int) bestValidation[1], result.iterations(),
                    earlyStoppingPatience);
        }
        String advice = Advice.forResult(result, optimization, choice.kind(),
                data.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE, prepared.scaling());
        if (advice != null) {
            out.println("note: " + advice);
        }
        if (optimization.l2() == 0 && trainAccuracy == 1.0) {
            out.println("note: " + Advice.SEPARABLE_WITHOUT_L2);
        }
        out.printf("train accuracy %.4f%n", trainAccuracy);
        if (validation.numSamples() > 0) {
            out.printf("validation accuracy %.4f%n", validationAccuracy);
        }
        if (confusion != null) {
            out.printf("test accuracy %.4f, test log-loss %s%n", testAccuracy, Numbers.metric(testLogLoss));
            out.println();
            out.print(confusion.formatReport());
            out.println();
            out.print(confusion.formatMatrix());
        }
        out.flush();

        if (report != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("dataset", data.dataset().toString());
            json.put("source", prepared.source());
            json.put("optimizer", choice.kind().toString());
            json.put("optimizer_requested", optimization.kind().toString());
            json.put("optimizer_reason", optimization.kind() == OptimizerKind.AUTO ? choice.reason() : null);
            json.put("optimizer_settings", optimization.settingsFor(choice.kind()));
            json.put("l2", optimization.l2());
            json.put("dtype", dtypeName());
            json.put("seed", data.seed());
            json.put("test_fraction", data.hasOwnTestSplit() ? null : data.testFraction());
            json.put("validation_fraction", data.validationFraction());
            json.put("limit", data.limit());
            json.put("scaling", scalingName(prepared.scaling()));
            json.put("class_weight", classWeight);
            json.put("class_weights", classWeights);
            json.put("early_stopping_patience", earlyStoppingPatience);
            json.put("best_iteration", earlyStoppingPatience == null ? null : (int) bestValidation[1]);
            json.put("best_validation_log_loss", earlyStoppingPatience == null ? null
                    : finiteOrNull(bestValidation[0]));
            json.put("threads", common.effectiveThreads());
            json.put("byte_features", CommonOptions.bytesInUse(data.dataType()));
            json.put("kernel", CommonOptions.kernelFor(data.dataType()));
            json.put("n_train", train.numSamples());
            json.put("n_validation", validation.numSamples());
            json.put("n_test", test.numSamples());
            json.put("n_features", train.numFeatures());
            json.put("n_classes", train.numClasses());
            json.put("class_names", train.classNames());
            json.put("iterations", result.iterations());
            json.put("termination_reason", result.reason().toString());
            json.put("converged", result.converged());
            json.put("objective", result.value());
            json.put("gradient_norm", finiteOrNull(keptGradientNorm));
            json.put("function_evaluations", result.work().functionEvaluations());
            json.put("gradient_evaluations", result.work().gradientEvaluations());
            json.put("hessian_vector_products", result.work().hessianVectorProducts());
            json.put("train_accuracy", trainAccuracy);
            json.put("validation_accuracy", finiteOrNull(validationAccuracy));
            json.put("test_accuracy", finiteOrNull(testAccuracy));
            json.put("test_log_loss", finiteOrNull(testLogLoss));
            json.put("train_seconds", trainSeconds);
            Json.write(report, json);
            out.println("report written to " + report);
        }
        if (save != null) {
            ModelIO.save(model, save, force);
            out.println("model written to " + save);
        }
        if (plot != null) {
            out.println("plots written to " + plot + ": " + TrainingPlots.write(plot, result, confusion,
                    data.dataset().toString()).stream().map(file -> file.getFileName().toString())
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        return 0;
    }

    /**
     * The history row of the weights the model keeps: with early stopping the best iteration's, after a divergence
     * the last finite one's, else the last.
     */
    /** Accepts {@code --class-weight} values, case-insensitively. */
    static final class ClassWeightConverter implements picocli.CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            String mode = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (!mode.equals("none") && !mode.equals("balanced")) {
                throw new picocli.CommandLine.TypeConversionException("expected none or balanced, got '" + value
                        + "'");
            }
            return mode;
        }
    }

    private String dtypeName() {
        return data.dataType() == org.nd4j.linalg.api.buffer.DataType.DOUBLE ? "double" : "float";
    }

    static String scalingName(Trainer.Scaling scaling) {
        return scaling.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
