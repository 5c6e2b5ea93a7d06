package dev.softmax.data;

/**
 * Numbers in data files as other tools write them: decimals with an optional exponent ({@code -1.5e-3},
 * {@code .5}, {@code 7.}), and {@code nan}, {@code inf} or {@code infinity} in any case, signed or not, so that
 * those are reported as not finite rather than as not numbers. Java's own forms ({@code 5.1d}, {@code 0x1p3}) are
 * not numbers here: no other tool writes them, and a cell like {@code 2f} is more likely a typo than a float.
 * Spaces around the number are allowed, as {@link Double#parseDouble} allows them.
 */
final class Decimals {

    private Decimals() {
    }

    /**
     * The value of {@code text}.
     *
     * @throws NumberFormatException when {@code text} is not a number in the forms above
     */
    static double parse(String text) {
        if (!isNumber(text)) {
            throw new NumberFormatException(text);
        }
        String s = text.trim();
        int start = s.charAt(0) == '+' || s.charAt(0) == '-' ? 1 : 0;
        if (Character.isLetter(s.charAt(start))) {
            String word = s.substring(start).toLowerCase(java.util.Locale.ROOT);
            if (word.equals("nan")) {
                return Double.NaN;
            }
            return s.charAt(0) == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return Double.parseDouble(s);
    }

    /**
     * Fails when the finite {@code value} of a float32 file's cell rounds to infinity as a float (beyond about
     * 3.4e38), as {@code 1e999} is refused for a double: the same message naming the file, line and column, instead
     * of a non-finite feature found later with no place to look.
     *
     * @param value  the cell's value, finite
     * @param text   the cell as written
     * @param file   the file, for the message
     * @param line   the 1-based line
     * @param column the 0-based column
     * @throws InvalidDataException when {@code (float) value} is infinite
     */
    static void checkFloatRange(double value, String text, java.nio.file.Path file, long line, int column) {
        if (Float.isInfinite((float) value)) {
            throw new InvalidDataException(file, "line", line, "column " + (column + 1) + ": '" + text.trim()
                    + "' is beyond float32's range (magnitudes up to about 3.4e38; a model trained with --dtype"
                    + " double, or DataType.DOUBLE in the library, reads it)");
        }
    }

    /** Whether {@link #parse} reads {@code text}. */
    static boolean isNumber(String text) {
        int end = text.length();
        int i = 0;
        while (i < end && text.charAt(i) <= ' ') {
            i++;
        }
        while (end > i && text.charAt(end - 1) <= ' ') {
            end--;
        }
        if (i < end && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
            i++;
        }
        if (i < end && Character.isLetter(text.charAt(i))) {
            String word = text.substring(i, end);
            return word.equalsIgnoreCase("nan") || word.equalsIgnoreCase("inf") || word.equalsIgnoreCase("infinity");
        }
        int digits = 0;
        while (i < end && isDigit(text.charAt(i))) {
            i++;
            digits++;
        }
        if (i < end && text.charAt(i) == '.') {
            i++;
            while (i < end && isDigit(text.charAt(i))) {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < end && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
            i++;
            if (i < end && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                i++;
            }
            int exponentDigits = 0;
            while (i < end && isDigit(text.charAt(i))) {
                i++;
                exponentDigits++;
            }
            if (exponentDigits == 0) {
                return false;
            }
        }
        return i == end;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
