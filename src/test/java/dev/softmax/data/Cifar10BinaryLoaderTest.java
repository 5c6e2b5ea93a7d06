package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** CIFAR-10 binary records from a folder and from a tar.gz, value by value, and the malformed cases. */
class Cifar10BinaryLoaderTest {

    @TempDir
    Path dir;

    static final List<String> NAMES = List.of("a0", "b1", "c2", "d3", "e4", "f5", "g6", "h7", "i8", "j9");

    // ---- generators: 3073-byte records, label byte then 1024 red, 1024 green, 1024 blue ----

    /** Label of record {@code r} of batch {@code b} (test batch: b = 5). */
    static int label(int b, int r) {
        return (3 * b + r) % 10;
    }

    /** Pixel {@code p} of record {@code r} of batch {@code b}; distinct per plane so channel order shows. */
    static int pixel(int b, int r, int p) {
        return (b * 31 + r * 17 + p * 5 + p / 1024 * 100) % 256;
    }

    static byte[] batch(int b, int records) {
        byte[] bytes = new byte[records * Cifar10BinaryLoader.RECORD_BYTES];
        for (int r = 0; r < records; r++) {
            int at = r * Cifar10BinaryLoader.RECORD_BYTES;
            bytes[at] = (byte) label(b, r);
            for (int p = 0; p < Cifar10BinaryLoader.PIXELS; p++) {
                bytes[at + 1 + p] = (byte) pixel(b, r, p);
            }
        }
        return bytes;
    }

    /** The official member names and contents: batches of 2,3,2,1,2 training records and 3 test records. */
    static Map<String, byte[]> members(boolean withMeta) {
        int[] sizes = {2, 3, 2, 1, 2};
        Map<String, byte[]> members = new LinkedHashMap<>();
        for (int b = 0; b < 5; b++) {
            members.put("data_batch_" + (b + 1) + ".bin", batch(b, sizes[b]));
        }
        members.put("test_batch.bin", batch(5, 3));
        if (withMeta) {
            members.put("batches.meta.txt", (String.join("\n", NAMES) + "\n\n").getBytes(StandardCharsets.UTF_8));
        }
        return members;
    }

    static Path writeFolder(Path folder, Map<String, byte[]> members) throws IOException {
        Files.createDirectories(folder);
        for (Map.Entry<String, byte[]> m : members.entrySet()) {
            Files.write(folder.resolve(m.getKey()), m.getValue());
        }
        return folder;
    }

    /** The official archive layout: every member under {@code cifar-10-batches-bin/}, plus a readme. */
    static Path writeArchive(Path file, Map<String, byte[]> members) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             GZIPOutputStream gz = new GZIPOutputStream(out);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            TarArchiveEntry folder = new TarArchiveEntry("cifar-10-batches-bin/");
            tar.putArchiveEntry(folder);
            tar.closeArchiveEntry();
            Map<String, byte[]> all = new LinkedHashMap<>(members);
            all.put("readme.html", "<html></html>".getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> m : all.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry("cifar-10-batches-bin/" + m.getKey());
                entry.setSize(m.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(m.getValue());
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    static void assertRecords(Dataset set, int[][] batchAndRecord) {
        INDArray x = set.features();
        assertArrayEquals(new long[] {batchAndRecord.length, Cifar10BinaryLoader.PIXELS}, x.shape());
        for (int i = 0; i < batchAndRecord.length; i++) {
            int b = batchAndRecord[i][0];
            int r = batchAndRecord[i][1];
            assertEquals(label(b, r), set.labels()[i], "label of row " + i);
            for (int p = 0; p < Cifar10BinaryLoader.PIXELS; p++) {
                if (x.getFloat(i, p) != pixel(b, r, p)) {
                    assertEquals(pixel(b, r, p), x.getFloat(i, p), 0.0, "row " + i + " pixel " + p);
                }
            }
        }
    }

    static final int[][] ALL_TRAIN = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1}, {3, 0}, {4, 0}, {4, 1}};
    static final int[][] ALL_TEST = {{5, 0}, {5, 1}, {5, 2}};

