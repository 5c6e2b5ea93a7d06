package dev.softmax.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Writes files so that readers see either the old file or the complete new one, never a partial file. */
public final class AtomicFiles {

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private AtomicFiles() {
    }

    /** Something that writes a file's contents to a stream. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the contents; the stream is closed by the caller. */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes to a temporary file beside {@code target}, then moves it into place (atomically where the file
     * system allows). On any failure the temporary file is deleted and {@code target} is left as it was.
     *
     * @param target    the file to create or replace; its parent folders are created
     * @param overwrite whether an existing {@code target} may be replaced
     */
    public static void write(Path target, boolean overwrite, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Files.createDirectories(dir);
        if (!overwrite && Files.exists(absolute)) {
            throw new java.nio.file.FileAlreadyExistsException(target + " (use --force to replace it)");
        }
        // Not Files.createTempFile: it creates the file with mode 0600, so a saved model or report would be
        // unreadable to everyone else. CREATE_NEW with a random name gets the usual umask-derived mode instead.
        Path temp = dir.resolve("." + absolute.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(channel)) {
                writer.writeTo(out);
                out.flush();
                // On disk before the rename, so that a crash cannot leave the new name with missing contents.
                channel.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes {@code text} as UTF-8, replacing any existing file. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, true, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
