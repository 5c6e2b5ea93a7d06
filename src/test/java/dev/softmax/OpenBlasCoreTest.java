package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class OpenBlasCoreTest {

    private static final String INTEL_AVX512 = """
            processor\t: 0
            vendor_id\t: GenuineIntel
            cpu family\t: 6
            model\t\t: 167
            flags\t\t: fpu vme sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl
            """;

    @Test
    void openBlasPicksSkylakeXKernelsOnIntelCpusWithAvx512Only() {
        assertTrue(OpenBlasCore.picksSkylakeX(INTEL_AVX512));
        assertFalse(OpenBlasCore.picksSkylakeX(INTEL_AVX512.replace("avx512f ", "")), "Intel, AVX2 only");
        assertFalse(OpenBlasCore.picksSkylakeX(INTEL_AVX512.replace("GenuineIntel", "AuthenticAMD")),
                "AMD with AVX-512 (Zen 4 and 5) gets the Zen kernels");
        assertFalse(OpenBlasCore.picksSkylakeX(INTEL_AVX512.replace("avx512f", "avx512fx")), "a whole flag only");
        assertFalse(OpenBlasCore.picksSkylakeX(""));
    }

    @Test
    void setsTheEnvironmentThatNativeCodeReads() {
        String name = "SOFTMAX_REGRESSION_TEST_" + ProcessHandle.current().pid();
        assertNull(OpenBlasCore.nativeEnvironment(name));
        assertTrue(OpenBlasCore.setEnvironment(name, "Haswell"));
        assertEquals("Haswell", OpenBlasCore.nativeEnvironment(name));
        assertNull(System.getenv(name), "Java's copy of the environment is the one taken at start-up");
    }

    @Test
    void changesNothingOnceOpenBlasIsLoaded() {
        Nd4j.create(2, 2).mmul(Nd4j.create(2, 2));
        assertTrue(OpenBlasCore.openBlasLoaded());
        String before = OpenBlasCore.nativeEnvironment(OpenBlasCore.VARIABLE);
        assertTrue(OpenBlasCore.avoidSkylakeXKernels().isEmpty());
        assertEquals(before, OpenBlasCore.nativeEnvironment(OpenBlasCore.VARIABLE));
    }

    /**
     * The command line in a JVM of its own, where OpenBLAS says which kernels it loaded ({@code OPENBLAS_VERBOSE=2}):
     * in float32 the Haswell ones where OpenBLAS would pick SkylakeX's, in float64 and with {@code newton}, asked for
     * or chosen by {@code auto} on iris (left to OpenBLAS), its own pick.
     */
    @Test
    void theCommandLineLoadsTheHaswellKernelsWhereOpenBlasWouldPickSkylakeX() throws Exception {
        String inFloat = loadedCore(List.of("train", "--dataset", "iris", "--max-iter", "1", "--optimizer", "lbfgs"));
        String inDouble = loadedCore(List.of("train", "--dataset", "iris", "--max-iter", "1", "--dtype", "double"));
        String newton = loadedCore(List.of("train", "--dataset", "iris", "--max-iter", "1", "--optimizer", "newton"));
        String auto = loadedCore(List.of("train", "--dataset", "iris", "--max-iter", "1"));
        assertEquals(inDouble, newton);
        assertEquals(newton, auto, "auto on iris is newton");
        if (isLinuxX86() && OpenBlasCore.picksSkylakeX(cpuInfo()) && System.getenv(OpenBlasCore.VARIABLE) == null) {
            assertEquals("Haswell", inFloat);
            assertFalse(inDouble.equals("Haswell"), inDouble);
        } else {
            assertEquals(inDouble, inFloat, "nothing to avoid: the same kernels either way");
        }
    }

    /**
     * {@link Blas#choleskyLower} at its own block size (three blocks of 256 columns, parts of 64 rows and more, 2
     * threads) with the Haswell kernels where OpenBLAS would pick SkylakeX's, as the command line runs every
     * optimizer but {@code newton} in float32 there: the tests in {@code BlasTest} run with OpenBLAS's own pick, so
     * this covers the other set of kernels.
     */
    @Test
    void theBlockedCholeskyAtFullBlockSizeMatchesCommonsMathWithTheCommandLinesKernels() throws Exception {
        boolean avoid = isLinuxX86() && OpenBlasCore.picksSkylakeX(cpuInfo())
                && System.getenv(OpenBlasCore.VARIABLE) == null;
        String output = runMain(FullSizeCholesky.class.getName(), List.of(),
                avoid ? java.util.Map.of(OpenBlasCore.VARIABLE, "Haswell") : java.util.Map.of());
        assertTrue(output.contains("factored 700 x 700"), output);
    }

    /** Factors a 700 x 700 positive definite matrix and exits 1 unless it matches Commons Math's factor. */
    static final class FullSizeCholesky {
        public static void main(String[] args) {
            NativeThreads.set(2);
            int m = 700;
            java.util.Random random = new java.util.Random(3);
            double[][] r = new double[m + 40][m];
            for (double[] row : r) {
                for (int j = 0; j < m; j++) {
                    row[j] = random.nextGaussian();
                }
            }
            org.apache.commons.math3.linear.RealMatrix rows = new org.apache.commons.math3.linear.Array2DRowRealMatrix(r,
                    false);
            double[][] a = rows.transpose().multiply(rows).scalarMultiply(1.0 / m).getData();
            double[][] expected = new org.apache.commons.math3.linear.CholeskyDecomposition(
                    new org.apache.commons.math3.linear.Array2DRowRealMatrix(a, false)).getL().getData();
            org.nd4j.linalg.api.ndarray.INDArray factor = Nd4j.createFromArray(a).dup('c');
            boolean factored = Blas.choleskyLower(
                    (org.bytedeco.javacpp.DoublePointer) factor.data().addressPointer(), m, Blas.CHOLESKY_BLOCK,
                    Blas.CHOLESKY_PART_ROWS);
            double[] values = factor.data().asDouble();
            double worst = 0;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j <= i; j++) {
                    worst = Math.max(worst, Math.abs(values[i * m + j] - expected[i][j]) / Math.sqrt(a[i][i]));
                }
            }
            System.out.println((factored ? "factored " : "refused ") + m + " x " + m + ", worst error " + worst);
            System.exit(factored && worst < 1e-12 ? 0 : 1);
        }
    }

    private static String loadedCore(List<String> args) throws IOException, InterruptedException {
        String output = runMain("dev.softmax.cli.Main", args, java.util.Map.of("OPENBLAS_VERBOSE", "2"));
        java.util.regex.Matcher core = java.util.regex.Pattern.compile("Core: (\\w+)").matcher(output);
        assertTrue(core.find(), output);
        return core.group(1);
    }

    /** Runs {@code mainClass} on the test class path in a JVM of its own; asserts exit status 0; its output. */
    private static String runMain(String mainClass, List<String> args, java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath, mainClass));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    private static boolean isLinuxX86() {
        return "Linux".equals(System.getProperty("os.name")) && System.getProperty("os.arch").matches("amd64|x86_64");
    }

    private static String cpuInfo() throws IOException {
        return Files.readString(Path.of("/proc/cpuinfo"));
    }
}
