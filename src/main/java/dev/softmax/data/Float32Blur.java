package dev.softmax.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntUnaryOperator;

/**
 * Finds the feature columns that float32 blurs: those whose rounding error (root mean square) is more than 1% of
 * their standard deviation, so that read as float32 they lose most of what tells their rows apart (timestamps near
 * 1.7e12 that vary by seconds all round to one or two values).
 */
public final class Float32Blur {

    /** Most columns a message names. */
    private static final int COLUMNS_NAMED = 5;

    private Float32Blur() {
    }

    /**
     * One line naming the file and the columns float32 blurs, or {@code null} when it blurs none.
     *
     * @param values     the features in double, {@code n} rows of {@code d}, row after row
     * @param n          the number of rows
     * @param d          the number of feature columns
     * @param fileColumn the 0-based column of the file that holds feature {@code j} (the label column skipped)
     * @param header     the file's header (every column), or {@code null} when it has none
     * @param file       the file, for the message
     * @return the message, or {@code null}
     */
    public static String describe(double[] values, int n, int d, IntUnaryOperator fileColumn, String[] header,
                                  Path file) {
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                mean[j] += values[i * d + j] / n;
            }
        }
        double[] spread = new double[d];
        double[] rounding = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = values[i * d + j];
                spread[j] += (v - mean[j]) * (v - mean[j]);
                rounding[j] += ((float) v - v) * ((float) v - v);
            }
        }
        List<String> blurred = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            if (spread[j] > 0 && Double.isFinite(spread[j]) && rounding[j] > 1e-4 * spread[j]) {
                int c = fileColumn.applyAsInt(j);
                blurred.add(String.format(Locale.ROOT, "%d%s (values near %.3g, standard deviation %.3g, rounded"
                        + " by %.3g)", c + 1, header == null ? "" : " '" + header[c] + "'", mean[j],
                        Math.sqrt(spread[j] / n), Math.sqrt(rounding[j] / n)));
            }
        }
        if (blurred.isEmpty()) {
            return null;
        }
        String named = String.join(", ", blurred.subList(0, Math.min(blurred.size(), COLUMNS_NAMED)));
        return file + ": float32 blurs column" + (blurred.size() == 1 ? " " : "s ") + named
                + (blurred.size() > COLUMNS_NAMED ? " and " + (blurred.size() - COLUMNS_NAMED) + " more" : "")
                + ": the rounding is more than 1% of the spread";
    }

    /**
     * As {@link #describe(double[], int, int, IntUnaryOperator, String[], Path)} for rows read by
     * {@link FeatureCsvReader}, whose label column (if any) is skipped.
     *
     * @param features the rows read
     * @param file     the file, for the message
     * @return the message, or {@code null}
     */
    public static String describe(FeatureCsvReader.Features features, Path file) {
        double[][] rows = features.rows();
        int d = rows.length == 0 ? 0 : rows[0].length;
        double[] values = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, values, i * d, d);
        }
        int ignored = features.ignoredColumn();
        return describe(values, rows.length, d, j -> ignored >= 0 && j >= ignored ? j + 1 : j,
                features.header() == null ? null : features.header().cells().toArray(String[]::new), file);
    }
}
