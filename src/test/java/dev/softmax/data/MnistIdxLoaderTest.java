package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** IDX reading, value by value, and every malformed-file case, on files generated here. */
class MnistIdxLoaderTest {

    @TempDir
    Path dir;

    // ---- generators: the exact IDX layout (magic 0x00 0x00 0x08 ndim, big-endian sizes, then bytes) ----

    /** An IDX file of unsigned bytes with the given sizes and payload. */
    static byte[] idx(int ndim, int[] dims, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) ndim);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(payload);
        return b.array();
    }

    /** {@code n} images of {@code rows x cols}; pixel {@code (i, p)} is {@code (7*i + 3*p) mod 256}. */
    static byte[] images(int n, int rows, int cols) {
        byte[] pixels = new byte[n * rows * cols];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < rows * cols; p++) {
                pixels[i * rows * cols + p] = (byte) pixel(i, p);
            }
        }
        return idx(3, new int[] {n, rows, cols}, pixels);
    }

    static int pixel(int image, int p) {
        return (7 * image + 3 * p + 250) % 256;
    }

    static byte[] labels(int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        return idx(1, new int[] {values.length}, bytes);
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    /** A complete MNIST-style folder: 6 training and 4 test images of 3x2, labels cycling 0,1,2. */
    static Path writeFolder(Path folder, boolean gzipped) throws IOException {
        Files.createDirectories(folder);
        String suffix = gzipped ? ".gz" : "";
        write(folder.resolve("train-images-idx3-ubyte" + suffix), images(6, 3, 2), gzipped);
        write(folder.resolve("train-labels-idx1-ubyte" + suffix), labels(0, 1, 2, 0, 1, 2), gzipped);
        write(folder.resolve("t10k-images-idx3-ubyte" + suffix), images(4, 3, 2), gzipped);
        write(folder.resolve("t10k-labels-idx1-ubyte" + suffix), labels(2, 1, 0, 9), gzipped);
        return folder;
    }

    static void write(Path file, byte[] data, boolean gzipped) throws IOException {
        Files.write(file, gzipped ? gzip(data) : data);
    }

    // ---- reading ----

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void readsEveryPixelAndLabelGzippedOrNot(boolean gzipped) throws IOException {
        Path folder = writeFolder(dir.resolve("m"), gzipped);
        TrainTestSets sets = MnistIdxLoader.load(folder, MnistIdxLoader.MNIST_CLASSES, DataType.FLOAT,
                Long.MAX_VALUE);
        INDArray x = sets.train().features();
        assertArrayEquals(new long[] {6, 6}, x.shape());
        assertEquals(DataType.FLOAT, x.dataType());
        for (int i = 0; i < 6; i++) {
            for (int p = 0; p < 6; p++) {
                assertEquals(pixel(i, p), x.getFloat(i, p), 0.0, "image " + i + " pixel " + p);
            }
        }
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, sets.train().labels());
        assertArrayEquals(new int[] {2, 1, 0, 9}, sets.test().labels());
        assertEquals(pixel(3, 5), sets.test().features().getFloat(3, 5), 0.0);
        assertEquals(MnistIdxLoader.MNIST_CLASSES, sets.train().classNames());
    }

    @Test
    void readsDoubleAndStopsAtTheLimit() throws IOException {
        Path folder = writeFolder(dir.resolve("m"), true);
        TrainTestSets sets = MnistIdxLoader.load(folder, MnistIdxLoader.MNIST_CLASSES, DataType.DOUBLE, 4);
        assertEquals(DataType.DOUBLE, sets.train().features().dataType());
        assertArrayEquals(new long[] {4, 6}, sets.train().features().shape());
        assertArrayEquals(new int[] {0, 1, 2, 0}, sets.train().labels());
        assertEquals(pixel(3, 4), sets.train().features().getDouble(3, 4), 0.0);
        assertEquals(4, sets.test().numSamples(), "the limit applies to training only");
    }

    @Test
    void convertsAcrossChunkBoundaries() throws IOException {
        // More pixels than one conversion chunk, so the chunked copy must line up.
        int n = 3;
        int side = 160;
        Path file = dir.resolve("big-idx3-ubyte");
        Files.write(file, images(n, side, side));
        INDArray x = MnistIdxLoader.readImages(file, DataType.FLOAT, Long.MAX_VALUE);
        assertTrue(n * side * side > FeatureMatrixWriter.CHUNK);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < side * side; p += 997) {
                assertEquals(pixel(i, p), x.getFloat(i, p), 0.0);
            }
            assertEquals(pixel(i, side * side - 1), x.getFloat(i, side * side - 1), 0.0);
        }
    }

    // ---- malformed files: one line naming the file (and the record) ----

    private InvalidDataException imagesError(byte[] content, boolean gzipped) throws IOException {
        Path file = dir.resolve("bad-images" + (gzipped ? ".gz" : ""));
        write(file, content, gzipped);
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(file, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void rejectsAWrongMagicNumber() throws IOException {
        byte[] labelFile = labels(1, 2, 3);
        InvalidDataException e = imagesError(labelFile, false);
        assertTrue(e.getMessage().contains("bad magic number 0x00000801, expected 0x00000803"), e.getMessage());
        byte[] notIdx = "hello world, no IDX here".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertTrue(imagesError(notIdx, true).getMessage().contains("bad magic number"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rejectsTruncatedPixelData(boolean gzipped) throws IOException {
        byte[] full = images(5, 4, 4);
        InvalidDataException e = imagesError(Arrays.copyOf(full, full.length - 20), gzipped);
        assertTrue(e.getMessage().contains("record 4: truncated"), e.getMessage());
    }

    @Test
    void rejectsATruncatedGzipStream() throws IOException {
        byte[] gz = gzip(images(50, 10, 10));
        Path file = dir.resolve("cut.gz");
        Files.write(file, Arrays.copyOf(gz, gz.length / 2));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(file, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rejectsBytesBeyondTheAnnouncedCount(boolean gzipped) throws IOException {
        byte[] full = images(5, 4, 4);
        byte[] longer = Arrays.copyOf(full, full.length + 16); // one image more than the header says
        InvalidDataException e = imagesError(longer, gzipped);
        assertTrue(e.getMessage().contains("16 bytes after the 5 images"), e.getMessage());
    }

    @Test
    void refusesCountsNoArrayHoldsAndDoesNotAllocateUnconfirmedOnes() throws IOException {
        // QA: 2147483647 images of 28x28 in a gzip crashed in native allocation ("std::bad_alloc").
        Path impossible = dir.resolve("impossible.gz");
        Files.write(impossible, gzip(idx(3, new int[] {Integer.MAX_VALUE, 28, 28}, new byte[784])));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(impossible, DataType.FLOAT, Long.MAX_VALUE));
        assertEquals(impossible + ": the header announces 2147483647 images of 28x28 pixels, 1683627179248 values,"
                + " more than one array holds (2147483639); use --limit (a limit in the library), or check the file",
                e.getMessage());

        // 2e9 one-pixel images announced, 12 there: allocated up front that was 8 GB (past the 4 GB the tests
        // run with) before the file was found short; now the matrix grows only as images arrive.
        Path announced = dir.resolve("announced.gz");
        Files.write(announced, gzip(idx(3, new int[] {2_000_000_000, 1, 1}, new byte[12])));
        assertEquals(MnistIdxLoader.GROWTH_START_VALUES, MnistIdxLoader.initialRows(announced, 2_000_000_000,
                2_000_000_000, 1));
        Path confirmed = dir.resolve("confirmed.gz");
        Files.write(confirmed, gzip(images(5, 4, 4)));
        assertEquals(5, MnistIdxLoader.initialRows(confirmed, 5, 5, 16), "a trailer that agrees is trusted");
        InvalidDataException shortFile = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(announced, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(shortFile.getMessage().contains("record 13: truncated"), shortFile.getMessage());

        // QA: sizes whose product overflowed a long passed the size check and failed later, or in native memory.
        for (boolean gzipped : new boolean[] {false, true}) {
            Path huge = dir.resolve(gzipped ? "huge.gz" : "huge");
            write(huge, idx(3, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE, 4}, new byte[16]), gzipped);
            InvalidDataException tooWide = assertThrows(InvalidDataException.class,
                    () -> MnistIdxLoader.readImages(huge, DataType.FLOAT, Long.MAX_VALUE));
            assertEquals(huge + ": the header announces images of 2147483647x4 pixels, 8589934588 values each, more"
                    + " than one array holds (2147483639); check the file", tooWide.getMessage());
        }

        // Review: a limit of 0 read the first of images too wide to allocate before they arrive, giving one row.
        Path twoWide = dir.resolve("two-wide.gz");
        Files.write(twoWide, gzip(idx(3, new int[] {2, 2049, 2049}, new byte[2 * 2049 * 2049])));
        Files.write(twoWide, Arrays.copyOf(Files.readAllBytes(twoWide), (int) Files.size(twoWide) - 1));
        assertArrayEquals(new long[] {0, 2049L * 2049},
                MnistIdxLoader.readImages(twoWide, DataType.FLOAT, 0).shape());

        // QA: the gzip magic alone gave "(null)" for the reader's missing message.
        Path magicOnly = dir.resolve("magic.gz");
        Files.write(magicOnly, new byte[] {0x1f, (byte) 0x8b});
        assertEquals(magicOnly + ": corrupt gzip data", assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(magicOnly, DataType.FLOAT, Long.MAX_VALUE)).getMessage());

        // QA: one image of 46340x46340 announced in 40 bytes allocated its 8.5 GB row before finding the file short.
        Path wide = dir.resolve("wide.gz");
        Files.write(wide, gzip(idx(3, new int[] {1, 46340, 46340}, new byte[24])));
        assertEquals(0, MnistIdxLoader.initialRows(wide, 1, 1, 46340L * 46340));
        InvalidDataException wideShort = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readImages(wide, DataType.FLOAT, Long.MAX_VALUE));
        assertEquals(wide + ": record 1: truncated: the header announces 1 images of 2147395600 bytes but the file"
                + " ends inside image 1", wideShort.getMessage());

        // Two gzip members: the trailer speaks for the second only, so the matrix is grown, and the values are whole.
        byte[] whole = images(5, 4, 4);
        byte[] first = gzip(Arrays.copyOf(whole, 40));
        byte[] second = gzip(Arrays.copyOfRange(whole, 40, whole.length));
        Path members = dir.resolve("members.gz");
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        Files.write(members, both);
        INDArray x = MnistIdxLoader.readImages(members, DataType.FLOAT, Long.MAX_VALUE);
        assertEquals(pixel(4, 15), x.getDouble(4, 15), 0.0);

        // Rows of GROWTH_START_VALUES pixels: the matrix starts with one row and grows for each of the others (the
        // case above fits in its first allocation). Every value is checked.
        int side = (int) Math.sqrt(MnistIdxLoader.GROWTH_START_VALUES);
        byte[] large = images(3, side, side);
        int split = large.length / 2;
        byte[] head = gzip(Arrays.copyOf(large, split));
        byte[] tail = gzip(Arrays.copyOfRange(large, split, large.length));
        byte[] grown = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, grown, head.length, tail.length);
        Path growing = dir.resolve("growing.gz");
        Files.write(growing, grown);
        assertEquals(1, MnistIdxLoader.initialRows(growing, 3, 3, (long) side * side));
        INDArray y = MnistIdxLoader.readImages(growing, DataType.FLOAT, Long.MAX_VALUE);
        assertArrayEquals(new long[] {3, (long) side * side}, y.shape());
        float[] values = y.reshape(y.length()).toFloatVector();
        for (int i = 0; i < values.length; i++) {
            assertEquals(large[large.length - values.length + i] & 0xff, values[i], 0.0f, "value " + i);
        }

        // Rows of more than GROWTH_START_VALUES pixels: the first image is taken before its row is allocated.
        byte[] wider = images(2, side + 1, side);
        byte[] wideHead = gzip(Arrays.copyOf(wider, wider.length / 3));
        byte[] wideTail = gzip(Arrays.copyOfRange(wider, wider.length / 3, wider.length));
        byte[] wideBoth = Arrays.copyOf(wideHead, wideHead.length + wideTail.length);
        System.arraycopy(wideTail, 0, wideBoth, wideHead.length, wideTail.length);
        Path widening = dir.resolve("widening.gz");
        Files.write(widening, wideBoth);
        assertEquals(0, MnistIdxLoader.initialRows(widening, 2, 2, (long) (side + 1) * side));
        INDArray z = MnistIdxLoader.readImages(widening, DataType.DOUBLE, Long.MAX_VALUE);
        assertArrayEquals(new long[] {2, (long) (side + 1) * side}, z.shape());
        double[] wideValues = z.reshape(z.length()).toDoubleVector();
        for (int i = 0; i < wideValues.length; i++) {
            assertEquals(wider[wider.length - wideValues.length + i] & 0xff, wideValues[i], 0.0, "value " + i);
        }
    }

    @Test
    void aGrownMatrixKeepsTheRowsWritten() {
        FeatureMatrixWriter writer = new FeatureMatrixWriter(DataType.DOUBLE, 2, 3);
        writer.putUnsignedBytes(new byte[] {1, 2, 3, 4, 5, (byte) 255}, 0, 6, 0);
        writer.ensureRows(5);
        writer.putUnsignedBytes(new byte[] {7, 8, 9}, 0, 3, 6);
        assertArrayEquals(new long[] {5, 3}, writer.matrix().shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 255, 7, 8, 9},
                Arrays.copyOf(writer.matrix().reshape(15).toDoubleVector(), 9), 0.0);
    }

    @Test
    void rejectsATruncatedHeaderAnEmptyFileAndAZeroCount() throws IOException {
        assertTrue(imagesError(Arrays.copyOf(images(1, 2, 2), 9), false).getMessage()
                .contains("truncated: the header ends"));
        assertTrue(imagesError(new byte[0], false).getMessage().endsWith(": empty file"));
        assertTrue(imagesError(idx(3, new int[] {0, 28, 28}, new byte[0]), true).getMessage()
                .contains("size 1 in the header is 0 (no records)"));
    }

    @Test
    void rejectsLabelsOutOfRange() throws IOException {
        Path file = dir.resolve("labels");
        Files.write(file, labels(0, 9, 10, 3));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readLabels(file, 10, Long.MAX_VALUE));
        assertEquals(file + ": record 3: label 10 is outside [0,10)", e.getMessage());
    }

    @Test
    void rejectsTruncatedLabels() throws IOException {
        Path file = dir.resolve("labels.gz");
        byte[] full = labels(0, 1, 2, 3, 4);
        Files.write(file, gzip(Arrays.copyOf(full, full.length - 2)));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.readLabels(file, 10, Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("record 4: truncated"), e.getMessage());
    }

    @Test
    void rejectsImageAndLabelCountsThatDiffer() throws IOException {
        Path folder = writeFolder(dir.resolve("m"), false);
        Files.write(folder.resolve("train-labels-idx1-ubyte"), labels(0, 1, 2, 0, 1));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.load(folder, MnistIdxLoader.MNIST_CLASSES, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith(folder.resolve("train-labels-idx1-ubyte") + ": has 5 labels but "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("has 6 images"), e.getMessage());
    }

    @Test
    void namesAMissingFile() throws IOException {
        Path folder = writeFolder(dir.resolve("m"), true);
        Files.delete(folder.resolve("t10k-labels-idx1-ubyte.gz"));
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> MnistIdxLoader.load(folder, MnistIdxLoader.MNIST_CLASSES, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(e.getMessage().startsWith(folder.resolve("t10k-labels-idx1-ubyte.gz") + ": file not found"),
                e.getMessage());
    }

    @Test
    void fashionClassNamesFollowTheReadme() {
        assertEquals(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                "Bag", "Ankle boot"), MnistIdxLoader.FASHION_MNIST_CLASSES);
    }
}
