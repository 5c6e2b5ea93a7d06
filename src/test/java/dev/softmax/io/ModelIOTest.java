package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.data.InvalidDataException;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.model.Trainer;
import dev.softmax.optim.StoppingCriteria;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Save/load round trips, and the refusal of damaged or foreign files. The damaged files are generated from a
 * good one by the helpers at the bottom ({@link #rewrite}, {@link #editJson}), so the fixtures cannot drift
 * from the format.
 */
class ModelIOTest {

    private static Dataset iris;
    private static SoftmaxRegression floatModel;
    private static SoftmaxRegression doubleModel;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() throws IOException {
        iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.DOUBLE);
        floatModel = trainer(DataType.FLOAT).fit(iris);
        doubleModel = trainer(DataType.DOUBLE).fit(iris);
    }

    private static Trainer trainer(DataType type) {
        return Trainer.builder().dataType(type).stopping(StoppingCriteria.of(100)).build();
    }

    private static SoftmaxRegression model(DataType type) {
        return type == DataType.FLOAT ? floatModel : doubleModel;
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void loadedModelPredictsExactlyLikeTheSavedOne(DataType type) throws IOException {
        SoftmaxRegression model = model(type);
        Path file = dir.resolve("iris.model");
        ModelIO.save(model, file, false);
        SoftmaxRegression loaded = ModelIO.load(file);

        assertEquals(type, loaded.dataType());
        assertEquals(model.classNames(), loaded.classNames());
        assertEquals(java.util.Optional.of(List.of("sepal_length", "sepal_width", "petal_length", "petal_width")),
                loaded.featureNames(), "the training file's header, the label column left out");
        assertEquals(model.scaler(), loaded.scaler());
        assertSameValues(model.weights(), loaded.weights());
        assertSameValues(model.bias(), loaded.bias());
        assertEquals(model.trainingSummary(), loaded.trainingSummary());
        assertTrue(loaded.trainingResult().isEmpty(), "the history is not saved");
        assertArrayEquals(model.predict(iris.features()), loaded.predict(iris.features()));
        assertSameValues(model.predictProba(iris.features()), loaded.predictProba(iris.features()));
        double[][] rows = iris.features().toDoubleMatrix();
        assertArrayEquals(model.predictProba(rows), loaded.predictProba(rows));
    }

    @Test
    void everyEntryCarriesTheSameFixedTimeAndNoZoneDependentField() throws IOException {
        // QA: two identical runs gave files that differed in their zip entries' times.
        Path file = dir.resolve("fixed.model");
        ModelIO.save(floatModel, file, false);
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            List<? extends java.util.zip.ZipEntry> entries = java.util.Collections.list(zip.entries());
            assertEquals(3, entries.size());
            for (java.util.zip.ZipEntry entry : entries) {
                assertEquals(java.time.LocalDateTime.of(2000, 1, 1, 0, 0), entry.getTimeLocal(), entry.getName());
                assertEquals(null, entry.getExtra(), entry.getName() + ": an extended time depends on the zone");
            }
        }
        Path again = dir.resolve("again.model");
        ModelIO.save(floatModel, again, false);
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again));
    }

    @Test
    void modelWithoutTrainingSummaryRoundTrips() throws IOException {
        SoftmaxRegression bare = new SoftmaxRegression(floatModel.weights(), floatModel.bias(),
                floatModel.classNames(), FeatureScaler.none(4), null);
        Path file = dir.resolve("bare.model");
        ModelIO.save(bare, file, false);
        SoftmaxRegression loaded = ModelIO.load(file);
        assertTrue(loaded.trainingSummary().isEmpty());
        assertSameValues(bare.weights(), loaded.weights());
        assertEquals(FeatureScaler.none(4), loaded.scaler());
    }

    /** The arrays are real .npy files: ND4J's own reader (and numpy.load) read them. */
    @Test
    void weightsAreNumpyArraysThatNd4jReads() throws IOException {
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE)) {
            Path file = dir.resolve(type + ".model");
            ModelIO.save(model(type), file, false);
            Map<String, byte[]> entries = entries(file);
            INDArray weights = Nd4j.createNpyFromByteArray(entries.get("weights.npy"));
            assertSameValues(model(type).weights(), weights);
            INDArray bias = Nd4j.createNpyFromByteArray(entries.get("bias.npy"));
            assertArrayEquals(new long[] {3}, bias.shape());
            assertSameValues(model(type).bias().reshape(3), bias);
        }
    }

    @Test
    void existingFileIsReplacedOnlyWhenAsked() throws IOException {
        Path file = dir.resolve("iris.model");
        ModelIO.save(floatModel, file, false);
        byte[] before = Files.readAllBytes(file);

        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class,
                () -> ModelIO.save(doubleModel, file, false));
        assertEquals(file + ": exists, and replacing it was not asked for", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));

        ModelIO.save(doubleModel, file, true);
        assertEquals(DataType.DOUBLE, ModelIO.load(file).dataType());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            // Regression: the temporary file came from Files.createTempFile, so models were saved with mode 0600.
            Path plain = Files.createFile(dir.resolve("plain"));
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
        }
    }

    @Test
    void missingAndEmptyFilesAreRefused() throws IOException {
        assertRefused(dir.resolve("absent.model"), "file not found");
        assertRefused(Files.createFile(dir.resolve("empty.model")), "empty file");
        assertRefused(Files.createDirectory(dir.resolve("folder.model")), "is a directory");
    }

    @Test
    void foreignFilesAreRefused() throws IOException {
        assertRefused(Files.writeString(dir.resolve("iris.csv"), "a,b\n1,2\n"), "not a model file (not a zip archive)");

        Path otherZip = dir.resolve("other.zip");
        writeZip(otherZip, Map.of("readme.txt", "hello".getBytes(StandardCharsets.UTF_8)));
        assertRefused(otherZip, "not a model file (no model.json in the archive)");

        Path otherJson = dir.resolve("other-json.zip");
        writeZip(otherJson, Map.of("model.json", "{\"format\": \"keras\"}".getBytes(StandardCharsets.UTF_8)));
        assertRefused(otherJson, "not a softmax-regression model file");
    }

    @Test
    void newerFormatVersionIsRefusedWithBothVersions() throws IOException {
        // Everything else broken too: the version must be reported, not the fields a newer layout may change.
        Path file = editJson(saved(), json -> {
            json.put("format_version", ModelIO.FORMAT_VERSION + 1);
            json.remove("num_features");
        });
        assertRefused(file, "unknown model format version " + (ModelIO.FORMAT_VERSION + 1)
                + ", this build reads at most " + ModelIO.FORMAT_VERSION);
        assertRefused(editJson(saved(), json -> json.put("format_version", "one")), "format_version is \"one\"");
    }

    /** Every prefix of a model file is refused with an InvalidDataException, never another exception. */
    @Test
    void truncatedFilesAreRefused() throws IOException {
        byte[] good = Files.readAllBytes(saved());
        for (int length = 1; length < good.length; length++) {
            Path cut = Files.write(dir.resolve("cut.model"), Arrays.copyOf(good, length));
            assertThrows(InvalidDataException.class, () -> ModelIO.load(cut), "prefix of " + length + " bytes");
        }
        Path half = Files.write(dir.resolve("half.model"), Arrays.copyOf(good, good.length / 2));
        assertRefused(half, "corrupt or truncated model file");
    }

    /**
     * Flipping any single byte either is refused cleanly or (in bytes the zip reader ignores, such as timestamps)
     * loads the very same model; it never gives a different model or another exception.
     */
    @Test
    void everySingleByteCorruptionIsRefusedOrHarmless() throws IOException {
        Path good = saved();
        byte[] bytes = Files.readAllBytes(good);
        SoftmaxRegression original = ModelIO.load(good);
        int refused = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte[] bad = bytes.clone();
            bad[i] ^= 0x5a;
            Path file = Files.write(dir.resolve("flip.model"), bad);
            try {
                SoftmaxRegression loaded = ModelIO.load(file);
                assertSameValues(original.weights(), loaded.weights(), "byte " + i);
                assertSameValues(original.bias(), loaded.bias(), "byte " + i);
                assertEquals(original.classNames(), loaded.classNames(), "byte " + i);
                assertEquals(original.scaler(), loaded.scaler(), "byte " + i);
                assertEquals(original.trainingSummary(), loaded.trainingSummary(), "byte " + i);
            } catch (InvalidDataException e) {
                refused++;
                assertOneLineNamingFile(e, file);
            }
        }
        assertTrue(refused > bytes.length / 2, "most flips must be caught, caught " + refused + " of " + bytes.length);
    }

    @Test
    void corruptEntriesAreRefused() throws IOException {
        Path good = saved();
        assertRefused(rewrite(good, Map.of("model.json", b -> "{\"format\": ".getBytes(StandardCharsets.UTF_8))),
                "model.json is not valid JSON");
        assertRefused(rewrite(good, Map.of("weights.npy", b -> Arrays.copyOf(b, b.length - 4))),
                "weights.npy: truncated: expected 48 data bytes for shape [4, 3], found 44");
        assertRefused(rewrite(good, Map.of("weights.npy", b -> {
            byte[] c = b.clone();
            c[1] = 'X';
            return c;
        })), "weights.npy: not a .npy array (bad magic bytes)");
        assertRefused(rewrite(good, Map.of("bias.npy", b -> null)), "bias.npy is missing from the archive");
        assertRefused(rewrite(good, Map.of("weights.npy", b -> npy("<f8", "(4, 3)", 12 * 8))),
                "weights.npy: dtype '<f8' but the model is float");
        assertRefused(rewrite(good, Map.of("weights.npy", b -> {
            ByteBuffer nan = ByteBuffer.wrap(b.clone()).order(ByteOrder.LITTLE_ENDIAN);
            nan.putFloat(b.length - 4, Float.NaN);
            return nan.array();
        })), "contain NaN or infinite values");
    }

    @Test
    void inconsistentPartsAreRefused() throws IOException {
        Path good = saved();
        assertRefused(editJson(good, json -> ((ArrayNode) json.get("class_names")).remove(2)),
                "class_names must be an array of num_classes = 3 strings, got 2 entries");
        assertRefused(editJson(good, json -> ((ArrayNode) json.get("class_names")).set(1, "setosa")),
                "class_names are not distinct");
        assertRefused(editJson(good, json -> ((ArrayNode) json.get("class_names")).set(0, "")),
                "class_names hold an empty name at index 0");
        assertRefused(editJson(good, json -> json.put("num_features", 5)),
                "feature_names must be null or an array of num_features = 5 strings, got 4 entries");
        assertRefused(editJson(good, json -> {
            json.remove("feature_names");
            json.put("num_features", 5);
        }), "scaler.shift must be an array of num_features = 5 numbers");
        assertRefused(editJson(good, json -> ((ArrayNode) json.get("feature_names")).set(2, 7)),
                "feature_names must hold strings, found number");
        assertRefused(editJson(good, json -> json.put("feature_names", "sepal_length")),
                "feature_names must be null or an array of num_features = 4 strings, got string");
        // Files written before the names were kept have none, and so have files saved from header-less data.
        for (Consumer<ObjectNode> none : List.<Consumer<ObjectNode>>of(json -> json.remove("feature_names"),
                json -> json.putNull("feature_names"))) {
            assertTrue(ModelIO.load(editJson(good, none)).featureNames().isEmpty());
        }
        assertRefused(rewrite(good, Map.of("bias.npy", b -> npy("<f4", "(4,)", 16))),
                "bias.npy: shape [4] does not match the expected [1, 3]");
        assertRefused(editJson(good, json -> ((ArrayNode) ((ObjectNode) json.get("scaler")).get("scale")).set(0, -1.0)),
                "scaler: every scale must be finite and > 0");
        assertRefused(editJson(good, json -> json.put("dtype", "int8")), "dtype must be \"float\" or \"double\"");
        assertRefused(editJson(good, json -> ((ObjectNode) json.get("training")).put("termination_reason", "BORED")),
                "unknown termination_reason \"BORED\"");
    }

    /** Sizes are checked against limits and against model.json before anything of that size is allocated. */
    @Test
    void absurdSizesAreRefusedBeforeAllocating() throws IOException {
        Path good = saved();
        assertRefused(editJson(good, json -> json.put("num_features", 1L << 40)),
                "field \"num_features\" is 1099511627776, outside [1, " + ModelIO.MAX_FEATURES + "]");
        assertRefused(editJson(good, json -> {
            json.put("num_features", ModelIO.MAX_FEATURES);
            json.put("num_classes", ModelIO.MAX_CLASSES);
        }), "outside the limits of a model file");
        // A header that claims 10^15 rows: refused from the header alone.
        assertRefused(rewrite(good, Map.of("weights.npy", b -> npy("<f4", "(1000000000000000, 3)", 48))),
                "weights.npy: shape [1000000000000000, 3] does not match the expected [4, 3]");
        assertRefused(rewrite(good, Map.of("weights.npy", b -> npy("<f4", "(99999999999999999999, 3)", 48))),
                "bad shape");
        // A zip bomb: 64 MiB of zeros in the bias entry (K = 3 floats expected), tiny when deflated.
        assertRefused(rewrite(good, Map.of("bias.npy", b -> new byte[64 << 20])), "bias.npy declares 67108864 bytes");
        // An .npy header length field of 4 GiB.
        assertRefused(rewrite(good, Map.of("weights.npy", b -> {
            byte[] c = Arrays.copyOf(b, b.length);
            c[6] = 2;
            c[8] = c[9] = c[10] = c[11] = (byte) 0xff;
            return c;
        })), ".npy header of 4294967295 bytes is larger than the limit");
    }

    @Test
    void modelsLargerThanTheFormatAllowsAreNotSaved() {
        int k = ModelIO.MAX_CLASSES + 1;
        List<String> names = java.util.stream.IntStream.range(0, k).mapToObj(Integer::toString).toList();
        SoftmaxRegression huge = new SoftmaxRegression(Nd4j.zeros(DataType.FLOAT, 1, k), Nd4j.zeros(DataType.FLOAT, k),
                names, FeatureScaler.none(1), null);
        Path file = dir.resolve("huge.model");
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ModelIO.save(huge, file, false));
        assertTrue(e.getMessage().contains("outside the limits"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    // ---- fixture generators -------------------------------------------------------------------------------

    private Path saved() throws IOException {
        Path file = dir.resolve("good.model");
        ModelIO.save(floatModel, file, true);
        return file;
    }

    /** Bit-for-bit equality ({@code INDArray.equals} allows a small tolerance). */
    static void assertSameValues(INDArray expected, INDArray actual, String... message) {
        assertEquals(expected.dataType(), actual.dataType(), String.join(" ", message));
        assertArrayEquals(expected.shape(), actual.shape(), String.join(" ", message));
        assertArrayEquals(expected.castTo(DataType.DOUBLE).dup('c').data().asDouble(),
                actual.castTo(DataType.DOUBLE).dup('c').data().asDouble(), String.join(" ", message));
    }

    private static void assertRefused(Path file, String expected) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> ModelIO.load(file));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        assertOneLineNamingFile(e, file);
    }

    private static void assertOneLineNamingFile(Exception e, Path file) {
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    /** The entries of a zip, in order. */
    private static Map<String, byte[]> entries(Path file) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry entry : java.util.Collections.list(zip.entries())) {
                try (InputStream in = zip.getInputStream(entry)) {
                    out.put(entry.getName(), in.readAllBytes());
                }
            }
        }
        return out;
    }

    private static void writeZip(Path file, Map<String, byte[]> entries) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
    }

    private int counter;

    /** A copy of {@code good} with entries replaced by {@code edits} (an edit returning null drops the entry). */
    private Path rewrite(Path good, Map<String, UnaryOperator<byte[]>> edits) throws IOException {
        Map<String, byte[]> entries = entries(good);
        Map<String, byte[]> changed = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            byte[] bytes = edits.getOrDefault(e.getKey(), UnaryOperator.identity()).apply(e.getValue());
            if (bytes != null) {
                changed.put(e.getKey(), bytes);
            }
        }
        Path file = dir.resolve("edited-" + counter++ + ".model");
        writeZip(file, changed);
        return file;
    }

    /** A copy of {@code good} with model.json changed by {@code edit}. */
    private Path editJson(Path good, Consumer<ObjectNode> edit) throws IOException {
        return rewrite(good, Map.of("model.json", b -> {
            try {
                ObjectNode json = (ObjectNode) Json.MAPPER.readTree(b);
                edit.accept(json);
                return Json.MAPPER.writeValueAsBytes(json);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }));
    }

    /** A version 1.0 .npy with the given header fields and {@code dataBytes} zero bytes of data. */
    private static byte[] npy(String descr, String shape, int dataBytes) {
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    @Test
    void npyHelperWritesWhatTheReaderAccepts() {
        INDArray read = Npy.fromBytes(npy("<f4", "(4, 3)", 48), new long[] {4, 3}, DataType.FLOAT, dir, "x.npy");
        assertEquals(Nd4j.zeros(DataType.FLOAT, 4, 3), read);
    }
}