    @Test
    void readsAFolderRecordByRecordInBatchOrder() throws IOException {
        Path folder = writeFolder(dir.resolve("cifar-10-batches-bin"), members(true));
        TrainTestSets sets = Cifar10BinaryLoader.load(folder, DataType.FLOAT, Long.MAX_VALUE);
        assertRecords(sets.train(), ALL_TRAIN);
        assertRecords(sets.test(), ALL_TEST);
        assertEquals(NAMES, sets.train().classNames());
        // Red plane first, then green, then blue, each 32x32 row-major: pixel p of plane c is column c*1024+p.
        assertEquals(pixel(1, 2, 1024 + 33), sets.train().features().getFloat(4, 1024 + 33), 0.0);
    }

    @Test
    void readsTheArchiveLikeTheFolder() throws IOException {
        Path archive = writeArchive(dir.resolve("cifar-10-binary.tar.gz"), members(true));
        TrainTestSets sets = Cifar10BinaryLoader.load(archive, DataType.DOUBLE, Long.MAX_VALUE);
        assertEquals(DataType.DOUBLE, sets.train().features().dataType());
        assertRecords(sets.train(), ALL_TRAIN);
        assertRecords(sets.test(), ALL_TEST);
        assertEquals(NAMES, sets.test().classNames());
    }

    @Test
    void theLimitCutsAcrossBatchesAndTheStandardNamesStandInForAMissingMetaFile() throws IOException {
        Path folder = writeFolder(dir.resolve("c"), members(false));
        TrainTestSets sets = Cifar10BinaryLoader.load(folder, DataType.FLOAT, 4);
        assertRecords(sets.train(), Arrays.copyOf(ALL_TRAIN, 4));
        assertEquals(3, sets.test().numSamples());
        assertEquals(Cifar10BinaryLoader.DEFAULT_CLASSES, sets.train().classNames());
    }

    // ---- malformed input ----

    private InvalidDataException loadError(Path location) {
        InvalidDataException e = assertThrows(InvalidDataException.class,
                () -> Cifar10BinaryLoader.load(location, DataType.FLOAT, Long.MAX_VALUE));
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e;
    }

    @Test
    void rejectsAPartialRecord() throws IOException {
        Map<String, byte[]> m = members(true);
        m.put("data_batch_3.bin", Arrays.copyOf(m.get("data_batch_3.bin"), 3073 + 100));
        Path folder = writeFolder(dir.resolve("c"), m);
        assertEquals(folder.resolve("data_batch_3.bin") + ": record 2: truncated: 3173 bytes is not a whole"
                + " number of 3073-byte records (1 complete)", loadError(folder).getMessage());
    }

    @Test
    void rejectsALabelOutOfRangeNamingTheRecord() throws IOException {
        Map<String, byte[]> m = members(true);
        m.get("test_batch.bin")[2 * 3073] = 10;
        Path folder = writeFolder(dir.resolve("c"), m);
        assertEquals(folder.resolve("test_batch.bin") + ": record 3: label 10 is outside [0,10)",
                loadError(folder).getMessage());
    }

    @Test
    void rejectsAnEmptyBatchAndAMissingBatch() throws IOException {
        Map<String, byte[]> m = members(true);
        m.put("data_batch_2.bin", new byte[0]);
        Path folder = writeFolder(dir.resolve("c"), m);
        assertEquals(folder.resolve("data_batch_2.bin") + ": empty file", loadError(folder).getMessage());
        Files.delete(folder.resolve("data_batch_5.bin"));
        assertEquals(folder.resolve("data_batch_5.bin") + ": file not found", loadError(folder).getMessage());
        assertTrue(loadError(dir.resolve("nowhere")).getMessage().contains("not found"));
    }

    @Test
    void rejectsAnArchiveWithoutATestBatch() throws IOException {
        Map<String, byte[]> m = members(true);
        m.remove("test_batch.bin");
        Path archive = writeArchive(dir.resolve("cifar-10-binary.tar.gz"), m);
        assertEquals(archive + ": no member test_batch.bin in the archive (expected cifar-10-batches-bin/"
                + "test_batch.bin)", loadError(archive).getMessage());
    }

