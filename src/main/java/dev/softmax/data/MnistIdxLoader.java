package dev.softmax.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads the MNIST family (MNIST, Fashion-MNIST) from IDX files, gzipped or not.
 *
 * <p>IDX: a 4-byte magic number {@code 0x00 0x00 type ndim} (type {@code 0x08} = unsigned byte), then {@code ndim}
 * big-endian 32-bit sizes, then the values in row-major order. Images are {@code [n, rows, cols]} (magic
 * {@code 0x00000803}) and become {@code [n, rows*cols]} feature rows with the raw pixel values 0..255; labels are
 * {@code [n]} (magic {@code 0x00000801}). Whether a file is gzipped is decided by its first two bytes, not its
 * name. Every problem is an {@link InvalidDataException} naming the file and, where it applies, the record.
 */
public final class MnistIdxLoader {

    /** IDX type code of unsigned bytes, the only type the MNIST family uses. */
    static final int UNSIGNED_BYTE = 0x08;
    /** Magic number of an image file: unsigned bytes, 3 dimensions. */
    static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of a label file: unsigned bytes, 1 dimension. */
    static final int LABELS_MAGIC = 0x00000801;

    /** The ten MNIST class names, the digits. */
    public static final List<String> MNIST_CLASSES =
            List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    /** The ten Fashion-MNIST class names, from the data set's README. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** The official base names; each is looked for with {@code .gz} first, then plain. */
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** The four official file names, as published (gzipped). */
    public static final List<String> FILE_NAMES = List.of(TRAIN_IMAGES + ".gz", TRAIN_LABELS + ".gz",
            TEST_IMAGES + ".gz", TEST_LABELS + ".gz");

    /** Most values one feature array may hold: the largest Java array, which the rest of the code assumes. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    /**
     * Images allocated at first for a gzipped file whose trailer does not confirm the announced size; the matrix
     * then doubles as the data arrive (see {@link #readImages}).
     */
    static final long GROWTH_START_VALUES = 1 << 22;

    /** Bytes read per call; big reads keep the gzip and copy overhead per byte low. */
    private static final int READ_CHUNK = 1 << 20;

    private MnistIdxLoader() {
    }

    /**
     * Whether {@code folder} holds a training image file (gzipped or not).
     *
     * @param folder the folder to look in
     * @return whether the training image file is there
     */
    public static boolean isPresent(Path folder) {
        return Files.isRegularFile(folder.resolve(TRAIN_IMAGES + ".gz"))
                || Files.isRegularFile(folder.resolve(TRAIN_IMAGES));
    }

    /**
     * Whether {@code folder} holds a test image file (gzipped or not).
     *
     * @param folder the folder to look in
     * @return whether the test image file is there
     */
    public static boolean isTestPresent(Path folder) {
        return Files.isRegularFile(folder.resolve(TEST_IMAGES + ".gz"))
                || Files.isRegularFile(folder.resolve(TEST_IMAGES));
    }

    /**
     * Loads the official test split alone from {@code folder} (the training files are neither needed nor read).
     *
     * @param folder     holds {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]}
     * @param classNames class names, indexed by label
     * @param type       FLOAT or DOUBLE
     * @return the test set
     * @throws InvalidDataException for a missing or malformed file, naming it
     * @throws IOException          when a file cannot be read
     */
    public static Dataset loadTest(Path folder, List<String> classNames, DataType type) throws IOException {
        return readPair(find(folder, TEST_IMAGES), find(folder, TEST_LABELS), classNames, type, Long.MAX_VALUE);
    }

