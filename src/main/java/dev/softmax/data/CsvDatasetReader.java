package dev.softmax.data;

import dev.softmax.io.OneLine;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads a comma-separated file of numeric features and one label column into a {@link Dataset}.
 *
 * <p>The header is optional: the first line is a header when none of its feature cells is a number, when the label
 * column is given by name, when its feature cells are the {@link #expectingFeatureNames expected names}, or when
 * {@link #withHeaderLine} says so. Labels
 * may be numbers or strings; the class names are the distinct labels, sorted numerically when all are numbers
 * and alphabetically otherwise, so the label order does not depend on the row order. Every problem (missing
 * file, empty file, ragged row, non-numeric or non-finite cell) is reported with the file and line.
 */
public final class CsvDatasetReader {

    /** Which column holds the label: {@code "last"}, a 0-based index, or a header name. */
    private final String labelColumn;

    /** Receives a line on data that reads but loses information; never an error. */
    private final Consumer<String> warnings;

    /** Names a first line may hold to be the header even when they are numbers, or {@code null}. */
    private final List<String> featureNames;

    /** Whether the first line is the header, or {@code null} to tell by its cells. */
    private final Boolean headerLine;

    /**
     * A reader that takes the labels from {@code labelColumn}.
     *
     * @param labelColumn {@code "last"} (or {@code null}), a 0-based column index, or a header name
     * @throws IllegalArgumentException for an empty or blank name, which names no column (the command line refuses
     *                                  an empty {@code --label-column} the same way)
     */
    public CsvDatasetReader(String labelColumn) {
        this(labelColumn, message -> { });
    }

    /**
     * As {@link #CsvDatasetReader(String)}, telling {@code warnings} about feature columns that float32 blurs: read
     * as FLOAT, a column whose rounding error is more than 1% of its spread (timestamps near 1e12 that vary by
     * seconds become one value). The message names the file and the columns.
     *
     * @param labelColumn {@code "last"} (or {@code null}), a 0-based column index, or a header name
     * @param warnings    receives one line per file that has such columns, not {@code null}
     */
    public CsvDatasetReader(String labelColumn, Consumer<String> warnings) {
        this.warnings = java.util.Objects.requireNonNull(warnings, "warnings");
        if (labelColumn != null && labelColumn.isBlank()) {
            throw new IllegalArgumentException("the label column is empty: give a header name, a 0-based index or"
                    + " 'last'");
        }
        this.labelColumn = labelColumn == null ? "last" : labelColumn.trim();
        this.featureNames = null;
        this.headerLine = null;
    }

    private CsvDatasetReader(CsvDatasetReader reader, List<String> featureNames, Boolean headerLine) {
        this.labelColumn = reader.labelColumn;
        this.warnings = reader.warnings;
        this.featureNames = featureNames == null ? null : List.copyOf(featureNames);
        this.headerLine = headerLine;
    }

    /**
     * A reader like this one that takes the first line for the header ({@code true}), for a row ({@code false}),
     * or decides as the class Javadoc says ({@code null}): for a header whose names are all numbers
     * ({@code 2019,2020,2021}), which would be read as a row.
     *
     * @param present whether the files have a header, or {@code null} to tell by the first line
     * @return the reader
     */
    public CsvDatasetReader withHeaderLine(Boolean present) {
        return new CsvDatasetReader(this, featureNames, present);
    }

    /**
     * A reader like this one that also takes a first line whose feature cells are {@code featureNames} in order for
     * the header, when they are numbers too: to read data for a model whose training file's header was read by name
     * ({@code --label-column y} over {@code 10,20,30,40,y}).
     *
     * @param featureNames the names expected (a model's), or {@code null} for none
     * @return the reader
     */
    public CsvDatasetReader expectingFeatureNames(List<String> featureNames) {
        return new CsvDatasetReader(this, featureNames, headerLine);
    }

    /**
     * Reads a training file and a test file with the same columns; the test labels must be training classes.
     *
     * @param train the training CSV
     * @param test  the test CSV
     * @param type  FLOAT or DOUBLE for the features
     * @return the training and test sets
     * @throws InvalidDataException for any problem with either file, naming it and the line
     * @throws IOException          when a file cannot be read
     */
    public TrainTestSets readTrainTest(Path train, Path test, DataType type) throws IOException {
        return readTrainTest(train, test, type, null);
    }

    /**
     * As {@link #readTrainTest(Path, Path, DataType)}, with both files' labels mapped onto {@code classNames}
     * (see {@link #read(Path, DataType, List)}), or taken from the training file if it is {@code null}.
     *
     * @param train      the training CSV
     * @param test       the test CSV
     * @param type       FLOAT or DOUBLE for the features
     * @param classNames the class names to map labels onto, or {@code null}
     * @return the training and test sets
     * @throws IOException when a file cannot be read
     */
    public TrainTestSets readTrainTest(Path train, Path test, DataType type, List<String> classNames)
            throws IOException {
        java.util.Objects.requireNonNull(train, "train");
        java.util.Objects.requireNonNull(test, "test");
        Parsed trainSet;
        try (BufferedReader reader = open(train)) {
            trainSet = parse(reader, train, type, classNames, null);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidDataException(train, "not a UTF-8 text file");
        }
        Parsed testSet;
        try (BufferedReader reader = open(test)) {
            testSet = parse(reader, test, type, trainSet.data().classNames(), trainSet);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidDataException(test, "not a UTF-8 text file");
        }
        return new TrainTestSets(trainSet.data(), testSet.data(), train + " + " + test);
    }

    /** Where the jar keeps its copy of the iris data set, as a class-path resource. */
    public static final String BUNDLED_IRIS = "/dev/softmax/data/iris.csv";

    /** How messages name the jar's copy of iris. */
    public static final String BUNDLED_IRIS_NAME = "bundled iris.csv";

    /**
     * The iris data set the jar carries (150 rows, 4 features, classes setosa, versicolor and virginica), the same
     * file as {@code notebooks-data/iris.csv}: data to try the library on from any folder.
     *
     * @param type       FLOAT or DOUBLE for the features
     * @param classNames the class order to map the labels to, or {@code null} for the file's (sorted)
     * @return the data set
     * @throws IOException when the resource cannot be read
     */
    public static Dataset iris(DataType type, List<String> classNames) throws IOException {
        java.io.InputStream in = CsvDatasetReader.class.getResourceAsStream(BUNDLED_IRIS);
        if (in == null) {
            throw new InvalidDataException(Path.of("classpath:" + BUNDLED_IRIS), "not in the jar");
        }
        try (BufferedReader reader = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
            // Named as the command line names it (QA: one message said "classpath:/dev/softmax/data/iris.csv").
            return new CsvDatasetReader("last").read(reader, Path.of(BUNDLED_IRIS_NAME), type, classNames);
        }
    }

    /**
     * The bundled iris data set with its own class order; see {@link #iris(DataType, List)}.
     *
     * @param type FLOAT or DOUBLE for the features
     * @return the data set
     * @throws IOException when the resource cannot be read
     */
    public static Dataset iris(DataType type) throws IOException {
        return iris(type, null);
    }

    /**
     * Reads with the label in the last column.
     *
     * @param file the CSV file
     * @param type FLOAT or DOUBLE for the features
     * @return the data set, with the class names taken from the file
     * @throws IOException when the file cannot be read
     */
    public static Dataset read(Path file, DataType type) throws IOException {
        return new CsvDatasetReader("last").read(file, type, null);
    }

    /**
     * Reads {@code file}.
     *
     * @param file       the CSV file
     * @param type       FLOAT or DOUBLE for the features
     * @param classNames the class names to map labels onto (for a test file that must match a training file),
     *                   or {@code null} to take them from this file
     * @return the data set
     * @throws InvalidDataException for any problem with the contents, naming the file and line
     * @throws IOException          when the file cannot be read
     */
    public Dataset read(Path file, DataType type, List<String> classNames) throws IOException {
        try (BufferedReader reader = open(file)) {
            return read(reader, file, type, classNames);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidDataException(file, "not a UTF-8 text file");
        }
    }

    /**
     * The feature columns of {@code file} (all columns but the label's), counted on its first non-blank line, header
     * or row; 0 when it has none. Lets a caller check the width before every row is read and its labels mapped.
     *
     * @param file the CSV file
     * @return the number of feature columns
     * @throws InvalidDataException when the file does not exist or is not UTF-8 text
     * @throws IOException          when the file cannot be read
     */
    public static int featureColumns(Path file) throws IOException {
        String[] first = firstRecord(file);
        return first == null ? 0 : Math.max(0, first.length - 1);
    }

    /** The cells of {@code file}'s first non-blank line, or {@code null} when it has none. */
    private static String[] firstRecord(Path file) throws IOException {
        java.util.Objects.requireNonNull(file, "file");
        try (BufferedReader reader = open(file)) {
            String[][] first = {null};
            CsvRecords.read(reader, file, (cells, line) -> {
                first[0] = cells;
                return false;
            });
            return first[0];
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidDataException(file, "not a UTF-8 text file");
        }
    }

    /**
     * The header of {@code file}, with its label column, or {@code null} when its first line is a row: read before
     * the rows, so that a caller can check the names before every row is read and its labels mapped.
     *
     * @param file the CSV file
     * @return the header, or {@code null}
     * @throws InvalidDataException when the file does not exist, is not UTF-8 text, or its header lacks the label
     *                              column
     * @throws IOException          when the file cannot be read
     */
    public CsvHeader header(Path file) throws IOException {
        String[] first = firstRecord(file);
        return first == null || !looksLikeHeader(first) ? null
                : new CsvHeader(Arrays.asList(first), labelIndex(labelColumn, file, first, first.length, headerLine));
    }

    private static BufferedReader open(Path file) throws IOException {
        java.util.Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a directory, not a file");
        }
        try {
            return Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(file, "file not found");
        }
    }

    /**
     * Reads CSV text from {@code reader}; {@code source} names it in error messages. The reader is not closed.
     *
     * @param reader     the CSV text
     * @param source     the file name for error messages
     * @param type       FLOAT or DOUBLE for the features
     * @param classNames the class names to map labels onto, or {@code null} to take them from the text
     * @return the data set
     * @throws IOException when reading fails
     * @see #read(Path, DataType, List)
     */
    public Dataset read(BufferedReader reader, Path source, DataType type, List<String> classNames)
            throws IOException {
        return parse(reader, source, type, classNames, null).data();
    }

    /** A file's data and its header ({@code null} when it has none). */
    private record Parsed(Dataset data, String[] header) {
    }

    /**
     * As {@link #read(BufferedReader, Path, DataType, List)}; for a test file, {@code training} is the training
     * file's parse, whose feature count it must have, and whose header names when both files have a header.
     */
    private Parsed parse(BufferedReader reader, Path source, DataType type, List<String> classNames,
                         Parsed training) throws IOException {
        checkType(type);
        int expectedFeatures = training == null ? 0 : training.data().numFeatures();
        Path file = source;
        List<String[]> rows = new ArrayList<>();
        List<Integer> lineNumbers = new ArrayList<>();
        String[][] headerFound = {null};
        CsvRecords.read(reader, file, (cells, line) -> {
            if (headerFound[0] == null && rows.isEmpty() && looksLikeHeader(cells)) {
                headerFound[0] = cells;
            } else {
                rows.add(cells);
                lineNumbers.add((int) line);
            }
            return true;
        });
        String[] header = headerFound[0];
        if (rows.isEmpty()) {
            throw new InvalidDataException(file, header != null ? "no data rows (only a header)"
                    : "no data rows (empty file)");
        }
        int columns = header != null ? header.length : rows.get(0).length;
        if (columns < 2) {
            throw new InvalidDataException(file, "need at least one feature column and a label column, found "
                    + columns + " column");
        }
        int label = labelIndex(labelColumn, file, header, columns, headerLine);
        int d = columns - 1;
        if (expectedFeatures > 0 && d != expectedFeatures) {
            throw new InvalidDataException(file, "has " + d + " feature columns but the training file has "
                    + expectedFeatures);
        }
        if (training != null && header != null && training.header() != null
                && !Arrays.equals(header, training.header())) {
            int c = 0;
            while (header[c].equals(training.header()[c])) {
                c++;
            }
            throw new InvalidDataException(file, "column " + (c + 1) + " is '" + header[c]
                    + "' but the training file's is '" + training.header()[c] + "': the header "
                    + Arrays.toString(header) + " must name the training file's columns "
                    + Arrays.toString(training.header()) + " in the same order");
        }
        double[] values = new double[rows.size() * d];
        String[] rawLabels = new String[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String[] cells = rows.get(i);
            int rowLine = lineNumbers.get(i);
            if (cells.length != columns) {
                throw new InvalidDataException(file, "line", rowLine, "expected " + columns + " columns, found "
                        + cells.length);
            }
            int j = 0;
            for (int c = 0; c < columns; c++) {
                if (c == label) {
                    if (cells[c].isBlank()) {
                        // A quoted blank too: no class name that shows (Dataset refuses it, without the line).
                        throw new InvalidDataException(file, "line", rowLine, cells[c].isEmpty() ? "empty label"
                                : "blank label");
                    }
                    rawLabels[i] = cells[c];
                    continue;
                }
                double v;
                try {
                    v = Decimals.parse(cells[c]);
                } catch (NumberFormatException e) {
                    throw new InvalidDataException(file, "line", rowLine, "column " + (c + 1) + ": '" + cells[c]
                            + "' is not a number");
                }
                if (!Double.isFinite(v)) {
                    throw new InvalidDataException(file, "line", rowLine, "column " + (c + 1) + ": " + cells[c]
                            + " is not a finite number");
                }
                if (type == DataType.FLOAT) {
                    Decimals.checkFloatRange(v, cells[c], file, rowLine, c);
                }
                values[i * d + j++] = v;
            }
        }
        if (type == DataType.FLOAT) {
            warnOfBlurredColumns(values, rows.size(), d, label, header, file);
        }
        List<String> names = classNames != null ? List.copyOf(classNames) : sortedDistinct(rawLabels);
        if (classNames == null && names.size() < 2) {
            throw new InvalidDataException(file, "every row has the label '" + names.get(0)
                    + "': a single class, need at least two");
        }
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < names.size(); k++) {
            index.put(names.get(k), k);
        }
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Integer k = index.get(rawLabels[i]);
            if (k == null) {
                throw new InvalidDataException(file, "line", lineNumbers.get(i), "label '"
                        + OneLine.of(rawLabels[i]) + "' is not one of the training classes " + OneLine.list(names));
            }
            labels[i] = k;
        }
        INDArray features = Nd4j.create(values, new long[] {rows.size(), d}, type);
        List<String> featureNames = header == null ? null : new CsvHeader(Arrays.asList(header), label).featureNames();
        return new Parsed(new Dataset(features, labels, names, featureNames), header);
    }

    /** Tells {@link #warnings} of the feature columns float32 blurs ({@link Float32Blur}). */
    private void warnOfBlurredColumns(double[] values, int n, int d, int label, String[] header, Path file) {
        String blurred = Float32Blur.describe(values, n, d, j -> j < label ? j : j + 1, header, file);
        if (blurred != null) {
            warnings.accept(blurred);
        }
    }

    /**
     * Refuses a feature type other than FLOAT and DOUBLE, which the readers' Javadoc promise (QA: INT was read).
     *
     * @param type the type asked for
     * @return {@code type}
     * @throws IllegalArgumentException for any other type, or {@code null}
     */
    static DataType checkType(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("the feature type must be FLOAT or DOUBLE, got " + type);
        }
        return type;
    }

    /**
     * The 0-based column that {@code labelColumn} names in a file of {@code columns} columns.
     *
     * @param labelColumn {@code "last"}, a 0-based index, or a header name (trimmed, not blank)
     * @param file        the file, for messages
     * @param header      the file's header, or {@code null} when it has none
     * @param columns     the file's column count
     * @param headerLine  whether the first line was said to be the header, or {@code null} when it was guessed
     * @return the column
     * @throws InvalidDataException for an index beyond the columns, or a name that the header lacks or repeats
     */
    static int labelIndex(String labelColumn, Path file, String[] header, int columns, Boolean headerLine) {
        if (labelColumn.equalsIgnoreCase("last")) {
            return columns - 1;
        }
        if (labelColumn.chars().allMatch(Character::isDigit)) {
            long index = indexGiven(labelColumn);
            if (index >= columns) {
                throw new InvalidDataException(file, "label column " + index + " does not exist (" + columns
                        + " columns, 0-based)");
            }
            return (int) index;
        }
        if (header == null) {
            throw new InvalidDataException(file, "label column '" + labelColumn + "' given by name but the file is"
                    + " read without a header; give the label's 0-based index");
        }
        List<Integer> named = new ArrayList<>();
        for (int c = 0; c < header.length; c++) {
            if (header[c].equals(labelColumn)) {
                named.add(c);
            }
        }
        if (named.size() > 1) {
            // Taking the first would train on the other as a feature, or on the wrong labels, without a word.
            throw new InvalidDataException(file, "label column '" + OneLine.of(labelColumn) + "' is ambiguous: the"
                    + " header has it at columns " + named + " (0-based); give the index of the label column");
        }
        if (named.isEmpty()) {
            // A named label makes the first line the header, which may be a row: a misspelt name, or no header
            // (QA: "in header [1, 2, x]"; review: names that are numbers look like a row too).
            throw new InvalidDataException(file, "no column named '" + OneLine.of(labelColumn) + "' in "
                    + (Boolean.TRUE.equals(headerLine) ? "the header " + shown(header)
                    : "the first line " + shown(header) + ", taken for the header (if it is a row, give the label's"
                            + " 0-based index)"));
        }
        return named.get(0);
    }

    /** Header cells as a list on one line, quoted when one holds a comma (so "a,b" does not read as two). */
    private static String shown(String[] header) {
        return OneLine.list(Arrays.asList(header));
    }

    /** The label column given as digits, or {@link Long#MAX_VALUE} for an index beyond {@code long}. */
    private static long indexGiven(String labelColumn) {
        try {
            return Long.parseLong(labelColumn);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * Where the label is in a line of {@code columns} cells before the header is known: the column
     * {@code labelColumn} gives by position, or -1 when it gives a name (then the first line is the header).
     */
    static int labelGuess(String labelColumn, int columns) {
        if (labelColumn.equalsIgnoreCase("last")) {
            return columns - 1;
        }
        return labelColumn.chars().allMatch(Character::isDigit)
                ? (int) Math.min(indexGiven(labelColumn), Integer.MAX_VALUE) : -1;
    }

    /** Whether {@code cells}, the first line, are the header; see {@link #isHeader}. */
    private boolean looksLikeHeader(String[] cells) {
        int label = labelGuess(labelColumn, cells.length);
        return isHeader(cells, label, label < 0, featureNames, headerLine);
    }

    /**
     * The rule both readers take a first line for the header by: as {@code headerLine} says when it is given;
     * else always for a label given by name; else when no cell outside the label column is a number, or when those
     * cells are the expected names in order (a model's, which may be numbers: in any order, a row of rankings
     * would be taken for a header). A row with one bad cell (empty, {@code nan}) is reported as bad, not taken
     * for a header and dropped.
     *
     * @param cells       the first line's cells
     * @param label       the label's column, or -1 when the line has none or it is given by name
     * @param namedLabel  whether the label column is given by name
     * @param names       the expected feature names, or {@code null}
     * @param headerLine  whether the first line is the header, or {@code null} to tell by its cells
     * @return whether it is the header
     */
    static boolean isHeader(String[] cells, int label, boolean namedLabel, List<String> names, Boolean headerLine) {
        if (headerLine != null) {
            return headerLine;
        }
        if (namedLabel) {
            return true;
        }
        List<String> features = new ArrayList<>(Arrays.asList(cells));
        if (label >= 0 && label < cells.length) {
            features.remove(label);
        }
        return features.stream().noneMatch(Decimals::isNumber) || features.equals(names);
    }

    /**
     * The distinct labels as class names, sorted numerically when every label is a finite number and alphabetically
     * otherwise, so the class order does not depend on the row order.
     *
     * @param labels the labels, with repeats
     * @return the distinct labels, sorted
     */
    public static List<String> sortedDistinct(String[] labels) {
        List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(Arrays.asList(labels)));
        boolean numeric = distinct.stream()
                .allMatch(s -> Decimals.isNumber(s) && Double.isFinite(Decimals.parse(s)));
        // Labels equal as numbers ("1" and "1.0") are told apart by their text, so the order never depends on
        // which row came first.
        Comparator<String> byValue = Comparator.comparingDouble(Decimals::parse);
        distinct.sort(numeric ? byValue.thenComparing(Comparator.naturalOrder()) : Comparator.naturalOrder());
        return distinct;
    }
}
