package dev.softmax.data;

import dev.softmax.io.DownloadException;
import dev.softmax.io.Downloader;
import dev.softmax.io.UnfinishedFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Where each downloadable data set comes from, with its published checksums, and how it is installed under a
 * data folder.
 *
 * <p>Installation is all or nothing: every file is downloaded to a temporary file and checked first, and only
 * when all of them match are they moved into place. A tar archive is unpacked into a temporary folder that is
 * renamed into place when complete.
 *
 * @param name           the command-line name
 * @param defaultBaseUrl the official location; file names are appended to it
 * @param folder         the folder under the data folder that the loader reads
 * @param files          the files to fetch, with their published MD5
 * @param unpackTar      whether the (single) file is a tar.gz archive whose {@code folder/} members are unpacked
 */
public record DatasetDownloads(String name, URI defaultBaseUrl, String folder, List<RemoteFile> files,
                               boolean unpackTar) {

    /** System property that replaces every data set's base URL (a mirror, or a local server in tests). */
    public static final String BASE_URL_PROPERTY = "softmax.download.baseUrl";

    /**
     * One file to fetch.
     *
     * @param fileName the name at the base URL and on disk
     * @param md5      the published MD5, 32 hex digits
     */
    public record RemoteFile(String fileName, String md5) {
        /**
         * Checks the checksum's form.
         *
         * @param fileName the name at the base URL and on disk, not {@code null}
         * @param md5      the published MD5, 32 hex digits
         */
        public RemoteFile {
            Objects.requireNonNull(fileName, "fileName");
            if (md5 == null || !md5.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("md5 must be 32 hex digits, got " + md5);
            }
        }
    }

    /**
     * Validates the fields.
     *
     * @param name           the command-line name
     * @param defaultBaseUrl the official location
     * @param folder         the folder under the data folder that the loader reads
     * @param files          the files to fetch, at least one (exactly one when {@code unpackTar}); copied
     * @param unpackTar      whether the single file is a tar.gz archive to unpack
     */
    public DatasetDownloads {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(defaultBaseUrl, "defaultBaseUrl");
        Objects.requireNonNull(folder, "folder");
        files = List.copyOf(files);
        if (files.isEmpty() || (unpackTar && files.size() != 1)) {
            throw new IllegalArgumentException("need one or more files, exactly one for a tar archive: " + files);
        }
    }

    /**
     * The binary version from the authors' page; MD5 as published there.
     *
     * @return CIFAR-10's download
     */
    public static DatasetDownloads cifar10() {
        return new DatasetDownloads("cifar10", URI.create("https://www.cs.toronto.edu/~kriz/"),
                Cifar10BinaryLoader.FOLDER_NAME,
                List.of(new RemoteFile(Cifar10BinaryLoader.ARCHIVE_NAME, "c32a1d4ab5d03f1284b67883e8d87530")), true);
    }

    /**
     * The original MNIST files from the mirror torchvision uses (the original site now refuses most downloads);
     * the MD5s are those of the original files.
     *
     * @return MNIST's download
     */
    public static DatasetDownloads mnist() {
        return new DatasetDownloads("mnist", URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"), "mnist",
                List.of(new RemoteFile("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
                        new RemoteFile("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
                        new RemoteFile("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
                        new RemoteFile("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c")), false);
    }

    /**
     * Zalando's files; the MD5s are the ones in the data set's README.
     *
     * @return Fashion-MNIST's download
     */
    public static DatasetDownloads fashionMnist() {
        return new DatasetDownloads("fashion-mnist",
                URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"), "fashion-mnist",
                List.of(new RemoteFile("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                        new RemoteFile("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
                        new RemoteFile("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
                        new RemoteFile("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310")), false);
    }

    /**
     * The three downloadable data sets.
     *
     * @return CIFAR-10, MNIST and Fashion-MNIST
     */
    public static List<DatasetDownloads> all() {
        return List.of(cifar10(), mnist(), fashionMnist());
    }

    /**
     * Looks a data set up by its command-line name.
     *
     * @param name the name, case-insensitive
     * @return the data set's download
     * @throws IllegalArgumentException for an unknown name
     */
    public static DatasetDownloads forName(String name) {
        for (DatasetDownloads d : all()) {
            if (d.name.equalsIgnoreCase(name.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("cannot download '" + name + "', expected one of cifar10, mnist,"
                + " fashion-mnist");
    }

    /**
     * The official URL, or the official base URL and the file names, for messages.
     *
     * @return the description
     */
    public String describeSources() {
        if (files.size() == 1) {
            return defaultBaseUrl.resolve(files.get(0).fileName()).toString();
        }
        List<String> names = new ArrayList<>();
        for (RemoteFile file : files) {
            names.add(file.fileName());
        }
        return String.join(", ", names) + " from " + defaultBaseUrl;
    }

    /**
     * The base URL in force: the system property {@value #BASE_URL_PROPERTY} when set, else the official one.
     *
     * @return the base URL
     * @throws IllegalArgumentException when the property is not an http or https URL
     */
    public URI effectiveBaseUrl() {
        String override = System.getProperty(BASE_URL_PROPERTY);
        if (override == null || override.isBlank()) {
            return defaultBaseUrl;
        }
        try {
            return checkedBaseUrl(new URI(override.trim()), "-D" + BASE_URL_PROPERTY);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("-D" + BASE_URL_PROPERTY + " must be an http or https URL, got '"
                    + override + "'");
        }
    }

    /**
     * {@code url} when it can serve as a base URL (absolute, {@code http} or {@code https}, with a host), else an
     * error naming {@code setting}, the flag or property that gave it.
     *
     * @param url     the URL to check
     * @param setting the flag or property that gave {@code url}
     * @return {@code url}
     * @throws IllegalArgumentException when {@code url} cannot serve as a base URL
     */
    public static URI checkedBaseUrl(URI url, String setting) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new IllegalArgumentException(setting + " must be an http or https URL, got '" + url + "'");
        }
        return url;
    }

    /**
     * Where a user puts the files by hand, said in the same words in every error.
     *
     * @param dataDir the data folder
     * @return the instructions
     */
    public String byHand(Path dataDir) {
        Path target = dataDir.resolve(folder);
        return unpackTar
                ? "download " + describeSources() + " by hand and unpack it in " + dataDir + " (giving " + target
                  + "/), or put the archive itself in " + dataDir
                : "download " + describeSources() + " by hand and put the files in " + target + "/";
    }

    /**
     * Whether the data set is already in place under {@code dataDir}, in any form the loaders read.
     *
     * @param dataDir the data folder
     * @return whether every file the loader reads is there
     */
    public boolean isInstalled(Path dataDir) {
        return installedLocation(dataDir) != null;
    }

    /**
     * Where the data set is in place under {@code dataDir}, in a form the loaders read (as {@code train} looks for
     * it): for CIFAR-10 the unpacked folder, else the archive left in the data folder, else the batch files in the
     * data folder itself; for the IDX sets their folder when each of the four files is there, gzipped or not, else
     * the data folder itself when it holds the four published files (their MD5s: MNIST and Fashion-MNIST share the
     * names).
     *
     * @param dataDir the data folder
     * @return the folder or archive, or {@code null} when the data set is not in place
     */
    public Path installedLocation(Path dataDir) {
        Path target = dataDir.resolve(folder);
        if (unpackTar) {
            if (hasCifarBatches(target)) {
                return target;
            }
            Path archive = dataDir.resolve(Cifar10BinaryLoader.ARCHIVE_NAME);
            if (Files.isRegularFile(archive)) {
                return archive;
            }
            return hasCifarBatches(dataDir) ? dataDir : null;
        }
        if (files.stream().allMatch(file -> idxFile(target, file) != null)) {
            return target;
        }
        // Straight in the data folder, where train reads them too; MNIST and Fashion-MNIST share the file names, so
        // there they count only as the published files of this data set.
        return files.stream().allMatch(file -> publishedFile(dataDir, file)) ? dataDir : null;
    }

    /** Whether {@code folder} holds {@code file} under its published name with its published MD5. */
    private static boolean publishedFile(Path folder, RemoteFile file) {
        Path path = folder.resolve(file.fileName());
        try {
            return Files.isRegularFile(path) && dev.softmax.io.Downloader.md5(path).equalsIgnoreCase(file.md5());
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasCifarBatches(Path folder) {
        for (String name : Cifar10BinaryLoader.TRAIN_FILES) {
            if (!Files.isRegularFile(folder.resolve(name))) {
                return false;
            }
        }
        return Files.isRegularFile(folder.resolve(Cifar10BinaryLoader.TEST_FILE));
    }

    /** The file in {@code folder} the loader reads for {@code file}: its {@code .gz} name, else unpacked; or null. */
    private static Path idxFile(Path folder, RemoteFile file) {
        String name = file.fileName();
        for (String candidate : new String[] {name, name.endsWith(".gz") ? name.substring(0, name.length() - 3) : name}) {
            if (Files.isRegularFile(folder.resolve(candidate))) {
                return folder.resolve(candidate);
            }
        }
        return null;
    }

    /**
     * For a data set that {@link #isInstalled}: the files in place that are damaged, for the download command to
     * name before it says there is nothing to do. Each IDX file, gzipped or not, is read to its end (the gzip
     * checksum and length checked, 0.3 s for Fashion-MNIST) and its length compared with what its header announces;
     * CIFAR-10's unpacked batches, whose archive was checked instead, by their size (10000 records each), and an
     * archive left in the data folder by reading it as training does. Not by the published MD5: Debian's copies of
     * the files are compressed anew, and are as good.
     *
     * @param dataDir the data folder
     * @return the damaged files, none when all are whole
     * @throws IOException when a file cannot be opened
     */
    public List<Path> damagedFiles(Path dataDir) throws IOException {
        Path location = installedLocation(dataDir);
        List<Path> damaged = new ArrayList<>();
        if (location == null) {
            return damaged;
        }
        if (unpackTar) {
            if (Files.isRegularFile(location)) {
                try {
                    Cifar10BinaryLoader.load(location, org.nd4j.linalg.api.buffer.DataType.FLOAT, 1);
                } catch (InvalidDataException e) {
                    damaged.add(location);
                }
                return damaged;
            }
            List<String> batches = new ArrayList<>(Cifar10BinaryLoader.TRAIN_FILES);
            batches.add(Cifar10BinaryLoader.TEST_FILE);
            for (String name : batches) {
                if (Files.size(location.resolve(name)) != 10_000L * Cifar10BinaryLoader.RECORD_BYTES) {
                    damaged.add(location.resolve(name));
                }
            }
            return damaged;
        }
        for (RemoteFile file : files) {
            Path found = idxFile(location, file);
            if (!wholeIdx(found)) {
                damaged.add(found);
            }
        }
        return damaged;
    }

    /**
     * Whether an IDX file holds exactly the length its header announces, decompressed cleanly if it is gzipped (told
     * by its first bytes, as the loader tells it: a browser may have unpacked a {@code .gz} on the way).
     */
    private static boolean wholeIdx(Path file) throws IOException {
        try (java.io.DataInputStream in = new java.io.DataInputStream(MnistIdxLoader.open(file))) {
            int magic = in.readInt();
            int dimensions = magic & 0xff;
            if ((magic >>> 8) != 0x08 || dimensions < 1 || dimensions > 3) {
                return false;
            }
            long values = 1;
            for (int i = 0; i < dimensions; i++) {
                int size = in.readInt();
                if (size <= 0) {
                    return false;
                }
                values = Math.multiplyExact(values, size);
            }
            in.skipNBytes(values); // skip() stops at the end of what is buffered (65520 of 47040000 bytes)
            return in.read() == -1;
        } catch (java.io.EOFException | java.util.zip.ZipException | InvalidDataException | ArithmeticException e) {
            return false;
        }
    }

    /**
     * Downloads, verifies and installs the data set under {@code dataDir}.
     *
     * @param dataDir    the data folder ({@code notebooks-data} by default)
     * @param baseUrl    where the files are fetched from, ending in {@code /}
     * @param downloader fetches and verifies single files
     * @param log        progress messages
     * @return the installed folder
     * @throws DownloadException when a download or a checksum fails; nothing is left behind then
     */
    public Path install(Path dataDir, URI baseUrl, Downloader downloader, PrintWriter log) throws IOException {
        String base = baseUrl.toString().endsWith("/") ? baseUrl.toString() : baseUrl + "/";
        Path target = dataDir.resolve(folder);
        Path downloadDir = unpackTar ? dataDir : target;
        // The outermost folder this call creates, so that a failed download leaves no empty folders behind.
        Path firstCreated = null;
        for (Path p = downloadDir.toAbsolutePath(); p != null && !Files.exists(p); p = p.getParent()) {
            firstCreated = p;
            UnfinishedFiles.addIfEmpty(p);
        }
        List<Path> verified = new ArrayList<>();
        boolean done = false;
        try {
            for (RemoteFile file : files) {
                verified.add(downloader.fetchVerified(URI.create(base + file.fileName()), downloadDir, file.md5(),
                        byHand(dataDir)));
            }
            List<Path> placed = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                Path destination = downloadDir.resolve(files.get(i).fileName());
                Path temp = verified.get(i);
                UnfinishedFiles.commit(temp, () -> move(temp, destination));
                placed.add(destination);
            }
            log.printf("%s: %d file%s downloaded and verified (MD5)%n", name, files.size(),
                    files.size() == 1 ? "" : "s");
            if (unpackTar) {
                unpack(placed.get(0), dataDir, target);
                Files.delete(placed.get(0));
                log.printf("%s: unpacked into %s%n", name, target);
            }
            log.flush();
            done = true;
            return target;
        } finally {
            if (!done) {
                for (Path temp : verified) {
                    Files.deleteIfExists(temp);
                    UnfinishedFiles.release(temp);
                }
                if (firstCreated != null) {
                    deleteEmptyFolders(downloadDir.toAbsolutePath(), firstCreated);
                }
            }
            for (Path p = downloadDir.toAbsolutePath(); firstCreated != null && p.startsWith(firstCreated);
                    p = p.getParent()) {
                UnfinishedFiles.release(p);
            }
        }
    }

    /**
     * Unpacks the regular-file members under {@code folder/} of a tar.gz archive into a temporary folder, then
     * renames it to {@code target}. Members elsewhere, links and names that climb out ("..") are skipped, so an
     * archive cannot write outside {@code target}.
     */
    static void unpack(Path archive, Path dataDir, Path target) throws IOException {
        Path temp = UnfinishedFiles.add(Files.createTempDirectory(dataDir, "." + target.getFileName() + "."));
        boolean done = false;
        try {
            int count = 0;
            try (InputStream file = Files.newInputStream(archive);
                 InputStream gzip = new GZIPInputStream(new BufferedInputStream(file, 1 << 16), 1 << 16);
                 TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
                TarArchiveEntry entry;
                String prefix = target.getFileName() + "/";
                while ((entry = tar.getNextEntry()) != null) {
                    String entryName = entry.getName();
                    if (!entry.isFile() || !entryName.startsWith(prefix)) {
                        continue;
                    }
                    Path out = temp.resolve(entryName.substring(prefix.length())).normalize();
                    if (!out.startsWith(temp) || out.equals(temp)) {
                        continue;
                    }
                    Files.createDirectories(out.getParent());
                    try (OutputStream os = Files.newOutputStream(out)) {
                        tar.transferTo(os);
                    }
                    count++;
                }
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new DownloadException(archive + ": truncated or corrupt archive" + InvalidDataException.reason(e), e);
            }
            if (count == 0) {
                throw new DownloadException(archive + ": no members under " + target.getFileName() + "/");
            }
            UnfinishedFiles.commit(temp, () -> {
                if (Files.exists(target)) {
                    deleteTree(target);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target);
                }
            });
            done = true;
        } finally {
            if (!done) {
                deleteTree(temp);
            }
            UnfinishedFiles.release(temp);
        }
    }

    /** Deletes {@code folder} and its parents up to {@code outermost} while they are empty. */
    private static void deleteEmptyFolders(Path folder, Path outermost) throws IOException {
        for (Path p = folder; p != null && p.startsWith(outermost); p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            try (var left = Files.list(p)) {
                if (left.findAny().isPresent()) {
                    return;
                }
            }
            Files.delete(p);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
