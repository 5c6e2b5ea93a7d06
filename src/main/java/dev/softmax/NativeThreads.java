package dev.softmax;

import org.nd4j.linalg.factory.Nd4j;

/**
 * The number of native threads ND4J uses for its own loops (OpenMP) and for BLAS.
 *
 * <p>The default, {@link #defaultCount()}, leaves one core free on machines with few cores: OpenMP's
 * spin-waiting threads collapse when another process holds one of the cores they expect (an SGD epoch went
 * from 2.4 s to 44 s on 2 cores with a second busy process), while one thread fewer costs little.
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    /** {@code max(1, cores - 1)} for up to 4 cores, else {@code cores - 2}: a core or two left for others. */
    public static int defaultCount() {
        int cores = Runtime.getRuntime().availableProcessors();
        return cores <= 4 ? Math.max(1, cores - 1) : cores - 2;
    }

    /** Sets ND4J's OpenMP and BLAS thread counts for this process. */
    public static void set(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
    }

    /** The BLAS thread count in force. */
    public static int current() {
        return Nd4j.factory().blas().getMaxThreads();
    }
}
