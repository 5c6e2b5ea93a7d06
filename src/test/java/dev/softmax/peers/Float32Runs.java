package dev.softmax.peers;

import dev.softmax.Kernels;
import dev.softmax.NativeThreads;
import dev.softmax.OpenBlasCore;
import dev.softmax.io.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Our float32 rows of the peer comparison in a JVM of their own, with the OpenBLAS kernels `train` picks for
 * float32 ({@link OpenBlasCore#avoidSkylakeXKernels}), while the comparison's own JVM keeps OpenBLAS's choice for
 * float64: a process loads one set of kernels, and on an Intel CPU with AVX-512 the two dtypes get different ones.
 */
final class Float32Runs {

    private static final String ROW = "PEERS-ROW ";

    private Float32Runs() {
    }

    /** Runs {@link #main} in a new JVM (this one's java, class path, heap limit and Vector API module). */
    static List<PeerComparisonTest.Row> inOwnJvm(Path data, int rows, int threads, double maxSeconds, double jStar,
                                                 String bytesChoice) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + Runtime.getRuntime().maxMemory()));
        if (Kernels.useVector()) {
            command.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        }
        command.addAll(List.of("-cp", System.getProperty("surefire.test.class.path",
                        System.getProperty("java.class.path")), Float32Runs.class.getName(), data.toString(),
                Integer.toString(rows), Integer.toString(threads), Double.toString(maxSeconds),
                Double.toString(jStar), bytesChoice));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<PeerComparisonTest.Row> result = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(ROW)) {
                    result.add(PeerComparisonTest.Row.of(Json.MAPPER.readValue(line.substring(ROW.length()),
                            new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { })));
                } else {
                    System.out.println(line);
                }
            }
        }
        if (process.waitFor() != 0 || result.size() != 2) {
            throw new IllegalStateException("the float32 runs' JVM exited with " + process.exitValue() + " after "
                    + result.size() + " of 2 rows");
        }
        return result;
    }

    /** Arguments: data folder, rows, threads, time limit in seconds, J*, the byte-features choice. */
    public static void main(String[] args) throws IOException {
        OpenBlasCore.avoidSkylakeXKernels();
        Path data = Path.of(args[0]);
        int threads = Integer.parseInt(args[2]);
        double maxSeconds = Double.parseDouble(args[3]);
        double jStar = Double.parseDouble(args[4]);
        NativeThreads.set(threads);
        PeerComparisonTest.Problem problem =
                PeerComparisonTest.Problem.load(data, Integer.parseInt(args[1]), args[5]);
        List<PeerComparisonTest.Row> rows = PeerComparisonTest.runOursAll(problem::newFloatObjective,
                problem.newDoubleObjective(), jStar, threads, maxSeconds);
        for (PeerComparisonTest.Row row : rows) {
            System.out.println(ROW + Json.MAPPER.writer()
                    .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(row.asMap()));
        }
    }
}
