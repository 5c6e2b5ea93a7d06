package dev.softmax.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reads rows of numeric features to predict on: a comma-separated file with {@code d} feature columns, an
 * optional header, and no label.
 *
 * <p>A file with {@code d + 1} columns is accepted too and its label column is ignored (the last, unless
 * {@link Expected#labelColumn()} names another), so that the same CSV that was used for training can be given as
 * is. Any other column count is an error. The first line is a header when none of its feature cells is a number,
 * or when they are the model's feature names in order ({@link Expected#featureNames()}, which may be numbers), or
 * when {@link Expected#headerLine()} says so: {@link CsvDatasetReader}'s rule.
 */
public final class FeatureCsvReader {

    private FeatureCsvReader() {
    }

    /**
     * Rows read from a file.
     *
     * @param rows          {@code [n][d]} features, all finite
     * @param ignoredColumn the 0-based label column that was dropped from a file of {@code d + 1} columns, or -1
     * @param header        the header, or {@code null} when there was none
     */
    public record Features(double[][] rows, int ignoredColumn, CsvHeader header) {
    }

    /**
     * What a file is read against.
     *
     * @param numFeatures  the number of feature columns, at least 1
     * @param type         FLOAT or DOUBLE: for FLOAT, a value beyond float32's range is refused
     * @param labelColumn  the label column to ignore, as {@link CsvDatasetReader} takes it ({@code "last"}, a 0-based
     *                     index or a header name), which the file must then have; or {@code null} for the last
     *                     column of a file with {@code d + 1} columns, and none in a file with {@code d}
     * @param featureNames the model's feature names, or {@code null}: a first line whose feature cells are these
     *                     names in order is a header even when they are numbers
     * @param headerLine   whether the first line is the header, or {@code null} to tell by its cells
     */
    public record Expected(int numFeatures, DataType type, String labelColumn, List<String> featureNames,
                           Boolean headerLine) {

        /**
         * Expects what the cells of the first line say about a header.
         *
         * @param numFeatures  the number of feature columns
         * @param type         FLOAT or DOUBLE
         * @param labelColumn  the label column, or {@code null}
         * @param featureNames the feature names, or {@code null}
         */
        public Expected(int numFeatures, DataType type, String labelColumn, List<String> featureNames) {
            this(numFeatures, type, labelColumn, featureNames, null);
        }

        /**
         * Checks the values.
         *
         * @param numFeatures  the number of feature columns
         * @param type         FLOAT or DOUBLE
         * @param labelColumn  the label column, or {@code null}
         * @param featureNames the feature names, or {@code null}
         * @param headerLine   whether the first line is the header, or {@code null}
         * @throws IllegalArgumentException for no features, a type other than FLOAT and DOUBLE, a blank label column
         *                                  or names of another count
         */
        public Expected {
            if (numFeatures < 1) {
                throw new IllegalArgumentException("need at least one feature, got " + numFeatures);
            }
            CsvDatasetReader.checkType(type);
            if (labelColumn != null) {
                if (labelColumn.isBlank()) {
                    throw new IllegalArgumentException("the label column is empty: give a header name, a 0-based"
                            + " index or 'last'");
                }
                labelColumn = labelColumn.trim();
            }
            featureNames = Dataset.checkFeatureNames(featureNames, numFeatures);
        }
    }

    /**
     * Reads {@code file}, expecting {@code numFeatures} feature columns (optionally followed by a label column).
     *
     * @param file        the CSV file
     * @param numFeatures the number of feature columns
     * @return the rows read
     * @throws InvalidDataException for a missing or empty file, a wrong column count, or a cell that is not a
     *                              finite number, naming the file and line
     * @throws IOException          when the file cannot be read
     */
    public static Features read(Path file, int numFeatures) throws IOException {
        return read(file, numFeatures, DataType.DOUBLE);
    }

    /**
     * As {@link #read(Path, int)} for a model of {@code type}: for FLOAT, a value beyond float32's range is refused
     * naming the file, line and column.
     *
     * @param file        the CSV file
     * @param numFeatures the number of feature columns
     * @param type        the model's type, FLOAT or DOUBLE
     * @return the rows read
     * @throws IOException when the file cannot be read
     */
    public static Features read(Path file, int numFeatures, DataType type) throws IOException {
        return read(file, new Expected(numFeatures, type, null, null), header -> { });
    }

    /**
     * Reads {@code file} as {@code expected} says, handing its header (if it has one) to {@code onHeader} before
     * any row is read, so that a caller can refuse the file early.
     *
     * @param file     the CSV file
     * @param expected the width, type, label column and names to read against
     * @param onHeader receives the header; may throw
     * @return the rows read
     * @throws InvalidDataException for a missing or empty file, a wrong column count, a label column the file does
     *                              not have, or a cell that is not a finite number, naming the file and line
     * @throws IOException          when the file cannot be read
     */
    public static Features read(Path file, Expected expected, Consumer<CsvHeader> onHeader) throws IOException {
        java.util.Objects.requireNonNull(file, "file");
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a directory, not a file");
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file, expected, onHeader);
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(file, "file not found");
        } catch (MalformedInputException e) {
            throw new InvalidDataException(file, "not a UTF-8 text file");
        }
    }

    /**
     * Reads CSV text from {@code reader} (not closed); {@code source} names it in messages.
     *
     * @param reader      the CSV text
     * @param source      the file name for messages
     * @param numFeatures the number of feature columns
     * @return the rows read
     * @throws IOException when reading fails
     */
    public static Features read(BufferedReader reader, Path source, int numFeatures) throws IOException {
        return read(reader, source, numFeatures, DataType.DOUBLE);
    }

    /**
     * As {@link #read(BufferedReader, Path, int)}, refusing values beyond float32's range for a FLOAT {@code type}.
     *
     * @param reader      the CSV text
     * @param source      the file name for messages
     * @param numFeatures the number of feature columns
     * @param type        the model's type, FLOAT or DOUBLE
     * @return the rows read
     * @throws IOException when reading fails
     */
    public static Features read(BufferedReader reader, Path source, int numFeatures, DataType type)
            throws IOException {
        return read(reader, source, new Expected(numFeatures, type, null, null), header -> { });
    }

    /**
     * As {@link #read(Path, Expected, Consumer)} for CSV text from {@code reader} (not closed); {@code source} names
     * it in messages.
     *
     * @param reader   the CSV text
     * @param source   the file name for messages
     * @param expected the width, type, label column and names to read against
     * @param onHeader receives the header before any row is read; may throw
     * @return the rows read
     * @throws IOException when reading fails
     */
    public static Features read(BufferedReader reader, Path source, Expected expected, Consumer<CsvHeader> onHeader)
            throws IOException {
        java.util.Objects.requireNonNull(expected, "expected");
        java.util.Objects.requireNonNull(onHeader, "onHeader");
        int numFeatures = expected.numFeatures();
        List<double[]> rows = new ArrayList<>();
        CsvHeader[] header = {null};
        int[] columns = {-1};
        int[] label = {-1};
        CsvRecords.read(reader, source, (cells, line) -> {
            int lineNumber = (int) line;
            if (columns[0] < 0) {
                columns[0] = cells.length;
                label[0] = labelColumn(expected, cells, source, lineNumber);
                if (isHeader(cells, label[0], expected)) {
                    header[0] = new CsvHeader(Arrays.asList(cells), label[0]);
                    onHeader.accept(header[0]);
                    return true;
                }
            }
            if (cells.length != columns[0]) {
                throw new InvalidDataException(source, "line", lineNumber, "expected " + columns[0]
                        + " columns like the first line, found " + cells.length);
            }
            double[] row = new double[numFeatures];
            int j = 0;
            for (int c = 0; c < cells.length; c++) {
                if (c == label[0]) {
                    continue;
                }
                try {
                    row[j] = Decimals.parse(cells[c]);
                } catch (NumberFormatException e) {
                    throw new InvalidDataException(source, "line", lineNumber, "column " + (c + 1) + ": '" + cells[c]
                            + "' is not a number");
                }
                if (!Double.isFinite(row[j])) {
                    throw new InvalidDataException(source, "line", lineNumber, "column " + (c + 1) + ": " + cells[c]
                            + " is not a finite number");
                }
                if (expected.type() == DataType.FLOAT) {
                    Decimals.checkFloatRange(row[j], cells[c], source, lineNumber, c);
                }
                j++;
            }
            rows.add(row);
            return true;
        });
        if (rows.isEmpty()) {
            throw new InvalidDataException(source, header[0] != null ? "no data rows (only a header)"
                    : "no data rows (expected " + numFeatures + " numbers per line)");
        }
        return new Features(rows.toArray(double[][]::new), label[0], header[0]);
    }

    /** The label column of a file whose first line is {@code first}, or -1 when it has only feature columns. */
    private static int labelColumn(Expected expected, String[] first, Path source, int line) {
        int d = expected.numFeatures();
        String given = expected.labelColumn();
        if (given == null) {
            if (first.length != d && first.length != d + 1) {
                throw new InvalidDataException(source, "line", line, "expected " + d + " feature columns (or "
                        + (d + 1) + " with a label last, which is ignored), found " + first.length);
            }
            return first.length == d + 1 ? d : -1;
        }
        if (first.length != d + 1) {
            throw new InvalidDataException(source, "line", line, "expected " + (d + 1) + " columns (" + d
                    + " features and the label column '" + given + "', which is ignored), found " + first.length);
        }
        int guess = CsvDatasetReader.labelGuess(given, first.length);
        // A label given by name makes the first line the header that names it, unless there is said to be none.
        boolean header = guess < 0 && !Boolean.FALSE.equals(expected.headerLine());
        return CsvDatasetReader.labelIndex(given, source, header ? first : null, first.length, expected.headerLine());
    }

    /** Whether the first line is the header, by {@link CsvDatasetReader#isHeader}'s rule. */
    private static boolean isHeader(String[] cells, int label, Expected expected) {
        boolean named = expected.labelColumn() != null
                && CsvDatasetReader.labelGuess(expected.labelColumn(), cells.length) < 0;
        return CsvDatasetReader.isHeader(cells, label, named, expected.featureNames(), expected.headerLine());
    }
}
