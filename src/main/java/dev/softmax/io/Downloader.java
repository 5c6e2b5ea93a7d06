package dev.softmax.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.Objects;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Fetches files over HTTP(S) into a temporary file and checks their MD5 before anyone may use them.
 *
 * <p>The connect timeout is short on purpose: without a network the command must fail within seconds with a
 * useful message, not hang. Progress goes to a progress bar on a terminal, and to a log line every tenth of the
 * file otherwise (CI logs and redirected output do not render carriage returns).
 */
public final class Downloader {

    /** Default time to open a connection. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default time from sending a request to the response headers. */
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient client;
    private final Duration responseTimeout;
    private final PrintWriter log;
    private final boolean progressBar;

    /**
     * A downloader with these timeouts, reporting progress to {@code log}.
     *
     * @param connectTimeout  time allowed to open a connection
     * @param responseTimeout time allowed until the response headers arrive
     * @param log             where plain progress lines go when there is no progress bar
     * @param progressBar     draw a progress bar on the terminal ({@code System.err}) instead of log lines
     */
    public Downloader(Duration connectTimeout, Duration responseTimeout, PrintWriter log, boolean progressBar) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(Objects.requireNonNull(connectTimeout, "connectTimeout"))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.responseTimeout = Objects.requireNonNull(responseTimeout, "responseTimeout");
        this.log = Objects.requireNonNull(log, "log");
        this.progressBar = progressBar;
    }

    /**
     * Default timeouts; a progress bar only when the process has a terminal.
     *
     * @param log where plain progress lines go when there is no progress bar
     * @return the downloader
     */
    public static Downloader withDefaults(PrintWriter log) {
        return new Downloader(DEFAULT_CONNECT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, log, System.console() != null);
    }

    /**
     * Downloads {@code url} into a new temporary file in {@code folder} and checks its MD5. On any failure the
     * temporary file is deleted; on success the caller owns it and moves it into place (or deletes it), then
     * releases it from {@link UnfinishedFiles}, which removes it if the JVM is stopped before.
     *
     * @param url         what to fetch
     * @param folder      where the temporary file is created (the final file's folder, so the move is a rename)
     * @param expectedMd5 the published MD5, 32 hex digits
     * @param byHand      appended to every error message: where to put the file by hand
     * @return the verified temporary file
     * @throws DownloadException when the server cannot be reached, answers other than 200, the transfer breaks,
     *                           or the checksum does not match
     */
    public Path fetchVerified(URI url, Path folder, String expectedMd5, String byHand) throws IOException {
        Files.createDirectories(folder);
        String name = Path.of(url.getPath()).getFileName().toString();
        Path temp = UnfinishedFiles.add(Files.createTempFile(folder, "." + name + ".", ".part"));
        boolean ok = false;
        try {
            String actual = fetch(url, temp, name, byHand);
            if (!actual.equalsIgnoreCase(expectedMd5)) {
                throw new DownloadException(url + ": checksum mismatch, MD5 " + actual + " but the published value is "
                        + expectedMd5 + " (damaged or changed file; nothing was kept); " + byHand);
            }
            ok = true;
            return temp;
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
                UnfinishedFiles.release(temp);
            }
        }
    }

    /** Streams the body of {@code url} into {@code target}; returns the MD5 in lower-case hex. */
    private String fetch(URI url, Path target, String name, String byHand) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(responseTimeout).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            throw new DownloadException("cannot reach " + url + ": connection timed out" + hint(url) + "; " + byHand,
                    e);
        } catch (ConnectException e) {
            throw new DownloadException("cannot reach " + url + ": " + reason(e) + hint(url) + "; " + byHand, e);
        } catch (HttpTimeoutException e) {
            throw new DownloadException(url + ": no response within " + responseTimeout.toSeconds() + " s; "
                    + byHand, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DownloadException(url + ": interrupted; " + byHand, e);
        } catch (IOException e) {
            throw new DownloadException("cannot download " + url + ": " + reason(e) + "; " + byHand, e);
        }
        MessageDigest md5 = md5();
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new DownloadException(url + ": HTTP " + response.statusCode() + "; " + byHand);
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            long received = 0;
            // The request's timeout ends with the headers; a body that stops coming would block read() forever,
            // so a watchdog closes the stream after responseTimeout without a byte.
            java.util.concurrent.atomic.AtomicLong lastByte = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
            java.util.concurrent.atomic.AtomicBoolean stalled = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "download-watchdog");
                thread.setDaemon(true);
                return thread;
            });
            watchdog.scheduleWithFixedDelay(() -> {
                if (System.nanoTime() - lastByte.get() > responseTimeout.toNanos() && stalled.compareAndSet(false, true)) {
                    try {
                        body.close();
                    } catch (IOException ignored) {
                        // the read fails either way
                    }
                }
            }, 200, 200, java.util.concurrent.TimeUnit.MILLISECONDS);
            try (OutputStream out = Files.newOutputStream(target);
                 Progress progress = progress(name, total)) {
                byte[] buffer = new byte[1 << 16];
                int n;
                while ((n = body.read(buffer)) > 0) {
                    lastByte.set(System.nanoTime());
                    out.write(buffer, 0, n);
                    md5.update(buffer, 0, n);
                    received += n;
                    progress.advance(n);
                }
                if (stalled.get()) {
                    throw new IOException("stalled");
                }
                if (total < 0 || received == total) {
                    progress.finished();
                }
            } catch (IOException e) {
                throw new DownloadException(url + ": transfer broke off after " + received + " bytes ("
                        + (stalled.get() ? "no data for " + responseTimeout.toSeconds() + " s" : reason(e)) + "); "
                        + byHand, e);
            } finally {
                watchdog.shutdownNow();
            }
            if (total >= 0 && received != total) {
                throw new DownloadException(url + ": got " + received + " of " + total + " bytes; " + byHand);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    /**
     * The MD5 of a file in lower-case hex.
     *
     * @param file the file
     * @return the MD5, 32 hex digits
     * @throws IOException when the file cannot be read
     */
    public static String md5(Path file) throws IOException {
        MessageDigest md5 = md5();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                md5.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(md5.digest());
    }

    private static MessageDigest md5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide MD5", e);
        }
    }

    /**
     * What to check when {@code url} cannot be reached: the network, or for a mirror on this machine (QA: "no
     * network?" for {@code --base-url http://localhost:8000/}), whether its server runs.
     */
    private static String hint(URI url) {
        String host = url.getHost();
        boolean local = false;
        if (host != null && (host.equalsIgnoreCase("localhost") || host.matches("[0-9.]+|\\[[0-9a-fA-F:.]+]"))) {
            try {
                local = host.equalsIgnoreCase("localhost") || java.net.InetAddress.getByName(host).isLoopbackAddress();
            } catch (java.net.UnknownHostException e) {
                local = false; // an address literal is not looked up
            }
        }
        return local ? " (is a server listening on " + url.getAuthority() + "?)" : " (no network?)";
    }

    /** A readable cause: exception messages are often null for refused connections. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException || t instanceof java.net.UnknownHostException) {
                return "host name not found";
            }
        }
        if (e instanceof ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            // JDK 17 reports a refused connection as a message-less ConnectException over a ClosedChannelException.
            return "connection refused";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
            if (t.getCause() == null) {
                return t.getClass().getSimpleName().replaceAll("Exception$", "").toLowerCase(Locale.ROOT);
            }
        }
        return "unknown error";
    }

    private Progress progress(String name, long total) {
        if (progressBar) {
            ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(total)
                    .setUnit(" MiB", 1 << 20).showSpeed().build();
            return new Progress() {
                @Override
                public void advance(long bytes) {
                    bar.stepBy(bytes);
                }

                @Override
                public void finished() {
                    // the bar shows the whole size itself
                }

                @Override
                public void close() {
                    bar.close();
                }
            };
        }
        return new LogProgress(name, total, log);
    }

    /** Reports bytes received. */
    private interface Progress extends AutoCloseable {
        void advance(long bytes);

        /** All the bytes arrived (not called for a transfer that broke off or came up short). */
        void finished();

        @Override
        void close();
    }

    /** One line per tenth of the file (per 16 MiB when the size is unknown), and one when it has all arrived. */
    private static final class LogProgress implements Progress {
        private final String name;
        private final long total;
        private final PrintWriter log;
        private long received;
        private long nextReport;

        LogProgress(String name, long total, PrintWriter log) {
            this.name = name;
            this.total = total;
            this.log = log;
            this.nextReport = step();
            log.printf("downloading %s (%s)%n", name, total >= 0 ? mib(total) : "size unknown");
            log.flush();
        }

        private long step() {
            return total > 0 ? Math.max(1, total / 10) : 16L << 20;
        }

        @Override
        public void advance(long bytes) {
            received += bytes;
            if (received >= nextReport && (total < 0 || received < total)) {
                log.printf("  %s: %s%s%n", name, mib(received), total > 0
                        ? String.format(Locale.ROOT, " of %s (%d%%)", mib(total), 100 * received / total) : "");
                log.flush();
                while (nextReport <= received) {
                    nextReport += step();
                }
            }
        }

        @Override
        public void finished() {
            log.printf("  %s: %s done%n", name, mib(received));
            log.flush();
        }

        @Override
        public void close() {
            log.flush();
        }

        private static String mib(long bytes) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
        }
    }
}
