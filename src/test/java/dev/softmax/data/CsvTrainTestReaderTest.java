package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** CSV reading: headers, label columns, a separate test file, and every malformed case with file and line. */
class CsvTrainTestReaderTest {

    @TempDir
    Path dir;

    private Path csv(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void readsAHeaderlessFileWithNumericLabels() throws IOException {
        Path file = csv("a.csv", "1.5,2,1\n-3,4e1,0\n\n5,6,1\n");
        Dataset d = CsvDatasetReader.read(file, DataType.DOUBLE);
        assertArrayEquals(new double[] {1.5, 2, -3, 40, 5, 6}, d.features().reshape(6).toDoubleVector());
        assertEquals(List.of("0", "1"), d.classNames());
        assertArrayEquals(new int[] {1, 0, 1}, d.labels());
    }

    @Test
    void readsTheLabelColumnByNameOrIndexWithStringLabels() throws IOException {
        Path file = csv("b.csv", "kind,x,y\ncat,1,2\ndog,3,4\ncat,5,6\n");
        Dataset byName = new CsvDatasetReader("kind").read(file, DataType.FLOAT, null);
        Dataset byIndex = new CsvDatasetReader("0").read(file, DataType.FLOAT, null);
        for (Dataset d : List.of(byName, byIndex)) {
            assertEquals(List.of("cat", "dog"), d.classNames());
            assertArrayEquals(new int[] {0, 1, 0}, d.labels());
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, d.features().reshape(6).toFloatVector());
        }
    }

    @Test
    void readsATestFileWithTheTrainingClasses() throws IOException {
        Path train = csv("train.csv", "x,y,label\n1,2,b\n3,4,a\n5,6,c\n");
        Path test = csv("test.csv", "x,y,label\n7,8,c\n9,10,c\n");
        TrainTestSets sets = new CsvDatasetReader("last").readTrainTest(train, test, DataType.FLOAT);
        assertEquals(List.of("a", "b", "c"), sets.test().classNames());
        assertArrayEquals(new int[] {2, 2}, sets.test().labels());
    }

    private void assertError(String expected, CsvDatasetReader reader, Path file) {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> reader.read(file, DataType.FLOAT, null));
        assertEquals(file + ": " + expected, e.getMessage());
    }

    @Test
    void reportsEachProblemWithFileAndLine() throws IOException {
        CsvDatasetReader last = new CsvDatasetReader("last");
        assertError("line 3: column 2: 'abc' is not a number", last, csv("c1.csv", "x,y,l\n1,2,a\n3,abc,b\n"));
        assertError("line 2: column 1: NaN is not a finite number", last, csv("c2.csv", "1,2,a\nNaN,2,b\n"));
        assertError("line 1: column 2: -Infinity is not a finite number", last, csv("c3.csv", "1,-Infinity,a\n"));
        assertError("line 3: expected 3 columns, found 2", last, csv("c4.csv", "1,2,a\n3,4,b\n5,b\n"));
        assertError("no data rows (empty file)", last, csv("c5.csv", ""));
        assertError("no data rows (only a header)", last, csv("c6.csv", "x,y,label\n"));
        assertError("every row has the label 'a': a single class, need at least two", last,
                csv("c7.csv", "1,2,a\n3,4,a\n"));
        assertError("file not found", last, dir.resolve("missing.csv"));
        // QA: "no column named 'label' in header [1, 2, x]" called a row the header.
        assertError("no column named 'kind' in the first line [x, y, l], taken for the header (if it is a row, give"
                + " the label's 0-based index)", new CsvDatasetReader("kind"), csv("c8.csv", "x,y,l\n1,2,a\n"));
        assertError("no column named 'kind' in the header [x, y, l]", new CsvDatasetReader("kind").withHeaderLine(true),
                csv("c8.csv", "x,y,l\n1,2,a\n"));
        // Review: a quoted line break in a cell split the message.
        assertError("no column named 'kind' in the first line [x\\ny, l], taken for the header (if it is a row, give"
                + " the label's 0-based index)", new CsvDatasetReader("kind"),
                csv("c11.csv", "\"x\ny\",l\n1,a\n"));
        // A cell holding a comma is quoted with the others, so that the list reads as the cells it has.
        assertError("no column named 'kind' in the header ['x, y', 'l']", new CsvDatasetReader("kind")
                .withHeaderLine(true), csv("c12.csv", "\"x, y\",l\n1,a\n"));
        assertError("line 2: empty label", last, csv("c9.csv", "1,2,a\n3,4,\n"));
        assertError("line 3: blank label", last, csv("c10.csv", "1,2,a\n2,3,b\n3,4,\" \"\n"));
    }

    @Test
    void rejectsATestFileThatDoesNotMatchTheTrainingFile() throws IOException {
        Path train = csv("train.csv", "1,2,a\n3,4,b\n");
        Path unknownLabel = csv("t1.csv", "1,2,a\n3,4,z\n");
        Path fewerColumns = csv("t2.csv", "1,a\n");
        CsvDatasetReader reader = new CsvDatasetReader("last");
        assertEquals(unknownLabel + ": line 2: label 'z' is not one of the training classes [a, b]",
                assertThrows(InvalidDataException.class,
                        () -> reader.readTrainTest(train, unknownLabel, DataType.FLOAT)).getMessage());
        assertEquals(fewerColumns + ": has 1 feature columns but the training file has 2",
                assertThrows(InvalidDataException.class,
                        () -> reader.readTrainTest(train, fewerColumns, DataType.FLOAT)).getMessage());
    }

    @Test
    void rejectsATestHeaderThatNamesOtherColumns() throws IOException {
        // QA: columns in another order were read by position, each feature given the other's weights.
        Path train = csv("named.csv", "width,height,kind\n1,2,a\n3,4,b\n");
        Path swapped = csv("swapped.csv", "height,width,kind\n2,1,a\n");
        CsvDatasetReader reader = new CsvDatasetReader("last");
        assertEquals(swapped + ": column 1 is 'height' but the training file's is 'width': the header"
                + " [height, width, kind] must name the training file's columns [width, height, kind] in the same order",
                assertThrows(InvalidDataException.class,
                        () -> reader.readTrainTest(train, swapped, DataType.FLOAT)).getMessage());
        // The same names, or a header in only one of the files, are read by position as before.
        assertEquals(1, reader.readTrainTest(train, csv("same.csv", "width,height,kind\n2,1,a\n"), DataType.FLOAT)
                .test().numSamples());
        assertEquals(1, reader.readTrainTest(train, csv("bare.csv", "2,1,a\n"), DataType.FLOAT).test().numSamples());
    }
}