    /**
     * Loads the official train and test split from {@code folder}.
     *
     * @param folder     holds {@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
     *                   {@code t10k-images-idx3-ubyte[.gz]} and {@code t10k-labels-idx1-ubyte[.gz]}
     * @param classNames the class names; labels must lie in {@code [0, classNames.size())}
     * @param type       FLOAT or DOUBLE for the features
     * @param limit      read at most this many training examples (the first ones); {@code Long.MAX_VALUE} for all
     * @return the training and test sets, raw pixel values
     * @throws InvalidDataException for a missing or malformed file, naming it
     * @throws IOException          when a file cannot be read
     */
    public static TrainTestSets load(Path folder, List<String> classNames, DataType type, long limit)
            throws IOException {
        Dataset train = readPair(find(folder, TRAIN_IMAGES), find(folder, TRAIN_LABELS), classNames, type, limit);
        Dataset test = readPair(find(folder, TEST_IMAGES), find(folder, TEST_LABELS), classNames, type,
                Long.MAX_VALUE);
        if (train.numFeatures() != test.numFeatures()) {
            throw new InvalidDataException(find(folder, TEST_IMAGES), "images have " + test.numFeatures()
                    + " pixels but the training images have " + train.numFeatures());
        }
        return new TrainTestSets(train, test, folder.toString());
    }

    /** Reads one image file and its label file; the counts must match. */
    static Dataset readPair(Path imagesFile, Path labelsFile, List<String> classNames, DataType type, long limit)
            throws IOException {
        long imageCount = readHeader(imagesFile, IMAGES_MAGIC)[0];
        long labelCount = readHeader(labelsFile, LABELS_MAGIC)[0];
        if (imageCount != labelCount) {
            throw new InvalidDataException(labelsFile, "has " + labelCount + " labels but " + imagesFile + " has "
                    + imageCount + " images");
        }
        INDArray features = readImages(imagesFile, type, limit);
        int[] labels = readLabels(labelsFile, classNames.size(), limit);
        return new Dataset(features, labels, classNames);
    }

    /**
     * Reads an IDX image file {@code [n, rows, cols]} of unsigned bytes into {@code [min(n, limit), rows*cols]}
     * raw pixel values (0..255).
     *
     * @param file  the image file, gzipped or not
     * @param type  FLOAT or DOUBLE
     * @param limit read at most this many images (the first ones)
     * @return the images, one per row
     * @throws InvalidDataException for a wrong magic number, bad sizes, a truncated file or trailing bytes
     * @throws IOException          when the file cannot be read
     */
    public static INDArray readImages(Path file, DataType type, long limit) throws IOException {
        try (InputStream in = open(file)) {
            int[] dims = readHeader(in, file, IMAGES_MAGIC);
            long n = Math.min(dims[0], limit);
            long pixels = (long) dims[1] * dims[2];
            if (pixels > MAX_VALUES) {
                throw new InvalidDataException(file, "the header announces images of " + dims[1] + "x" + dims[2]
                        + " pixels, " + pixels + " values each, more than one array holds (" + MAX_VALUES
                        + "); check the file");
            }
            if (n * pixels > MAX_VALUES) {
                throw new InvalidDataException(file, "the header announces " + dims[0] + " images of " + dims[1]
                        + "x" + dims[2] + " pixels, " + n * pixels + " values, more than one array holds ("
                        + MAX_VALUES + "); use --limit (a limit in the library), or check the file");
            }
            checkPlainSize(file, 16, dims[0], pixels, "images");
            long capacity = initialRows(file, dims[0], n, pixels);
            byte[] firstImage = null;
            if (capacity == 0 && n > 0) {
                firstImage = readUpTo(in, file, (int) pixels);
                if (firstImage.length < pixels) {
                    throw new InvalidDataException(file, "record", 1, "truncated: the header announces " + dims[0]
                            + " images of " + pixels + " bytes but the file ends inside image 1");
                }
                capacity = 1;
            }
            FeatureMatrixWriter writer = new FeatureMatrixWriter(type, capacity, pixels);
            byte[] chunk = new byte[READ_CHUNK];
            long total = n * pixels;
            long done = 0;
            if (firstImage != null) {
                writer.putUnsignedBytes(firstImage, 0, firstImage.length, 0);
                done = pixels;
                firstImage = null;
            }
            while (done < total) {
                int want = (int) Math.min(chunk.length, total - done);
                int got = readFully(in, file, chunk, want);
                if (got < want) {
                    long image = (done + got) / pixels + 1;
                    throw new InvalidDataException(file, "record", image, "truncated: the header announces "
                            + dims[0] + " images of " + pixels + " bytes but the file ends inside image " + image);
                }
                long rows = (done + want + pixels - 1) / pixels;
                if (rows > capacity) {
                    capacity = Math.min(n, Math.max(rows, 2 * capacity));
                    writer.ensureRows(capacity);
                }
                writer.putUnsignedBytes(chunk, 0, want, done);
                done += want;
            }
            if (n == dims[0]) {
                checkNoTrailingBytes(in, file, dims[0] + " images");
            }
            return writer.matrix();
        }
    }

