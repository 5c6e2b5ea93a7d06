package dev.softmax.cli;

import dev.softmax.data.Dataset;
import dev.softmax.eval.ConfusionMatrix;
import dev.softmax.eval.Metrics;
import dev.softmax.io.ModelIO;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.model.TrainingSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code evaluate}: loads a saved model and reports accuracy, log-loss, per-class precision/recall/F1 and the
 * confusion matrix on the test part of a data set. With the {@code --seed} and {@code --test-fraction} that
 * {@code train} used, the test part is the same held-out rows; with {@code --test-fraction 0} every row is used.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Evaluate a saved model on the test part of a data set.")
public final class EvaluateCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public EvaluateCommand() {
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "Model file written by train --save.")
    Path modelFile;

    @Mixin
    DataOptions data;

    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        return data.namingTheSource(this::evaluate);
    }

    private Integer evaluate() throws Exception {
        Main.refuseSharedOptions(spec);
        common.applyNativeSettings();
        PrintWriter out = spec.commandLine().getOut();
        SoftmaxRegression model = ModelIO.load(modelFile);
        if (!spec.commandLine().getParseResult().hasMatchedOption("--dtype")) {
            // As predict does: a float64 model scored on float32-rounded features would not be the model's score.
            data.dataType = model.dataType();
        }
        int imageFeatures = data.dataset().imageFeatures();
        if (imageFeatures > 0 && imageFeatures != model.numFeatures()) {
            // Known before reading tens of MB of images.
            throw widthMismatch(model, data.dataset().toString(), imageFeatures);
        }
        int csvFeatures = data.csvFeatureColumns();
        if (csvFeatures > 0 && csvFeatures != model.numFeatures()) {
            // Before the labels are mapped onto the model's classes, where a narrower file's last feature column
            // would be taken for labels that the model does not know.
            throw widthMismatch(model, data.dataset() == DatasetKind.CSV ? data.csvFileToScore().toString() : "iris",
                    csvFeatures);
        }
        if (data.dataset() == DatasetKind.CSV) {
            // Before the rows are read: a header in another order may put a feature where the labels are read.
            java.nio.file.Path scored = data.testFile != null ? data.testFile : data.csvFileToScore();
            DataOptions.checkFeatureNames(data.headerForModel(scored, model),
                    model, modelFile, scored);
        }
        if (data.dataset() == DatasetKind.IRIS) {
            data.checkIrisFeatureNames(model, modelFile);
        }
        DataOptions.Prepared prepared = data.loadForModel(model);
        boolean allRows = prepared.test().numSamples() == 0;
        Dataset evaluated = allRows ? prepared.train() : prepared.test();
        if (evaluated.numFeatures() != model.numFeatures()) {
            throw widthMismatch(model, prepared.source(), evaluated.numFeatures());
        }
        int[] truth = labelsFor(model, evaluated, prepared.source());

        out.printf("model: %s: %s, %d classes, %s%s%n", modelFile, Numbers.count(model.numFeatures(), "feature"),
                model.numClasses(),
                model.dataType() == DataType.DOUBLE ? "double" : "float",
                model.trainingSummary().map(EvaluateCommand::describe).orElse(""));
        out.printf("dataset: %s (%s): %s%n", data.dataset(), prepared.source(),
                allRows ? Numbers.count(evaluated.numSamples(), "row") + " (all)"
                        : Numbers.count(evaluated.numSamples(), "test row"));

        int[] predicted = model.predict(evaluated.features());
        double accuracy = Metrics.accuracy(truth, predicted);
        double logLoss = Metrics.logLoss(truth, model.predictLogProba(evaluated.features()));
        ConfusionMatrix confusion = ConfusionMatrix.of(truth, predicted, model.classNames());
        out.printf("accuracy %.4f, log-loss %s%n", accuracy, Numbers.metric(logLoss));
        out.println();
        out.print(confusion.formatReport());
        out.println();
        out.print(confusion.formatMatrix());
        out.flush();
        return 0;
    }

    /**
     * The data set's labels renumbered into the model's classes: both are sorted class names, but the data may
     * lack a class the model has, or have one it does not.
     */
    private int[] labelsFor(SoftmaxRegression model, Dataset dataset, String source) {
        List<String> names = dataset.classNames();
        int[] toModel = new int[names.size()];
        for (int k = 0; k < names.size(); k++) {
            if (!model.classNames().contains(names.get(k))) {
                // An image data set's own class names (MNIST's digits for a Fashion-MNIST model, say).
                throw new dev.softmax.data.InvalidDataException(java.nio.file.Path.of(source), "class '"
                        + dev.softmax.io.OneLine.of(names.get(k)) + "' is not one of the classes of the model "
                        + modelFile + ": " + dev.softmax.io.OneLine.list(model.classNames()));
            }
            toModel[k] = model.classIndex(names.get(k));
        }
        int[] labels = dataset.labels();
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = toModel[labels[i]];
        }
        return out;
    }

    /** The error for data of {@code features} columns given to a model of another width. */
    private IllegalArgumentException widthMismatch(SoftmaxRegression model, String data, int features) {
        return new IllegalArgumentException(modelFile + ": the model expects " + model.numFeatures()
                + " features but " + data + " has " + features);
    }

    private static String describe(TrainingSummary s) {
        return String.format(", trained with %s (l2 %s) on %d rows: %d iterations, %s", s.optimizer(),
                Numbers.setting(s.l2()), s.numSamples(), s.iterations(), s.terminationReason());
    }
}
