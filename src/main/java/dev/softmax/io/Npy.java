package dev.softmax.io;

import dev.softmax.data.InvalidDataException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy {@code .npy} arrays (format 1.0 to write; 1.0, 2.0 and 3.0 to read), little-endian {@code <f4} or
 * {@code <f8}, C order. See <a href="https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html">
 * numpy.lib.format</a>.
 *
 * <p>Written and parsed here rather than with ND4J's {@code Nd4j.writeAsNumpy} / {@code createNpyFromByteArray}:
 * those go through native code, which trusts the header, so a corrupt or hostile file could make it allocate
 * or read out of bounds. Here the header is parsed in Java and checked against the shape the caller expects
 * before any array is allocated. (The tests check that ND4J reads what is written here.)
 */
final class Npy {

    /** {@code \x93NUMPY}. */
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Headers longer than this are refused; NumPy's own are under 200 bytes for 2-d arrays. */
    static final int MAX_HEADER_BYTES = 1 << 16;
    /** Longest possible preamble: magic, version, 4-byte length. */
    static final int MAX_PREAMBLE_BYTES = MAGIC.length + 2 + 4 + MAX_HEADER_BYTES;

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * The {@code .npy} bytes of {@code array} (rank 1 or 2, FLOAT or DOUBLE), in C order whatever its ordering.
     */
    static byte[] toBytes(INDArray array) {
        DataType type = array.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("only FLOAT and DOUBLE arrays are written, got " + type);
        }
        long[] shape = array.shape();
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : "(" + String.join(", ", Arrays.stream(shape).mapToObj(Long::toString).toList()) + ")";
        String dict = "{'descr': '" + descr(type) + "', 'fortran_order': False, 'shape': " + shapeText + ", }";
        // NumPy pads the header with spaces and a newline so that the data starts at a multiple of 64 bytes.
        int preamble = MAGIC.length + 2 + 2;
        int total = preamble + dict.length() + 1;
        int padded = (total + 63) / 64 * 64;
        String header = dict + " ".repeat(padded - total) + "\n";

        int itemSize = type == DataType.FLOAT ? 4 : 8;
        ByteBuffer data = ByteBuffer.allocate(Math.toIntExact(array.length() * itemSize))
                .order(ByteOrder.LITTLE_ENDIAN);
        INDArray flat = Nd4j.toFlattened('c', array);
        if (type == DataType.FLOAT) {
            data.asFloatBuffer().put(flat.toFloatVector());
        } else {
            data.asDoubleBuffer().put(flat.toDoubleVector());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(padded + data.capacity());
        out.writeBytes(MAGIC);
        out.write(1);
        out.write(0);
        out.write(header.length() & 0xff);
        out.write(header.length() >>> 8);
        out.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(data.array());
        return out.toByteArray();
    }

    /**
     * Parses {@code .npy} bytes that must hold an array of {@code type} and exactly {@code expectedShape}.
     *
     * @param bytes         the whole file
     * @param expectedShape the shape the caller needs; a 1-d {@code (K,)} also matches {@code [1,K]}
     * @param type          FLOAT ({@code <f4}) or DOUBLE ({@code <f8})
     * @param file          the model file, for messages
     * @param entry         the entry name, for messages
     * @return a new {@code 'c'}-order array of {@code expectedShape}
     * @throws InvalidDataException naming {@code file} and {@code entry} for any mismatch
     */
    static INDArray fromBytes(byte[] bytes, long[] expectedShape, DataType type, Path file, String entry) {
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw bad(file, entry, "not a .npy array (bad magic bytes)");
        }
        int major = bytes[6] & 0xff;
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength;
        int headerStart;
        if (major == 1) {
            headerLength = in.getShort(8) & 0xffff;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (bytes.length < 12) {
                throw bad(file, entry, "truncated .npy header");
            }
            headerLength = in.getInt(8) & 0xffffffffL;
            headerStart = 12;
        } else {
            throw bad(file, entry, ".npy format version " + major + " is not supported (1, 2 and 3 are)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw bad(file, entry, ".npy header of " + headerLength + " bytes is larger than the limit "
                    + MAX_HEADER_BYTES);
        }
        if (headerStart + headerLength > bytes.length) {
            throw bad(file, entry, "truncated .npy header");
        }
        String header = new String(bytes, headerStart, (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file, entry, "descr");
        if (!descr.equals(descr(type))) {
            throw bad(file, entry, "dtype '" + descr + "' but the model is " + type.name().toLowerCase()
                    + ", expected '" + descr(type) + "'");
        }
        if (group(FORTRAN, header, file, entry, "fortran_order").equals("True")) {
            throw bad(file, entry, "Fortran-order arrays are not supported, expected C order");
        }
        long[] shape = parseShape(group(SHAPE, header, file, entry, "shape"), file, entry);
        boolean matches = Arrays.equals(shape, expectedShape)
                || (expectedShape.length == 2 && expectedShape[0] == 1 && shape.length == 1
                    && shape[0] == expectedShape[1]);
        if (!matches) {
            throw bad(file, entry, "shape " + Arrays.toString(shape) + " does not match the expected "
                    + Arrays.toString(expectedShape));
        }
        // The expected shape is already bounded by the caller, so this product cannot overflow.
        long count = 1;
        for (long dim : expectedShape) {
            count *= dim;
        }
        int itemSize = type == DataType.FLOAT ? 4 : 8;
        long dataStart = headerStart + headerLength;
        long available = bytes.length - dataStart;
        if (available != count * itemSize) {
            throw bad(file, entry, (available < count * itemSize ? "truncated: " : "corrupt: ") + "expected "
                    + count * itemSize + " data bytes for shape " + Arrays.toString(shape) + ", found " + available);
        }
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) dataStart, (int) available).slice()
                .order(ByteOrder.LITTLE_ENDIAN);
        if (type == DataType.FLOAT) {
            float[] values = new float[(int) count];
            data.asFloatBuffer().get(values);
            return Nd4j.create(values, expectedShape, 'c');
        }
        double[] values = new double[(int) count];
        data.asDoubleBuffer().get(values);
        return Nd4j.create(values, expectedShape, 'c');
    }

    private static long[] parseShape(String text, Path file, String entry) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            // At most 18 digits: a bigger dimension is absurd anyway, and parsing cannot overflow.
            if (!p.matches("[0-9]{1,18}L?")) {
                throw bad(file, entry, "bad shape '(" + text + ")' in the .npy header");
            }
            dims.add(Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p));
            if (dims.size() > 2) {
                throw bad(file, entry, "shape '(" + text + ")' has more than 2 dimensions");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static String group(Pattern pattern, String header, Path file, String entry, String key) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw bad(file, entry, "no '" + key + "' in the .npy header");
        }
        return m.group(1);
    }

    private static String descr(DataType type) {
        return type == DataType.FLOAT ? "<f4" : "<f8";
    }

    private static InvalidDataException bad(Path file, String entry, String problem) {
        return new InvalidDataException(file, entry + ": " + problem);
    }
}
