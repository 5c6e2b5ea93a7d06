package dev.softmax.cli;

/** Run in a JVM of its own by {@link MainTest}: logs an info line and a warning after the command line's set-up. */
final class LoggingProbe {

    private LoggingProbe() {
    }

    public static void main(String[] args) {
        Main.configureLogging();
        org.slf4j.LoggerFactory.getLogger(dev.softmax.Blas.class).info("an info line, not shown");
        org.slf4j.LoggerFactory.getLogger(dev.softmax.Blas.class).warn("LAPACK probe {}", 1);
    }
}
