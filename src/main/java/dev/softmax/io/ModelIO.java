package dev.softmax.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.softmax.Blas;
import dev.softmax.data.FeatureScaler;
import dev.softmax.data.InvalidDataException;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.model.TrainingSummary;
import dev.softmax.optim.TerminationReason;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Saves and loads {@link SoftmaxRegression} models.
 *
 * <h2>Format (version {@value #FORMAT_VERSION})</h2>
 * A zip archive with three entries:
 * <ul>
 *   <li>{@code model.json}: {@code format} ({@value #FORMAT_NAME}), {@code format_version}, {@code dtype}
 *       ({@code float} or {@code double}), {@code num_features} {@code d}, {@code num_classes} {@code K},
 *       {@code class_names}, {@code feature_names} (the training data's column names, or {@code null}; absent
 *       from files written before they were kept), {@code scaler} ({@code kind}, {@code shift}, {@code scale}:
 *       raw features are mapped
 *       to {@code (x - shift) / scale}) and {@code training} (configuration and outcome, or {@code null});</li>
 *   <li>{@code weights.npy}: {@code W}, shape {@code (d, K)};</li>
 *   <li>{@code bias.npy}: {@code b}, shape {@code (K,)};</li>
 * </ul>
 * both NumPy arrays of {@code <f4} or {@code <f8}, C order. Because the archive holds {@code .npy} entries it
 * is also a valid {@code .npz}: {@code numpy.load(path)["weights"]} works.
 *
 * <h2>Safety</h2>
 * Saving writes a temporary file and moves it into place, and replaces an existing file only when asked.
 * Loading checks the format name and version first, bounds every size before allocating (zip entry sizes,
 * {@code d}, {@code K} and {@code d*K} against the limits below, the {@code .npy} headers against
 * {@code model.json}), checks each entry's CRC and the consistency of the parts, and only then builds the
 * model. Every problem is an {@link InvalidDataException} whose one-line message names the file.
 */
public final class ModelIO {

    /** The format version this build writes, and the newest it reads. */
    public static final int FORMAT_VERSION = 1;
    /** The {@code format} value in {@code model.json}, telling our files from other zips with a JSON file. */
    public static final String FORMAT_NAME = "softmax-regression-model";
    /** Most features a model file may have. */
    public static final int MAX_FEATURES = 1 << 22;
    /** Most classes a model file may have. */
    public static final int MAX_CLASSES = 1 << 16;
    /** Most entries {@code d*K} in the weight matrix (512 MiB as doubles). */
    public static final long MAX_PARAMETERS = 1L << 26;
    /** Most bytes {@code model.json} may have. */
    public static final long MAX_HEADER_BYTES = 256L << 20;

    static final String HEADER_ENTRY = "model.json";
    static final String WEIGHTS_ENTRY = "weights.npy";
    static final String BIAS_ENTRY = "bias.npy";

    private ModelIO() {
    }

    /**
     * Writes {@code model} to {@code file} atomically: a reader sees the old file or the whole new one.
     *
     * @param model     the model to save
     * @param file      the file to create or replace
     * @param overwrite whether an existing file may be replaced
     * @throws java.nio.file.FileAlreadyExistsException when the file exists and {@code overwrite} is false
     * @throws IllegalArgumentException                  when the model is larger than a model file may be
     */
    public static void save(SoftmaxRegression model, Path file, boolean overwrite) throws IOException {
        java.util.Objects.requireNonNull(model, "model must not be null");
        java.util.Objects.requireNonNull(file, "file must not be null");
        checkLimits(model.numFeatures(), model.numClasses(), file);
        byte[] header = Json.MAPPER.writeValueAsBytes(header(model));
        if (header.length > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(file + ": the model's header would take " + header.length
                    + " bytes, more than the " + MAX_HEADER_BYTES + " a model file may have (class names too long?)");
        }
        byte[] weights = Npy.toBytes(model.weights());
        byte[] bias = Npy.toBytes(model.bias().reshape(model.numClasses()));
        AtomicFiles.write(file, overwrite, out -> {
            try (ZipOutputStream zip = new ZipOutputStream(new KeepOpen(out))) {
                putEntry(zip, HEADER_ENTRY, header);
                putEntry(zip, WEIGHTS_ENTRY, weights);
                putEntry(zip, BIAS_ENTRY, bias);
            }
        });
    }

    /**
     * Reads a model written by {@link #save} (by this or an earlier format version).
     *
     * @param file the model file
     * @return the model, with its training summary
     * @throws InvalidDataException for a missing, empty, foreign, too-new, corrupt, truncated, oversized or
     *                              inconsistent file; the message names the file and says what is wrong
     * @throws IOException          when the file cannot be read at all (permissions, I/O errors)
     */
    public static SoftmaxRegression load(Path file) throws IOException {
        java.util.Objects.requireNonNull(file, "file must not be null");
        checkZipMagic(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            JsonNode header = parseHeader(readEntry(zip, HEADER_ENTRY, MAX_HEADER_BYTES, file), file);
            return fromHeader(header, zip, file);
        } catch (ZipException | EOFException e) {
            throw new InvalidDataException(file, "corrupt or truncated model file" + InvalidDataException.reason(e));
        }
    }

    private static Map<String, Object> header(SoftmaxRegression model) {
        FeatureScaler scaler = model.scaler();
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("format", FORMAT_NAME);
        json.put("format_version", FORMAT_VERSION);
        json.put("dtype", model.dataType() == DataType.DOUBLE ? "double" : "float");
        json.put("num_features", model.numFeatures());
        json.put("num_classes", model.numClasses());
        json.put("class_names", model.classNames());
        json.put("feature_names", model.featureNames().orElse(null));
        Map<String, Object> scaling = new LinkedHashMap<>();
        scaling.put("kind", scaler.kind().name().toLowerCase(Locale.ROOT));
        scaling.put("shift", scaler.shift());
        scaling.put("scale", scaler.scale());
        json.put("scaler", scaling);
        json.put("training", model.trainingSummary().map(ModelIO::training).orElse(null));
        return json;
    }

    private static Map<String, Object> training(TrainingSummary s) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("optimizer", s.optimizer());
        json.put("l2", s.l2());
        json.put("max_iterations", s.maxIterations());
        json.put("gradient_tolerance", s.gradientTolerance());
        json.put("function_tolerance", s.relativeFunctionTolerance());
        json.put("num_samples", s.numSamples());
        json.put("iterations", s.iterations());
        json.put("termination_reason", s.terminationReason().name());
        json.put("converged", s.converged());
        // JSON has no NaN: a value that was not measured is written as null.
        json.put("objective", finiteOrNull(s.objective()));
        json.put("gradient_norm", finiteOrNull(s.gradientNorm()));
        return json;
    }

    private static SoftmaxRegression fromHeader(JsonNode json, ZipFile zip, Path file) throws IOException {
        if (!json.isObject() || !FORMAT_NAME.equals(json.path("format").asText(null))) {
            throw new InvalidDataException(file, "not a softmax-regression model file (model.json has no \"format\": \""
                    + FORMAT_NAME + "\")");
        }
        // The version is checked before any other field, so that a newer layout is reported as newer, not as broken.
        JsonNode versionNode = json.path("format_version");
        if (!versionNode.canConvertToInt() || !versionNode.isIntegralNumber() || versionNode.intValue() < 1) {
            throw new InvalidDataException(file, "corrupt model file: format_version is " + versionNode
                    + ", expected a positive integer");
        }
        int version = versionNode.intValue();
        if (version > FORMAT_VERSION) {
            throw new InvalidDataException(file, "unknown model format version " + version
                    + ", this build reads at most " + FORMAT_VERSION + " (written by a newer softmax-regression?)");
        }
        DataType type = switch (text(json, "dtype", file)) {
            case "float" -> DataType.FLOAT;
            case "double" -> DataType.DOUBLE;
            default -> throw corrupt(file, "dtype must be \"float\" or \"double\", got " + json.get("dtype"));
        };
        int d = boundedInt(json, "num_features", 1, MAX_FEATURES, file);
        int k = boundedInt(json, "num_classes", 2, MAX_CLASSES, file);
        checkLimits(d, k, file);
        List<String> classNames = classNames(json, k, file);
        List<String> featureNames = featureNames(json, d, file);
        FeatureScaler scaler = scaler(json.path("scaler"), d, file);
        TrainingSummary training = training(json.path("training"), file);

        long weightBytes = (long) d * k * (type == DataType.FLOAT ? 4 : 8);
        INDArray weights = Npy.fromBytes(readEntry(zip, WEIGHTS_ENTRY, Npy.MAX_PREAMBLE_BYTES + weightBytes, file),
                new long[] {d, k}, type, file, WEIGHTS_ENTRY);
        INDArray bias = Npy.fromBytes(readEntry(zip, BIAS_ENTRY, Npy.MAX_PREAMBLE_BYTES + 8L * k, file),
                new long[] {1, k}, type, file, BIAS_ENTRY);
        if (!Blas.allFinite(weights) || !Blas.allFinite(bias)) {
            throw corrupt(file, "the weights or bias contain NaN or infinite values");
        }
        try {
            return new SoftmaxRegression(weights, bias, classNames, scaler, null, training)
                    .withFeatureNames(featureNames);
        } catch (IllegalArgumentException e) {
            throw corrupt(file, e.getMessage());
        }
    }

    private static List<String> classNames(JsonNode json, int k, Path file) {
        List<String> out = strings(json, "class_names", "an array of num_classes = " + k, k, file);
        for (int i = 0; i < k; i++) {
            if (out.get(i).isBlank()) {
                // Training refuses empty labels, so only an edited file holds one; predict would print "".
                throw corrupt(file, "class_names hold an empty name at index " + i);
            }
        }
        if (out.stream().distinct().count() != k) {
            throw corrupt(file, "class_names are not distinct: " + out);
        }
        return out;
    }

    /** The feature names, or {@code null} where the file has none (written before they were kept, or null). */
    private static List<String> featureNames(JsonNode json, int d, Path file) {
        JsonNode names = json.path("feature_names");
        return names.isMissingNode() || names.isNull() ? null
                : strings(json, "feature_names", "null or an array of num_features = " + d, d, file);
    }

    /** The array of {@code count} strings under {@code key}; {@code what} says what it must be, for the message. */
    private static List<String> strings(JsonNode json, String key, String what, int count, Path file) {
        JsonNode names = json.path(key);
        if (!names.isArray() || names.size() != count) {
            throw corrupt(file, key + " must be " + what + " strings, got "
                    + (names.isArray() ? names.size() + " entries" : names.getNodeType().toString().toLowerCase()));
        }
        List<String> out = new ArrayList<>(count);
        for (JsonNode name : names) {
            if (!name.isTextual()) {
                throw corrupt(file, key + " must hold strings, found " + name.getNodeType().toString().toLowerCase());
            }
            out.add(name.textValue());
        }
        return out;
    }

    private static FeatureScaler scaler(JsonNode json, int d, Path file) {
        if (!json.isObject()) {
            throw corrupt(file, "missing \"scaler\" object");
        }
        FeatureScaler.Kind kind;
        try {
            kind = FeatureScaler.Kind.valueOf(text(json, "kind", file).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "unknown scaler kind " + json.get("kind"));
        }
        try {
            return new FeatureScaler(kind, doubles(json, "shift", d, file), doubles(json, "scale", d, file));
        } catch (InvalidDataException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "scaler: " + e.getMessage());
        }
    }

    private static TrainingSummary training(JsonNode json, Path file) {
        if (json.isMissingNode() || json.isNull()) {
            return null;
        }
        if (!json.isObject()) {
            throw corrupt(file, "\"training\" must be an object or null");
        }
        TerminationReason reason;
        try {
            reason = TerminationReason.valueOf(text(json, "termination_reason", file));
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "unknown termination_reason " + json.get("termination_reason"));
        }
        try {
            return new TrainingSummary(text(json, "optimizer", file), number(json, "l2", file),
                    boundedInt(json, "max_iterations", 0, Integer.MAX_VALUE, file),
                    number(json, "gradient_tolerance", file), number(json, "function_tolerance", file),
                    boundedInt(json, "num_samples", 0, Integer.MAX_VALUE, file),
                    boundedInt(json, "iterations", 0, Integer.MAX_VALUE, file), reason,
                    number(json, "objective", file), number(json, "gradient_norm", file));
        } catch (InvalidDataException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw corrupt(file, "training: " + e.getMessage());
        }
    }

    private static void checkLimits(long d, long k, Path file) {
        if (d < 1 || d > MAX_FEATURES || k < 2 || k > MAX_CLASSES || d * k > MAX_PARAMETERS) {
            throw new InvalidDataException(file, "a model with " + d + " features and " + k + " classes is outside"
                    + " the limits of a model file (1.." + MAX_FEATURES + " features, 2.." + MAX_CLASSES
                    + " classes, at most " + MAX_PARAMETERS + " weights)");
        }
    }

    /** Tells a foreign file from a damaged model file before the zip reader gives a vaguer message. */
    private static void checkZipMagic(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a directory, not a file");
        }
        byte[] magic = new byte[4];
        int read;
        try (InputStream in = Files.newInputStream(file)) {
            read = in.readNBytes(magic, 0, 4);
        } catch (NoSuchFileException e) {
            throw new InvalidDataException(file, "file not found");
        }
        if (read == 0) {
            throw new InvalidDataException(file, "empty file, not a model file");
        }
        if (read < 4 || magic[0] != 'P' || magic[1] != 'K') {
            throw new InvalidDataException(file, "not a model file (not a zip archive)");
        }
    }

    /**
     * The bytes of one entry, refusing entries that claim or turn out to be larger than {@code limit} before
     * allocating for them, and checking the CRC (the JDK's {@link ZipFile} streams do not).
     */
    private static byte[] readEntry(ZipFile zip, String name, long limit, Path file) throws IOException {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new InvalidDataException(file, name.equals(HEADER_ENTRY)
                    ? "not a model file (no " + HEADER_ENTRY + " in the archive)"
                    : "corrupt model file: " + name + " is missing from the archive");
        }
        if (entry.getSize() > limit) {
            throw new InvalidDataException(file, name + " declares " + entry.getSize() + " bytes, more than the "
                    + limit + " expected");
        }
        byte[] bytes;
        try (InputStream in = zip.getInputStream(entry)) {
            bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
        }
        if (bytes.length > limit) {
            throw new InvalidDataException(file, name + " holds more than the " + limit + " bytes expected");
        }
        if (entry.getSize() >= 0 && bytes.length != entry.getSize()) {
            throw corrupt(file, name + " has " + bytes.length + " bytes but its entry says " + entry.getSize());
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        if (entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
            throw corrupt(file, name + " fails its CRC check");
        }
        return bytes;
    }

    private static JsonNode parseHeader(byte[] bytes, Path file) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw corrupt(file, HEADER_ENTRY + " is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw corrupt(file, HEADER_ENTRY + " cannot be parsed" + InvalidDataException.reason(e));
        }
    }

    private static String text(JsonNode json, String field, Path file) {
        JsonNode node = json.path(field);
        if (!node.isTextual()) {
            throw corrupt(file, "field \"" + field + "\" is missing or not a string");
        }
        return node.textValue();
    }

    private static int boundedInt(JsonNode json, String field, int min, int max, Path file) {
        JsonNode node = json.path(field);
        if (!node.isIntegralNumber()) {
            throw corrupt(file, "field \"" + field + "\" is missing or not an integer");
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw new InvalidDataException(file, "field \"" + field + "\" is " + node + ", outside [" + min + ", "
                    + max + "]");
        }
        return node.intValue();
    }

    /** A number, with null read as NaN (how {@link #save} writes values that were not measured). */
    private static double number(JsonNode json, String field, Path file) {
        JsonNode node = json.path(field);
        if (node.isNull()) {
            return Double.NaN;
        }
        if (!node.isNumber()) {
            throw corrupt(file, "field \"" + field + "\" is missing or not a number");
        }
        return node.doubleValue();
    }

    private static double[] doubles(JsonNode json, String field, int length, Path file) {
        JsonNode node = json.path(field);
        if (!node.isArray() || node.size() != length) {
            throw corrupt(file, "scaler." + field + " must be an array of num_features = " + length + " numbers");
        }
        double[] out = new double[length];
        for (int i = 0; i < length; i++) {
            if (!node.get(i).isNumber()) {
                throw corrupt(file, "scaler." + field + "[" + i + "] is not a number");
            }
            out[i] = node.get(i).doubleValue();
        }
        return out;
    }

    private static Double finiteOrNull(double v) {
        return Double.isFinite(v) ? v : null;
    }

    private static InvalidDataException corrupt(Path file, String problem) {
        return new InvalidDataException(file, "corrupt model file: " + problem);
    }

    private static void putEntry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        // A fixed time, so that the same model makes the same file, byte for byte. Not 1980-01-01, the earliest a
        // zip's own fields hold: in zones east of UTC that instant is before 1980, and the JDK then adds an
        // extended timestamp that depends on the zone.
        entry.setTimeLocal(java.time.LocalDateTime.of(2000, 1, 1, 0, 0));
        zip.putNextEntry(entry);
        zip.write(bytes);
        zip.closeEntry();
    }

    /** Lets the zip stream be closed (finishing the archive) without closing the file, which the caller owns. */
    private static final class KeepOpen extends java.io.FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
