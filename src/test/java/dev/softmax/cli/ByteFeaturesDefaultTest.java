package dev.softmax.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.softmax.Kernels;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.model.Trainer.Scaling;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** When the command line reads 8-bit features as bytes without being told. */
class ByteFeaturesDefaultTest {

    @TempDir
    Path dir;

    @Test
    void bytesPayForLargeFloatDataTheScalingLeavesAsTheyAre() {
        long cifar10 = 50_000L * 3072;
        long fashionMnist = 60_000L * 784;
        assertTrue(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.UNIT, cifar10));
        assertTrue(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.NONE, cifar10));
        assertTrue(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.UNIT, DataOptions.BYTE_FEATURES_MIN_VALUES));
        assertFalse(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.UNIT,
                DataOptions.BYTE_FEATURES_MIN_VALUES - 1));
        assertTrue(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.UNIT, fashionMnist));
        assertFalse(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.UNIT, 20_000L * 784));
        // Z-scores are not 8-bit values, and the passes over double data never read bytes.
        assertFalse(DataOptions.byteFeaturesPay(DataType.FLOAT, Scaling.STANDARD, cifar10));
        assertFalse(DataOptions.byteFeaturesPay(DataType.DOUBLE, Scaling.UNIT, cifar10));
    }

    @Test
    void loadingTurnsBytesOnWhenTheyPayAndCompilesTheirKernels() throws Exception {
        Path folder = java.nio.file.Files.createDirectories(dir.resolve("cifar-10-batches-bin"));
        java.util.Random random = new java.util.Random(7);
        for (String name : new String[] {"data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
                "data_batch_5", "test_batch"}) {
            byte[] records = new byte[4 * 3073];
            random.nextBytes(records);
            for (int r = 0; r < 4; r++) {
                records[r * 3073] = (byte) (r % 2);
            }
            java.nio.file.Files.write(folder.resolve(name + ".bin"), records);
        }
        DataOptions options = new DataOptions();
        new picocli.CommandLine(options).parseArgs("--dataset", "cifar10", "--data-dir", dir.toString());
        long values = 20L * 3072;
        try {
            Kernels.setByteFeatures(false);
            options.load(true, values + 1);
            assertFalse(Kernels.byteFeatures(), "below the threshold");
            options.load(false, values);
            assertFalse(Kernels.byteFeatures(), "not automatic: --no-byte-features or -Dsoftmax.byteFeatures=false");
            options.load(true, values);
            assertEquals(Kernels.useVector(), Kernels.byteFeatures(), "at the threshold, with the vector kernels");
            if (Kernels.useVector()) {
                assertFalse(SoftmaxCrossEntropy.warmUpKernels(), "the byte kernels were compiled by the loading");
            }
        } finally {
            Kernels.setByteFeatures(false);
        }
    }

    @Test
    void loadingLeavesBytesOffForCsvValuesThatAreNotEightBit() throws Exception {
        StringBuilder pixels = new StringBuilder();
        StringBuilder decimals = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            pixels.append(i * 6).append(',').append(255 - i).append(',').append(i % 2).append('\n');
            decimals.append(i * 6).append(',').append(i == 39 ? "0.5" : "3").append(',').append(i % 2).append('\n');
        }
        try {
            for (boolean eightBit : new boolean[] {true, false}) {
                Path csv = java.nio.file.Files.writeString(dir.resolve(eightBit + ".csv"),
                        eightBit ? pixels : decimals);
                DataOptions options = new DataOptions();
                new picocli.CommandLine(options).parseArgs("--dataset", "csv", "--train", csv.toString(), "--scale",
                        "unit", "--test-fraction", "0");
                Kernels.setByteFeatures(false);
                options.load(true, 1);
                assertEquals(eightBit && Kernels.useVector(), Kernels.byteFeatures(), csv.toString());
            }
        } finally {
            Kernels.setByteFeatures(false);
        }
    }

    @Test
    void theReportSaysWhetherBytesWereOn() throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        try {
            Path small = dir.resolve("default.json");
            MainTest.Run quiet = MainTest.run("train", "--report", small.toString());
            assertEquals(0, quiet.status(), quiet.err());
            assertFalse(quiet.out().contains("as bytes"), quiet.out());
            assertFalse(mapper.readTree(small.toFile()).get("byte_features").asBoolean(), "150 rows: no bytes");
            // 8-bit values left unscaled: what bytes are for.
            StringBuilder csv = new StringBuilder();
            java.util.Random random = new java.util.Random(5);
            for (int i = 0; i < 60; i++) {
                csv.append(random.nextInt(256)).append(',').append(random.nextInt(256)).append(',').append(i % 3)
                        .append('\n');
            }
            Path pixels = java.nio.file.Files.writeString(dir.resolve("pixels.csv"), csv);
            Path asked = dir.resolve("asked.json");
            MainTest.Run run = MainTest.run("train", "--dataset", "csv", "--train", pixels.toString(), "--scale", "none",
                    "--byte-features", "--max-iter", "20", "--report", asked.toString());
            assertEquals(0, run.status(), run.err());
            assertTrue(mapper.readTree(asked.toFile()).get("byte_features").asBoolean());
            assertTrue(run.out().contains(", 8-bit features read as bytes\n"), run.out());
            assertFalse(run.err().contains("warning"), run.err());
            try {
                MainTest.Run blas = MainTest.run("train", "--byte-features", "--kernel", "blas");
                assertEquals(0, blas.status(), blas.err());
                assertTrue(blas.err().contains("warning: --byte-features takes effect with the vector kernels only"),
                        blas.err());
                assertFalse(blas.out().contains("as bytes"), blas.out());
                System.setProperty("softmax.byteFeatures", "true");
                try {
                    MainTest.Run property = MainTest.run("train", "--kernel", "blas");
                    assertTrue(property.err().contains("warning: -Dsoftmax.byteFeatures takes effect"), property.err());
                } finally {
                    System.clearProperty("softmax.byteFeatures");
                }
            } finally {
                Kernels.set(Kernels.Kind.AUTO);
            }
            // Asked for where they cannot apply: said so, and not claimed.
            Path standard = dir.resolve("standard.json");
            MainTest.Run scaled = MainTest.run("train", "--byte-features", "--scale", "standard", "--report",
                    standard.toString());
            assertEquals(0, scaled.status(), scaled.err());
            assertTrue(scaled.err().contains("warning: --byte-features changes nothing with --scale standard"),
                    scaled.err());
            assertFalse(scaled.out().contains("as bytes"), scaled.out());
            assertFalse(mapper.readTree(standard.toFile()).get("byte_features").asBoolean());
            // Decimals are read as floats whatever was asked; the settings line and report must not say bytes.
            Path decimals = dir.resolve("decimals.json");
            MainTest.Run iris = MainTest.run("train", "--byte-features", "--scale", "none", "--report",
                    decimals.toString());
            assertEquals(0, iris.status(), iris.err());
            if (Kernels.useVector()) {
                assertTrue(iris.err().contains("warning: --byte-features changes nothing with the features of "),
                        iris.err());
                assertTrue(iris.err().contains("iris.csv, which are not all whole numbers from 0 to 255"), iris.err());
            }
            assertFalse(iris.out().contains("as bytes"), iris.out());
            assertFalse(mapper.readTree(decimals.toFile()).get("byte_features").asBoolean());
            MainTest.Run doubles = MainTest.run("train", "--byte-features", "--dtype", "double");
            assertTrue(doubles.err().contains("warning: --byte-features changes nothing with --dtype double"),
                    doubles.err());
            // bench on a data set, as train does (QA: it said nothing, only "rows read as floats" at the end).
            MainTest.Run bench = MainTest.run("bench", "--dataset", "iris", "--byte-features", "--scale", "standard",
                    "--repeats", "1", "--warmups", "0", "--threads", "1");
            assertEquals(0, bench.status(), bench.err());
            assertTrue(bench.err().contains("warning: --byte-features changes nothing with --scale standard"),
                    bench.err());
            assertTrue(bench.out().contains("rows read as floats"), bench.out());
            Path refused = dir.resolve("refused.json");
            assertEquals(0, MainTest.run("train", "--no-byte-features", "--report", refused.toString()).status());
            assertFalse(mapper.readTree(refused.toFile()).get("byte_features").asBoolean());
        } finally {
            Kernels.setByteFeatures(false);
        }
    }

    @Test
    void aBadSystemPropertyIsABadFlag() {
        String before = System.getProperty("softmax.byteFeatures");
        System.setProperty("softmax.byteFeatures", "maybe");
        try {
            MainTest.Run run = MainTest.run("train");
            assertEquals(2, run.status());
            assertTrue(run.err().contains("-Dsoftmax.byteFeatures must be true, false or auto, got 'maybe'"),
                    run.err());
            assertFalse(run.err().contains("\tat "), "no stack trace without --verbose");
        } finally {
            if (before == null) {
                System.clearProperty("softmax.byteFeatures");
            } else {
                System.setProperty("softmax.byteFeatures", before);
            }
        }
    }
}
