package dev.softmax.cli;

import dev.softmax.Kernels;
import dev.softmax.NativeThreads;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.model.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options every command has. */
public final class CommonOptions {

    /** Options that picocli fills in, for the command that mixes them in. */
    public CommonOptions() {
    }

    /** Most {@code --threads}: more is a slip of the keyboard (each thread is started at once), not a setting. */
    static final int MAX_THREADS = 1024;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--verbose", description = "Print stack traces with errors, and more detail.")
    boolean verbose;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for the passes over the data, each running BLAS and ND4J single-threaded; default: "
                    + "every core (0 means the default); at most " + MAX_THREADS + ".",
            defaultValue = "${sys:softmax.threads:-0}")
    int threads;

    @Option(names = "--kernel", paramLabel = "KIND",
            description = "What multiplies float32 data by the parameters: auto (the Vector API kernels when the JVM "
                    + "runs with --add-modules jdk.incubator.vector, else OpenBLAS), blas or vector (default: "
                    + "${DEFAULT-VALUE}).",
            defaultValue = "${sys:softmax.kernel:-auto}")
    String kernel;

    @Option(names = "--byte-features", negatable = true, fallbackValue = "true",
            description = "With the vector kernels, keep float32 data whose values are all integers 0 to 255 (raw "
                    + "pixels) as one byte per value: the same results, a quarter of the memory read per pass, "
                    + "n x d bytes more memory. Default (or -Dsoftmax.byteFeatures=auto): in train and compare, on "
                    + "for 8-bit training data of at least 2^24 values kept unscaled or divided by 255, such as "
                    + "MNIST, Fashion-MNIST and CIFAR-10, else off; in the other commands off.")
    Boolean byteFeatures;

    /**
     * Applies {@code --threads} (0 means the default), {@code --kernel} and {@code --[no-]byte-features}; without
     * the last, byte features are off until {@link DataOptions#load(boolean)} decides ({@link #byteFeaturesAuto()}).
     */
    void applyNativeSettings() {
        if (threads < 0 || threads > MAX_THREADS) {
            throw new IllegalArgumentException(source("--threads", "softmax.threads") + " must be 1 to "
                    + MAX_THREADS + " (0 for every core), got " + threads);
        }
        int processors = NativeThreads.defaultCount();
        if (threads > processors) {
            command.commandLine().getErr().printf("warning: --threads %d is more than the %d processors this JVM may"
                    + " use; the extra threads only take turns on them%n", threads, processors);
        }
        Kernels.Kind kind;
        try {
            kind = Kernels.Kind.valueOf(kernel.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source("--kernel", "softmax.kernel")
                    + " must be auto, blas or vector, got '" + kernel + "'");
        }
        if (kind == Kernels.Kind.VECTOR && !Kernels.vectorModulePresent()) {
            throw new IllegalArgumentException("--kernel vector needs the JVM option --add-modules "
                    + "jdk.incubator.vector (java --add-modules jdk.incubator.vector -jar ...)");
        }
        Kernels.set(kind);
        if (kind == Kernels.Kind.VECTOR && !Kernels.hardwareFma()) {
            command.commandLine().getErr().println("warning: " + source("--kernel", "softmax.kernel")
                    + " vector: this JVM does multiply-adds in software (-XX:-UseFMA, or a CPU without FMA), which"
                    + " makes the vector kernels far slower than OpenBLAS (--kernel auto takes OpenBLAS here)");
        }
        Kernels.setByteFeatures(Boolean.TRUE.equals(byteFeaturesChoice()));
        if (Boolean.TRUE.equals(byteFeaturesChoice()) && !Kernels.active().equals("vector")) {
            command.commandLine().getErr().println("warning: " + source("--byte-features", "softmax.byteFeatures")
                    + " takes effect with the vector kernels only (java --add-modules jdk.incubator.vector -jar ...,"
                    + " not --kernel blas); OpenBLAS reads the floats");
        }
        NativeThreads.set(threads == 0 ? NativeThreads.defaultCount() : threads);
    }

    /** The option, when given, else the system property its default comes from: what a message names. */
    private String source(String option, String property) {
        var parsed = command == null ? null : command.commandLine().getParseResult();
        return parsed == null || parsed.hasMatchedOption(option) ? option : "-D" + property;
    }

    /**
     * {@code --byte-features} or {@code --no-byte-features} as given, else the system property
     * {@code softmax.byteFeatures} ({@code true} or {@code false}), else {@code null}: decided by the data.
     */
    private Boolean byteFeaturesChoice() {
        if (byteFeatures != null) {
            return byteFeatures;
        }
        String property = System.getProperty("softmax.byteFeatures", "auto").trim()
                .toLowerCase(java.util.Locale.ROOT);
        return switch (property) {
            case "true" -> true;
            case "false" -> false;
            case "auto", "" -> null;
            default -> throw new IllegalArgumentException("-Dsoftmax.byteFeatures must be true, false or auto, got '"
                    + property + "'");
        };
    }

    /** Whether the data decide about byte features: neither the option nor the system property chose. */
    boolean byteFeaturesAuto() {
        return byteFeaturesChoice() == null;
    }

    /** {@code "vector"} or {@code "blas"}: what multiplies data of this type after {@link #applyNativeSettings()}. */
    static String kernelFor(DataType type) {
        return type == DataType.FLOAT ? Kernels.active() : "blas";
    }

    /** Warns on the error stream when {@code --kernel vector} is asked for data that OpenBLAS multiplies. */
    void warnIfKernelUnused(DataType type) {
        if (type != DataType.FLOAT && kernel.trim().equalsIgnoreCase("vector")) {
            command.commandLine().getErr().println("warning: --kernel vector multiplies float32 data only; with"
                    + " --dtype double, OpenBLAS does");
        }
    }

    /**
     * Turns byte features off, with a warning, when they were asked for (the option or the property) but cannot
     * apply to this data: float64 data (OpenBLAS multiplies them), standardised features (no longer 8-bit) or
     * training features of a CSV file that are not all whole numbers from 0 to 255, so that the settings line and the report
     * do not claim bytes that are never read.
     *
     * @param type     the features' type
     * @param dataset  the data set (image data sets are 8-bit by their format)
     * @param prepared the loaded data, with their scaling
     */
    void dropBytesThatCannotApply(DataType type, DatasetKind dataset, DataOptions.Prepared prepared) {
        Trainer.Scaling scaling = prepared.scaling();
        if (!Boolean.TRUE.equals(byteFeaturesChoice()) || !Kernels.active().equals("vector")) {
            return; // not asked for, or warned about already
        }
        String why = type != DataType.FLOAT ? "--dtype double (OpenBLAS multiplies float64)"
                : scaling == Trainer.Scaling.STANDARD
                ? "--scale standard (standardised features are not 8-bit)"
                : dataset.imageFeatures() == 0 && !SoftmaxCrossEntropy.readableAsBytes(prepared.train().features())
                ? "the features of " + prepared.source() + ", which are not all whole numbers from 0 to 255"
                : null;
        if (why != null) {
            Kernels.setByteFeatures(false);
            command.commandLine().getErr().println("warning: " + source("--byte-features", "softmax.byteFeatures")
                    + " changes nothing with " + why);
        }
    }

    /**
     * Whether 8-bit data of this type are to be read as bytes: byte features on, and the vector kernels running the
     * passes (OpenBLAS, and float64, read the floats whatever the setting).
     */
    static boolean bytesInUse(DataType type) {
        return Kernels.byteFeatures() && kernelFor(type).equals("vector");
    }

    /**
     * Refuses an output file that is one of the command's input files (links followed), which writing it would
     * replace. A device (a terminal as both {@code /dev/stdin} and {@code /dev/stdout}, a pipe) is written through,
     * not replaced, so it may be both.
     *
     * @param outputFlag the output's option, for the message
     * @param output     the output file, or {@code null} when not given
     * @param inputs     the input files by option, entries {@code null} when not given
     */
    static void checkNotAnInput(String outputFlag, Path output, Map<String, Path> inputs) throws IOException {
        if (output == null || !Files.isRegularFile(output)) {
            return;
        }
        for (var input : inputs.entrySet()) {
            if (input.getValue() != null && Files.exists(input.getValue())
                    && Files.isSameFile(output, input.getValue())) {
                throw new IllegalArgumentException(outputFlag + " " + output + " is the " + input.getKey()
                        + " file; writing it would replace what is read from it");
            }
        }
    }

    /**
     * One file (or folder) a command writes.
     *
     * @param flag   the option that names it, for the messages
     * @param file   the file, or {@code null} when the option is not given
     * @param folder whether it is a folder the command writes files into
     */
    record Output(String flag, Path file, boolean folder) {
        /** A file output. */
        Output(String flag, Path file) {
            this(flag, file, false);
        }
    }

    /**
     * Refuses two outputs of one command that are the same file (links followed, whether or not it exists yet), of
     * which the later written would replace the earlier, and a file output that another output needs as its folder
     * ({@code --report out --save out/m.model}: the report written, the model then failed after training). Devices
     * are written through, so they may repeat.
     *
     * @param outputs the command's outputs, in the order they are written
     */
    static void checkDistinctOutputs(java.util.List<Output> outputs) throws IOException {
        var given = outputs.stream().filter(output -> output.file() != null).toList();
        for (int later = 1; later < given.size(); later++) {
            for (int earlier = 0; earlier < later; earlier++) {
                Output a = given.get(earlier);
                Output b = given.get(later);
                if (!a.folder() && !b.folder() && sameFile(a.file(), b.file())) {
                    throw new IllegalArgumentException(a.flag() + " and " + b.flag() + " are the same file: "
                            + b.file());
                }
                Path aAt = whereWritten(a.file());
                Path bAt = whereWritten(b.file());
                for (Output[] pair : new Output[][] {{a, b}, {b, a}}) {
                    Path outerAt = pair[0] == a ? aAt : bAt;
                    Path innerAt = pair[0] == a ? bAt : aAt;
                    if (!pair[0].folder() && innerAt.startsWith(outerAt)
                            && (!innerAt.equals(outerAt) || pair[1].folder())) {
                        throw new IllegalArgumentException(pair[0].flag() + " " + pair[0].file() + " would be a file"
                                + " where " + pair[1].flag() + " needs a folder: " + pair[1].file());
                    }
                }
            }
        }
    }

    /** Whether writing {@code a} and {@code b} would write one regular file (or folder entry not yet made). */
    private static boolean sameFile(Path a, Path b) throws IOException {
        boolean aExists = Files.exists(a);
        boolean bExists = Files.exists(b);
        if (aExists && bExists) {
            // Hard links too; a device is written through, not replaced.
            return Files.isRegularFile(a) && Files.isSameFile(a, b);
        }
        return aExists == bExists && whereWritten(a).equals(whereWritten(b));
    }

    /**
     * The absolute path a file that may not exist yet would be written at: links in its name followed (as
     * {@link dev.softmax.io.AtomicFiles} writes through a link), then the deepest folder that exists taken as its real
     * path, so that {@code out/m.model} and {@code ./out/../out/m.model} or a linked folder compare equal.
     */
    private static Path whereWritten(Path path) throws IOException {
        Path absolute = path.toAbsolutePath();
        for (int hops = 0; hops < 40 && Files.isSymbolicLink(absolute); hops++) {
            absolute = absolute.resolveSibling(Files.readSymbolicLink(absolute)).toAbsolutePath();
        }
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? absolute.normalize()
                : existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
    }

    /** The thread count in force after {@link #applyThreads()}. */
    int effectiveThreads() {
        return threads == 0 ? NativeThreads.defaultCount() : threads;
    }
}
