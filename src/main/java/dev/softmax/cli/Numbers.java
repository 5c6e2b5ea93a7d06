package dev.softmax.cli;

import java.util.Locale;

/** How the command line writes settings such as {@code --l2} and {@code --tol} in its lines for people. */
final class Numbers {

    private Numbers() {
    }

    /**
     * The shortest decimal that reads back as {@code value} ({@link Double#toString}'s digits), written the way the
     * options are typed: {@code 1e-4} rather than {@code 1.0E-4}, {@code 0.5}, {@code 100} rather than
     * {@code 100.0}.
     */
    static String setting(double value) {
        String text = Double.toString(value);
        int exponent = text.indexOf('E');
        String mantissa = exponent < 0 ? text : text.substring(0, exponent);
        if (mantissa.endsWith(".0")) {
            mantissa = mantissa.substring(0, mantissa.length() - 2);
        }
        return exponent < 0 ? mantissa : mantissa + text.substring(exponent).toLowerCase(Locale.ROOT);
    }

    /**
     * A loss or accuracy for people: four decimals, in exponent form from a million up (a diverged run's log-loss
     * of 1.65e36 printed 37 digits).
     */
    static String metric(double value) {
        return String.format(Locale.ROOT, Math.abs(value) < 1e6 || !Double.isFinite(value) ? "%.4f" : "%.4e", value);
    }

    /** {@code count} and the noun, plural unless the count is 1: {@code 1 thread}, {@code 2 threads}. */
    static String count(long count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
