package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class OneLineTest {

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("multi\\nline\\ttab\\u0007", OneLine.of("multi\nline\ttab\u0007"));
        assertEquals("café", OneLine.of("café"));
    }

    @Test
    void aListIsQuotedWhenANameWouldSplitIt() {
        assertEquals("[a, b c]", OneLine.list(List.of("a", "b c")));
        assertEquals("['Iris, setosa', 'versicolor']", OneLine.list(List.of("Iris, setosa", "versicolor")));
        assertEquals("['[x]', 'y']", OneLine.list(List.of("[x]", "y")));
        assertEquals("[two\\nlines]", OneLine.list(List.of("two\nlines")));
        assertEquals("[]", OneLine.list(List.of()));
        assertEquals("'Iris, c', 'Iris, d'", OneLine.joined(List.of("Iris, c", "Iris, d")));
        assertEquals("a, b", OneLine.joined(List.of("a", "b")));
    }
}
