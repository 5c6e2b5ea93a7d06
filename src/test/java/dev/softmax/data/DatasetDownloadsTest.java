package dev.softmax.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.softmax.io.DownloadException;
import dev.softmax.io.Downloader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** Downloads against a local HTTP server on 127.0.0.1: verified files land in place, bad ones leave nothing. */
class DatasetDownloadsTest {

    @TempDir
    Path dataDir;

    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final StringWriter log = new StringWriter();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring(1);
            byte[] body = served.get(name);
            try (exchange) {
                if (body == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private Downloader downloader() {
        return new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(10), new PrintWriter(log, true), false);
    }

    static String md5(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    /** A spec like MNIST's, with the checksums of the files this test serves. */
    private DatasetDownloads idxSpec(String wrongMd5For) throws Exception {
        Map<String, byte[]> files = Map.of(
                "train-images-idx3-ubyte.gz", MnistIdxLoaderTest.gzip(MnistIdxLoaderTest.images(6, 3, 2)),
                "train-labels-idx1-ubyte.gz", MnistIdxLoaderTest.gzip(MnistIdxLoaderTest.labels(0, 1, 2, 0, 1, 2)),
                "t10k-images-idx3-ubyte.gz", MnistIdxLoaderTest.gzip(MnistIdxLoaderTest.images(2, 3, 2)),
                "t10k-labels-idx1-ubyte.gz", MnistIdxLoaderTest.gzip(MnistIdxLoaderTest.labels(1, 0)));
        served.putAll(files);
        List<DatasetDownloads.RemoteFile> remote = new java.util.ArrayList<>();
        for (String name : MnistIdxLoader.FILE_NAMES) {
            String md5 = name.equals(wrongMd5For) ? "0123456789abcdef0123456789abcdef" : md5(files.get(name));
            remote.add(new DatasetDownloads.RemoteFile(name, md5));
        }
        return new DatasetDownloads("mnist", URI.create("https://example.invalid/"), "mnist", remote, false);
    }

    private static List<Path> filesUnder(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void verifiedIdxFilesLandInPlaceAndLoad() throws Exception {
        DatasetDownloads spec = idxSpec(null);
        Path installed = spec.install(dataDir, base(), downloader(), new PrintWriter(log, true));
        assertEquals(dataDir.resolve("mnist"), installed);
        assertTrue(spec.isInstalled(dataDir));
        for (String name : MnistIdxLoader.FILE_NAMES) {
            assertArrayEquals(served.get(name), Files.readAllBytes(installed.resolve(name)), name);
        }
        assertEquals(4, filesUnder(dataDir).size(), "no temporary files left: " + filesUnder(dataDir));
        TrainTestSets sets = MnistIdxLoader.load(installed, MnistIdxLoader.MNIST_CLASSES, DataType.FLOAT,
                Long.MAX_VALUE);
        assertEquals(6, sets.train().numSamples());
        assertTrue(log.toString().contains("train-images-idx3-ubyte.gz"), log.toString());
    }

    @Test
    void aChecksumMismatchLeavesNothingBehind() throws Exception {
        DatasetDownloads spec = idxSpec("t10k-images-idx3-ubyte.gz");
        DownloadException e = assertThrows(DownloadException.class,
                () -> spec.install(dataDir, base(), downloader(), new PrintWriter(log, true)));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte.gz: checksum mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("by hand and put the files in " + dataDir.resolve("mnist")),
                e.getMessage());
        assertEquals(List.of(), filesUnder(dataDir), "the files that did verify must not be installed either");
        assertFalse(Files.exists(dataDir.resolve("mnist")));
    }

    @Test
    void dataInPlaceCountsInEveryFormTheLoadersRead() throws Exception {
        // Debian's Fashion-MNIST, copied: its 26 MB of images were "damaged" when the length check skipped only
        // what the stream had buffered (65520 of 47040000 bytes).
        DatasetDownloads fashion = DatasetDownloads.forName("fashion-mnist");
        Path debian = Path.of("/usr/share/datasets/fashion-mnist");
        assertTrue(MnistIdxLoader.isPresent(debian), "the test needs dataset-fashion-mnist");
        Path copied = Files.createDirectories(dataDir.resolve(fashion.folder()));
        for (String name : MnistIdxLoader.FILE_NAMES) {
            Files.copy(debian.resolve(name), copied.resolve(name));
        }
        assertEquals(copied, fashion.installedLocation(dataDir));
        assertEquals(List.of(), fashion.damagedFiles(dataDir));
        // Unpacked under the names without .gz, as train reads them too.
        for (String name : MnistIdxLoader.FILE_NAMES) {
            Path gz = copied.resolve(name);
            byte[] unpacked = new java.util.zip.GZIPInputStream(Files.newInputStream(gz)).readAllBytes();
            Files.write(copied.resolve(name.substring(0, name.length() - 3)), unpacked);
            Files.delete(gz);
        }
        assertEquals(copied, fashion.installedLocation(dataDir));
        assertEquals(List.of(), fashion.damagedFiles(dataDir));
        Path images = copied.resolve("train-images-idx3-ubyte");
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(whole, whole.length - 1));
        assertEquals(List.of(images), fashion.damagedFiles(dataDir));

        // QA: the four files straight in the data folder, where train reads them too, were downloaded again. There
        // they count only as the published files (MD5), since MNIST's have the same names (review: MNIST's files
        // there were "already in" for fashion-mnist too).
        Files.write(images, whole);
        List<DatasetDownloads.RemoteFile> published = new java.util.ArrayList<>();
        for (String name : MnistIdxLoader.FILE_NAMES) {
            Path loose = Files.move(copied.resolve(name.substring(0, name.length() - 3)), dataDir.resolve(name));
            published.add(new DatasetDownloads.RemoteFile(name, md5(Files.readAllBytes(loose))));
        }
        Files.delete(copied);
        assertNull(fashion.installedLocation(dataDir), "not the published files: these may be another data set's");
        DatasetDownloads these = new DatasetDownloads("fashion-mnist", fashion.defaultBaseUrl(), fashion.folder(),
                published, false);
        assertEquals(dataDir, these.installedLocation(dataDir));
        assertEquals(List.of(), these.damagedFiles(dataDir));

        // CIFAR-10's archive left in the data folder, which train reads as it is.
        DatasetDownloads cifar = DatasetDownloads.forName("cifar10");
        assertFalse(cifar.isInstalled(dataDir));
        Path archive = Cifar10BinaryLoaderTest.writeArchive(dataDir.resolve(Cifar10BinaryLoader.ARCHIVE_NAME),
                Cifar10BinaryLoaderTest.members(true));
        assertEquals(archive, cifar.installedLocation(dataDir));
        assertEquals(List.of(), cifar.damagedFiles(dataDir));
        byte[] bytes = Files.readAllBytes(archive);
        Files.write(archive, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertEquals(List.of(archive), cifar.damagedFiles(dataDir));
    }

    @Test
    void aHeaderWhoseSizesOverflowALongIsDamaged() throws Exception {
        // Review: the size check's multiplyExact threw out of damagedFiles: "error: long overflow", exit 1.
        Path folder = MnistIdxLoaderTest.writeFolder(dataDir.resolve("mnist"), true);
        Path images = folder.resolve("train-images-idx3-ubyte.gz");
        MnistIdxLoaderTest.write(images, MnistIdxLoaderTest.idx(3, new int[] {Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE}, new byte[8]), true);
        assertEquals(List.of(images), DatasetDownloads.mnist().damagedFiles(dataDir));
    }

    @Test
    void theCifarArchiveIsVerifiedUnpackedAndRemoved() throws Exception {
        Path archive = Cifar10BinaryLoaderTest.writeArchive(dataDir.resolve("made.tar.gz"),
                Cifar10BinaryLoaderTest.members(true));
        byte[] bytes = Files.readAllBytes(archive);
        Files.delete(archive);
        served.put(Cifar10BinaryLoader.ARCHIVE_NAME, bytes);
        DatasetDownloads spec = new DatasetDownloads("cifar10", URI.create("https://example.invalid/"),
                Cifar10BinaryLoader.FOLDER_NAME,
                List.of(new DatasetDownloads.RemoteFile(Cifar10BinaryLoader.ARCHIVE_NAME, md5(bytes))), true);
        Path installed = spec.install(dataDir, base(), downloader(), new PrintWriter(log, true));
        assertEquals(dataDir.resolve(Cifar10BinaryLoader.FOLDER_NAME), installed);
        assertEquals(8, filesUnder(dataDir).size(), "6 batches + meta + readme, archive removed: "
                + filesUnder(dataDir));
        TrainTestSets sets = Cifar10BinaryLoader.load(installed, DataType.FLOAT, Long.MAX_VALUE);
        Cifar10BinaryLoaderTest.assertRecords(sets.train(), Cifar10BinaryLoaderTest.ALL_TRAIN);
    }

    @Test
    void anHttpErrorIsOneLineAndLeavesNothing() throws Exception {
        DatasetDownloads spec = idxSpec(null);
        served.remove("train-labels-idx1-ubyte.gz");
        DownloadException e = assertThrows(DownloadException.class,
                () -> spec.install(dataDir, base(), downloader(), new PrintWriter(log, true)));
        assertTrue(e.getMessage().contains("train-labels-idx1-ubyte.gz: HTTP 404"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), filesUnder(dataDir));
    }

    @Test
    void offlineFailsWithinSecondsSayingWhereToPutTheFiles() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        long start = System.nanoTime();
        DownloadException e = assertThrows(DownloadException.class, () -> DatasetDownloads.fashionMnist()
                .install(dataDir, URI.create("http://127.0.0.1:" + closedPort + "/"), downloader(),
                        new PrintWriter(log, true)));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 5, "took " + seconds + " s");
        assertTrue(e.getMessage().startsWith("cannot reach http://127.0.0.1:" + closedPort
                + "/train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("(is a server listening on 127.0.0.1:" + closedPort + "?)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("put the files in " + dataDir.resolve("fashion-mnist")), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(List.of(), filesUnder(dataDir));
    }

    @Test
    void thePublishedChecksumsAreWellFormedAndDistinct() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (DatasetDownloads d : DatasetDownloads.all()) {
            for (DatasetDownloads.RemoteFile f : d.files()) {
                assertTrue(seen.add(f.md5()), "repeated checksum " + f.md5());
            }
        }
        assertEquals("c32a1d4ab5d03f1284b67883e8d87530", DatasetDownloads.cifar10().files().get(0).md5());
        assertEquals(9, seen.size());
    }
}