    /**
     * Reads an IDX label file {@code [n]} of unsigned bytes into {@code min(n, limit)} labels.
     *
     * @param file       the label file, gzipped or not
     * @param numClasses every label must lie in {@code [0, numClasses)}
     * @param limit      read at most this many labels (the first ones)
     * @return the labels
     * @throws InvalidDataException for a wrong magic number, a truncated file, trailing bytes or a label out of range
     * @throws IOException          when the file cannot be read
     */
    public static int[] readLabels(Path file, int numClasses, long limit) throws IOException {
        try (InputStream in = open(file)) {
            int[] dims = readHeader(in, file, LABELS_MAGIC);
            int n = (int) Math.min(dims[0], limit);
            checkPlainSize(file, 8, dims[0], 1, "labels");
            // Read as they arrive (readNBytes grows its buffer), not allocated at the announced count.
            byte[] bytes = readUpTo(in, file, n);
            int got = bytes.length;
            if (got < n) {
                throw new InvalidDataException(file, "record", got + 1, "truncated: the header announces "
                        + dims[0] + " labels but the file ends after " + got);
            }
            if (n == dims[0]) {
                checkNoTrailingBytes(in, file, dims[0] + " labels");
            }
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = bytes[i] & 0xFF;
                if (labels[i] >= numClasses) {
                    throw new InvalidDataException(file, "record", i + 1, "label " + labels[i] + " is outside [0,"
                            + numClasses + ")");
                }
            }
            return labels;
        }
    }

    /** The sizes in the header of {@code file}, checking its magic number. */
    static int[] readHeader(Path file, int expectedMagic) throws IOException {
        try (InputStream in = open(file)) {
            return readHeader(in, file, expectedMagic);
        }
    }

    private static int[] readHeader(InputStream in, Path file, int expectedMagic) throws IOException {
        int ndim = expectedMagic & 0xFF;
        byte[] header = new byte[4 + 4 * ndim];
        int got = readFully(in, file, header, 4);
        if (got == 0) {
            throw new InvalidDataException(file, "empty file");
        }
        if (got < 4) {
            throw new InvalidDataException(file, "truncated: " + got + " bytes, too short for an IDX header");
        }
        int magic = readInt(header, 0);
        if (magic != expectedMagic) {
            throw new InvalidDataException(file, String.format("bad magic number 0x%08X, expected 0x%08X (IDX of"
                    + " unsigned bytes with %d dimension%s): not an %s file", magic, expectedMagic, ndim,
                    ndim == 1 ? "" : "s", ndim == 1 ? "IDX label" : "IDX image"));
        }
        got = readFully(in, file, header, 4 * ndim);
        if (got < 4 * ndim) {
            throw new InvalidDataException(file, "truncated: the header ends after " + (4 + got) + " bytes");
        }
        int[] dims = new int[ndim];
        for (int k = 0; k < ndim; k++) {
            dims[k] = readInt(header, 4 * k);
            if (dims[k] <= 0) {
                throw new InvalidDataException(file, "size " + (k + 1) + " in the header is " + dims[k]
                        + (k == 0 ? " (no records)" : "") + ", expected > 0");
            }
        }
        return dims;
    }

    /**
     * For an uncompressed file, compares its size with what the header announces before anything is allocated,
     * so that a truncated file or a bogus count fails at once with the record where the data stops. Gzipped files
     * are checked while streaming instead.
     */
    private static void checkPlainSize(Path file, long headerBytes, long count, long recordBytes, String what)
            throws IOException {
        if (isGzip(file)) {
            return;
        }
        long expected = headerBytes + count * recordBytes;
        long actual = Files.size(file);
        if (actual < expected) {
            long complete = (actual - headerBytes) / recordBytes;
            throw new InvalidDataException(file, "record", complete + 1, "truncated: the header announces " + count
                    + " " + what + " (" + expected + " bytes) but the file has " + actual + " bytes");
        }
        if (actual > expected) {
            throw new InvalidDataException(file, (actual - expected) + " bytes after the " + count + " " + what
                    + " the header announces (record count does not match the data)");
        }
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    /** Finds {@code base.gz} or {@code base} in {@code folder}. */
    static Path find(Path folder, String base) {
        List<Path> candidates = new ArrayList<>(List.of(folder.resolve(base + ".gz"), folder.resolve(base)));
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new InvalidDataException(candidates.get(0), "file not found (nor " + base + " unzipped)");
    }

    /** Opens {@code file}, un-gzipping it when it starts with the gzip magic bytes. */
    static InputStream open(Path file) throws IOException {
        InputStream raw;
        try {
            raw = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(file, "file not found");
        }
        try {
            BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) {
                return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            }
            return in;
        } catch (IOException | RuntimeException e) {
            raw.close();
            if (e instanceof ZipException || e instanceof EOFException) {
                throw new InvalidDataException(file, "corrupt gzip data" + InvalidDataException.reason(e));
            }
            throw e;
        }
    }

    /**
     * The rows to allocate before reading {@code n} of the {@code announced} images of {@code pixels} bytes: all
     * {@code n} for a plain file (its size was checked against the header) or a gzipped one whose trailer's size
     * (mod 2^32) agrees; else at most {@link #GROWTH_START_VALUES} values' worth, the matrix growing as the images
     * arrive, so that a header announcing millions of images in a small file fails at its end without allocating
     * them all first. Zero when one image alone is more than that: its bytes are then taken as they arrive before
     * its row is allocated.
     */
    static long initialRows(Path file, long announced, long n, long pixels) throws IOException {
        if (isGzip(file) && !gzipSizeAgrees(file, 16 + announced * pixels)) {
            return pixels > GROWTH_START_VALUES ? 0 : Math.min(n, GROWTH_START_VALUES / pixels);
        }
        return n;
    }

    /** Reads up to {@code length} bytes into a buffer that grows as they arrive; fewer only at the end. */
    private static byte[] readUpTo(InputStream in, Path file, int length) throws IOException {
        try {
            return in.readNBytes(length);
        } catch (EOFException | ZipException e) {
            throw new InvalidDataException(file, "truncated or corrupt gzip data" + InvalidDataException.reason(e));
        }
    }

    /**
     * Whether the size in the gzip trailer of {@code file} (its last 4 bytes, the uncompressed size mod 2^32)
     * is {@code expected} mod 2^32. False for a cut-off or multi-member file, where it is not to be relied on.
     */
    private static boolean gzipSizeAgrees(Path file, long expected) throws IOException {
        try (java.nio.channels.SeekableByteChannel channel = Files.newByteChannel(file)) {
            long size = channel.size();
            if (size < 18) {
                return false;
            }
            java.nio.ByteBuffer trailer = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            channel.position(size - 4);
            while (trailer.hasRemaining() && channel.read(trailer) > 0) {
                // until the 4 bytes are in
            }
            return !trailer.hasRemaining() && (trailer.getInt(0) & 0xFFFFFFFFL) == (expected & 0xFFFFFFFFL);
        }
    }

    /** Reads up to {@code length} bytes; returns fewer only at the end of the stream. */
    private static int readFully(InputStream in, Path file, byte[] buffer, int length) throws IOException {
        try {
            return in.readNBytes(buffer, 0, length);
        } catch (EOFException | ZipException e) {
            // GZIPInputStream reports a cut-off archive as "Unexpected end of ZLIB input stream".
            throw new InvalidDataException(file, "truncated or corrupt gzip data" + InvalidDataException.reason(e));
        }
    }

    private static void checkNoTrailingBytes(InputStream in, Path file, String announced) throws IOException {
        byte[] probe = new byte[READ_CHUNK];
        long extra = 0;
        int got;
        while ((got = readFully(in, file, probe, probe.length)) > 0) {
            extra += got;
        }
        if (extra > 0) {
            throw new InvalidDataException(file, extra + " bytes after the " + announced
                    + " the header announces (record count does not match the data)");
        }
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }
}