    @Test
    void rejectsAnArchiveWhoseGzipChecksumDoesNotMatch() throws IOException {
        // QA: a tar.gz with one byte flipped (gzip -t: CRC error) was accepted: the tar reader stops at its end
        // marker, and a tar padded beyond it (as GNU tar's 10240-byte records can be) leaves the gzip trailer unread.
        Path plain = writeArchive(dir.resolve("plain.tar.gz"), members(true));
        byte[] tar;
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(plain))) {
            tar = in.readAllBytes();
        }
        java.io.ByteArrayOutputStream gzipped = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipped)) {
            gz.write(tar);
            gz.write(new byte[20 * 512]); // a record of zeros after the end-of-archive blocks
        }
        byte[] bytes = gzipped.toByteArray();
        Path archive = Files.write(dir.resolve("cifar-10-binary.tar.gz"), bytes);
        assertRecords(Cifar10BinaryLoader.load(archive, DataType.FLOAT, Long.MAX_VALUE).train(), ALL_TRAIN);
        bytes[bytes.length - 8] ^= 0x01; // the first byte of the CRC-32 in the gzip trailer
        Files.write(archive, bytes);
        InvalidDataException e = loadError(archive);
        assertEquals(archive + ": truncated or corrupt archive (Corrupt GZIP trailer)", e.getMessage());
    }

    @Test
    void rejectsATruncatedArchive() throws IOException {
        Path archive = writeArchive(dir.resolve("full.tar.gz"), members(true));
        byte[] bytes = Files.readAllBytes(archive);
        Path cut = dir.resolve("cifar-10-binary.tar.gz");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        InvalidDataException e = loadError(cut);
        assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt archive"), e.getMessage());

        // QA: the gzip magic alone gave "(null)" for the reader's missing message.
        Files.write(cut, new byte[] {0x1f, (byte) 0x8b});
        assertEquals(cut + ": truncated or corrupt archive", loadError(cut).getMessage());
    }

    @Test
    void rejectsAPartialRecordInsideTheArchiveNamingTheMember() throws IOException {
        Map<String, byte[]> m = members(true);
        m.put("data_batch_1.bin", Arrays.copyOf(m.get("data_batch_1.bin"), 3073 * 2 - 1));
        Path archive = writeArchive(dir.resolve("cifar-10-binary.tar.gz"), m);
        assertTrue(loadError(archive).getMessage().startsWith(archive.resolve("data_batch_1.bin")
                + ": record 2: truncated"));
    }

    @Test
    void rejectsAMetaFileWithOneName() throws IOException {
        Map<String, byte[]> m = members(true);
        m.put("batches.meta.txt", "airplane\n".getBytes(StandardCharsets.UTF_8));
        Path folder = writeFolder(dir.resolve("c"), m);
        assertEquals(folder.resolve("batches.meta.txt") + ": expected at least two class names, one a line; found 1",
                loadError(folder).getMessage());
    }

    @Test
    void aMetaFileSavedWithAByteOrderMarkGivesTheSameNames() throws IOException {
        // QA: an editor's UTF-8 BOM became part of the first class name.
        Map<String, byte[]> m = members(true);
        m.put("batches.meta.txt", ("\uFEFF" + String.join("\r\n", NAMES)).getBytes(StandardCharsets.UTF_8));
        Path folder = writeFolder(dir.resolve("bom"), m);
        assertEquals(NAMES, Cifar10BinaryLoader.load(folder, DataType.FLOAT, 1).train().classNames());
    }

    @Test
    void theTestSplitAloneNeedsNoTrainingBatch() throws IOException {
        Path whole = writeArchive(dir.resolve("whole.tar.gz"), members(true));
        Dataset expected = Cifar10BinaryLoader.load(whole, DataType.FLOAT, Long.MAX_VALUE).test();
        Map<String, byte[]> testMembers = members(true);
        testMembers.keySet().removeIf(Cifar10BinaryLoader.TRAIN_FILES::contains);
        for (Path location : List.of(writeFolder(dir.resolve("test-only"), testMembers),
                writeArchive(dir.resolve("test-only.tar.gz"), testMembers), whole)) {
            Dataset test = Cifar10BinaryLoader.loadTest(location, DataType.FLOAT);
            assertEquals(expected.classNames(), test.classNames(), location.toString());
            assertArrayEquals(expected.labels(), test.labels(), location.toString());
            assertEquals(expected.features(), test.features(), location.toString());
        }
    }
}
