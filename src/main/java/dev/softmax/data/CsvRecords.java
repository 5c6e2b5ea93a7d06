package dev.softmax.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The records of CSV text as Commons CSV reads RFC 4180: a quoted field may hold commas, doubled quotes and line
 * breaks. Spaces around a field are dropped, blank lines are skipped, and a UTF-8 byte-order mark before the first
 * field is ignored. Each record comes with the line it starts on, for messages.
 */
final class CsvRecords {

    private static final CSVFormat FORMAT = CSVFormat.RFC4180.builder().setIgnoreSurroundingSpaces(true)
            .setIgnoreEmptyLines(false).get();

    /** Receives the records in order. */
    interface Visitor {
        /**
         * One record.
         *
         * @param cells the fields, unquoted
         * @param line  the line the record starts on, from 1
         * @return {@code false} to stop reading
         * @throws IOException when the visitor's own reading fails
         */
        boolean visit(String[] cells, long line) throws IOException;
    }

    private CsvRecords() {
    }

    /**
     * Reads {@code reader} (not closed) record by record until the end or until {@code visitor} stops.
     *
     * @param reader  the CSV text
     * @param source  names the text in messages
     * @param visitor receives each record that is not blank
     * @throws InvalidDataException for text that is not CSV (a quote left open, a NUL byte), naming the line
     * @throws IOException          when reading fails
     */
    static void read(Reader reader, Path source, Visitor visitor) throws IOException {
        // A byte-order mark is skipped before the parser sees it: in front of a quote it would unquote the field.
        Reader text = reader.markSupported() ? reader : new java.io.BufferedReader(reader);
        text.mark(1);
        if (text.read() != '\uFEFF') {
            text.reset();
        }
        // Blank lines come through as records of one empty field, so that each record starts on the line after the
        // previous one ended; skipping them in the parser would lose the line numbers.
        CSVParser parser = CSVParser.builder().setReader(text).setFormat(FORMAT).get();
        Iterator<CSVRecord> records = parser.iterator();
        long ended = 0;
        while (true) {
            CSVRecord record;
            try {
                if (!records.hasNext()) {
                    return;
                }
                record = records.next();
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof java.nio.charset.CharacterCodingException) {
                    // Decoded ahead of the parser, so the line it is on is not known here.
                    throw new InvalidDataException(source, "not a UTF-8 text file");
                }
                String reason = String.valueOf(e.getCause().getMessage()).replaceFirst("^\\(startline \\d+\\) ", "");
                throw new InvalidDataException(source, "line", (int) (ended + 1),
                        reason.contains("EOF reached before encapsulated token finished")
                                ? "a quoted field is never closed" : "not valid CSV (" + reason + ")");
            }
            long line = ended + 1;
            ended = parser.getCurrentLineNumber();
            String[] cells = record.values();
            if (cells.length == 1 && cells[0].isEmpty()) {
                continue;
            }
            for (String cell : cells) {
                // A binary file (all NUL bytes, say) is valid UTF-8 and one long field: said here, not taken for a
                // header with no rows after it.
                if (cell.indexOf('\0') >= 0) {
                    throw new InvalidDataException(source, "line", line, "a NUL byte: not a text file");
                }
            }
            if (!visitor.visit(cells, line)) {
                return;
            }
        }
    }
}
