package dev.softmax.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file's first line when it is a header: every cell, in the file's order, and which column holds the label.
 *
 * @param cells       the header's cells, one per column; copied
 * @param labelColumn the 0-based column of the label, or -1 when the file has none (features to predict on)
 */
public record CsvHeader(List<String> cells, int labelColumn) {

    /**
     * Checks the label column and copies the cells.
     *
     * @param cells       the header's cells, one per column
     * @param labelColumn the 0-based column of the label, or -1 for none
     * @throws IllegalArgumentException when {@code labelColumn} is not a column
     */
    public CsvHeader {
        cells = List.copyOf(cells);
        if (labelColumn < -1 || labelColumn >= cells.size()) {
            throw new IllegalArgumentException("label column " + labelColumn + " of " + cells.size() + " columns");
        }
    }

    /**
     * The names of the feature columns: every cell but the label's.
     *
     * @return the names, in the file's order
     */
    public List<String> featureNames() {
        return without(labelColumn);
    }

    /**
     * The column that, taken for the label instead, leaves exactly {@code names} as the features: for a message
     * that says which label column to give when the names only differ because the label is elsewhere.
     *
     * @param names the feature names expected (a model's)
     * @return the 0-based column, or -1 when no other column does (or the header has no label column)
     */
    public int labelColumnLeaving(List<String> names) {
        if (labelColumn < 0 || names.size() != cells.size() - 1) {
            return -1;
        }
        for (int c = 0; c < cells.size(); c++) {
            if (c != labelColumn && without(c).equals(names)) {
                return c;
            }
        }
        return -1;
    }

    private List<String> without(int column) {
        List<String> names = new ArrayList<>(cells);
        if (column >= 0) {
            names.remove(column);
        }
        return names;
    }
}
