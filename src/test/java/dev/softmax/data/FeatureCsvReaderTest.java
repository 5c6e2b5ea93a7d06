package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class FeatureCsvReaderTest {

    private static final Path SOURCE = Path.of("rows.csv");

    private static FeatureCsvReader.Features read(String text, FeatureCsvReader.Expected expected,
                                                  List<CsvHeader> headers) throws IOException {
        return FeatureCsvReader.read(new BufferedReader(new StringReader(text)), SOURCE, expected,
                headers == null ? null : headers::add);
    }

    @Test
    void theLabelColumnGivenIsDroppedWhereverItIs() throws IOException {
        List<CsvHeader> headers = new ArrayList<>();
        FeatureCsvReader.Features byIndex = read("1,a,2\n3,b,4\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, "1", null), headers);
        assertArrayEquals(new double[][] {{1, 2}, {3, 4}}, byIndex.rows());
        assertEquals(1, byIndex.ignoredColumn());
        assertNull(byIndex.header());
        FeatureCsvReader.Features byName = read("x,label,y\n1,a,2\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, "label", null), headers);
        assertArrayEquals(new double[][] {{1, 2}}, byName.rows());
        assertEquals(new CsvHeader(List.of("x", "label", "y"), 1), byName.header());
        assertEquals(List.of(byName.header()), headers, "handed over before the rows");
        assertEquals(List.of("x", "y"), byName.header().featureNames());
        FeatureCsvReader.Features last = read("1,2,a\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null), headers);
        assertEquals(2, last.ignoredColumn());
        assertEquals(-1, read("1,2\n", new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null), headers)
                .ignoredColumn());
    }

    @Test
    void aRowErrorNamesTheFilesColumnNotTheFeatures() {
        InvalidDataException bad = assertThrows(InvalidDataException.class, () -> read("a,1,2\nb,3,x\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, "0", null), new ArrayList<>()));
        assertEquals(SOURCE + ": line 2: column 3: 'x' is not a number", bad.getMessage());
    }

    @Test
    void theModelsNamesMakeAHeaderEvenWhenTheyAreNumbers() throws IOException {
        FeatureCsvReader.Expected years = new FeatureCsvReader.Expected(2, DataType.DOUBLE, null,
                List.of("2019", "2020"));
        assertEquals(1, read("2019,2020\n1,2\n", years, new ArrayList<>()).rows().length);
        assertEquals(1, read("2019,2020,label\n1,2,a\n", years, new ArrayList<>()).rows().length, "with a label");
        assertEquals(2, read("2019,2021\n1,2\n", years, new ArrayList<>()).rows().length, "others are a row");
        // Review: in any order, a first row of rankings (names 0, 1, 2, 3) was taken for a header and refused.
        assertEquals(2, read("2020,2019\n1,2\n", years, new ArrayList<>()).rows().length, "in another order");
    }

    @Test
    void aHeaderLineCanBeSaidToBeThereOrNot() throws IOException {
        FeatureCsvReader.Features numbers = read("2019,2020\n1,2\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null, true), new ArrayList<>());
        assertEquals(List.of("2019", "2020"), numbers.header().featureNames());
        assertEquals(1, numbers.rows().length);
        InvalidDataException row = assertThrows(InvalidDataException.class, () -> read("a,b\n1,2\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null, false), new ArrayList<>()));
        assertEquals(SOURCE + ": line 1: column 1: 'a' is not a number", row.getMessage());
        InvalidDataException named = assertThrows(InvalidDataException.class, () -> read("1,x,2\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, "label", null, false), new ArrayList<>()));
        assertEquals(SOURCE + ": label column 'label' given by name but the file is read without a header; give the"
                + " label's 0-based index", named.getMessage());
        InvalidDataException only = assertThrows(InvalidDataException.class, () -> read("1,2\n",
                new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null, true), new ArrayList<>()));
        assertEquals(SOURCE + ": no data rows (only a header)", only.getMessage());
    }

    @Test
    void whatIsExpectedIsChecked() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> new FeatureCsvReader.Expected(0, DataType.DOUBLE, null,
                null));
        assertThrows(IllegalArgumentException.class, () -> new FeatureCsvReader.Expected(2, DataType.DOUBLE, " ",
                null));
        assertThrows(IllegalArgumentException.class, () -> new FeatureCsvReader.Expected(2, DataType.DOUBLE, null,
                List.of("a")));
        assertEquals("label", new FeatureCsvReader.Expected(2, DataType.DOUBLE, " label ", null).labelColumn());
        // QA: INT and null types were taken, and null files and callbacks met the JVM's own NPE.
        assertEquals("the feature type must be FLOAT or DOUBLE, got INT", assertThrows(IllegalArgumentException.class,
                () -> new FeatureCsvReader.Expected(2, DataType.INT, null, null)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FeatureCsvReader.Expected(2, null, null, null));
        FeatureCsvReader.Expected two = new FeatureCsvReader.Expected(2, DataType.DOUBLE, null, null);
        assertEquals("file", assertThrows(NullPointerException.class,
                () -> FeatureCsvReader.read((Path) null, two, header -> { })).getMessage());
        assertEquals("onHeader", assertThrows(NullPointerException.class,
                () -> read("1,2\n", two, null)).getMessage());
        assertEquals("the feature type must be FLOAT or DOUBLE, got INT", assertThrows(IllegalArgumentException.class,
                () -> new CsvDatasetReader("last").read(new BufferedReader(new StringReader("1,a\n2,b\n")), SOURCE,
                        DataType.INT, null)).getMessage());
        assertEquals("test", assertThrows(NullPointerException.class,
                () -> new CsvDatasetReader("last").readTrainTest(SOURCE, null, DataType.FLOAT)).getMessage());
        assertEquals("file", assertThrows(NullPointerException.class,
                () -> new CsvDatasetReader("last").header(null)).getMessage());
    }

    @Test
    void aHeaderSaysWhichColumnWouldLeaveTheNamesExpected() {
        CsvHeader labelFirst = new CsvHeader(List.of("species", "a", "b"), 2);
        assertEquals(List.of("species", "a"), labelFirst.featureNames());
        assertEquals(0, labelFirst.labelColumnLeaving(List.of("a", "b")));
        assertEquals(-1, labelFirst.labelColumnLeaving(List.of("b", "a")));
        assertEquals(-1, labelFirst.labelColumnLeaving(List.of("species", "a")), "the label column itself");
        assertEquals(-1, new CsvHeader(List.of("a", "b"), -1).labelColumnLeaving(List.of("a")), "no label column");
        assertThrows(IllegalArgumentException.class, () -> new CsvHeader(List.of("a"), 1));
        assertTrue(new CsvHeader(List.of("a", "b"), -1).featureNames().equals(List.of("a", "b")));
    }
}
