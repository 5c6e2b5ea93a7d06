package dev.softmax.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reads rows of numeric features to predict on: a comma-separated file with {@code d} feature columns, an
 * optional header, and no label.
 *
 * <p>A file with {@code d + 1} columns is accepted too and its last column is ignored, so that the same CSV that
 * was used for training (label last, as {@link CsvDatasetReader} expects by default) can be given as is. Any
 * other column count is an error. The first line is a header when one of its feature cells is not a number.
 */
public final class FeatureCsvReader {

    private FeatureCsvReader() {
    }

    /**
     * Rows read from a file.
     *
     * @param rows              {@code [n][d]} features, all finite
     * @param ignoredLastColumn whether the file had {@code d + 1} columns and the last was dropped
     * @param header            the header cells (all columns), or {@code null} when there was none
     */
    public record Features(double[][] rows, boolean ignoredLastColumn, String[] header) {
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
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a directory, not a file");
        }
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(reader, file, numFeatures, type);
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
        List<double[]> rows = new ArrayList<>();
        String[][] header = {null};
        int[] columns = {-1};
        CsvRecords.read(reader, source, (cells, line) -> {
            int lineNumber = (int) line;
            if (columns[0] < 0) {
                if (cells.length != numFeatures && cells.length != numFeatures + 1) {
                    throw new InvalidDataException(source, "line", lineNumber, "expected " + numFeatures
                            + " feature columns (or " + (numFeatures + 1) + " with a label last, which is ignored),"
                            + " found " + cells.length);
                }
                columns[0] = cells.length;
                // A header has no number among its feature cells: a row with one bad cell is an error, not a header.
                if (rows.isEmpty() && header[0] == null && noNumbers(cells, numFeatures)) {
                    header[0] = cells;
                    return true;
                }
            }
            if (cells.length != columns[0]) {
                throw new InvalidDataException(source, "line", lineNumber, "expected " + columns[0]
                        + " columns like the first line, found " + cells.length);
            }
            double[] row = new double[numFeatures];
            for (int j = 0; j < numFeatures; j++) {
                try {
                    row[j] = Decimals.parse(cells[j]);
                } catch (NumberFormatException e) {
                    throw new InvalidDataException(source, "line", lineNumber, "column " + (j + 1) + ": '" + cells[j]
                            + "' is not a number");
                }
                if (!Double.isFinite(row[j])) {
                    throw new InvalidDataException(source, "line", lineNumber, "column " + (j + 1) + ": " + cells[j]
                            + " is not a finite number");
                }
                if (type == DataType.FLOAT) {
                    Decimals.checkFloatRange(row[j], cells[j], source, lineNumber, j);
                }
            }
            rows.add(row);
            return true;
        });
        if (rows.isEmpty()) {
            throw new InvalidDataException(source, "no data rows (expected " + numFeatures + " numbers per line)");
        }
        return new Features(rows.toArray(double[][]::new), columns[0] == numFeatures + 1, header[0]);
    }

    private static boolean noNumbers(String[] cells, int count) {
        for (int j = 0; j < count; j++) {
            if (Decimals.isNumber(cells[j])) {
                return false;
            }
        }
        return true;
    }

}
