package dev.softmax.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Reads CIFAR-10 in its official binary version, from the folder {@code cifar-10-batches-bin/} or straight from
 * {@code cifar-10-binary.tar.gz}.
 *
 * <p>Each of {@code data_batch_1.bin} .. {@code data_batch_5.bin} (training) and {@code test_batch.bin} holds
 * 3073-byte records: one label byte 0..9, then 3072 pixel bytes, 1024 red, 1024 green and 1024 blue, each plane a
 * 32x32 image row by row. A record becomes a feature row of 3072 raw values 0..255 in that same order.
 * {@code batches.meta.txt} names the classes, one a line; without it the standard names are used.
 *
 * <p>The pixels are converted chunk by chunk straight into one native feature matrix (see
 * {@link FeatureMatrixWriter}), so loading the training set needs little more than its 614 MB of float32.
 */
public final class Cifar10BinaryLoader {

    /** Pixels per image: 3 colour planes of 32x32. */
    public static final int PIXELS = 3 * 32 * 32;
    /** Bytes per record: the label byte and the pixels. */
    public static final int RECORD_BYTES = 1 + PIXELS;
    /** The folder the official archive unpacks to. */
    public static final String FOLDER_NAME = "cifar-10-batches-bin";
    /** The official archive's file name. */
    public static final String ARCHIVE_NAME = "cifar-10-binary.tar.gz";
    /** The training batch files, in order. */
    public static final List<String> TRAIN_FILES = List.of("data_batch_1.bin", "data_batch_2.bin",
            "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    /** The test batch file. */
    public static final String TEST_FILE = "test_batch.bin";
    /** The class-name file. */
    public static final String META_FILE = "batches.meta.txt";
    /** The standard class names, used when {@code batches.meta.txt} is absent. */
    public static final List<String> DEFAULT_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    /** Records converted per read: 1024 records are 3 MB, big enough for fast reads, small beside the matrix. */
    private static final int RECORDS_PER_READ = 1024;

    private Cifar10BinaryLoader() {
    }

    /** One batch file's bytes, from a folder or an archive. */
    private interface Batch {
        /** The name for error messages. */
        Path name();

        /** Size in bytes. */
        long size();

        /** Opens the bytes. */
        InputStream open() throws IOException;
    }

    /**
     * Loads the training and test batches.
     *
     * @param location the folder {@code cifar-10-batches-bin} (holding the {@code .bin} files) or the archive
     *                 {@code cifar-10-binary.tar.gz}
     * @param type     FLOAT or DOUBLE for the features
     * @param limit    read at most this many training records (the first ones); {@code Long.MAX_VALUE} for all
     * @return the training and test sets, raw pixel values
     * @throws InvalidDataException for a missing file or member, a partial record, an empty file or a label out
     *                              of range, naming the file and record
     * @throws IOException          when a file cannot be read
     */
    public static TrainTestSets load(Path location, DataType type, long limit) throws IOException {
        if (Files.isDirectory(location)) {
            return loadFolder(location, type, limit);
        }
        checkArchiveExists(location);
        return loadArchive(location, type, limit);
    }

    private static void checkArchiveExists(Path location) {
        if (!Files.isRegularFile(location)) {
            throw new InvalidDataException(location, "not found (expected the folder " + FOLDER_NAME
                    + " or the archive " + ARCHIVE_NAME + ")");
        }
    }

    /** The class names of the folder's meta file, or the default ones when it has none. */
    private static List<String> folderClassNames(Path folder) throws IOException {
        Path meta = folder.resolve(META_FILE);
        return Files.isRegularFile(meta) ? parseClassNames(meta, Files.readAllBytes(meta)) : DEFAULT_CLASSES;
    }

    /**
     * Loads the test batch alone (and the class names) from the folder or archive, for evaluating a model: the
     * training batches are neither needed nor converted.
     *
     * @param location the folder {@link #FOLDER_NAME} (or one holding its files) or the archive
     * @param type     FLOAT or DOUBLE for the features
     * @return the test set, raw pixel values
     * @throws InvalidDataException as {@link #load} does, for the test batch and the meta file
     * @throws IOException          when a file cannot be read
     */
    public static Dataset loadTest(Path location, DataType type) throws IOException {
        if (Files.isDirectory(location)) {
            return read(List.of(fileBatch(location.resolve(TEST_FILE))), folderClassNames(location), type,
                    Long.MAX_VALUE);
        }
        checkArchiveExists(location);
        Map<String, byte[]> members = readMembers(location, List.of(TEST_FILE, META_FILE));
        return read(List.of(memberBatch(location, TEST_FILE, members)), classNames(location, members), type,
                Long.MAX_VALUE);
    }

    private static TrainTestSets loadFolder(Path folder, DataType type, long limit) throws IOException {
        List<Batch> train = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            train.add(fileBatch(folder.resolve(name)));
        }
        Batch test = fileBatch(folder.resolve(TEST_FILE));
        List<String> classes = folderClassNames(folder);
        return new TrainTestSets(read(train, classes, type, limit), read(List.of(test), classes, type,
                Long.MAX_VALUE), folder.toString());
    }

