package dev.softmax.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Temporary files and folders that are removed if the JVM is stopped (Ctrl-C, {@code kill}) before their writer
 * has finished with them, so that an interrupted download or write leaves nothing behind, as a failed one does.
 * A writer registers a path when it creates it and releases it once the path is moved into place or deleted.
 */
public final class UnfinishedFiles {

    private static final Set<Path> TREES = ConcurrentHashMap.newKeySet();
    private static final Set<Path> EMPTY_FOLDERS = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(UnfinishedFiles::removeAll, "unfinished-files"));
    }

    private UnfinishedFiles() {
    }

    /**
     * Registers a temporary file, or a folder removed with all it holds.
     *
     * @param path the file or folder
     * @return {@code path}
     */
    public static Path add(Path path) {
        TREES.add(path.toAbsolutePath());
        return path;
    }

    /**
     * Registers a folder that is removed if it is empty then, after the registered files.
     *
     * @param folder the folder
     */
    public static void addIfEmpty(Path folder) {
        EMPTY_FOLDERS.add(folder.toAbsolutePath());
    }

    /**
     * Releases a path registered by {@link #add} or {@link #addIfEmpty}: its writer is done with it.
     *
     * @param path the path
     */
    public static void release(Path path) {
        Path absolute = path.toAbsolutePath();
        TREES.remove(absolute);
        EMPTY_FOLDERS.remove(absolute);
    }

    /** Removes what is registered: what a shutdown does. */
    static void removeAll() {
        for (Path path : List.copyOf(TREES)) {
            try {
                deleteTree(path);
            } catch (IOException | UncheckedIOException e) {
                // The JVM is stopping: what cannot be removed stays.
            }
            TREES.remove(path);
        }
        // Deepest first, so that a folder emptied by removing the one inside it goes too.
        List<Path> folders = EMPTY_FOLDERS.stream().sorted(Comparator.comparingInt(Path::getNameCount).reversed())
                .toList();
        for (Path folder : folders) {
            try {
                Files.deleteIfExists(folder);
            } catch (DirectoryNotEmptyException e) {
                // Holds something else: kept.
            } catch (IOException e) {
                // The JVM is stopping: what cannot be removed stays.
            }
            EMPTY_FOLDERS.remove(folder);
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
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
