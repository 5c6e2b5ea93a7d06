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

    /** The registry is global: each test starts it afresh and leaves it off (surefire runs tests one at a time). */
    @org.junit.jupiter.api.BeforeEach
    void registering() {
        UnfinishedFiles.resetForTests(true);
    }

    @org.junit.jupiter.api.AfterEach
    void off() {
        UnfinishedFiles.resetForTests(false);
    }

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

    @Test
    void oncePathsAreRemovedNothingIsMovedIntoPlace() throws IOException {
        Path temp = UnfinishedFiles.add(Files.createDirectories(dir.resolve(".unpacking")));
        Path target = dir.resolve("data");
        UnfinishedFiles.removeAll();
        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> UnfinishedFiles.commit(temp, () -> Files.move(temp, target)));
        assertTrue(e.getMessage().endsWith("not moved into place, the program is stopping"), e.getMessage());
        assertTrue(Files.notExists(temp) && Files.notExists(target));
    }

    @Test
    void withoutTheHookNothingIsRegistered() throws IOException {
        UnfinishedFiles.resetForTests(false);
        Path file = UnfinishedFiles.add(Files.writeString(dir.resolve("kept"), "a program's own file"));
        UnfinishedFiles.removeAll();
        assertTrue(Files.exists(file), "a library user's files are not ours to remove");
    }
}
