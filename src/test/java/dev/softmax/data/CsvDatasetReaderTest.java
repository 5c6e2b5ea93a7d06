package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.testutil.TestProblems;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

class CsvDatasetReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void columnsThatFloat32BlursAreNamedWhenReadAsFloat() throws IOException {
        // QA: timestamps near 1.7e12 that vary by about 10 became one float32 value without a word.
        StringBuilder csv = new StringBuilder("t,x,label\n");
        for (int i = 0; i < 30; i++) {
            csv.append(1.7e12 + (i * 7) % 23).append(',').append(i % 5).append(',').append(i % 2).append('\n');
        }
        Path file = write("stamps.csv", csv.toString());
        List<String> warnings = new java.util.ArrayList<>();
        new CsvDatasetReader("label", warnings::add).read(file, DataType.FLOAT, null);
        assertEquals(1, warnings.size(), warnings.toString());
        double[] offsets = java.util.stream.IntStream.range(0, 30).mapToDouble(i -> (i * 7) % 23).toArray();
        double mean = java.util.Arrays.stream(offsets).average().orElseThrow();
        double std = Math.sqrt(java.util.Arrays.stream(offsets).map(v -> (v - mean) * (v - mean)).sum() / 30);
        assertTrue(warnings.get(0).startsWith(file + ": float32 blurs column 1 't' (values near 1.70e+12, standard"
                + String.format(java.util.Locale.ROOT, " deviation %.3g, rounded by ", std)), warnings.get(0));
        assertTrue(warnings.get(0).endsWith(": the rounding is more than 1% of the spread"), warnings.get(0));
        warnings.clear();
        new CsvDatasetReader("label", warnings::add).read(file, DataType.DOUBLE, null);
        new CsvDatasetReader("last", warnings::add).read(Path.of("notebooks-data/iris.csv"), DataType.FLOAT, null);
        assertEquals(List.of(), warnings, "double keeps every column; iris loses nothing in float32");
        Path plain = write("plain.csv", "1700000000000,1,0\n1700000000000,2,1\n1700000000001.5,3,0\n");
        new CsvDatasetReader("last", warnings::add).read(plain, DataType.FLOAT, null);
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("float32 blurs column 1 (values near"), "no header, no name: "
                + warnings.get(0));
    }

    @Test
    void theHeaderNamesTheFeaturesWithoutTheLabelColumnAndSubsetsKeepThem() throws IOException {
        Path file = write("named.csv", "a,kind,b,c\n1,x,2,3\n4,y,5,6\n7,x,8,9\n");
        Dataset data = new CsvDatasetReader("kind").read(file, DataType.DOUBLE, null);
        assertEquals(List.of("a", "b", "c"), data.featureNames());
        assertEquals(List.of("a", "b", "c"), data.subset(new int[] {2, 0}).featureNames());
        assertEquals(List.of("a", "b", "c"), data.withFeatures(data.features().mul(2)).featureNames());
        assertEquals(null, data.withFeatures(data.features().getColumns(0, 1)).featureNames(), "another width");
        assertEquals(null, new CsvDatasetReader("1").read(write("bare.csv", "1,x,2\n4,y,5\n"), DataType.DOUBLE,
                null).featureNames());
        assertThrows(IllegalArgumentException.class, () -> new Dataset(data.features(), data.labels(),
                data.classNames(), List.of("a", "b")));
        assertEquals("feature name 1 is not valid Unicode text (a lone surrogate): U+D800", assertThrows(
                IllegalArgumentException.class, () -> new Dataset(data.features(), data.labels(), data.classNames(),
                        List.of("a", "\uD800", "c"))).getMessage());
    }

    @Test
    void readsTheShippedIris() throws IOException {
        Dataset iris = TestProblems.iris(DataType.DOUBLE);
        assertEquals(150, iris.numSamples());
        assertEquals(4, iris.numFeatures());
        assertEquals(List.of("setosa", "versicolor", "virginica"), iris.classNames());
        assertArrayEquals(new int[] {50, 50, 50}, iris.classCounts());
        assertArrayEquals(new double[] {5.1, 3.5, 1.4, 0.2}, iris.features().getRow(0).toDoubleVector(), 0.0);
        assertEquals(2, iris.labels()[149]);

        Dataset bundled = CsvDatasetReader.iris(DataType.DOUBLE);
        assertEquals(iris.classNames(), bundled.classNames());
        assertArrayEquals(iris.labels(), bundled.labels());
        assertEquals(iris.features(), bundled.features(), "the jar's copy is the shipped file");
        assertEquals(List.of("virginica", "setosa", "versicolor"),
                CsvDatasetReader.iris(DataType.FLOAT, List.of("virginica", "setosa", "versicolor")).classNames());
        // QA: a header of numbers ("5,10,20,30,40" with the label first) was read as a row of a class of its own.
        Path numbers = write("numbers.csv", "5,10,20\na,1,2\nb,3,4\n");
        Dataset headed = new CsvDatasetReader("0").withHeaderLine(true).read(numbers, DataType.DOUBLE, null);
        assertEquals(List.of("10", "20"), headed.featureNames());
        assertEquals(List.of("a", "b"), headed.classNames());
        assertEquals(3, new CsvDatasetReader("0").read(numbers, DataType.DOUBLE, null).numSamples(), "by default");
        assertEquals(new CsvHeader(List.of("5", "10", "20"), 0),
                new CsvDatasetReader("0").withHeaderLine(true).header(numbers));
        assertEquals(null, new CsvDatasetReader("last").withHeaderLine(false).header(Path.of("notebooks-data/iris.csv")));
        // QA: named "classpath:/dev/softmax/data/iris.csv" here and "bundled iris.csv" everywhere else.
        InvalidDataException other = assertThrows(InvalidDataException.class,
                () -> CsvDatasetReader.iris(DataType.FLOAT, List.of("a", "b")));
        assertTrue(other.getMessage().startsWith("bundled iris.csv: line 2: label 'setosa'"), other.getMessage());
    }

    @Test
    void headerIsOptionalAndNumericLabelsSortNumerically() throws IOException {
        Path file = write("a.csv", "1.0,2.0,10\n3.0,4.0,2\n5,6,10\n");
        Dataset data = CsvDatasetReader.read(file, DataType.FLOAT);
        assertEquals(3, data.numSamples());
        assertEquals(List.of("2", "10"), data.classNames());
        assertArrayEquals(new int[] {1, 0, 1}, data.labels());
        assertEquals(DataType.FLOAT, data.features().dataType());
        assertArrayEquals(new float[] {3, 4}, data.features().getRow(1).toFloatVector(), 0f);
    }

    @Test
    void featureColumnsAreCountedOnTheFirstLine() throws IOException {
        assertEquals(2, CsvDatasetReader.featureColumns(write("h.csv", "\n  \nkind,x,y\ncat,1,2\n")));
        assertEquals(3, CsvDatasetReader.featureColumns(write("r.csv", "1,2,3,4\n")));
        assertEquals(0, CsvDatasetReader.featureColumns(write("e.csv", "")));
        InvalidDataException missing = assertThrows(InvalidDataException.class,
                () -> CsvDatasetReader.featureColumns(dir.resolve("none.csv")));
        assertTrue(missing.getMessage().contains("none.csv") && missing.getMessage().contains("file not found"),
                missing.getMessage());
    }

    @Test
    void labelColumnByNameOrIndex() throws IOException {
        Path file = write("b.csv", "kind,x,y\ncat,1,2\ndog,3,4\n");
        Dataset byName = new CsvDatasetReader("kind").read(file, DataType.DOUBLE, null);
        Dataset byIndex = new CsvDatasetReader("0").read(file, DataType.DOUBLE, null);
        for (Dataset data : List.of(byName, byIndex)) {
            assertEquals(List.of("cat", "dog"), data.classNames());
            assertArrayEquals(new double[] {3, 4}, data.features().getRow(1).toDoubleVector(), 0.0);
        }
        // QA: a name the header has twice took the first; an index beyond int failed in Integer.parseInt.
        Path twice = write("twice.csv", "kind,x,kind\n0,1,a\n1,3,b\n");
        InvalidDataException ambiguous = assertThrows(InvalidDataException.class,
                () -> new CsvDatasetReader("kind").read(twice, DataType.DOUBLE, null));
        assertEquals(twice + ": label column 'kind' is ambiguous: the header has it at columns [0, 2] (0-based);"
                + " give the index of the label column", ambiguous.getMessage());
        assertEquals(List.of("a", "b"), new CsvDatasetReader("2").read(twice, DataType.DOUBLE, null).classNames());
        assertThrows(IllegalArgumentException.class, () -> new CsvDatasetReader(" "), "a blank name names no column");
        InvalidDataException beyond = assertThrows(InvalidDataException.class,
                () -> new CsvDatasetReader("2147483648").read(file, DataType.DOUBLE, null));
        assertEquals(file + ": label column 2147483648 does not exist (3 columns, 0-based)", beyond.getMessage());
    }

    @Test
    void givenClassNamesMapLabelsAndRejectUnknownOnes() throws IOException {
        Path file = write("c.csv", "1,2,b\n3,4,a\n");
        Dataset data = new CsvDatasetReader("last").read(file, DataType.DOUBLE, List.of("b", "a"));
        assertArrayEquals(new int[] {0, 1}, data.labels());
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> new CsvDatasetReader("last").read(file, DataType.DOUBLE, List.of("a")));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("'b'"), e.getMessage());
    }

    @Test
    void badFilesNameTheFileAndLine() throws IOException {
        assertMessage(write("ragged.csv", "x,y,label\n1,2,a\n3,b\n"), "ragged.csv: line 3: expected 3 columns, found 2");
        assertMessage(write("text.csv", "x,y,label\n1,2,a\n3,oops,b\n"), "text.csv: line 3: column 2: 'oops' is not a number");
        assertMessage(write("nan.csv", "1,NaN,a\n"), "nan.csv: line 1: column 2: NaN is not a finite number");
        assertMessage(write("inf.csv", "1,2,a\nInfinity,2,b\n"), "inf.csv: line 2: column 1: Infinity is not a finite number");
        assertMessage(write("empty.csv", ""), "empty.csv: no data rows (empty file)");
        assertMessage(write("header-only.csv", "x,y,label\n"), "header-only.csv: no data rows (only a header)");
        assertMessage(write("one-column.csv", "a\nb\n"), "one-column.csv: need at least one feature column");
        assertMessage(dir.resolve("missing.csv"), "missing.csv: file not found");
        assertMessage(dir, dir + ": is a directory, not a file");
        // Java's own number forms are not numbers in a data file.
        assertMessage(write("suffix.csv", "1,2,a\n5.1d,2,b\n"), "suffix.csv: line 2: column 1: '5.1d' is not a number");
        assertMessage(write("hex.csv", "1,0x1p3,a\n"), "hex.csv: line 1: column 2: '0x1p3' is not a number");
        assertMessage(write("minf.csv", "1,2,a\n-inf,2,b\n"), "minf.csv: line 2: column 1: -inf is not a finite number");
    }

    @Test
    void valuesBeyondFloat32AreRefusedWhereTheyAreWritten() throws IOException {
        // QA: 1e39 with --dtype float became infinity after the reading, reported with no file or line.
        Path big = write("big.csv", "x,y,label\n1,2,a\n3,1e39,b\n");
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CsvDatasetReader.read(big, DataType.FLOAT));
        assertEquals(big + ": line 3: column 2: '1e39' is beyond float32's range (magnitudes up to about 3.4e38;"
                + " a model trained with --dtype double, or DataType.DOUBLE in the library, reads it)", e.getMessage());
        Path negative = write("negative.csv", "1,2,a\n-3.5e38,4,b\n");
        assertThrows(InvalidDataException.class, () -> CsvDatasetReader.read(negative, DataType.FLOAT));
        assertEquals(1e39, CsvDatasetReader.read(big, DataType.DOUBLE).features().getDouble(1, 1), 0.0);
        assertEquals(3.4e38, CsvDatasetReader.read(write("max.csv", "1,3.4e38,a\n2,1,b\n"), DataType.FLOAT)
                .features().getDouble(0, 1), 1e32);

        // The rows predict reads, for a float32 model.
        InvalidDataException rows = assertThrows(InvalidDataException.class,
                () -> FeatureCsvReader.read(big, 2, DataType.FLOAT));
        assertTrue(rows.getMessage().startsWith(big + ": line 3: column 2: '1e39' is beyond float32's range"),
                rows.getMessage());
        assertEquals(1e39, FeatureCsvReader.read(big, 2, DataType.DOUBLE).rows()[1][1], 0.0);
    }

    @Test
    void numbersAreDecimalsAsOtherToolsWriteThem() {
        for (String number : List.of("1", "-1.5", "+2.", ".5", "1e3", "1.5E-3", " 7 ", "00.10", "-0")) {
            assertTrue(Decimals.isNumber(number), number);
            assertEquals(Double.parseDouble(number), Decimals.parse(number), 0.0, number);
        }
        for (String notFinite : List.of("nan", "NaN", "-inf", "Inf", "+Infinity", "INFINITY")) {
            assertTrue(Decimals.isNumber(notFinite), notFinite);
            assertTrue(!Double.isFinite(Decimals.parse(notFinite)), notFinite);
        }
        assertEquals(Double.NEGATIVE_INFINITY, Decimals.parse("-inf"));
        for (String text : List.of("", " ", ".", "-", "e3", "1e", "1e+", "5.1d", "2f", "0x1p3", "1,5", "1 2", "infinite",
                "--1", "1.2.3", "\u0661")) {
            assertTrue(!Decimals.isNumber(text), text);
            assertThrows(NumberFormatException.class, () -> Decimals.parse(text), text);
        }
    }

    @Test
    void quotedFieldsFollowRfc4180() throws IOException {
        // Commas, doubled quotes and a line break inside quotes; spaces around fields; a byte-order mark; blank lines.
        Path file = write("quoted.csv", "\uFEFFspecies,x,\"y\"\n\"Iris, setosa\", 1, 2 \n\n   \n"
                + "\"the \"\"other\"\"\nkind\",\"3\",4\n\"Iris, setosa\",5,6\n");
        Dataset data = new CsvDatasetReader("species").read(file, DataType.DOUBLE, null);
        assertEquals(List.of("Iris, setosa", "the \"other\"\nkind"), data.classNames(),
                "the label column found by its name past the byte-order mark");
        assertArrayEquals(new int[] {0, 1, 0}, data.labels());
        assertArrayEquals(new double[] {1, 2}, data.features().getRow(0).toDoubleVector(), 0.0);
        assertArrayEquals(new double[] {3, 4}, data.features().getRow(1).toDoubleVector(), 0.0);
        assertEquals(2, CsvDatasetReader.featureColumns(file));

        // A byte-order mark in front of a quoted first field leaves the field quoted.
        Path marked = write("marked.csv", "\uFEFF\"x, first\",y,label\n1,2,a\n3,4,b\n");
        assertEquals(2, CsvDatasetReader.featureColumns(marked));
        assertEquals(List.of("a", "b"), new CsvDatasetReader("label").read(marked, DataType.DOUBLE, null)
                .classNames());

        // Lines are counted as in an editor, past blank lines and a field that spans two.
        assertMessage(write("after.csv", "x,y,label\n\n1,2,\"a\nb\"\n3,oops,c\n"),
                "after.csv: line 5: column 2: 'oops' is not a number");
        // A first row with one bad cell is a bad row, not a header to drop; bytes that are not UTF-8 are named.
        assertMessage(write("first.csv", "5.1,nan,setosa\n4.9,3.0,setosa\n6.3,3.3,virginica\n"),
                "first.csv: line 1: column 2: nan is not a finite number");
        Path latin1 = dir.resolve("latin1.csv");
        Files.write(latin1, "x,y,label\n1,2,caf\u00e9\n3,4,b\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertMessage(latin1, "latin1.csv: not a UTF-8 text file");
        assertMessage(write("open.csv", "x,y,label\n1,2,a\n3,4,\"b\n"), "open.csv: line 3: a quoted field is never closed");
        // QA: a file of NUL bytes was read as a header with no rows after it.
        Path zeros = Files.write(dir.resolve("zeros.csv"), new byte[4096]);
        assertMessage(zeros, "zeros.csv: line 1: a NUL byte: not a text file");
        InvalidDataException rows = assertThrows(InvalidDataException.class, () -> FeatureCsvReader.read(zeros, 4));
        assertEquals(zeros + ": line 1: a NUL byte: not a text file", rows.getMessage());
    }

    private static void assertMessage(Path file, String expected) {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> CsvDatasetReader.read(file, DataType.DOUBLE));
        assertTrue(e.getMessage().contains(expected), () -> "message was: " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
