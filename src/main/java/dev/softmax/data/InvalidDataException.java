package dev.softmax.data;

import java.nio.file.Path;

/** Input data that cannot be used; the message names the file and, where known, the line or record. */
public class InvalidDataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /** A problem with a whole file. */
    public InvalidDataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** A problem at a 1-based line (or record) of a file. */
    public InvalidDataException(Path file, String unit, long number, String problem) {
        super(file + ": " + unit + " " + number + ": " + problem);
    }
}
