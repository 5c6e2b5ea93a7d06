package dev.softmax.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Downloader}'s failures against a local server: each ends, in words, and leaves nothing behind. */
class DownloaderTest {

    @TempDir
    Path dir;

    private static Downloader downloader() {
        return new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(1), new PrintWriter(new StringWriter()), false);
    }

    /** What fetching one file from {@link #stallingServer} gave: the failure and the progress log. */
    private record Fetch(DownloadException failure, String log) {
    }

    /** Fetches {@code name} from a server that announces {@code announced} bytes and sends {@code sent}. */
    private static Fetch fetchFrom(long announced, int sent, String name, Path folder) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = stallingServer(announced, sent, release);
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/" + name);
            StringWriter log = new StringWriter();
            Downloader logging = new Downloader(Duration.ofSeconds(2), Duration.ofSeconds(1), new PrintWriter(log),
                    false);
            DownloadException e = assertThrows(DownloadException.class,
                    () -> logging.fetchVerified(url, folder, "0".repeat(32), "fetch it by hand"));
            return new Fetch(e, log.toString());
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20) // without the watchdog the read would wait for ever
    void aBodyThatStopsComingEndsTheDownload() throws Exception {
        Path folder = dir.resolve("data");
        Fetch fetch = fetchFrom(100_000, 1000, "stall.gz", folder);
        assertTrue(fetch.failure().getMessage().contains("transfer broke off after 1000 bytes (no data for 1 s)"),
                fetch.failure().getMessage());
        assertTrue(fetch.log().startsWith("downloading stall.gz"), fetch.log());
        assertFalse(fetch.log().contains("done"), "a transfer that broke off is not done: " + fetch.log());
        try (var files = Files.list(folder)) {
            assertTrue(files.findAny().isEmpty(), "no partial file left");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(20)
    void aTransferWhoseBytesAllArrivedIsLoggedAsDone() throws Exception {
        Fetch fetch = fetchFrom(1000, 1000, "whole.gz", dir.resolve("data"));
        assertFalse(fetch.failure().getMessage().contains("broke off"), fetch.failure().getMessage()); // checksum
        assertTrue(fetch.log().contains("whole.gz: 0.0 MiB done"), fetch.log());
    }

    /**
     * A download stopped from outside (as Ctrl-C or {@code kill} stop it) removes its partial file and the folders it
     * created, as a failed one does.
     */
    @Test
    @org.junit.jupiter.api.Timeout(60)
    void aStoppedDownloadLeavesNothingBehind() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        HttpServer server = stallingServer(10_000_000, 100_000, release);
        Path created = dir.resolve("new");
        Path dataDir = created.resolve("data");
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.softmax.cli.Main", "download", "fashion-mnist",
                "--force", "--data-dir", dataDir.toString(), "--base-url",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/")
                .redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            Path folder = dataDir.resolve("fashion-mnist");
            while (partFiles(folder) == 0) {
                assertTrue(process.isAlive(), () -> "the download ended: " + read(dir.resolve("log.txt")));
                Thread.sleep(20);
            }
            process.destroy(); // SIGTERM, as kill sends
            assertTrue(process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(Files.notExists(created), () -> "left behind: " + list(created));
        } finally {
            process.destroyForcibly();
            release.countDown();
            server.stop(0);
        }
    }

    /** A local server that announces {@code announced} bytes, sends {@code sent}, then stalls until released. */
    private static HttpServer stallingServer(long announced, int sent, CountDownLatch release) throws java.io.IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, announced);
            OutputStream body = exchange.getResponseBody();
            body.write(new byte[sent]);
            body.flush();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return server;
    }

    private static long partFiles(Path folder) throws java.io.IOException {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".part")).count();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static String list(Path folder) {
        try (var files = Files.walk(folder)) {
            return files.toList().toString();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void aRefusedConnectionIsCalledThat() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/x.gz");
        DownloadException e = assertThrows(DownloadException.class,
                () -> downloader().fetchVerified(url, dir, "0".repeat(32), "fetch it by hand"));
        // QA: "(no network?)" for a mirror on this machine whose server was not started.
        assertTrue(e.getMessage().endsWith(": connection refused (is a server listening on 127.0.0.1:" + port
                + "?); fetch it by hand"), e.getMessage());
    }
}
