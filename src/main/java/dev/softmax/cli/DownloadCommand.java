package dev.softmax.cli;

import dev.softmax.data.DatasetDownloads;
import dev.softmax.io.Downloader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code download}: fetches a data set's official files, checks their MD5 and puts them where train looks. */
@Command(name = "download", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Download a data set's official files, verify their published MD5 checksums and install them"
                + " under the data folder (CIFAR-10 is unpacked).",
                "Needs internet; without it, it fails within seconds and says where to put the files by hand."})
public final class DownloadCommand implements Callable<Integer> {

    /** A command whose options picocli fills in. */
    public DownloadCommand() {
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DATASET", completionCandidates = Names.class,
            description = "What to download: ${COMPLETION-CANDIDATES}.")
    String dataset;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "notebooks-data",
            description = "Data folder to install into (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--base-url", paramLabel = "URL",
            description = "Fetch from this base URL (a mirror) instead of the official one; the file names are"
                    + " appended. Also settable with -D" + DatasetDownloads.BASE_URL_PROPERTY + "=URL.")
    URI baseUrl;

    @Option(names = "--force", description = "Download again even when the data set is already in place.")
    boolean force;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Seconds allowed to open a connection (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Option(names = "--verbose", description = "Print stack traces with errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DatasetDownloads downloads = DatasetDownloads.forName(dataset);
        if (connectTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--connect-timeout must be >= 1, got " + connectTimeoutSeconds);
        }
        URI base = baseUrl != null ? DatasetDownloads.checkedBaseUrl(baseUrl, "--base-url")
                : downloads.effectiveBaseUrl();
        if (!force && downloads.isInstalled(dataDir)) {
            List<Path> damaged = downloads.damagedFiles(dataDir);
            if (!damaged.isEmpty()) {
                throw new dev.softmax.data.InvalidDataException(damaged.get(0), "in place but damaged (truncated or corrupt)"
                        + (damaged.size() > 1 ? " (and " + (damaged.size() - 1) + " more)" : "")
                        + "; use --force to download " + downloads.name() + " again");
            }
            out.printf("%s is already in %s (use --force to download it again)%n", downloads.name(),
                    downloads.installedLocation(dataDir));
            out.flush();
            return 0;
        }
        if (!force) {
            // An installed copy (Debian's dataset-fashion-mnist) is where train looks after --data-dir.
            for (Path folder : DatasetKind.fromName(dataset).systemFolders()) {
                if (dev.softmax.data.MnistIdxLoader.isPresent(folder)) {
                    out.printf("%s is installed in %s, where train and the other commands find it (use --force to"
                            + " download a copy into %s)%n", downloads.name(), folder,
                            dataDir.resolve(downloads.folder()));
                    out.flush();
                    return 0;
                }
            }
        }
        Downloader downloader = new Downloader(java.time.Duration.ofSeconds(connectTimeoutSeconds),
                Downloader.DEFAULT_RESPONSE_TIMEOUT, err, System.console() != null);
        Path installed = downloads.install(dataDir, base, downloader, out);
        out.printf("%s ready in %s%n", downloads.name(), installed);
        out.flush();
        return 0;
    }

    /** The names {@code download} accepts. */
    static final class Names extends java.util.ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Names() {
            for (DatasetDownloads d : DatasetDownloads.all()) {
                add(d.name());
            }
        }
    }
}
