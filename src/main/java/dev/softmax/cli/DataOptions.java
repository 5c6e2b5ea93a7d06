package dev.softmax.cli;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.Splits;
import dev.softmax.model.Trainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Which data to train on, where it lives, how it is split and in which precision. */
public final class DataOptions {

    /** Iris copy inside the jar, used when {@code --data-dir} has none. */
    static final String BUNDLED_IRIS = "/dev/softmax/data/iris.csv";

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = "iris", converter = DatasetKindConverter.class,
            description = "Data set: iris (default: ${DEFAULT-VALUE}).")
    DatasetKind dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "notebooks-data",
            description = "Folder the data sets are looked for in (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.2",
            description = "Fraction of each class held out for testing, in [0,1) (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
            description = "Seed for the split and any randomness in training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float", converter = DataTypeConverter.class,
            description = "Arithmetic precision: float or double (default: ${DEFAULT-VALUE}).")
    DataType dataType;

    /**
     * A training and a test set with a description.
     *
     * @param train       the training part (raw features)
     * @param test        the test part (raw features), possibly empty
     * @param source      where the data came from, for the report
     * @param scaling     the default scaling for this data set
     */
    public record Prepared(Dataset train, Dataset test, String source, Trainer.Scaling scaling) {
    }

    /** Loads the chosen data set and splits it. */
    public Prepared load() throws IOException {
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in [0,1), got " + testFraction);
        }
        Dataset all;
        String source;
        Path irisFile = dataDir.resolve("iris.csv");
        if (Files.exists(irisFile)) {
            all = CsvDatasetReader.read(irisFile, dataType);
            source = irisFile.toString();
        } else {
            try (InputStream in = DataOptions.class.getResourceAsStream(BUNDLED_IRIS)) {
                if (in == null) {
                    throw new IllegalArgumentException(irisFile + ": file not found, and no bundled copy in the jar");
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                all = new CsvDatasetReader("last").read(reader, Path.of("classpath:" + BUNDLED_IRIS), dataType, null);
                source = "bundled iris.csv";
            }
        }
        Splits.Split split = Splits.stratified(all.labels(), all.numClasses(), testFraction, seed);
        return new Prepared(all.subset(split.train()), all.subset(split.test()), source, Trainer.Scaling.STANDARD);
    }

    /** The dataset's command-line name. */
    public DatasetKind dataset() {
        return dataset;
    }

    /** The arithmetic type. */
    public DataType dataType() {
        return dataType;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The test fraction. */
    public double testFraction() {
        return testFraction;
    }

    /** Converts {@code --dataset} values. */
    static final class DatasetKindConverter implements ITypeConverter<DatasetKind> {
        @Override
        public DatasetKind convert(String value) {
            try {
                return DatasetKind.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** Converts {@code --dtype} values. */
    static final class DataTypeConverter implements ITypeConverter<DataType> {
        @Override
        public DataType convert(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "float", "float32" -> DataType.FLOAT;
                case "double", "float64" -> DataType.DOUBLE;
                default -> throw new TypeConversionException("expected float or double, got '" + value + "'");
            };
        }
    }
}