    private static Batch fileBatch(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "file not found");
        }
        long size = Files.size(file);
        return new Batch() {
            @Override
            public Path name() {
                return file;
            }

            @Override
            public long size() {
                return size;
            }

            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }

    /**
     * Reads the wanted members of the archive into memory (one pass; tar has no index), then converts them. The
     * raw bytes, 180 MB in all, are a third of the float matrix they become.
     */
    private static TrainTestSets loadArchive(Path archive, DataType type, long limit) throws IOException {
        List<String> wanted = new ArrayList<>(TRAIN_FILES);
        wanted.add(TEST_FILE);
        wanted.add(META_FILE);
        Map<String, byte[]> members = readMembers(archive, wanted);
        List<String> classes = classNames(archive, members);
        List<Batch> train = new ArrayList<>();
        for (String name : TRAIN_FILES) {
            train.add(memberBatch(archive, name, members));
        }
        Dataset trainSet = read(train, classes, type, limit);
        for (String name : TRAIN_FILES) {
            members.remove(name); // lets the 150 MB of raw training bytes go before the test set is converted
        }
        Dataset testSet = read(List.of(memberBatch(archive, TEST_FILE, members)), classes, type, Long.MAX_VALUE);
        return new TrainTestSets(trainSet, testSet, archive.toString());
    }

    /** The class names of the archive's meta member, or the default ones when it has none. */
    private static List<String> classNames(Path archive, Map<String, byte[]> members) {
        byte[] metaBytes = members.get(META_FILE);
        return metaBytes != null ? parseClassNames(archive.resolve(META_FILE), metaBytes) : DEFAULT_CLASSES;
    }

    /**
     * The {@code wanted} members of the archive by base name, read in one pass (tar has no index) to the end of the
     * gzip stream; every one but the meta file must be there.
     */
    private static Map<String, byte[]> readMembers(Path archive, List<String> wanted) throws IOException {
        Map<String, byte[]> members = new HashMap<>();
        String current = null;
        try (InputStream file = Files.newInputStream(archive);
             InputStream gzip = new GZIPInputStream(new BufferedInputStream(file, 1 << 16), 1 << 16);
             TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String base = Path.of(entry.getName()).getFileName() == null ? ""
                        : Path.of(entry.getName()).getFileName().toString();
                if (!entry.isFile() || !wanted.contains(base)) {
                    continue;
                }
                current = entry.getName();
                if (entry.getSize() > Integer.MAX_VALUE - 8) {
                    throw new InvalidDataException(archive, "member " + current + " is too large ("
                            + entry.getSize() + " bytes)");
                }
                byte[] bytes = tar.readNBytes((int) entry.getSize());
                if (bytes.length < entry.getSize()) {
                    throw new InvalidDataException(archive, "member " + current + " is truncated: "
                            + bytes.length + " of " + entry.getSize() + " bytes");
                }
                members.put(base, bytes);
                current = null;
            }
            // The tar reader stops at the end-of-archive blocks, before the gzip trailer, and GZIPInputStream
            // checks the CRC-32 and size only on reaching it: read to the end, or a damaged archive is trained on.
            gzip.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (EOFException | ZipException e) {
            throw new InvalidDataException(archive, "truncated or corrupt archive" + (current == null ? ""
                    : " in member " + current) + InvalidDataException.reason(e));
        } catch (IOException e) {
            // commons-compress reports a damaged tar header as a plain IOException.
            throw new InvalidDataException(archive, "not a readable tar.gz archive" + InvalidDataException.reason(e));
        }
        for (String name : wanted) {
            if (!name.equals(META_FILE) && !members.containsKey(name)) {
                throw new InvalidDataException(archive, "no member " + name + " in the archive (expected "
                        + FOLDER_NAME + "/" + name + ")");
            }
        }
        return members;
    }

    private static Batch memberBatch(Path archive, String name, Map<String, byte[]> members) {
        byte[] bytes = members.get(name);
        // Errors name the member as a path inside the archive: ".../cifar-10-binary.tar.gz/data_batch_3.bin".
        Path shown = archive.resolve(name);
        return new Batch() {
            @Override
            public Path name() {
                return shown;
            }

            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(bytes);
            }
        };
    }

    /** Class names: the non-blank lines of {@code batches.meta.txt}, trimmed. */
    static List<String> parseClassNames(Path file, byte[] bytes) {
        List<String> names = new ArrayList<>();
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte order mark some editors write
        }
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                names.add(line.trim());
            }
        }
        if (names.size() < 2) {
            throw new InvalidDataException(file, "expected at least two class names, one a line; found "
                    + names.size());
        }
        if (names.size() != new java.util.HashSet<>(names).size()) {
            throw new InvalidDataException(file, "class names repeat: " + names);
        }
        return names;
    }

    /** Converts the records of {@code batches}, in order, into one data set of at most {@code limit} rows. */
    private static Dataset read(List<Batch> batches, List<String> classes, DataType type, long limit)
            throws IOException {
        long total = 0;
        for (Batch batch : batches) {
            if (batch.size() == 0) {
                throw new InvalidDataException(batch.name(), "empty file");
            }
            if (batch.size() % RECORD_BYTES != 0) {
                long complete = batch.size() / RECORD_BYTES;
                throw new InvalidDataException(batch.name(), "record", complete + 1, "truncated: " + batch.size()
                        + " bytes is not a whole number of " + RECORD_BYTES + "-byte records (" + complete
                        + " complete)");
            }
            total += batch.size() / RECORD_BYTES;
        }
        int n = (int) Math.min(total, limit);
        FeatureMatrixWriter writer = new FeatureMatrixWriter(type, n, PIXELS);
        int[] labels = new int[n];
        byte[] chunk = new byte[RECORDS_PER_READ * RECORD_BYTES];
        int row = 0;
        for (Batch batch : batches) {
            if (row == n) {
                break;
            }
            try (InputStream in = batch.open()) {
                long recordsInBatch = batch.size() / RECORD_BYTES;
                long record = 0;
                while (record < recordsInBatch && row < n) {
                    int count = (int) Math.min(Math.min(RECORDS_PER_READ, recordsInBatch - record), n - row);
                    int want = count * RECORD_BYTES;
                    int got = in.readNBytes(chunk, 0, want);
                    if (got < want) {
                        // The size said otherwise: the file changed while it was read.
                        throw new InvalidDataException(batch.name(), "record", record + got / RECORD_BYTES + 1,
                                "truncated while reading");
                    }
                    for (int r = 0; r < count; r++) {
                        int offset = r * RECORD_BYTES;
                        int label = chunk[offset] & 0xFF;
                        if (label >= classes.size()) {
                            throw new InvalidDataException(batch.name(), "record", record + r + 1, "label " + label
                                    + " is outside [0," + classes.size() + ")");
                        }
                        labels[row + r] = label;
                        writer.putUnsignedBytes(chunk, offset + 1, PIXELS, (long) (row + r) * PIXELS);
                    }
                    record += count;
                    row += count;
                }
            }
        }
        return new Dataset(writer.matrix(), Arrays.copyOf(labels, n), classes);
    }
}
