package dev.softmax.io;

/** Names (of classes, of columns) as they are printed in one-line messages and in tables on a terminal. */
public final class OneLine {

    private OneLine() {
    }

    /**
     * {@code name} on one line: its control characters (a quoted line break in a CSV field) as Java escapes them,
     * {@code \n}, {@code \r}, {@code \t} or {@code \}{@code uXXXX}; other characters as they are.
     *
     * @param name the name
     * @return the name as shown
     */
    public static String of(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().forEach(c -> out.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                : Character.isISOControl(c) ? String.format("\\u%04x", c) : Character.toString(c)));
        return out.toString();
    }

    /**
     * {@code names} as a list on one line, {@code [a, b, c]}, each as {@link #of} shows it; when a name holds a
     * comma or a bracket, every name is quoted, {@code ['Iris, setosa', 'versicolor']}, so that the list reads as
     * the names it has (QA: "[Iris, setosa, versicolor, virginica]" read as four classes).
     *
     * @param names the names
     * @return the list as shown
     */
    public static String list(java.util.List<String> names) {
        return "[" + joined(names) + "]";
    }

    /**
     * As {@link #list} without the brackets, for a sentence: {@code a, b}, or {@code 'Iris, c', 'Iris, d'}.
     *
     * @param names the names
     * @return the names as shown, separated by commas
     */
    public static String joined(java.util.List<String> names) {
        boolean quoted = names.stream().anyMatch(name -> name.contains(",") || name.contains("[")
                || name.contains("]"));
        return String.join(", ", names.stream().map(name -> quoted ? "'" + of(name) + "'" : of(name)).toList());
    }
}
