package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles}: whole files or none, and the checks a command makes before its work. */
class AtomicFilesTest {

    @TempDir
    Path dir;

    private static String[] names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void aSymbolicLinkIsWrittenThroughAndAFolderIsRefusedUpFront() throws IOException {
        Path real = Files.writeString(dir.resolve("real.csv"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.csv"), Path.of("real.csv"));
        AtomicFiles.checkWritable(link);
        AtomicFiles.writeString(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link is kept");
        assertEquals("new", Files.readString(real));

        Path folder = Files.createDirectories(dir.resolve("runs"));
        IOException checked = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(folder));
        assertEquals(folder + ": is a folder; give a file name", checked.getMessage());
        IOException written = assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "x"));
        assertEquals(checked.getMessage(), written.getMessage());
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void writesCreateMissingFoldersAndAFailedWriteLeavesTheOldFile() throws IOException {
        Path target = dir.resolve("a/b/out.txt");
        AtomicFiles.writeString(target, "first");
        assertEquals("first", Files.readString(target));

        IOException failure = assertThrows(IOException.class, () -> AtomicFiles.write(target, true, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", failure.getMessage());
        assertEquals("first", Files.readString(target));
        assertArrayEquals(new String[] {"out.txt"}, names(target.getParent()), "no temporary file left");
    }

    @Test
    void filesWrittenTogetherAreAllNewOrAllOld() throws IOException {
        Path a = Files.writeString(dir.resolve("a.csv"), "old a");
        Path b = Files.writeString(dir.resolve("b.json"), "old b");
        Path c = dir.resolve("c.png");
        java.util.LinkedHashMap<Path, AtomicFiles.Writer> files = new java.util.LinkedHashMap<>();
        files.put(a, out -> out.write("new a".getBytes(StandardCharsets.UTF_8)));
        files.put(b, out -> out.write("new b".getBytes(StandardCharsets.UTF_8)));
        files.put(c, out -> {
            throw new IOException("drawing failed");
        });
        // The last file fails while it is made: the first two were made already, and are not moved into place.
        assertEquals("drawing failed", assertThrows(IOException.class, () -> AtomicFiles.writeAll(files))
                .getMessage());
        assertEquals("old a", Files.readString(a));
        assertEquals("old b", Files.readString(b));
        assertArrayEquals(new String[] {"a.csv", "b.json"}, names(dir), "no temporary file left");
        files.put(c, out -> out.write("new c".getBytes(StandardCharsets.UTF_8)));
        AtomicFiles.writeAll(files);
        assertEquals("new a", Files.readString(a));
        assertEquals("new b", Files.readString(b));
        assertEquals("new c", Files.readString(c));
        assertArrayEquals(new String[] {"a.csv", "b.json", "c.png"}, names(dir));
    }

    @Test
    void aFileInThePathIsNamedBeforeAndWhenWriting() throws IOException {
        Path file = dir.resolve("plain");
        Files.writeString(file, "x");
        Path target = file.resolve("model.zip");

        IOException before = assertThrows(IOException.class, () -> AtomicFiles.checkWritable(target));
        assertEquals(target + ": " + file + " is not a folder", before.getMessage());
        IOException folder = assertThrows(IOException.class, () -> AtomicFiles.checkWritableFolder(file));
        assertEquals(file + ": " + file + " is not a folder", folder.getMessage());
        IOException writing = assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "y"));
        assertEquals(target + ": " + file + " is not a folder", writing.getMessage());
    }

    @Test
    void checksCreateNothing() throws IOException {
        AtomicFiles.checkWritable(dir.resolve("new/deeper/report.json"));
        AtomicFiles.checkWritableFolder(dir.resolve("plots"));
        AtomicFiles.checkWritableFolder(dir);
        assertArrayEquals(new String[0], names(dir), "neither the folders nor the probe file remain");
        assertFalse(Files.exists(dir.resolve("new")));
    }

    @Test
    void refusesToReplaceWithoutOverwrite() throws IOException {
        Path target = dir.resolve("model.zip");
        Files.writeString(target, "keep");
        IOException refused = assertThrows(IOException.class,
                () -> AtomicFiles.write(target, false, out -> out.write(1)));
        assertEquals(target + ": exists, and replacing it was not asked for", refused.getMessage());
        assertEquals("keep", Files.readString(target));

        // QA: a file that appeared while the contents were written (another thread saving to the same new name) was
        // replaced all the same: the check came before the writing.
        Path racing = dir.resolve("racing.zip");
        IOException late = assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> AtomicFiles.write(racing, false, out -> {
                    Files.writeString(racing, "first");
                    out.write(2);
                }));
        assertEquals(racing + ": exists, and replacing it was not asked for", late.getMessage());
        assertEquals("first", Files.readString(racing));
        assertArrayEquals(new String[] {"model.zip", "racing.zip"}, names(dir), "no temporary file left");
        AtomicFiles.write(dir.resolve("new.zip"), false, out -> out.write(3));
        assertArrayEquals(new byte[] {3}, Files.readAllBytes(dir.resolve("new.zip")));
        assertArrayEquals(new String[] {"model.zip", "new.zip", "racing.zip"}, names(dir));
    }
}
