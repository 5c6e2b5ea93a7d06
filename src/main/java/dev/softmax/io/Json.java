package dev.softmax.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** JSON output shared by reports and model headers (Jackson, pretty-printed, keys in insertion order). */
public final class Json {

    /** The shared, thread-safe mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    /**
     * Writes {@code value} (maps, lists, records) to {@code target} atomically, ending with a line break.
     *
     * @param target the file to create or replace
     * @param value  what to write
     * @throws IOException when the value cannot be serialised or the file cannot be written
     */
    public static void write(Path target, Object value) throws IOException {
        AtomicFiles.write(target, true, writer(value));
    }

    /**
     * What writes {@code value} as {@link #write} does, for {@link AtomicFiles#writeAll}.
     *
     * @param value the value to write
     * @return the writer
     */
    public static AtomicFiles.Writer writer(Object value) {
        return out -> {
            MAPPER.writeValue(new NonClosing(out), value);
            out.write('\n'); // a text file's last line ends, also on a terminal (--report /dev/stdout)
        };
    }

    /** Jackson closes the stream it writes to; {@link AtomicFiles} closes it itself. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(java.io.OutputStream out) {
            super(out);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
