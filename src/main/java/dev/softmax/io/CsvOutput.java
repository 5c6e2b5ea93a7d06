package dev.softmax.io;

import java.io.IOException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The CSV the command line writes (predictions, comparison histories and summaries): RFC 4180 as Apache Commons CSV
 * prints it, a field quoted only when it holds a comma, a quote or a line break, and lines ending in {@code \n}.
 */
public final class CsvOutput {

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setRecordSeparator('\n').get();

    private CsvOutput() {
    }

    /**
     * A printer of records to {@code out}; the caller closes or flushes it.
     *
     * @param out where the text goes
     * @return the printer
     * @throws IOException when {@code out} cannot be written
     */
    public static CSVPrinter printer(Appendable out) throws IOException {
        return new CSVPrinter(out, FORMAT);
    }
}
