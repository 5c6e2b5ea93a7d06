package dev.softmax.cli;

/** Run in a JVM of its own by {@link MainTest}: logs one warning after the command line's logging set-up. */
final class LoggingProbe {

    private LoggingProbe() {
    }

    public static void main(String[] args) {
        Main.configureLogging();
        org.slf4j.LoggerFactory.getLogger(dev.softmax.Blas.class).warn("LAPACK probe {}", 1);
    }
}
