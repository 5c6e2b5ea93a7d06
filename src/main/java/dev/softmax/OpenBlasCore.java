package dev.softmax;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses OpenBLAS's kernels before ND4J loads it, where the ones it would pick give wrong LAPACK results.
 *
 * <p>OpenBLAS picks its kernels for the CPU when it loads, unless the environment variable {@value #VARIABLE} names
 * them. On an Intel CPU with AVX-512 the OpenBLAS that ND4J 1.0.0-M2.1 ships (0.3.19, a {@code DYNAMIC_ARCH} build)
 * picks its SkylakeX kernels, and with them LAPACK is wrong: {@code dsyevd} and {@code dsyev} return garbage
 * eigenvectors from 100 rows up (NaN at 785, Fashion-MNIST's feature Gram), {@code dpotrf} calls positive
 * definite matrices of 40 to 100 rows and more indefinite, and {@code dpotrs} solves wrongly with a correct factor
 * (the class of bug of OpenMathLib/OpenBLAS#2986 and #3454). With
 * its Haswell kernels (AVX2, which every AVX-512 CPU has) both are right. {@link Blas#symmetricEigen} and
 * {@code Newton} check LAPACK's results and fall back to Java, which is right but slow: 1.4 to 1.8 s instead of
 * 0.07 s for the 785 x 785 eigendecomposition that {@code newton-cg}'s preconditioner needs on Fashion-MNIST.
 *
 * <p>The Haswell kernels cost speed only where OpenBLAS runs the passes over the data: with float64 data, value and
 * gradient took 0.025 to 0.026 s instead of 0.018 to 0.019 on the Intel development machine (20000 x 500, 5
 * classes). So the command line asks for them unless it trains in float64 ({@code --dtype double}).
 *
 * <p>Only the process's own environment changes (through the C library's {@code setenv}, with JNA, which ND4J
 * already brings): {@link System#getenv()} and child processes started with an environment of their own do not see
 * it. A value of {@value #VARIABLE} set by the user is left as it is.
 */
public final class OpenBlasCore {

    /** The environment variable OpenBLAS reads its choice of kernels from when it loads. */
    public static final String VARIABLE = "OPENBLAS_CORETYPE";
    /** The kernels asked for instead of SkylakeX's. */
    public static final String CORRECT_CORE = "Haswell";

    private static final Path CPU_INFO = Path.of("/proc/cpuinfo");

    private OpenBlasCore() {
    }

    /**
     * Asks OpenBLAS for its Haswell kernels when {@link #wouldAvoidSkylakeX()}: call it before the first ND4J call;
     * afterwards it changes nothing.
     *
     * @return the kernels asked for, or empty when OpenBLAS is left to choose
     */
    public static Optional<String> avoidSkylakeXKernels() {
        if (!wouldAvoidSkylakeX() || !setEnvironment(VARIABLE, CORRECT_CORE)) {
            return Optional.empty();
        }
        return Optional.of(CORRECT_CORE);
    }

    /**
     * Whether {@link #avoidSkylakeXKernels} would ask for other kernels now: OpenBLAS would pick its SkylakeX ones
     * ({@link #picksSkylakeX}: Linux on an Intel x86-64 CPU with AVX-512), {@value #VARIABLE} is not set, and ND4J
     * has not loaded OpenBLAS yet. When it would, this also loads the C library through JNA (about 0.1 s the first
     * time), so that the call itself is quick; the command line runs this while picocli builds the command.
     *
     * @return whether {@link #avoidSkylakeXKernels} would ask for other kernels
     */
    public static boolean wouldAvoidSkylakeX() {
        if (System.getenv(VARIABLE) != null || !"Linux".equals(System.getProperty("os.name"))
                || !System.getProperty("os.arch", "").matches("amd64|x86_64") || openBlasLoaded()) {
            return false;
        }
        try {
            if (!thisCpuPicksSkylakeX()) {
                return false;
            }
            cLibrary();
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    private static volatile Boolean cpuPicksSkylakeX;

    /** {@link #picksSkylakeX} of this machine's {@code /proc/cpuinfo}, read once (false when it cannot be read). */
    private static boolean thisCpuPicksSkylakeX() {
        Boolean picks = cpuPicksSkylakeX;
        if (picks == null) {
            try {
                picks = picksSkylakeX(Files.readString(CPU_INFO));
            } catch (IOException | RuntimeException e) {
                picks = false;
            }
            cpuPicksSkylakeX = picks;
        }
        return picks;
    }

    /**
     * Whether OpenBLAS 0.3.19 picks its SkylakeX kernels for the CPU that {@code /proc/cpuinfo}'s text describes:
     * an Intel CPU ({@code GenuineIntel}) with AVX-512 ({@code avx512f}). AMD CPUs with AVX-512 get its Zen
     * kernels, which are right.
     */
    static boolean picksSkylakeX(String cpuInfo) {
        return field(cpuInfo, "vendor_id").equals("GenuineIntel")
                && (" " + field(cpuInfo, "flags") + " ").contains(" avx512f ");
    }

    /** The value of the first {@code name : value} line of {@code cpuInfo}, or "" when there is none. */
    private static String field(String cpuInfo, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\s*:\\s*(.*)$").matcher(cpuInfo);
        return m.find() ? m.group(1).trim() : "";
    }

    /** Whether JavaCPP has loaded OpenBLAS into this process (after which its kernels are fixed). */
    static boolean openBlasLoaded() {
        return org.bytedeco.javacpp.Loader.getLoadedLibraries().keySet().stream()
                .anyMatch(name -> name.toLowerCase(java.util.Locale.ROOT).contains("openblas"));
    }

    /** {@code setenv(name, value, 1)} of the C library; false when it could not be called or failed. */
    static boolean setEnvironment(String name, String value) {
        try {
            return cLibrary().getFunction("setenv").invokeInt(new Object[] {name, value, 1}) == 0;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** {@code getenv(name)} of the C library: the process's environment as native code sees it. */
    static String nativeEnvironment(String name) {
        return cLibrary().getFunction("getenv").invokeString(new Object[] {name}, false);
    }

    private static com.sun.jna.NativeLibrary cLibrary() {
        return com.sun.jna.NativeLibrary.getInstance("c");
    }
}
