package dev.softmax.data;

import java.nio.file.Path;

/** Input data that cannot be used; the message names the file and, where known, the line or record. */
public class InvalidDataException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * A problem with a whole file.
     *
     * @param file    the file
     * @param problem what is wrong
     */
    public InvalidDataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * A problem at a 1-based line (or record) of a file.
     *
     * @param file    the file
     * @param unit    what {@code number} counts, e.g. {@code "line"} or {@code "record"}
     * @param number  the 1-based line or record number
     * @param problem what is wrong
     */
    public InvalidDataException(Path file, String unit, long number, String problem) {
        super(file + ": " + unit + " " + number + ": " + problem);
    }

    /**
     * The message of {@code cause} in parentheses after a space, for the end of a problem's description; nothing
     * when it has none, where {@code "(null)"} would say nothing.
     *
     * @param cause the exception that stopped the reading
     * @return {@code " (message)"} or {@code ""}
     */
    public static String reason(Exception cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank() ? "" : " (" + message + ")";
    }
}
