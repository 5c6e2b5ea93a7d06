package dev.softmax.cli;

import dev.softmax.OpenBlasCore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The {@code softmax-regression} command. With no arguments it runs {@code train} on iris.
 *
 * <p>Exit status: 0 on success, 2 for bad flags or bad input (with a one-line reason, and a stack trace only
 * with {@code --verbose}), 1 for anything else.
 */
@Command(name = "softmax-regression", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Multinomial logistic (softmax) regression on ND4J.")
public final class Main implements Callable<Integer> {

    /** Where {@code predict --input -} reads from. */
    private final java.io.InputStream in;

    /** The top-level command, whose subcommands {@link #commandLine} adds, reading the process's standard input. */
    public Main() {
        this(System.in);
    }

    private Main(java.io.InputStream in) {
        this.in = in;
    }

    /** The standard input of the command line that {@code spec} belongs to. */
    static java.io.InputStream standardInput(CommandSpec spec) {
        return spec.root().userObject() instanceof Main main ? main.in : System.in;
    }

    /**
     * The version the jar's manifest gives (Maven's project version, so a snapshot says so), or "development build"
     * when run from classes.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"softmax-regression " + (version != null ? version : "(development build)")};
        }
    }

    /** Exit status for bad flags and bad input. */
    public static final int EXIT_BAD_INPUT = 2;

    private static final String ND4J_LOG_INITIALIZATION = "org.nd4j.log.initialization";

    /**
     * Shows library warnings (ND4J's, a LAPACK fallback's), and nothing below them, as the command line's own,
     * {@code warning: ...} on stderr, without slf4j-simple's thread and logger names, unless the user set those
     * properties. Set here rather than in a {@code simplelogger.properties}, which would also set the logging of
     * every program that embeds the library. Called before any logger exists: slf4j-simple reads its settings once.
     */
    static void configureLogging() {
        for (String[] setting : new String[][] {{"defaultLogLevel", "warn"}, {"logFile", "System.err"},
            {"showThreadName", "false"}, {"showLogName", "false"}, {"warnLevelString", "warning:"}}) {
            String key = "org.slf4j.simpleLogger." + setting[0];
            if (System.getProperty(key) == null) {
                System.setProperty(key, setting[1]);
            }
        }
    }

    /**
     * The subcommands by name, in the order the usage lists them. A run that names one builds only that one:
     * picocli's first reflection over all six took 0.36 to 0.41 s, over {@code train} alone 0.24 to 0.34 s (of the
     * 1.8 s of {@code train --dataset iris} on a 2-core Zen 3).
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> byName = new LinkedHashMap<>();
        byName.put("train", TrainCommand::new);
        byName.put("compare", CompareCommand::new);
        byName.put("evaluate", EvaluateCommand::new);
        byName.put("predict", PredictCommand::new);
        byName.put("download", DownloadCommand::new);
        byName.put("bench", BenchCommand::new);
        return byName;
    }

    @Override
    public Integer call() {
        return 0;
    }

    /**
     * Runs the command line and exits with its status. Before anything loads ND4J it asks OpenBLAS for kernels whose
     * LAPACK is right on this CPU ({@link OpenBlasCore}), unless the run is in float64, where OpenBLAS runs every pass,
     * is {@code bench} ({@link #isBench}), or trains with {@code newton} ({@link #trainsWithNewton}).
     *
     * @param args the command-line arguments; none means {@code train}
     */
    public static void main(String[] args) {
        configureLogging();
        // Ctrl-C or kill in the middle of a download or an output's write leaves no partial file behind.
        dev.softmax.io.UnfinishedFiles.installShutdownHook();
        // Decided (and JNA loaded, about 0.1 s) on a thread of its own while picocli builds the command; the
        // environment itself is changed on this thread, which is then the only one running.
        java.util.concurrent.atomic.AtomicBoolean avoid = new java.util.concurrent.atomic.AtomicBoolean();
        Thread kernels = new Thread(() -> avoid.set(!asksForFloat64(args) && !isBench(args) && !trainsWithNewton(args)
                && OpenBlasCore.wouldAvoidSkylakeX()),
                "openblas-kernels");
        kernels.start();
        // ND4J gathers environment details for a log line at INFO, which the command line does not show (40 ms).
        if (System.getProperty(ND4J_LOG_INITIALIZATION) == null) {
            System.setProperty(ND4J_LOG_INITIALIZATION, "false");
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, System.in, out, err, () -> {
            try {
                kernels.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (avoid.get()) {
                OpenBlasCore.avoidSkylakeXKernels();
            }
        }));
    }

    /**
     * Whether the command is {@code bench}, which calls no LAPACK and so keeps OpenBLAS's own kernels: its floor is
     * then the fastest read of {@code X} the machine has (on the Intel development machine the Haswell {@code asum}
     * took 0.032 s where the SkylakeX one took 0.028, which flattered every ratio by a sixth).
     */
    static boolean isBench(String[] args) {
        return args.length > 0 && args[0].equals("bench");
    }

    /**
     * Whether the command trains with {@code newton}, which calls no LAPACK (its Cholesky factorisation is
     * {@code dev.softmax.Blas}'s own, on {@code dgemm} and {@code dsyrk}) and spends most of its time in the
     * {@code dsyrk}s that build the Hessian, a fifth faster with OpenBLAS's own AVX-512 kernels on an Intel CPU:
     * {@code train --optimizer newton}, or {@code auto} (the default) on iris, whose shape is known before any data
     * are read. {@code auto} on other data is resolved after they are loaded, too late to choose the kernels.
     */
    static boolean trainsWithNewton(String[] args) {
        if (args.length > 0 && !args[0].equals("train")) {
            return false;
        }
        String optimizer = optionValue(args, "--optimizer", OptimizerOptions.DEFAULT_OPTIMIZER).trim()
                .toLowerCase(java.util.Locale.ROOT);
        if (optimizer.equals("newton")) {
            return true;
        }
        if (!optimizer.equals("auto")) {
            return false;
        }
        String budget = optionValue(args, "--hessian-budget", OptimizerOptions.DEFAULT_HESSIAN_BUDGET);
        try {
            // --train or --test without --dataset means csv.
            String files = optionValue(args, "--train", null) != null || optionValue(args, "--test", null) != null
                    ? "csv" : DataOptions.DEFAULT_DATASET;
            if (DatasetKind.fromName(optionValue(args, "--dataset", files)) != DatasetKind.IRIS) {
                return false;
            }
            long budgetBytes = new OptimizerOptions.ByteSizeConverter().convert(budget);
            return OptimizerKind.AUTO.resolve(DatasetKind.IRIS_FEATURES, DatasetKind.IRIS_CLASSES, budgetBytes)
                    .kind() == OptimizerKind.NEWTON;
        } catch (RuntimeException e) {
            return false; // a bad value: picocli says so once the command runs
        }
    }

    /**
     * The value of option {@code name} in {@code args} ({@code --name value} or {@code --name=value}, the first
     * one), {@code missing} when the option is absent, or {@code ""} when it ends the arguments without a value.
     */
    private static String optionValue(String[] args, String name, String missing) {
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith(name + "=")) {
                return args[i].substring(name.length() + 1);
            }
            if (args[i].equals(name)) {
                return i + 1 < args.length ? args[i + 1] : "";
            }
        }
        return missing;
    }

    /** Whether the arguments set {@code --dtype} to float64 ({@code double} or {@code float64}). */
    static boolean asksForFloat64(String[] args) {
        return optionValue(args, "--dtype", "").trim().toLowerCase(java.util.Locale.ROOT).matches("double|float64");
    }

    /**
     * Runs the command line with the given streams and returns the exit status (for tests and embedding).
     * No arguments means {@code train}.
     *
     * @param args the command-line arguments
     * @param out  where the commands' output goes
     * @param err  where errors go
     * @return the exit status
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, System.in, out, err, () -> { });
    }

    /**
     * As {@link #run(String[], PrintWriter, PrintWriter)}, with {@code in} as the standard input
     * ({@code predict --input -}).
     *
     * @param args the command-line arguments
     * @param in   what the commands read as their standard input
     * @param out  where the commands' output goes
     * @param err  where errors go
     * @return the exit status
     */
    public static int run(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err) {
        return run(args, in, out, err, () -> { });
    }

    /** {@link #run(String[], PrintWriter, PrintWriter)}, calling {@code beforeExecuting} once the command is built. */
    private static int run(String[] args, java.io.InputStream in, PrintWriter out, PrintWriter err,
                           Runnable beforeExecuting) {
        String[] effective = args.length == 0 ? new String[] {"train"} : args;
        CommandLine commandLine = commandLine(in, out, err, SUBCOMMANDS.containsKey(effective[0]) ? effective[0]
                : null);
        beforeExecuting.run();
        int status;
        try {
            status = commandLine.execute(effective);
        } catch (OutOfMemoryError e) {
            status = outOfMemory(e, effective, err); // an Error passes through picocli's handlers
        }
        out.flush();
        err.flush();
        return status;
    }

    /**
     * One line for a run that ran out of heap, as for any failure that is not bad input (the stack trace with
     * {@code --verbose}); exit status 1.
     */
    static int outOfMemory(OutOfMemoryError e, String[] args, PrintWriter err) {
        long heap = Runtime.getRuntime().maxMemory();
        err.printf("error: out of memory (the Java heap may grow to %s): the data or the model are too large for this"
                + " JVM; start it with a larger -Xmx, or use --limit%n", heap >= 1e9
                ? String.format(java.util.Locale.ROOT, "%.1f GB", heap / 1e9) : heap / 1000000 + " MB");
        if (verbose(args)) {
            e.printStackTrace(err);
        }
        err.flush();
        return 1;
    }

    /**
     * Whether {@code --verbose} is among the arguments, for errors that come before picocli has read them all (a
     * parse error stops at the flag it could not read, which may come before {@code --verbose}).
     */
    private static boolean verbose(String[] args) {
        return java.util.Arrays.asList(args).contains("--verbose");
    }

    /**
     * The configured picocli command line with every subcommand.
     *
     * @param out where the commands' output goes
     * @param err where errors go
     * @return the command line
     */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(System.in, out, err, null);
    }

    /** The command line with only the subcommand {@code only}, or with all of them and {@code help} if null. */
    static CommandLine commandLine(java.io.InputStream in, PrintWriter out, PrintWriter err, String only) {
        CommandLine commandLine = new CommandLine(new Main(in));
        SUBCOMMANDS.forEach((name, command) -> {
            if (only == null || only.equals(name)) {
                commandLine.addSubcommand(name, command.get());
                CommandSpec sub = commandLine.getSubcommands().get(name).getCommandSpec();
                hideSharedOptions(sub);
                // Each subcommand offers -V, --version (the standard help options): the same line as the top level.
                sub.version(commandLine.getCommandSpec().version());
            }
        });
        if (only == null) {
            commandLine.addSubcommand("help", new CommandLine.HelpCommand());
        }
        commandLine.setOut(out);
        commandLine.setErr(err);
        // Before the subcommands' options are read: an empty name was the working folder ("wrote ... to ").
        commandLine.registerConverter(Path.class, Main::nonEmptyPath);
        commandLine.setExecutionExceptionHandler(Main::handleExecutionException);
        commandLine.setParameterExceptionHandler(Main::handleParameterException);
        return commandLine;
    }

    /**
     * Options that a command shares with {@code train} through a mixin but refuses at run time, saying why
     * ({@link #REFUSED_OPTIONS}): they are kept out of its help by hidden copies, bound to the same fields.
     */
    private static void hideSharedOptions(CommandSpec command) {
        for (String name : REFUSED_OPTIONS.getOrDefault(command.name(), Map.of()).keySet()) {
            OptionSpec option = command.findOption(name);
            command.remove(option);
            command.addOption(option.toBuilder().hidden(true).build());
        }
    }

    private static final String EVALUATE_REFUSAL = ": the model brings its own scaling, and every row of the test"
            + " part (or of the file, with --test-fraction 0) is scored";

    /** Per command, the shared options it refuses, each with the one-line error that says why. */
    static final Map<String, Map<String, String>> REFUSED_OPTIONS = Map.of(
            "compare", Map.of(
                    "--optimizer", "compare takes --optimizers (a comma list), not --optimizer",
                    "--validation-fraction", "compare has no validation set (--validation-fraction is for train):"
                            + " every optimizer is scored on the test part, --test-fraction"),
            "evaluate", Map.of(
                    "--scale", "evaluate takes no --scale" + EVALUATE_REFUSAL,
                    "--limit", "evaluate takes no --limit" + EVALUATE_REFUSAL,
                    "--validation-fraction", "evaluate takes no --validation-fraction" + EVALUATE_REFUSAL));

    /**
     * Refuses the shared options ({@link #REFUSED_OPTIONS}) this command was given.
     *
     * @throws IllegalArgumentException naming the first refused option given, in the order of the command line
     */
    static void refuseSharedOptions(CommandSpec command) {
        Map<String, String> refused = REFUSED_OPTIONS.getOrDefault(command.name(), Map.of());
        for (OptionSpec given : command.commandLine().getParseResult().matchedOptions()) {
            for (String name : given.names()) {
                if (refused.containsKey(name)) {
                    throw new IllegalArgumentException(refused.get(name));
                }
            }
        }
    }

    private static Path nonEmptyPath(String value) {
        if (value.equals("-")) {
            // Taken as a name, it made a file or folder called "-"; predict's --input and --output take it.
            throw new CommandLine.TypeConversionException("- (the standard input or output) is not taken here;"
                    + " give a file or folder name");
        }
        return pathOrDash(value);
    }

    /**
     * A file name as given, {@code -} included (predict's standard input and output); an empty or blank one is
     * refused.
     *
     * @param value the option's value
     * @return the path
     */
    static Path pathOrDash(String value) {
        if (value.isBlank()) {
            throw new CommandLine.TypeConversionException("an empty file or folder name");
        }
        return Path.of(value);
    }

    /** The converter for options where {@code -} names the standard input or output. */
    static final class DashOrPath implements CommandLine.ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            return pathOrDash(value);
        }
    }

    /**
     * A flag picocli could not parse: one line naming it (then the stack trace with {@code --verbose}), and for an
     * unknown flag picocli's suggestions and the usage as well (a misspelt flag is where the list of flags helps; a
     * bad value of a known flag is not).
     */
    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        if (e instanceof CommandLine.OverwrittenOptionException overwritten
                && overwritten.getOverwritten() instanceof OptionSpec option && option.names().length > 1) {
            // picocli names one of the aliases only, so --epochs 3 --max-iter 4 read as --max-iter given twice.
            err.println("error: " + String.join(" and ", option.names()) + " are one option, given more than once;"
                    + " give it once");
            if (verbose(args)) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_BAD_INPUT;
        }
        if (e instanceof CommandLine.MissingParameterException && !commandLine.getUnmatchedArguments().isEmpty()) {
            // picocli checks required options before it reports arguments it did not know, so "--modle m" read
            // as a missing --model: the misspelt flag is the error to show, with its suggestions.
            e = new CommandLine.UnmatchedArgumentException(commandLine, commandLine.getUnmatchedArguments());
        }
        err.println("error: " + e.getMessage());
        if (verbose(args)) {
            e.printStackTrace(err);
        }
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
            CommandLine.UnmatchedArgumentException.printSuggestions(unmatched, err);
            commandLine.usage(err);
        }
        err.flush();
        return EXIT_BAD_INPUT;
    }

    private static int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        boolean badInput = isBadInput(e);
        String description = describe(e);
        err.println("error: " + description);
        if (verbose(parseResult)) {
            e.printStackTrace(err);
        } else if (!badInput && !description.startsWith(OUT_OF_NATIVE_MEMORY)) {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return badInput ? EXIT_BAD_INPUT : 1;
    }

    /** How a failed native allocation is described: one line, like running out of heap. */
    static final String OUT_OF_NATIVE_MEMORY = "out of native memory";

    private static boolean isBadInput(Throwable e) {
        return e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException
                || e instanceof CommandLine.ParameterException;
    }

    private static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException nsf) {
            return nsf.getFile() + ": file not found";
        }
        if (e instanceof java.nio.file.AccessDeniedException ade) {
            return ade.getFile() + ": permission denied";
        }
        if (e instanceof UncheckedIOException u && u.getCause() != null) {
            return describe(u.getCause());
        }
        String message = e.getMessage();
        if (message != null && message.contains("std::bad_alloc")) {
            return OUT_OF_NATIVE_MEMORY + " (" + message + "): the data or the model are too large for this machine;"
                    + " use --limit or a smaller shape";
        }
        return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }
}
