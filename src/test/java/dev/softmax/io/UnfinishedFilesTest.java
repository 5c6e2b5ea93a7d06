package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnfinishedFilesTest {

    @TempDir
    Path dir;

    @Test
    void removesRegisteredPathsAndOnlyEmptyFoldersAndNothingReleased() throws IOException {
        Path outer = Files.createDirectories(dir.resolve("a"));
        Path inner = Files.createDirectories(outer.resolve("b"));
        Path part = UnfinishedFiles.add(Files.writeString(inner.resolve(".x.part"), "partial"));
        Path tree = UnfinishedFiles.add(Files.createDirectories(dir.resolve(".unpacking/deep")).getParent());
        Files.writeString(tree.resolve("deep/member"), "bytes");
        UnfinishedFiles.addIfEmpty(outer);
        UnfinishedFiles.addIfEmpty(inner);
        Path kept = Files.createDirectories(dir.resolve("kept"));
        Files.writeString(kept.resolve("other"), "someone else's");
        UnfinishedFiles.addIfEmpty(kept);
        Path done = UnfinishedFiles.add(Files.writeString(dir.resolve("done"), "moved into place"));
        UnfinishedFiles.release(done);

        UnfinishedFiles.removeAll();

        assertTrue(Files.notExists(part) && Files.notExists(tree), "registered file and folder removed");
        assertTrue(Files.notExists(outer), "folders emptied by the removal removed, the inner one first");
        assertTrue(Files.exists(kept.resolve("other")), "a folder holding something else kept");
        assertTrue(Files.exists(done), "a released file kept");
    }
}
