package dev.softmax.cli;

import dev.softmax.Kernels;
import dev.softmax.data.Cifar10BinaryLoader;
import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.DatasetDownloads;
import dev.softmax.data.FeatureValuesException;
import dev.softmax.data.InvalidDataException;
import dev.softmax.data.MnistIdxLoader;
import dev.softmax.data.Splits;
import dev.softmax.data.TrainTestSets;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.model.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** Which data to train on, where it lives, how it is split and scaled, and in which precision. */
public final class DataOptions {

    /** Options that picocli fills in, for the command that mixes them in. */
    public DataOptions() {
    }

    /** {@code --dataset}'s default (also read by {@link Main} before the command line is parsed). */
    static final String DEFAULT_DATASET = "iris";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--dataset", paramLabel = "NAME", defaultValue = DEFAULT_DATASET,
            converter = DatasetKindConverter.class,
            completionCandidates = DatasetKindCandidates.class,
            description = "Data set: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, or csv with --train or"
                    + " --test; for bench, synthetic data).")
    DatasetKind dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "notebooks-data",
            description = "Folder the data sets are looked for in (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--train", paramLabel = "FILE",
            description = "The training CSV file (implies --dataset csv when --dataset is left out).")
    Path trainFile;

    @Option(names = "--test", paramLabel = "FILE",
            description = "A test CSV file with the same columns as --train's (else --test-fraction applies);"
                    + " evaluate takes it alone too. Implies --dataset csv when --dataset is left out.")
    Path testFile;

    @Option(names = "--label-column", paramLabel = "COLUMN", defaultValue = "last",
            description = "With --dataset csv: the label column, as a header name, a 0-based index or 'last'"
                    + " (default: ${DEFAULT-VALUE}).")
    String labelColumn;

    @Option(names = "--header", negatable = true,
            description = "With --dataset csv: the first line is the header (--header) or a row (--no-header), for"
                    + " names that are all numbers (default: a header when none of its feature cells is a number).")
    Boolean headerLine;

    @Option(names = "--test-fraction", paramLabel = "F", defaultValue = "0.2",
            description = "Fraction of each class held out for testing, in [0,1), for data sets without their own"
                    + " test split (iris, csv without --test) (default: ${DEFAULT-VALUE}).")
    double testFraction;

    @Option(names = "--validation-fraction", paramLabel = "F", defaultValue = "0",
            description = "Fraction of each class of the training part held out for validation, in [0,1)"
                    + " (default: ${DEFAULT-VALUE}).")
    double validationFraction;

    @Option(names = "--limit", paramLabel = "N",
            description = "Train on the first N training examples only (default: all).")
    Integer limit;

    @Option(names = "--scale", paramLabel = "HOW", converter = ScalingConverter.class,
            completionCandidates = ScalingCandidates.class,
            description = "Feature scaling: ${COMPLETION-CANDIDATES}; unit divides by 255, standard z-scores each"
                    + " feature on the training part (default: unit for image sets, standard for iris and csv).")
    Trainer.Scaling scale;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
            description = "Seed for the split and any randomness in training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "TYPE", defaultValue = "float", converter = DataTypeConverter.class,
            description = "Arithmetic precision: float or double (default: ${DEFAULT-VALUE}; evaluate: the"
                    + " model's).")
    DataType dataType;

    /**
     * The data, split and ready for training.
     *
     * @param train      the training part (raw features)
     * @param test       the test part (raw features), possibly empty
     * @param source     where the data came from, for the report
     * @param scaling    the scaling to train with: {@code --scale}, else the data set's default
     * @param validation the part of the training data held out by {@code --validation-fraction} (raw features),
     *                   possibly empty; it is not in {@code train}
     */
    public record Prepared(Dataset train, Dataset test, String source, Trainer.Scaling scaling, Dataset validation) {
    }

    /**
     * Loads the chosen data set, splits it, and checks that the training part can be trained on.
     *
     * @return the training, test and validation parts
     * @throws InvalidDataException for missing or malformed data files, naming the file
     * @throws IllegalArgumentException for option values out of range or options that do not fit the data set
     * @throws IOException when a data file cannot be read
     */
    public Prepared load() throws IOException {
        return load(false);
    }

    /** Where the data last loaded came from ({@link Prepared#source()}), or null before loading. */
    private String loadedSource;

    /**
     * Runs {@code command}, a command's work on the data this loads, adding the data's source to a
     * {@link FeatureValuesException} (features that overflow a mean or the logits), which the arrays cannot name.
     *
     * @param command the command's work
     * @return its exit status
     * @throws Exception what {@code command} throws
     */
    Integer namingTheSource(java.util.concurrent.Callable<Integer> command) throws Exception {
        try {
            return command.call();
        } catch (FeatureValuesException e) {
            throw e.in(loadedSource);
        }
    }

    /** The class names CSV labels are mapped onto ({@link #loadWithClasses}), or null to take them from the file. */
    private List<String> knownClasses;

    /**
     * As {@link #load()} for evaluating a model, with CSV labels (iris's too) mapped onto {@code classNames}, the
     * model's: the file may then hold only some of the classes, even one (nothing is trained on it), and a label
     * outside them is an error naming the file and line. The same file, seed and test fraction as at training select
     * the same rows, as the model's classes are the sorted labels of its training file.
     *
     * @param classNames the model's class names
     * @return the training, test and validation parts
     * @throws IOException when a data file cannot be read
     */
    public Prepared loadWithClasses(List<String> classNames) throws IOException {
        knownClasses = List.copyOf(classNames);
        try {
            return load(false);
        } finally {
            knownClasses = null;
        }
    }

    /** The model being evaluated, while {@link #loadForModel} loads; else {@code null}. */
    private dev.softmax.model.SoftmaxRegression modelRead;

    /**
     * As {@link #loadWithClasses} for {@code model}, whose type the float32 warnings' advice names, and whose feature
     * names make a CSV's first line the header even when they are numbers.
     */
    Prepared loadForModel(dev.softmax.model.SoftmaxRegression model) throws IOException {
        modelRead = model;
        try {
            return loadWithClasses(model.classNames());
        } finally {
            modelRead = null;
        }
    }

    /**
     * As {@link #load()}; with {@code autoByteFeatures} (neither {@code --byte-features} nor
     * {@code --no-byte-features} given) it then turns byte features on when {@link #byteFeaturesPay} says they pay
     * for the training part, and compiles their kernels at once.
     *
     * @param autoByteFeatures whether to decide on byte features from the data
     * @return the training, test and validation parts
     * @throws IOException when a data file cannot be read
     */
    public Prepared load(boolean autoByteFeatures) throws IOException {
        return load(autoByteFeatures, BYTE_FEATURES_MIN_VALUES);
    }

    /** As {@link #load(boolean)} with another threshold for tests ({@link #byteFeaturesPay}'s minimum). */
    Prepared load(boolean autoByteFeatures, long minValues) throws IOException {
        Prepared prepared = loadAndSplit();
        Dataset train = prepared.train();
        if (autoByteFeatures && Kernels.useVector() && byteFeaturesPay(train.features().dataType(),
                prepared.scaling(), (long) train.numSamples() * train.numFeatures(), minValues)
                && (dataset().imageFeatures() > 0 || SoftmaxCrossEntropy.readableAsBytes(train.features()))) {
            Kernels.setByteFeatures(true);
            // After the loading, so collect the compiler's garbage at once (see prepareKernels).
            if (SoftmaxCrossEntropy.warmUpKernels()) {
                System.gc();
            }
        }
        return prepared;
    }

    /** Fewest training values for which byte features are on by default: 2^24, 64 MB as float32. */
    public static final long BYTE_FEATURES_MIN_VALUES = 1L << 24;

    /**
     * Whether reading the training features as bytes pays by default: float32 values that the scaling leaves as they
     * are (raw pixels, with a 1/255 folded into the products or none), at least {@link #BYTE_FEATURES_MIN_VALUES}
     * of them (and, for a CSV file, all of them whole numbers from 0 to 255, which {@link #load(boolean)} checks; image data
     * sets are 8-bit by their format). The bytes cost 0.4 to 1 s once (compiling their kernels, checking and coding {@code X}) and save a
     * third of each pass at CIFAR-10's size (17 ms of 51 on the Zen 5 machine, 2 threads), and at Fashion-MNIST's
     * from a tenth (2 ms of 16, Zen 5) to a third (Intel): an {@code lbfgs} training of Fashion-MNIST (1000 iterations) took
     * 23 s instead of 31, {@code newton-cg} 12.4 instead of 15.3, whole process on the Intel machine. Below
     * {@code 2^24} values a pass saves under 3 ms, and a short training would not pay back the set-up.
     *
     * @param type    the training features' type
     * @param scaling the scaling the command line applies
     * @param values  rows times features of the training part
     * @return whether {@code train} and {@code compare} read them as bytes unless told otherwise
     */
    public static boolean byteFeaturesPay(DataType type, Trainer.Scaling scaling, long values) {
        return byteFeaturesPay(type, scaling, values, BYTE_FEATURES_MIN_VALUES);
    }

    private static boolean byteFeaturesPay(DataType type, Trainer.Scaling scaling, long values, long minValues) {
        return type == DataType.FLOAT && scaling != Trainer.Scaling.STANDARD && values >= minValues;
    }

    private Prepared loadAndSplit() throws IOException {
        if (!(testFraction >= 0 && testFraction < 1)) {
            throw new IllegalArgumentException("--test-fraction must be in [0,1), got " + testFraction);
        }
        if (!(validationFraction >= 0 && validationFraction < 1)) {
            throw new IllegalArgumentException("--validation-fraction must be in [0,1), got " + validationFraction);
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1, got " + limit);
        }
        var matched = command == null ? null : command.commandLine().getParseResult();
        if (hasOwnTestSplit() && matched != null && matched.hasMatchedOption("--test-fraction")) {
            throw new IllegalArgumentException("--test-fraction is for data without a test split; "
                    + (dataset() == DatasetKind.CSV ? "--test gives the test rows" : dataset() + " has its own"));
        }
        if (dataset() != DatasetKind.CSV) {
            List<String> csvOnly = new ArrayList<>();
            if (trainFile != null) {
                csvOnly.add("--train");
            }
            if (testFile != null) {
                csvOnly.add("--test");
            }
            var parsed = command == null ? null : command.commandLine().getParseResult();
            if (parsed != null && parsed.hasMatchedOption("--label-column")) {
                csvOnly.add("--label-column");
            }
            if (headerLine != null) {
                csvOnly.add(headerLine ? "--header" : "--no-header");
            }
            if (!csvOnly.isEmpty()) {
                throw new IllegalArgumentException(String.join(", ", csvOnly) + (csvOnly.size() == 1 ? " is" : " are")
                        + " for --dataset csv, not --dataset " + dataset());
            }
        }
        long maxTrain = limit == null ? Long.MAX_VALUE : limit;
        Dataset train;
        Dataset test;
        String source;
        if (hasOwnTestSplit()) {
            if (dataset() != DatasetKind.CSV && (limit == null || limit >= 1000)) {
                prepareKernels();
            }
            // The image loaders apply the limit while reading, so --limit also saves loading time and memory.
            // Evaluating a model (knownClasses) scores an image set's test split only: its training files are not read.
            boolean testOnly = knownClasses != null && dataset() != DatasetKind.CSV;
            TrainTestSets sets = switch (dataset()) {
                case MNIST, FASHION_MNIST -> loadIdx(testOnly);
                case CIFAR10 -> {
                    Path location = cifarLocation(testOnly);
                    yield testOnly ? testPartOnly(Cifar10BinaryLoader.loadTest(location, dataType), location)
                            : Cifar10BinaryLoader.load(location, dataType, maxTrain);
                }
                default -> {
                    if (knownClasses != null && trainFile == null) {
                        // evaluate scores the test file's rows: a training file would only be read and checked.
                        Path file = csvFileToScore();
                        yield testPartOnly(csvReader().read(file, dataType, knownClasses), file);
                    }
                    Path file = requireTrainFile(); // checks --label-column before the reader sees it
                    yield csvReader().readTrainTest(file, testFile, dataType, knownClasses);
                }
            };
            train = sets.train();
            test = sets.test();
            source = sets.source();
            if (dataset() == DatasetKind.CSV && knownClasses == null) {
                checkClassCount(train, trainFile.toString());
            }
        } else {
            Dataset all;
            if (dataset() == DatasetKind.CSV) {
                Path file = requireTrainFile(); // checks --label-column before the reader sees it
                all = csvReader().read(file, dataType, knownClasses);
                source = trainFile.toString();
                if (knownClasses == null) {
                    checkClassCount(all, source);
                }
            } else {
                Path irisFile = dataDir.resolve("iris.csv");
                source = Files.exists(irisFile) ? irisFile.toString() : CsvDatasetReader.BUNDLED_IRIS_NAME;
                all = loadIris(irisFile);
            }
            Splits.Split split = Splits.stratified(all.labels(), all.numClasses(), testFraction, seed);
            train = all.subset(split.train());
            test = all.subset(split.test());
            if (testFraction > 0 && test.numSamples() == 0) {
                // evaluate scored every row then, training rows included, where a test split was asked for.
                // For evaluate, 0 scores every row (QA: "0 means no test split" was train's meaning only).
                throw new IllegalArgumentException("--test-fraction " + Numbers.setting(testFraction) + " of "
                        + Numbers.count(all.numSamples(), "row") + " (" + source + ") leaves none to test on; raise"
                        + " it (0 means " + (knownClasses != null ? "every row is scored" : "no test split") + ")");
            }
            if (knownClasses == null) {
                // Said here, with the flag and the counts, rather than as an empty or single-class training set.
                String left = null;
                if (train.numSamples() == 0) {
                    left = "none to train on; lower it";
                } else if (java.util.Arrays.stream(train.classCounts()).filter(c -> c > 0).count() < 2) {
                    left = Numbers.count(train.numSamples(), "row") + " of a single class to train on; lower it";
                }
                if (left != null) {
                    throw new IllegalArgumentException("--test-fraction " + Numbers.setting(testFraction) + " of "
                            + Numbers.count(all.numSamples(), "row") + " (" + source + ") leaves " + left);
                }
            }
        }
        if (train.numSamples() > maxTrain) {
            train = train.subset(java.util.stream.IntStream.range(0, (int) maxTrain).toArray());
        }
        Dataset validation = train.subset(new int[0]);
        if (validationFraction > 0) {
            Splits.Split split = Splits.stratified(train.labels(), train.numClasses(), validationFraction, seed);
            validation = train.subset(split.test());
            int before = train.numSamples();
            boolean severalClasses = java.util.Arrays.stream(train.classCounts()).filter(c -> c > 0).count() > 1;
            train = train.subset(split.train());
            long trainedClasses = java.util.Arrays.stream(train.classCounts()).filter(c -> c > 0).count();
            String left = null;
            if (validation.numSamples() == 0) {
                left = "none to validate on; raise it";
            } else if (train.numSamples() == 0) {
                left = "none to train on; lower it";
            } else if (severalClasses && trainedClasses < 2) {
                left = Numbers.count(train.numSamples(), "row") + " of a single class to train on; lower it";
            }
            if (left != null) {
                throw new IllegalArgumentException("--validation-fraction " + Numbers.setting(validationFraction)
                        + " of " + Numbers.count(before, "training row") + " leaves " + left);
            }
        }
        if (knownClasses == null) {
            checkTrainable(train, source);
        }
        loadedSource = source;
        return new Prepared(train, test, source, scale != null ? scale : dataset().defaultScaling(), validation);
    }

    /**
     * Refuses a file whose header names other features, or the model's in another order, than the model was trained
     * on: its columns would be scored as the model's, position by position (QA: a file with iris's columns reversed
     * scored 0.33 without a word). When the names only differ because the label is in another column, the message
     * names that column for {@code --label-column}. Nothing to check when either has no names.
     *
     * @param header    the file's header, or {@code null} when it has none
     * @param model     the model, with its feature names if its training data had them
     * @param modelFile the model's file, for the message
     * @param source    the file, for the message
     * @throws InvalidDataException naming the file, the first feature that differs and the model
     */
    static void checkFeatureNames(dev.softmax.data.CsvHeader header, dev.softmax.model.SoftmaxRegression model,
                                  Path modelFile, Path source) {
        List<String> modelNames = model.featureNames().orElse(null);
        if (header == null || modelNames == null || header.featureNames().equals(modelNames)
                || header.featureNames().size() != modelNames.size()) {
            return; // another width is refused as such
        }
        int label = header.labelColumnLeaving(modelNames);
        String advice;
        if (label >= 0) {
            String name = header.cells().get(label);
            // A name the shell takes as is, that no other column has and that is not read as an index.
            boolean byName = java.util.Collections.frequency(header.cells(), name) == 1
                    && name.matches("[A-Za-z_][A-Za-z0-9_.-]*") && !name.equalsIgnoreCase("last");
            // The index 0-based, as --label-column takes it (QA: "column 3 ..., give --label-column 2").
            advice = ": the label is the column '" + dev.softmax.io.OneLine.of(name) + "' (0-based index " + label + "), give"
                    + " --label-column " + (byName ? name : String.valueOf(label));
        } else {
            advice = ": the header must name the model's features in the same order" + namesListed(modelNames)
                    + ", or be left out";
        }
        throw new InvalidDataException(source, firstDifference(header.featureNames(), modelNames, "in the header")
                + " in the model " + modelFile + advice);
    }

    /**
     * Refuses a bundled data set ({@code evaluate --dataset iris}) whose features are not the model's: the model was
     * trained on other data.
     *
     * @param names     the data set's feature names
     * @param model     the model, with its feature names if its training data had them
     * @param modelFile the model's file, for the message
     * @param source    the data set's file, for the message
     * @throws InvalidDataException naming the data set, the first feature that differs and the model
     */
    static void checkFeatureNames(List<String> names, dev.softmax.model.SoftmaxRegression model, Path modelFile,
                                  Path source) {
        List<String> modelNames = model.featureNames().orElse(null);
        if (names == null || modelNames == null || names.equals(modelNames) || names.size() != modelNames.size()) {
            return;
        }
        throw new InvalidDataException(source, firstDifference(names, modelNames, "here") + " in the model "
                + modelFile + ": the model was trained on other features" + namesListed(modelNames)
                + "; evaluate it on its own kind of data (--dataset csv --test FILE)");
    }

    /** "feature j is 'a' WHERE but 'b'" for the first feature whose names differ. */
    private static String firstDifference(List<String> names, List<String> modelNames, String where) {
        int j = 0;
        while (names.get(j).equals(modelNames.get(j))) {
            j++;
        }
        return "feature " + (j + 1) + " is '" + dev.softmax.io.OneLine.of(names.get(j)) + "' " + where + " but '"
                + dev.softmax.io.OneLine.of(modelNames.get(j)) + "'";
    }

    /** " (the model's: a, b, c)", quoted when a name holds a comma, or nothing for more than 20 names. */
    private static String namesListed(List<String> modelNames) {
        return modelNames.size() <= 20 ? " (the model's: " + dev.softmax.io.OneLine.joined(modelNames) + ")" : "";
    }

    /** After a warning of columns float32 blurs, for a float32 model ({@code evaluate}, {@code predict}). */
    static final String FLOAT32_MODEL_BLURS = "; the model, trained in float32, reads it so (one trained with"
            + " --dtype double keeps it)";

    /** The CSV reader for --label-column, whose warnings (columns float32 blurs) go to the command's stderr. */
    private CsvDatasetReader csvReader() {
        return csvReader(modelRead);
    }

    /**
     * The CSV reader for --label-column and --[no-]header, expecting {@code model}'s feature names (none when it is
     * {@code null}); its warnings' advice fits the model's type.
     */
    private CsvDatasetReader csvReader(dev.softmax.model.SoftmaxRegression model) {
        String advice = model == null ? "; --dtype double keeps it"
                : model.dataType() == DataType.FLOAT ? FLOAT32_MODEL_BLURS
                : "; the model is in double, and reads the file so without --dtype float";
        return new CsvDatasetReader(labelColumn, message -> {
            if (command != null) {
                command.commandLine().getErr().println("warning: " + message + advice);
                command.commandLine().getErr().flush();
            }
        }).expectingFeatureNames(model == null ? null : model.featureNames().orElse(null))
                .withHeaderLine(headerLine);
    }

    /**
     * The header of the CSV that {@code evaluate} scores, read as {@link #loadForModel} will read it.
     *
     * @param file  the file
     * @param model the model
     * @return the header, or {@code null} when the file has none
     * @throws IOException when the file cannot be read
     */
    dev.softmax.data.CsvHeader headerForModel(Path file, dev.softmax.model.SoftmaxRegression model)
            throws IOException {
        return csvReader(model).header(file);
    }

    /** Reads {@code irisFile}, or the copy in the jar when it does not exist. */
    private Dataset loadIris(Path irisFile) throws IOException {
        if (Files.exists(irisFile)) {
            return csvReader().read(irisFile, dataType, knownClasses); // --label-column is csv's: "last"
        }
        return CsvDatasetReader.iris(dataType, knownClasses);
    }

    /**
     * Refuses a model trained on other features than iris's, for {@code evaluate --dataset iris}: before the labels
     * are mapped onto the model's classes, whose refusal would not say why (review).
     *
     * @param model     the model
     * @param modelFile the model's file, for the message
     * @throws IOException when iris's file cannot be read
     */
    void checkIrisFeatureNames(dev.softmax.model.SoftmaxRegression model, Path modelFile) throws IOException {
        Path irisFile = dataDir.resolve("iris.csv");
        boolean onDisk = Files.exists(irisFile);
        dev.softmax.data.CsvHeader header = onDisk ? new CsvDatasetReader("last").header(irisFile) : null;
        List<String> names = onDisk ? (header == null ? null : header.featureNames())
                : CsvDatasetReader.iris(DataType.DOUBLE).featureNames();
        checkFeatureNames(names, model, modelFile, onDisk ? irisFile : Path.of(CsvDatasetReader.BUNDLED_IRIS_NAME));
    }

    /**
     * For the CSV data sets, the feature columns counted on the first line ({@link CsvDatasetReader#featureColumns})
     * of the {@code --train} file, or of iris's file (the bundled one has {@link DatasetKind#IRIS_FEATURES}); else 0.
     */
    int csvFeatureColumns() throws IOException {
        if (dataset() == DatasetKind.IRIS) {
            Path irisFile = dataDir.resolve("iris.csv");
            return Files.exists(irisFile) ? CsvDatasetReader.featureColumns(irisFile) : DatasetKind.IRIS_FEATURES;
        }
        return dataset() == DatasetKind.CSV ? CsvDatasetReader.featureColumns(csvFileToScore()) : 0;
    }

    /**
     * For {@code evaluate}: the {@code --train} file, or without it the {@code --test} file, whose rows are then
     * all scored; checked as {@link #requireTrainFile} checks them.
     */
    Path csvFileToScore() {
        if (trainFile == null && testFile == null) {
            throw new IllegalArgumentException("--dataset csv needs --test FILE (every row scored), or --train FILE"
                    + " (and optionally --test FILE)");
        }
        checkLabelColumn();
        checkNotADirectory("--train", trainFile);
        checkNotADirectory("--test", testFile);
        return trainFile != null ? trainFile : testFile;
    }

    /** The {@code --train} file, after checking that it and {@code --test} are not folders. */
    private Path requireTrainFile() {
        if (trainFile == null) {
            throw new IllegalArgumentException("--dataset csv needs --train FILE (and optionally --test FILE)");
        }
        checkLabelColumn();
        checkNotADirectory("--train", trainFile);
        checkNotADirectory("--test", testFile);
        return trainFile;
    }

    /**
     * Refuses an empty {@code --label-column} (the reader would take it for 'last') and an index no file can have
     * (beyond {@code int}, which the reader would report as a missing column without naming the flag).
     */
    private void checkLabelColumn() {
        checkLabelColumn(labelColumn);
    }

    /** As {@link #checkLabelColumn()} for {@code labelColumn} ({@code predict}'s too). */
    static void checkLabelColumn(String labelColumn) {
        if (labelColumn.isBlank()) {
            throw new IllegalArgumentException("--label-column is empty: give a header name, a 0-based index or"
                    + " 'last'");
        }
        String given = labelColumn.trim();
        if (given.chars().allMatch(Character::isDigit)) {
            try {
                Integer.parseInt(given);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--label-column " + given + " is beyond any file's columns"
                        + " (a 0-based index, at most " + Integer.MAX_VALUE + ")");
            }
        }
    }

    private static void checkNotADirectory(String flag, Path file) {
        if (file != null && Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a directory, not a file (" + flag + " takes a CSV file)");
        }
    }

    /**
     * MNIST in {@code <data-dir>/mnist}, Fashion-MNIST in {@code <data-dir>/fashion-mnist}; then {@code <data-dir>}
     * itself; then the data set's system folders.
     */
    private TrainTestSets loadIdx(boolean testOnly) throws IOException {
        String folderName = dataset().toString();
        List<Path> candidates = new ArrayList<>();
        candidates.add(dataDir.resolve(folderName));
        candidates.add(dataDir); // --data-dir pointing straight at the IDX files
        candidates.addAll(dataset().systemFolders());
        for (Path folder : candidates) {
            if (testOnly ? MnistIdxLoader.isTestPresent(folder) : MnistIdxLoader.isPresent(folder)) {
                List<String> classes = dataset() == DatasetKind.MNIST
                        ? MnistIdxLoader.MNIST_CLASSES : MnistIdxLoader.FASHION_MNIST_CLASSES;
                return testOnly ? testPartOnly(MnistIdxLoader.loadTest(folder, classes, dataType), folder)
                        : MnistIdxLoader.load(folder, classes, dataType, limit == null ? Long.MAX_VALUE : limit);
            }
        }
        throw new InvalidDataException(candidates.get(0).resolve(MnistIdxLoader.FILE_NAMES.get(0)),
                "file not found (nor in " + candidates.subList(1, candidates.size()) + "); run 'download "
                        + dataset() + "' or put the four IDX files " + MnistIdxLoader.FILE_NAMES + " in "
                        + candidates.get(0));
    }

    /** A test split read alone, with an empty training part of its shape. */
    private static TrainTestSets testPartOnly(Dataset test, Path source) {
        return new TrainTestSets(test.subset(new int[0]), test, source.toString());
    }

    /**
     * {@code <data-dir>/cifar-10-batches-bin}, else {@code <data-dir>/cifar-10-binary.tar.gz}, else the folder itself
     * when it holds the first training batch (the test batch, when only the test split is read).
     */
    private Path cifarLocation(boolean testOnly) {
        Path folder = dataDir.resolve(Cifar10BinaryLoader.FOLDER_NAME);
        Path archive = dataDir.resolve(Cifar10BinaryLoader.ARCHIVE_NAME);
        if (Files.isDirectory(folder)) {
            return folder;
        }
        if (Files.isRegularFile(archive)) {
            return archive;
        }
        if (Files.isRegularFile(dataDir.resolve(testOnly ? Cifar10BinaryLoader.TEST_FILE
                : Cifar10BinaryLoader.TRAIN_FILES.get(0)))) {
            return dataDir;
        }
        throw new InvalidDataException(folder, "not found (nor " + archive + ", nor the batch files in " + dataDir
                + "); run 'download cifar10' or put"
                + " the official binary version there (from " + DatasetDownloads.cifar10().describeSources() + ")");
    }

    /** More classes than this, and more than half the rows, are taken for a label column that is not one. */
    static final int MAX_SPARSE_CLASSES = 1000;

    /**
     * Refuses a CSV whose labels cannot be classes: more than {@link #MAX_SPARSE_CLASSES} distinct labels that are
     * also more than half the rows (under two rows a class on average, typically an ID column taken for the
     * label), or {@code n} times {@code K} beyond one array ({@code [n,K]} one-hot targets and probabilities). Both
     * died late, in an OutOfMemoryError or an index that overflowed; this says so before anything is allocated.
     */
    private static void checkClassCount(Dataset data, String source) {
        long n = data.numSamples();
        long k = data.numClasses();
        String problem = null;
        if (k > MAX_SPARSE_CLASSES && 2 * k > n) {
            problem = "more than half the rows, too few to learn a class from";
        } else if (n * k > Integer.MAX_VALUE - 8) {
            problem = "rows times classes " + n * k + " beyond one array (2^31 - 1)";
        }
        if (problem != null) {
            throw new InvalidDataException(Path.of(source), k + " distinct labels in " + n + " rows (" + problem
                    + "); check --label-column");
        }
    }

    /** Training needs at least two classes; with --limit or a small file one class can be all that is left. */
    private void checkTrainable(Dataset train, String source) {
        if (train.numSamples() == 0) {
            throw new IllegalArgumentException(source + ": the training set is empty");
        }
        int present = 0;
        for (int count : train.classCounts()) {
            present += count > 0 ? 1 : 0;
        }
        if (present < 2) {
            throw new IllegalArgumentException(source + ": the training set has a single class"
                    + (limit != null ? " after --limit " + limit : "") + "; need at least two");
        }
    }

    /**
     * Before an image data set is loaded (tens to hundreds of MB), compiles the Vector API kernels if float32 passes
     * will use them and collects the compiler's garbage: done after loading, the 250 to 300 MB of heap it made the
     * collector grow sat on top of the data (CIFAR-10 training peaked at 1.02 to 1.26 GB resident, now 0.98 to
     * 1.08). Iris and CSV files are left alone: small data do not need the 0.4 s of compiling.
     */
    private void prepareKernels() {
        if (dataType == DataType.FLOAT && SoftmaxCrossEntropy.warmUpKernels(dataset().imageFeatures())) {
            System.gc();
        }
    }

    /**
     * The data set: {@code --dataset}'s value, or {@code csv} where {@code --dataset} is left out and
     * {@code --train} or {@code --test} names a file.
     *
     * @return the data set
     */
    public DatasetKind dataset() {
        return datasetImpliedByFiles() ? DatasetKind.CSV : dataset;
    }

    /** Whether {@code --dataset} is left out and {@code --train} or {@code --test} given: data set csv. */
    boolean datasetImpliedByFiles() {
        var parsed = command == null ? null : command.commandLine().getParseResult();
        return (trainFile != null || testFile != null) && parsed != null && !parsed.hasMatchedOption("--dataset");
    }

    /**
     * The arithmetic type.
     *
     * @return FLOAT or DOUBLE
     */
    public DataType dataType() {
        return dataType;
    }

    /**
     * The seed.
     *
     * @return the {@code --seed} value
     */
    public long seed() {
        return seed;
    }

    /**
     * The test fraction.
     *
     * @return the {@code --test-fraction} value
     */
    public double testFraction() {
        return testFraction;
    }

    /**
     * The files read as given by the options: {@code --train} and {@code --test}, iris's CSV in {@code --data-dir},
     * and the image data sets' files wherever their loaders look; entries not given are {@code null}.
     *
     * @return the files by option
     */
    java.util.Map<String, Path> inputFiles() {
        java.util.Map<String, Path> files = new java.util.LinkedHashMap<>();
        files.put("--train", trainFile);
        files.put("--test", testFile);
        files.put("iris data", dataset() == DatasetKind.IRIS ? dataDir.resolve("iris.csv") : null);
        // Every place the image loaders look (the files found first are read; the others are kept safe as well).
        List<Path> folders = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (dataset() == DatasetKind.MNIST || dataset() == DatasetKind.FASHION_MNIST) {
            folders.add(dataDir.resolve(dataset().toString()));
            folders.add(dataDir);
            folders.addAll(dataset().systemFolders());
            for (String name : MnistIdxLoader.FILE_NAMES) {
                names.add(name);
                names.add(name.substring(0, name.length() - ".gz".length())); // the loader reads them unpacked too
            }
        } else if (dataset() == DatasetKind.CIFAR10) {
            folders.add(dataDir.resolve(Cifar10BinaryLoader.FOLDER_NAME));
            folders.add(dataDir);
            names.addAll(Cifar10BinaryLoader.TRAIN_FILES);
            names.add(Cifar10BinaryLoader.TEST_FILE);
            names.add(Cifar10BinaryLoader.META_FILE);
            files.put(dataset() + " data (" + dataDir.resolve(Cifar10BinaryLoader.ARCHIVE_NAME) + ")",
                    dataDir.resolve(Cifar10BinaryLoader.ARCHIVE_NAME));
        }
        for (Path folder : folders) {
            for (String name : names) {
                files.putIfAbsent(dataset() + " data (" + folder.resolve(name) + ")", folder.resolve(name));
            }
        }
        return files;
    }

    /**
     * Whether the test part is the data set's own test split (so {@code --test-fraction} does not apply).
     *
     * @return {@code true} for the image data sets and a CSV with {@code --test}
     */
    public boolean hasOwnTestSplit() {
        return dataset().hasOwnTestSplit() || (dataset() == DatasetKind.CSV && testFile != null);
    }

    /**
     * The validation fraction.
     *
     * @return the {@code --validation-fraction} value
     */
    public double validationFraction() {
        return validationFraction;
    }

    /**
     * The {@code --limit}, or {@code null} for none.
     *
     * @return the limit, or {@code null}
     */
    public Integer limit() {
        return limit;
    }

    /** Lists {@code --dataset} values by their command-line names. */
    static final class DatasetKindCandidates extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        DatasetKindCandidates() {
            for (DatasetKind kind : DatasetKind.values()) {
                add(kind.toString());
            }
        }
    }

    /** Lists {@code --scale} values. */
    static final class ScalingCandidates extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        ScalingCandidates() {
            for (Trainer.Scaling scaling : Trainer.Scaling.values()) {
                add(scaling.name().toLowerCase(java.util.Locale.ROOT));
            }
        }
    }

    /** Converts {@code --scale} values, case-insensitively. */
    static final class ScalingConverter implements ITypeConverter<Trainer.Scaling> {
        @Override
        public Trainer.Scaling convert(String value) {
            try {
                return Trainer.Scaling.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("expected none, unit or standard, got '" + value + "'");
            }
        }
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
