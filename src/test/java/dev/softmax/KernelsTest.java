package dev.softmax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The automatic choice of kernels. */
class KernelsTest {

    @Test
    void autoTakesTheVectorKernelsOnlyWithHardwareMultiplyAdds() throws Exception {
        if (Files.exists(Path.of("/proc/cpuinfo"))
                && System.getProperty("os.arch").matches("amd64|x86_64")) {
            boolean fmaFlag = Files.readString(Path.of("/proc/cpuinfo")).matches("(?s).*\\bfma\\b.*");
            assertEquals(fmaFlag, Kernels.hardwareFma(), "UseFMA follows the CPU's fma flag");
        }
        // With the module: the vector kernels where multiply-adds are done in hardware, else OpenBLAS.
        assertEquals(Kernels.hardwareFma() ? "true vector" : "false blas", probe(List.of()));
        assertEquals("false blas", probe(List.of("-XX:-UseFMA")));
        assertEquals("false vector", probe(List.of("-XX:-UseFMA", "-Dsoftmax.kernel=vector")), "asked for: obeyed");
    }

    /** {@link Probe}'s output in a JVM of its own with the module and {@code flags}. */
    private static String probe(List<String> flags) throws IOException, InterruptedException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules",
                "jdk.incubator.vector"));
        command.addAll(flags);
        command.addAll(List.of("-cp", classpath, Probe.class.getName()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        return output;
    }

    /** Prints {@link Kernels#hardwareFma()} and {@link Kernels#active()}. */
    static final class Probe {
        public static void main(String[] args) {
            System.out.println(Kernels.hardwareFma() + " " + Kernels.active());
        }
    }
}
