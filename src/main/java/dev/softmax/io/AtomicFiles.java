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

    /** Why a file that may not be replaced was not written. */
    private static final String EXISTS = "exists, and replacing it was not asked for";

    private AtomicFiles() {
    }

    /** Something that writes a file's contents to a stream. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the contents; the stream is closed by the caller.
         *
         * @param out the temporary file's stream
         * @throws IOException when writing fails; the target is then left as it was
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes to a temporary file beside {@code target}, then moves it into place (atomically where the file
     * system allows). On any failure the temporary file is deleted and {@code target} is left as it was.
     *
     * @param target    the file to create or replace; its parent folders are created
     * @param overwrite whether an existing {@code target} may be replaced
     * @param writer    writes the contents
     * @throws java.nio.file.FileAlreadyExistsException when {@code target} exists and {@code overwrite} is false
     * @throws IOException                              when a folder or the file cannot be created or written
     */
    public static void write(Path target, boolean overwrite, Writer writer) throws IOException {
        Staged staged = stage(target, overwrite, writer);
        try {
            staged.commit();
        } finally {
            staged.discard();
        }
    }

    /**
     * Writes several files that belong together, each replacing any existing one, as {@link #write} writes one:
     * every file is first written whole to its temporary file, and only then are they moved into place, one after
     * another, so that a failure (or an interruption) while the contents are made leaves every old file as it was,
     * not some files new and the others an earlier run's.
     *
     * @param files the files to create or replace, each with what writes its contents, moved into place in this
     *              order
     * @throws IOException when a folder or a file cannot be created or written; the files not yet moved are left
     *                     as they were
     */
    public static void writeAll(java.util.LinkedHashMap<Path, Writer> files) throws IOException {
        java.util.List<Staged> staged = new java.util.ArrayList<>();
        try {
            for (var file : files.entrySet()) {
                staged.add(stage(file.getKey(), true, file.getValue()));
            }
            for (Staged each : staged) {
                each.commit();
            }
        } finally {
            for (Staged each : staged) {
                each.discard();
            }
        }
    }

    /**
     * A file's new contents in its temporary file, not yet moved into place; {@code temp} null when written through.
     * {@code target} is the name given, for messages.
     */
    private record Staged(Path temp, Path absolute, boolean overwrite, Path target) {
        void commit() throws IOException {
            if (temp == null) {
                return;
            }
            UnfinishedFiles.commit(temp, () -> {
                if (!overwrite) {
                    createOnly();
                    return;
                }
                try {
                    Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING);
                }
            });
        }

        /**
         * Puts the file in place only if nothing has the name by then: a hard link fails when the name exists,
         * where a rename replaces it (QA: two threads saving to one new name with overwrite false both returned,
         * the last one's file kept), and the check in {@link #stage} came before the contents were written.
         */
        private void createOnly() throws IOException {
            try {
                Files.createLink(absolute, temp);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new java.nio.file.FileAlreadyExistsException(target.toString(), null, EXISTS);
            } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
                // No hard links on this file system: a move that checks the name first, as the system allows.
                try {
                    Files.move(temp, absolute);
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    throw new java.nio.file.FileAlreadyExistsException(target.toString(), null, EXISTS);
                }
                return;
            }
            try {
                Files.delete(temp);
            } catch (IOException e) {
                // The file is in place under its name: written, whatever becomes of the second name (discard tries).
            }
        }

        void discard() throws IOException {
            if (temp != null) {
                Files.deleteIfExists(temp);
                UnfinishedFiles.release(temp);
            }
        }
    }

    private static Staged stage(Path target, boolean overwrite, Writer writer) throws IOException {
        Path given = target.toAbsolutePath();
        java.io.FileDescriptor stream = standardStream(given);
        if (stream != null) {
            // Through the process's own descriptor, not by opening the name: where the shell sent the standard
            // output to a file, opening /dev/stdout reaches that file, which a rename would replace (and the
            // shell's later output to it was lost) and a truncating open would cut.
            System.out.flush();
            System.err.flush();
            OutputStream out = new java.io.FileOutputStream(stream); // not closed: that would close the descriptor
            writer.writeTo(out);
            out.flush();
            return new Staged(null, given, true, target);
        }
        checkNotAFolder(target, given);
        if (isDevice(given)) {
            // /dev/stdout, /dev/null, a pipe: written through (the system follows any links); a rename would replace
            // the node itself.
            try (OutputStream out = Files.newOutputStream(given)) {
                writer.writeTo(out);
            }
            return new Staged(null, given, true, target);
        }
        Path absolute = resolveLinks(given);
        Path dir = absolute.getParent();
        createFolders(target, dir);
        if (!overwrite && Files.exists(absolute)) {
            throw new java.nio.file.FileAlreadyExistsException(target.toString(), null, EXISTS);
        }
        // Not Files.createTempFile: it creates the file with mode 0600, so a saved model or report would be
        // unreadable to everyone else. CREATE_NEW with a random name gets the usual umask-derived mode instead.
        Path temp = dir.resolve("." + absolute.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
        FileChannel opened;
        try {
            opened = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException(target + ": cannot create a file in " + dir + reason(e), e);
        }
        Staged staged = new Staged(UnfinishedFiles.add(temp), absolute, overwrite, target);
        try (FileChannel channel = opened;
             OutputStream out = Channels.newOutputStream(channel)) {
            writer.writeTo(out);
            out.flush();
            // On disk before the rename, so that a crash cannot leave the new name with missing contents.
            channel.force(true);
        } catch (IOException | RuntimeException | Error e) {
            staged.discard();
            throw e;
        }
        return staged;
    }

    /**
     * Checks, before a long computation, that {@link #write} will be able to create {@code target}: the nearest
     * folder of its path that exists must be a folder in which a file can be created (tried with a temporary file,
     * deleted at once). Folders that do not exist yet are not created here.
     *
     * @param target the file that will be written
     * @throws IOException naming {@code target} and the folder when it cannot
     */
    public static void checkWritable(Path target) throws IOException {
        Path given = target.toAbsolutePath();
        if (standardStream(given) != null) {
            return;
        }
        checkNotAFolder(target, given);
        if (!isDevice(given)) {
            checkCanCreateIn(target, resolveLinks(given).getParent());
        }
    }

    /**
     * The standard output or error when {@code path} names it as the system does ({@code /dev/stdout},
     * {@code /dev/fd/1}, {@code /proc/self/fd/1}, and the same for 2), else {@code null}.
     *
     * @param path an absolute path
     * @return {@link java.io.FileDescriptor#out}, {@link java.io.FileDescriptor#err} or {@code null}
     */
    public static java.io.FileDescriptor standardStream(Path path) {
        String name = path.normalize().toString();
        if (name.equals("/dev/stdout") || name.equals("/dev/fd/1") || name.equals("/proc/self/fd/1")) {
            return java.io.FileDescriptor.out;
        }
        if (name.equals("/dev/stderr") || name.equals("/dev/fd/2") || name.equals("/proc/self/fd/2")) {
            return java.io.FileDescriptor.err;
        }
        return null;
    }

    /** Whether {@code path} (links followed) exists and is neither a regular file nor a folder. */
    private static boolean isDevice(Path path) {
        return Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path);
    }

    /** {@code path} with symbolic links followed, so that a link's target is written and the link kept. */
    private static Path resolveLinks(Path path) throws IOException {
        Path resolved = path;
        for (int hops = 0; Files.isSymbolicLink(resolved); hops++) {
            if (hops == 40) {
                throw new IOException(path + ": too many levels of symbolic links");
            }
            // Not normalised: ".." after a linked folder is for the system to resolve, not to cancel as text.
            resolved = resolved.resolveSibling(Files.readSymbolicLink(resolved)).toAbsolutePath();
        }
        return resolved;
    }

    private static void checkNotAFolder(Path target, Path absolute) throws IOException {
        if (Files.isDirectory(absolute)) {
            throw new IOException(target + ": is a folder; give a file name");
        }
    }

    /**
     * As {@link #checkWritable} for a folder that files will be written into ({@code --plot}, {@code --out}).
     *
     * @param folder the folder, which need not exist yet
     * @throws IOException naming {@code folder} and the folder checked when a file cannot be created there
     */
    public static void checkWritableFolder(Path folder) throws IOException {
        checkCanCreateIn(folder, folder.toAbsolutePath());
    }

    private static void checkCanCreateIn(Path target, Path folder) throws IOException {
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IOException(target + ": no part of " + folder + " exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new IOException(target + ": " + existing + " is not a folder");
        }
        Path probe;
        try {
            probe = Files.createTempFile(existing, ".softmax-regression-", ".tmp");
        } catch (IOException e) {
            throw new IOException(target + ": cannot create a file in " + existing + reason(e), e);
        }
        Files.deleteIfExists(probe);
    }

    /** Creates {@code dir} and its parents, naming {@code target} when a part of the path is a file. */
    private static void createFolders(Path target, Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new IOException(target + ": " + e.getFile() + " is not a folder", e);
        } catch (java.nio.file.FileSystemException e) {
            throw new IOException(target + ": cannot create the folder " + dir + reason(e), e);
        }
    }

    /** {@code " (reason)"} from a file-system exception's reason, or nothing when it gives none. */
    private static String reason(IOException e) {
        String reason = e instanceof java.nio.file.FileSystemException f ? f.getReason() : null;
        if (reason == null && e instanceof java.nio.file.AccessDeniedException) {
            reason = "permission denied";
        }
        if (reason == null && e instanceof java.nio.file.NoSuchFileException) {
            reason = "no such file or folder";
        }
        return reason == null ? "" : " (" + reason + ")";
    }

    /**
     * Writes {@code text} as UTF-8, replacing any existing file.
     *
     * @param target the file to create or replace, as in {@link #write}
     * @param text   the contents
     * @throws IOException when the file cannot be written
     */
    public static void writeString(Path target, String text) throws IOException {
        write(target, true, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
