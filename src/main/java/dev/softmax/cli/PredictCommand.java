package dev.softmax.cli;

import dev.softmax.data.FeatureCsvReader;
import dev.softmax.io.AtomicFiles;
import dev.softmax.io.CsvOutput;
import dev.softmax.io.ModelIO;
import dev.softmax.model.SoftmaxRegression;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.commons.csv.CSVPrinter;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code predict}: applies a saved model to a CSV of feature rows. Writes one line per row with the predicted
 * class name; with {@code --proba} a header line {@code predicted,<class 1>,...,<class K>} and then the predicted
 * class and the probability of every class per row. Probabilities are written with the shortest decimal that
 * reads back to the model's float or double value.
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Predict the class of every row of a CSV file with a saved model.",
            "The CSV has the model's d feature columns and an optional header; a file with d+1 columns (a label, like"
                + " the training CSV) is accepted and its label column (last, or --label-column) ignored."})
public final class PredictCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public PredictCommand() {
    }

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "Model file written by train --save.")
    Path modelFile;

    @Option(names = "--input", paramLabel = "FILE", required = true, converter = Main.DashOrPath.class,
            description = "CSV of feature rows; - is the standard input.")
    Path input;

    @Option(names = "--label-column", paramLabel = "COLUMN",
            description = "The label column of an input with one column more than the model's features, ignored: a"
                    + " header name, a 0-based index or 'last' (default: the last column of such a file).")
    String labelColumn;

    @Option(names = "--header", negatable = true,
            description = "The first line is the header (--header) or a row (--no-header), for names that are all"
                    + " numbers (default: a header when none of its feature cells is a number or it holds the"
                    + " model's feature names).")
    Boolean headerLine;

    @Option(names = "--proba", description = "Also write the probability of every class, with a header line.")
    boolean proba;

    @Option(names = "--output", paramLabel = "FILE", converter = Main.DashOrPath.class,
            description = "Write the predictions to FILE (replaced atomically if it exists) instead of the standard "
                    + "output; - is the standard output.")
    Path output;

    @Mixin
    CommonOptions common;

    /** How the standard input is named in messages. */
    static final Path STANDARD_INPUT = Path.of("<stdin>");

    @Override
    public Integer call() throws Exception {
        common.applyNativeSettings();
        if (output != null && output.toString().equals("-")) {
            output = null;
        }
        if (output != null) {
            AtomicFiles.checkWritable(output); // before the model and the input are read, not after
        }
        boolean standardInput = input.toString().equals("-");
        Path source = standardInput ? STANDARD_INPUT : input;
        CommonOptions.checkNotAnInput("--output", output, standardInput ? java.util.Map.of("--model", modelFile)
                : java.util.Map.of("--input", input, "--model", modelFile));
        if (labelColumn != null) {
            DataOptions.checkLabelColumn(labelColumn);
        }
        SoftmaxRegression model = ModelIO.load(modelFile);
        FeatureCsvReader.Expected expected = new FeatureCsvReader.Expected(model.numFeatures(), model.dataType(),
                labelColumn, model.featureNames().orElse(null), headerLine);
        // Before the rows: a header in another order would be read as the model's columns.
        java.util.function.Consumer<dev.softmax.data.CsvHeader> checkNames = header ->
                DataOptions.checkFeatureNames(header, model, modelFile, source);
        FeatureCsvReader.Features features = standardInput
                ? readStandardInput(Main.standardInput(spec), expected, checkNames)
                : FeatureCsvReader.read(input, expected, checkNames);
        String blurred = model.dataType() == DataType.FLOAT ? dev.softmax.data.Float32Blur.describe(features, source)
                : null;
        if (blurred != null) {
            spec.commandLine().getErr().println("warning: " + blurred + DataOptions.FLOAT32_MODEL_BLURS);
            spec.commandLine().getErr().flush();
        }
        if (features.ignoredColumn() >= 0 && labelColumn == null) {
            PrintWriter err = spec.commandLine().getErr();
            err.printf("note: %s has %d columns for a model with %s; the last column is ignored%n", source,
                    model.numFeatures() + 1, Numbers.count(model.numFeatures(), "feature"));
            err.flush();
        }
        String[] names;
        double[][] probabilities;
        try {
            names = model.predictNames(features.rows());
            probabilities = proba ? model.predictProba(features.rows()) : null;
        } catch (dev.softmax.data.FeatureValuesException e) {
            throw e.in(source.toString());
        }
        boolean single = model.dataType() == DataType.FLOAT;

        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            write(out, model.classNames(), names, probabilities, single);
            out.flush();
        } else {
            AtomicFiles.write(output, true, stream -> {
                Writer writer = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
                write(writer, model.classNames(), names, probabilities, single);
                writer.flush();
            });
            spec.commandLine().getErr().printf("%s written to %s%n", Numbers.count(names.length, "prediction"), output);
            spec.commandLine().getErr().flush();
        }
        return 0;
    }

    private static void write(Writer out, List<String> classNames, String[] predicted, double[][] probabilities,
                              boolean single) throws IOException {
        CSVPrinter printer = CsvOutput.printer(out);
        if (probabilities != null) {
            List<String> header = new ArrayList<>(List.of("predicted"));
            header.addAll(classNames);
            printer.printRecord(header);
        }
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < predicted.length; i++) {
            cells.clear();
            cells.add(predicted[i]);
            if (probabilities != null) {
                for (double p : probabilities[i]) {
                    cells.add(single ? Float.toString((float) p) : Double.toString(p));
                }
            }
            printer.printRecord(cells);
        }
        printer.flush();
    }

    /** The rows of the CSV on the standard input {@code in}, decoded strictly as UTF-8 (not closed). */
    private static FeatureCsvReader.Features readStandardInput(java.io.InputStream in,
            FeatureCsvReader.Expected expected, java.util.function.Consumer<dev.softmax.data.CsvHeader> onHeader)
            throws IOException {
        java.io.BufferedReader reader = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                StandardCharsets.UTF_8.newDecoder()));
        try {
            return FeatureCsvReader.read(reader, STANDARD_INPUT, expected, onHeader);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new dev.softmax.data.InvalidDataException(STANDARD_INPUT, "not UTF-8 text");
        }
    }
}
