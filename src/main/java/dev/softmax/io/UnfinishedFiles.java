package dev.softmax.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Temporary files and folders that are removed if the JVM is stopped (Ctrl-C, {@code kill}) before their writer
 * has finished with them, so that an interrupted download or write leaves nothing behind, as a failed one does.
 * A writer registers a path when it creates it and, when done, either moves it into place through
 * {@link #commit} or deletes it and {@link #release}s it.
 *
 * <p>Only the command line installs the shutdown hook ({@link #installShutdownHook}); until then nothing is
 * registered, so a program that embeds the library and saves a model from its own shutdown hook is not raced by
 * ours.
 */
public final class UnfinishedFiles {

    /** A move into place, which may fail. */
    @FunctionalInterface
    public interface Move {
        /**
         * Moves the finished path into place.
         *
         * @throws IOException when it cannot
         */
        void run() throws IOException;
    }

    private static final Object LOCK = new Object();
    private static final Set<Path> TREES = new LinkedHashSet<>();
    private static final Set<Path> EMPTY_FOLDERS = new LinkedHashSet<>();
    private static boolean installed;
    private static boolean stopping;

    private UnfinishedFiles() {
    }

    /** Installs the hook that removes what is registered when the JVM stops; once, from the command line. */
    public static void installShutdownHook() {
        synchronized (LOCK) {
            if (installed) {
                return;
            }
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(UnfinishedFiles::removeAll, "unfinished-files"));
                installed = true;
            } catch (IllegalStateException e) {
                // Already shutting down: there is nothing left to protect.
            }
        }
    }

    /**
     * Registers a temporary file, or a folder removed with all it holds.
     *
     * @param path the file or folder
     * @return {@code path}
     */
    public static Path add(Path path) {
        synchronized (LOCK) {
            if (installed) {
                TREES.add(path.toAbsolutePath());
            }
        }
        return path;
    }

    /**
     * Registers a folder that is removed if it is empty then, after the registered files.
     *
     * @param folder the folder
     */
    public static void addIfEmpty(Path folder) {
        synchronized (LOCK) {
            if (installed) {
                EMPTY_FOLDERS.add(folder.toAbsolutePath());
            }
        }
    }

    /**
     * Releases a path registered by {@link #add} or {@link #addIfEmpty}: its writer is done with it.
     *
     * @param path the path
     */
    public static void release(Path path) {
        Path absolute = path.toAbsolutePath();
        synchronized (LOCK) {
            TREES.remove(absolute);
            EMPTY_FOLDERS.remove(absolute);
        }
    }

    /**
     * Moves a registered path into place and releases it, as one step with respect to the shutdown hook: the hook
     * never deletes part of a folder that is then moved into place. Once the JVM is stopping, nothing is moved.
     *
     * @param path the registered path
     * @param move moves it into place
     * @throws IOException when the move fails, or the JVM is stopping
     */
    public static void commit(Path path, Move move) throws IOException {
        synchronized (LOCK) {
            if (stopping) {
                throw new IOException(path + ": not moved into place, the program is stopping");
            }
            move.run();
            release(path);
        }
    }

    /** Removes what is registered, and moves nothing into place from then on: what a shutdown does. */
    static void removeAll() {
        synchronized (LOCK) {
            stopping = true;
            for (Path path : List.copyOf(TREES)) {
                try {
                    deleteTree(path);
                } catch (IOException | UncheckedIOException e) {
                    // The JVM is stopping: what cannot be removed stays.
                }
            }
            TREES.clear();
            // Deepest first, so that a folder emptied by removing the one inside it goes too.
            List<Path> folders = EMPTY_FOLDERS.stream()
                    .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList();
            for (Path folder : folders) {
                try {
                    Files.deleteIfExists(folder);
                } catch (DirectoryNotEmptyException e) {
                    // Holds something else: kept.
                } catch (IOException e) {
                    // The JVM is stopping: what cannot be removed stays.
                }
            }
            EMPTY_FOLDERS.clear();
        }
    }

    /** Tests only: registration on without a hook, and a fresh start. */
    static void resetForTests(boolean registering) {
        synchronized (LOCK) {
            installed = registering;
            stopping = false;
            TREES.clear();
            EMPTY_FOLDERS.clear();
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }
}
