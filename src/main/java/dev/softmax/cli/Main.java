package dev.softmax.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParseResult;

/**
 * The {@code softmax-regression} command. With no arguments it runs {@code train} on iris.
 *
 * <p>Exit status: 0 on success, 2 for bad flags or bad input (with a one-line reason, and a stack trace only
 * with {@code --verbose}), 1 for anything else.
 */
@Command(name = "softmax-regression", mixinStandardHelpOptions = true, version = "softmax-regression 0.1.0",
        description = "Multinomial logistic (softmax) regression on ND4J.",
        subcommands = {TrainCommand.class, CompareCommand.class, EvaluateCommand.class, PredictCommand.class,
            DownloadCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Callable<Integer> {

    /** Exit status for bad flags and bad input. */
    public static final int EXIT_BAD_INPUT = 2;

    @Override
    public Integer call() {
        return 0;
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err));
    }

    /**
     * Runs the command line with the given streams and returns the exit status (for tests and embedding).
     * No arguments means {@code train}.
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine commandLine = commandLine(out, err);
        String[] effective = args.length == 0 ? new String[] {"train"} : args;
        int status = commandLine.execute(effective);
        out.flush();
        err.flush();
        return status;
    }

    /** The configured picocli command line. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler(Main::handleExecutionException);
        return commandLine;
    }

    private static int handleExecutionException(Exception e, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        boolean badInput = isBadInput(e);
        err.println("error: " + describe(e));
        if (verbose(parseResult)) {
            e.printStackTrace(err);
        } else if (!badInput) {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return badInput ? EXIT_BAD_INPUT : 1;
    }

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
