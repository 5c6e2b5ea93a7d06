package dev.softmax.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.Kernels;
import dev.softmax.optim.ValueAndGradient;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float32 Vector API passes against the float64 BLAS passes on the same data (cast): value, gradient,
 * Hessian-vector products, probabilities and batches, over shapes that exercise the padding of features and
 * classes, rows left over after groups of four, and several sub-blocks per chunk.
 */
class VectorPassTest {

    @AfterEach
    void restoreKernelChoice() {
        Kernels.set(Kernels.Kind.AUTO);
    }

    static Stream<Arguments> shapes() {
        // n, d, K, weighted, feature scale, seed
        return Stream.of(
                Arguments.of(9, 3, 2, false, 1.0, 1L),
                Arguments.of(150, 4, 3, true, 1.0, 2L),
                Arguments.of(5000, 37, 7, false, 1.0, 3L),
                Arguments.of(3001, 64, 10, true, 1 / 255.0, 4L),
                // 4 chunks of 150 or 151 rows (2 of 301 with BLAS), sub-blocks of 96 rows: 96 and 54 or 55.
                Arguments.of(602, 1000, 12, false, 0.5, 5L),
                Arguments.of(777, 130, 5, true, 1.0, 6L));
    }

    @ParameterizedTest(name = "n={0} d={1} K={2} weighted={3} scale={4}")
    @MethodSource("shapes")
    void vectorPassesMatchDoublePrecision(int n, int d, int k, boolean weighted, double scale, long seed) {
        assertTrue(Kernels.vectorModulePresent(), "the tests run with --add-modules jdk.incubator.vector (pom.xml)");
        Kernels.set(Kernels.Kind.VECTOR);
        INDArray x = TestProblems.randomFeatures(n, d, 1.0 / scale, seed, DataType.DOUBLE);
        int[] y = TestProblems.randomLabels(n, k, seed);
        double[] s = weighted ? new java.util.Random(seed).doubles(n, 0.0, 3.0).toArray() : null;
        SoftmaxCrossEntropy exact = new SoftmaxCrossEntropy(x, y, k, 0.01, s).withFeatureScale(scale);
        SoftmaxCrossEntropy fast = new SoftmaxCrossEntropy(x.castTo(DataType.FLOAT), y, k, 0.01, s)
                .withFeatureScale(scale);
        INDArray theta = TestProblems.randomVector((d + 1) * k, 0.3 / Math.sqrt(d), seed + 100, DataType.DOUBLE);
        INDArray v = TestProblems.randomVector((d + 1) * k, 1.0, seed + 200, DataType.DOUBLE);
        INDArray thetaF = theta.castTo(DataType.FLOAT);
        INDArray vF = v.castTo(DataType.FLOAT);
        assertEquals("vector", fast.kernel());
        assertEquals("blas", exact.kernel());

        ValueAndGradient expected = exact.valueAndGradient(theta);
        ValueAndGradient actual = fast.valueAndGradient(thetaF);
        assertEquals(expected.value(), actual.value(), 1e-6 * expected.value());
        assertEquals(expected.value(), fast.value(thetaF), 1e-6 * expected.value());
        assertBelow(GradientCheck.maxRelativeError(expected.gradient(), actual.gradient(), 1e-3), 1e-4);
        // Float32 sums of a few hundred rows: the BLAS float32 pass is off by as much (1e-4 at d = 1000).
        assertBelow(GradientCheck.maxRelativeError(exact.hessianAt(theta).apply(v), fast.hessianAt(thetaF).apply(vF),
                1e-3), 5e-4);

        int[] rows = TestProblems.randomLabels(Math.min(n, 128), n, seed + 300);
        assertBelow(GradientCheck.maxRelativeError(exact.batch(rows).gradient(theta), fast.batch(rows).gradient(thetaF),
                1e-3), 1e-4);
    }

    @Test
    void vectorAndBlasAgreeInFloatAndTheOperatorKeepsItsKernel() {
        INDArray x = TestProblems.randomFeatures(700, 50, 1.0, 7, DataType.FLOAT);
        int[] y = TestProblems.randomLabels(700, 10, 7);
        INDArray theta = TestProblems.randomVector(51 * 10, 0.1, 8, DataType.FLOAT);
        INDArray v = TestProblems.randomVector(51 * 10, 1.0, 9, DataType.FLOAT);
        Kernels.set(Kernels.Kind.BLAS);
        assertEquals("blas", Kernels.active());
        SoftmaxCrossEntropy blas = new SoftmaxCrossEntropy(x, y, 10, 1e-3);
        assertEquals("blas", blas.kernel());
        ValueAndGradient b = blas.valueAndGradient(theta);
        INDArray bHv = blas.hessianAt(theta).apply(v);
        Kernels.set(Kernels.Kind.VECTOR);
        assertEquals("vector", Kernels.active());
        SoftmaxCrossEntropy vector = new SoftmaxCrossEntropy(x, y, 10, 1e-3);
        assertEquals("vector", vector.kernel());
        ValueAndGradient a = vector.valueAndGradient(theta);
        var operator = vector.hessianAt(theta);
        assertEquals(b.value(), a.value(), 1e-6 * b.value());
        assertBelow(GradientCheck.maxRelativeError(b.gradient(), a.gradient(), 1e-3), 1e-4);
        assertBelow(GradientCheck.maxRelativeError(bHv, operator.apply(v), 1e-3), 1e-4);
        // An operator made with the vector kernels keeps them after the choice changes.
        Kernels.set(Kernels.Kind.BLAS);
        assertBelow(GradientCheck.maxRelativeError(bHv, operator.apply(v), 1e-3), 1e-4);
    }

    @Test
    void logitsForPredictionMatchDoublePrecision() {
        for (int[] shape : new int[][] {{1, 4, 3}, {1001, 37, 7}, {3000, 300, 10}}) {
            int n = shape[0];
            int d = shape[1];
            int k = shape[2];
            INDArray x = TestProblems.randomFeatures(n, d, 1.0, 40 + d, DataType.DOUBLE);
            INDArray w = TestProblems.randomVector((long) d * k, 0.5, 41 + d, DataType.DOUBLE).reshape('c', d, k);
            INDArray b = TestProblems.randomVector(k, 0.5, 42 + d, DataType.DOUBLE).reshape('c', 1, k);
            INDArray expected = x.mmul(w).addiRowVector(b);
            Kernels.set(Kernels.Kind.VECTOR);
            INDArray vector = Logits.of(x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT), b.castTo(DataType.FLOAT));
            Kernels.set(Kernels.Kind.BLAS);
            INDArray blas = Logits.of(x.castTo(DataType.FLOAT), w.castTo(DataType.FLOAT), b.castTo(DataType.FLOAT));
            INDArray inDouble = Logits.of(x, w, b);
            // Float32 dot products of up to 300 terms: errors relative to the logits' scale (about 1).
            assertBelow(GradientCheck.maxRelativeError(expected, vector.castTo(DataType.DOUBLE), 1.0), 1e-5);
            assertBelow(GradientCheck.maxRelativeError(expected, blas.castTo(DataType.DOUBLE), 1.0), 1e-5);
            assertBelow(GradientCheck.maxRelativeError(expected, inDouble, 1e-12), 1e-12);
        }
        assertThrows(IllegalArgumentException.class, () -> Logits.of(Nd4j.zeros(DataType.FLOAT, 2, 3),
                Nd4j.zeros(DataType.FLOAT, 4, 2), Nd4j.zeros(DataType.FLOAT, 1, 2)));
    }

    @Test
    void probabilitiesFromTheVectorPassSumToOne() {
        Kernels.set(Kernels.Kind.VECTOR);
        INDArray x = TestProblems.randomFeatures(333, 21, 3.0, 10, DataType.FLOAT);
        int[] y = TestProblems.randomLabels(333, 6, 10);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 6, 0.0);
        INDArray theta = TestProblems.randomVector(22 * 6, 2.0, 11, DataType.FLOAT);
        // The Jacobi preconditioner's diagonal is built from P: (1/n) sum_i p_ik (1 - p_ik) for the bias.
        INDArray diagonal = f.hessianAt(theta).diagonal();
        SoftmaxCrossEntropy reference = new SoftmaxCrossEntropy(x.castTo(DataType.DOUBLE), y, 6, 0.0);
        INDArray expected = reference.hessianAt(theta.castTo(DataType.DOUBLE)).diagonal();
        assertBelow(GradientCheck.maxRelativeError(expected, diagonal, 1e-4), 1e-4);
    }

    @Test
    void extremeLogitsStayFinite() {
        Kernels.set(Kernels.Kind.VECTOR);
        INDArray x = TestProblems.randomFeatures(64, 16, 1.0, 12, DataType.FLOAT).muli(1e3);
        int[] y = TestProblems.randomLabels(64, 3, 12);
        SoftmaxCrossEntropy f = new SoftmaxCrossEntropy(x, y, 3, 0.0);
        INDArray theta = TestProblems.randomVector(17 * 3, 10.0, 13, DataType.FLOAT);
        ValueAndGradient vg = f.valueAndGradient(theta);
        assertTrue(Double.isFinite(vg.value()) && vg.value() > 100, "loss " + vg.value());
        assertTrue(vg.gradient().isNaN().none() && vg.gradient().isInfinite().none());
    }

    /**
     * A batch evaluated with the vector kernels reads its rows from the full data; anything else (here the BLAS
     * kernels after the choice changes, and a Hessian) first copies them into the batch, and a batch of a batch
     * maps its rows through both.
     */
    @Test
    void batchesReadTheirRowsInPlaceAndCopyThemWhenOtherCodeNeedsThem() {
        Kernels.set(Kernels.Kind.VECTOR);
        int n = 900;
        int d = 40;
        int k = 4;
        INDArray x = TestProblems.randomFeatures(n, d, 1.0, 20, DataType.FLOAT);
        int[] y = TestProblems.randomLabels(n, k, 20);
        double[] s = new java.util.Random(20).doubles(n, 0.0, 2.0).toArray();
        SoftmaxCrossEntropy full = new SoftmaxCrossEntropy(x, y, k, 0.01, s);
        INDArray theta = TestProblems.randomVector((d + 1) * k, 0.2, 21, DataType.FLOAT);
        INDArray v = TestProblems.randomVector((d + 1) * k, 1.0, 22, DataType.FLOAT);
        int[] rows = TestProblems.randomLabels(200, n, 23);
        int[] sub = TestProblems.randomLabels(130, 200, 24);
        int[] composed = new int[sub.length];
        for (int i = 0; i < sub.length; i++) {
            composed[i] = rows[sub[i]];
        }
        // The reference: objectives made from copies of the rows, with the weights of those rows and the full
        // objective's weight scale (a batch keeps it), in double with BLAS.
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray thetaD = theta.castTo(DataType.DOUBLE);
        SoftmaxCrossEntropy exactFull = new SoftmaxCrossEntropy(xd, y, k, 0.01, s);
        SoftmaxCrossEntropy exactBatch = exactFull.batch(rows);
        ValueAndGradient expected = exactBatch.valueAndGradient(thetaD);
        INDArray expectedHv = exactBatch.hessianAt(thetaD).apply(v.castTo(DataType.DOUBLE));
        ValueAndGradient expectedSub = exactFull.batch(composed).valueAndGradient(thetaD);

        SoftmaxCrossEntropy batch = full.batch(rows);
        assertEquals("vector", batch.kernel());
        ValueAndGradient inPlace = batch.valueAndGradient(theta);
        assertEquals(expected.value(), inPlace.value(), 1e-6 * expected.value());
        assertBelow(GradientCheck.maxRelativeError(expected.gradient(), inPlace.gradient(), 1e-3), 1e-4);
        assertBelow(GradientCheck.maxRelativeError(expectedHv, batch.hessianAt(theta).apply(v), 1e-3), 1e-4);

        SoftmaxCrossEntropy ofBatch = batch.batch(sub);
        ValueAndGradient nested = ofBatch.valueAndGradient(theta);
        assertEquals(expectedSub.value(), nested.value(), 1e-6 * expectedSub.value());
        assertBelow(GradientCheck.maxRelativeError(expectedSub.gradient(), nested.gradient(), 1e-3), 1e-4);

        Kernels.set(Kernels.Kind.BLAS);
        assertEquals("blas", batch.kernel());
        ValueAndGradient copied = batch.valueAndGradient(theta);
        assertEquals(expected.value(), copied.value(), 1e-6 * expected.value());
        assertBelow(GradientCheck.maxRelativeError(expected.gradient(), copied.gradient(), 1e-3), 1e-4);
        assertEquals(expectedSub.value(), ofBatch.value(theta), 1e-6 * expectedSub.value());
    }

    @Test
    void chunksHave64RowsAndHalfAMegabyteAtLeastAnd512RowsOnceThereAre8() {
        assertEquals(2, VectorPass.chunkCount(128, 3072), "a CIFAR-10 mini-batch of 128 rows");
        assertEquals(1, VectorPass.chunkCount(128, 784), "a Fashion-MNIST mini-batch of 128 rows");
        assertEquals(1, VectorPass.chunkCount(150, 4), "iris");
        assertEquals(64, VectorPass.chunkCount(50000, 3072), "at most 64 chunks");
        assertEquals(64, VectorPass.chunkCount(60000, 784));
        assertEquals(19, VectorPass.chunkCount(10000, 784), "512 rows per chunk");
        assertEquals(8, VectorPass.chunkCount(2000, 3072), "250 rows: 8 chunks");
        assertEquals(6, VectorPass.chunkCount(3000, 300), "437 rows for 2^17 entries");
        assertEquals(4, VectorPass.chunkCount(2000, 300), "437 rows for 2^17 entries");
        assertEquals(3, VectorPass.chunkCount(200_000, 2), "65536 rows of 2 features per chunk");
        assertEquals(1, VectorPass.chunkCount(1, 1));
    }

    /**
     * Both register blockings against products in double, whichever one this machine uses: strides that end in a
     * partial feature tile, class counts of one, two and three groups.
     */
    @ParameterizedTest(name = "rows={0} stride={1} classes={2}")
    @MethodSource("kernelShapes")
    void wideAndNarrowKernelsMatchProductsInDouble(int rows, int strideVectors, int classes) {
        int stride = strideVectors * FloatKernels.lanes();
        java.util.Random random = new java.util.Random(rows * 31L + stride + classes);
        float[] x = new float[rows * stride];
        float[] wt = new float[classes * stride];
        float[] r = new float[rows * classes];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        for (int i = 0; i < wt.length; i++) {
            wt[i] = random.nextFloat() - 0.5f;
        }
        for (int i = 0; i < r.length; i++) {
            r[i] = random.nextFloat() - 0.5f;
        }
        float[] start = new float[classes * stride];
        for (int i = 0; i < start.length; i++) {
            start[i] = random.nextFloat();
        }
        double[] z = new double[rows * classes];
        double[] g = new double[classes * stride];
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < stride; j++) {
                double sum = start[k * stride + j];
                for (int i = 0; i < rows; i++) {
                    sum += (double) r[i * classes + k] * x[i * stride + j];
                    z[i * classes + k] += (double) x[i * stride + j] * wt[k * stride + j];
                }
                g[k * stride + j] = sum;
            }
        }
        float[] zWide = new float[rows * classes];
        float[] zNarrow = new float[rows * classes];
        java.util.Arrays.fill(zNarrow, Float.NaN);
        FloatKernels.multiplyWide(x, rows, stride, wt, classes, zWide);
        FloatKernels.multiplyNarrow(x, rows, stride, wt, classes, zNarrow);
        float[] gWide = start.clone();
        float[] gNarrow = start.clone();
        FloatKernels.accumulateWide(x, rows, stride, r, classes, gWide);
        FloatKernels.accumulateNarrow(x, rows, stride, r, classes, gNarrow);
        for (int i = 0; i < z.length; i++) {
            double tolerance = 1e-5 * Math.sqrt(stride) + 1e-6 * Math.abs(z[i]);
            assertEquals(z[i], zWide[i], tolerance, "wide X W at " + i);
            assertEquals(z[i], zNarrow[i], tolerance, "narrow X W at " + i);
        }
        for (int i = 0; i < g.length; i++) {
            double tolerance = 1e-5 * Math.sqrt(rows) + 1e-6 * Math.abs(g[i]);
            assertEquals(g[i], gWide[i], tolerance, "wide R^T X at " + i);
            assertEquals(g[i], gNarrow[i], tolerance, "narrow R^T X at " + i);
        }
        // The narrow R^T X takes rows 4 at a time, then one at a time: any count.
        for (int used = rows - 3; used < rows; used++) {
            float[] gPart = start.clone();
            FloatKernels.accumulateNarrow(x, used, stride, r, classes, gPart);
            for (int k = 0; k < classes; k++) {
                for (int j = 0; j < stride; j++) {
                    double sum = start[k * stride + j];
                    for (int i = 0; i < used; i++) {
                        sum += (double) r[i * classes + k] * x[i * stride + j];
                    }
                    assertEquals(sum, gPart[k * stride + j], 1e-5 * Math.sqrt(rows) + 1e-6 * Math.abs(sum),
                            "narrow R^T X over " + used + " rows at " + k + "," + j);
                }
            }
        }
    }

    static Stream<Arguments> kernelShapes() {
        int tileVectors = FloatKernels.FEATURE_TILE / FloatKernels.lanes();
        // rows (a multiple of 4), stride in vectors, classes (a multiple of 5)
        return Stream.of(
                Arguments.of(4, 1, 5),
                Arguments.of(8, 3, 10),
                Arguments.of(12, tileVectors + 3, 15),
                Arguments.of(36, 2 * tileVectors + 1, 10),
                Arguments.of(20, tileVectors, 20));
    }

    @Test
    void theRegisterBlockingFollowsTheVectorRegisters() {
        boolean x86 = System.getProperty("os.arch").matches("amd64|x86_64|x86|i386");
        assertEquals(x86 && FloatKernels.SPECIES.vectorBitSize() < 512, FloatKernels.FEW_REGISTERS);
        assertEquals(FloatKernels.FEW_REGISTERS ? 2 : 4, FloatKernels.ROW_GROUP);
        assertEquals(0, VectorPass.subRows(VectorPass.stride(3072)) % FloatKernels.ROW_GROUP);
    }

    @Test
    void transposingInAndOutOfTheKernelsLayout() {
        java.util.Random random = new java.util.Random(30);
        for (int[] shape : new int[][] {{37, 7}, {3, 2}, {64, 10}, {50, 12}}) {
            int d = shape[0];
            int k = shape[1];
            int stride = VectorPass.stride(d);
            float[] w = new float[d * k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian();
            }
            int[] map = FloatKernels.columnMap(k);
            float[] wt = new float[k * stride];
            FloatKernels.transpose(w, d, k, map, wt, stride);
            float[] out = new float[d * k];
            FloatKernels.untranspose(wt, stride, d, k, 0.5f, 0.25f, w, FloatKernels.untransposeMaps(k, stride), out);
            for (int j = 0; j < d; j++) {
                for (int c = 0; c < k; c++) {
                    assertEquals(w[j * k + c], wt[c * stride + j], 0.0, "transposed at " + j + "," + c);
                    assertEquals(0.75 * w[j * k + c], out[j * k + c], 1e-6 * Math.abs(w[j * k + c]),
                            "back at " + j + "," + c);
                }
            }
        }
    }

    @Test
    void theSharedIdentityRowIndexGrowsToTheMostRowsAskedFor() {
        int[] before = FloatKernels.identityRows(5);
        int[] grown = FloatKernels.identityRows(before.length + 1000);
        assertTrue(grown.length >= before.length + 1000);
        for (int i = 0; i < grown.length; i++) {
            assertEquals(i, grown[i]);
        }
        assertTrue(FloatKernels.identityRows(3) == FloatKernels.identityRows(grown.length),
                "fewer rows are read through the same, longer index");
    }

    @Test
    void warmingUpCompilesTheKernelsWhenTheyAreInUse() {
        Kernels.set(Kernels.Kind.BLAS);
        boolean wasWarm = VectorPass.isWarm();
        assertEquals(false, SoftmaxCrossEntropy.warmUpKernels(), "the OpenBLAS kernels need no compiling");
        assertEquals(wasWarm, VectorPass.isWarm());
        Kernels.set(Kernels.Kind.VECTOR);
        assertEquals(!wasWarm, SoftmaxCrossEntropy.warmUpKernels(), "compiled by the first call only");
        assertTrue(VectorPass.isWarm());
        assertEquals(false, SoftmaxCrossEntropy.warmUpKernels(), "and not again");
    }

    @Test
    void warmingUpForAWidthCompilesTheInPlaceKernelsOnlyWhereSuchRowsAreReadInPlace() {
        Kernels.set(Kernels.Kind.VECTOR);
        boolean wasWarm = VectorPass.isWarmForFloatsInPlace();
        SoftmaxCrossEntropy.warmUpKernels(784);
        assertEquals(wasWarm, VectorPass.isWarmForFloatsInPlace(), "rows of 784 floats are copied");
        SoftmaxCrossEntropy.warmUpKernels(3072);
        assertEquals(wasWarm || VectorPass.readsRowsOfInPlace(3072), VectorPass.isWarmForFloatsInPlace());
        assertEquals(FloatKernels.READS_NATIVE_ROWS && !FloatKernels.FEW_REGISTERS,
                VectorPass.readsRowsOfInPlace(3072));
        assertEquals(false, VectorPass.readsRowsOfInPlace(3001), "an odd width is no whole number of vectors");
    }

    @Test
    void squaredNormIsAccumulatedInDouble() {
        java.util.Random random = new java.util.Random(31);
        for (int length : new int[] {0, 1, 7, 31, 32, 33, 30720, 30721}) {
            float[] v = new float[length + 3];
            double expected = 0;
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * (1 + (i % 5) * 1e4));
                expected += i < length ? (double) v[i] * v[i] : 0;
            }
            assertEquals(expected, FloatKernels.squaredNorm(v, length), 1e-12 * expected, "length " + length);
        }
        // Float accumulation would lose the small terms next to a large one.
        float[] v = new float[4096];
        java.util.Arrays.fill(v, 1f);
        v[0] = 1 << 14;
        assertEquals((double) (1 << 28) + 4095, FloatKernels.squaredNorm(v, v.length), 0.0);
    }

    static Stream<Arguments> sgdShapes() {
        // n, d, K, weighted, 8-bit pixels read as bytes, lambda, batch size
        return Stream.of(
                Arguments.of(50, 3, 2, true, false, 0.1, 7),
                Arguments.of(1000, 37, 7, false, false, 0.01, 128),
                Arguments.of(777, 130, 5, true, false, 0.0, 64),
                Arguments.of(600, 64, 10, false, true, 1e-3, 100),
                Arguments.of(700, 1000, 12, true, true, 1e-2, 128));
    }

    @ParameterizedTest(name = "n={0} d={1} K={2} weighted={3} bytes={4} lambda={5} batch={6}")
    @MethodSource("sgdShapes")
    void sgdStepsMatchUpdatingBatchByBatch(int n, int d, int k, boolean weighted, boolean bytes, double lambda,
                                           int batchSize) {
        Kernels.set(Kernels.Kind.VECTOR);
        Kernels.setByteFeatures(bytes);
        try {
            long seed = n + d;
            INDArray x = bytes ? pixels(n, d, seed) : TestProblems.randomFeatures(n, d, 1.0, seed, DataType.FLOAT);
            int[] y = TestProblems.randomLabels(n, k, seed);
            double[] s = weighted ? new java.util.Random(seed).doubles(n, 0.0, 3.0).toArray() : null;
            SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(x, y, k, lambda, s)
                    .withFeatureScale(bytes ? 1 / 255.0 : 1.0);
            assertEquals(bytes, objective.readsFeaturesAsBytes());
            int[] order = permutation(n, seed);
            INDArray start = TestProblems.randomVector((d + 1) * k, 0.3 / Math.sqrt(d), seed, DataType.FLOAT);
            int batches = (n + batchSize - 1) / batchSize;
            // Two epochs, each with its own rates, the second from where the first stopped.
            INDArray fused = start.dup();
            INDArray expected = start.dup();
            for (int epoch = 0; epoch < 2; epoch++) {
                double base = 0.5 / (1 + epoch);
                java.util.List<Integer> asked = new java.util.ArrayList<>();
                int done = objective.sgdSteps().orElseThrow().run(fused, order, batchSize, b -> {
                    asked.add(b);
                    return base / (1 + b);
                });
                assertEquals(batches, done);
                assertEquals(java.util.stream.IntStream.range(0, batches).boxed().toList(), asked);
                for (int b = 0; b < batches; b++) {
                    int[] rows = java.util.Arrays.copyOfRange(order, b * batchSize, Math.min(n, (b + 1) * batchSize));
                    ValueAndGradient batch = objective.batch(rows).valueAndGradient(expected);
                    dev.softmax.Blas.axpy(-base / (1 + b), batch.gradient(), expected);
                }
                double scale = expected.amaxNumber().doubleValue();
                double difference = fused.sub(expected).amaxNumber().doubleValue();
                assertTrue(difference <= 1e-6 * scale, "epoch " + epoch + ": fused steps differ by " + difference
                        + " from batch-by-batch updates of weights up to " + scale);
            }
            double moved = fused.sub(start).amaxNumber().doubleValue();
            assertTrue(moved > 0.01 * start.amaxNumber().doubleValue(), "the steps moved the weights by " + moved);
        } finally {
            Kernels.setByteFeatures(false);
        }
    }

    @Test
    void productsAddTheLanesInOrderWhetherOrNotTheJitHasCompiledThem() {
        // reduceLanes(ADD) added lanes in order when interpreted and as a tree when compiled on JDK 25: a float
        // training then depended on the JIT. The kernels must match this scalar model of their arithmetic exactly,
        // from the first call to the last (by then compiled).
        int lanes = FloatKernels.lanes();
        int stride = 4 * lanes;
        int rows = 4;
        int classes = 5;
        java.util.Random random = new java.util.Random(71);
        float[] x = new float[rows * stride];
        float[] wt = new float[classes * stride];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(5)));
        }
        for (int i = 0; i < wt.length; i++) {
            wt[i] = (float) random.nextGaussian();
        }
        float[] expected = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < classes; k++) {
                float[] perLane = new float[lanes];
                for (int j = 0; j < stride; j += lanes) {
                    for (int l = 0; l < lanes; l++) {
                        perLane[l] = Math.fma(x[r * stride + j + l], wt[k * stride + j + l], perLane[l]);
                    }
                }
                float sum = perLane[0];
                for (int l = 1; l < lanes; l++) {
                    sum += perLane[l];
                }
                expected[r * classes + k] = FloatKernels.FEW_REGISTERS ? 0f + sum : sum;
            }
        }
        float[] z = new float[rows * classes];
        for (int call = 0; call < 20_000; call++) {
            FloatKernels.multiply(x, rows, stride, wt, classes, z);
            if (call % 1000 == 0 || call == 19_999) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(expected, z, 0f, "call " + call);
            }
        }
    }

    @Test
    void rowsInNativeMemoryAreReadThroughBuffersOnJdk17AndSegmentsLater() {
        // JDK 19 replaced FloatVector.fromByteBuffer with fromMemorySegment; MemorySegment is final from JDK 22.
        int jdk = Runtime.version().feature();
        assertEquals(jdk <= 18, FloatKernels.LOADS_FROM_BUFFERS);
        if (jdk <= 18 || jdk >= 22) {
            assertTrue(FloatKernels.READS_NATIVE_ROWS, "JDK " + jdk);
        }
        assertEquals(FloatKernels.READS_NATIVE_ROWS && !FloatKernels.FEW_REGISTERS,
                VectorPass.readsRowsOfInPlace(4096));
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(64).order(java.nio.ByteOrder.nativeOrder());
        assertEquals(FloatKernels.LOADS_FROM_BUFFERS, FloatKernels.nativeRows(buffer) == buffer);
    }

    /**
     * Float rows read where they are against the same rows copied to the heap first: values, gradients,
     * Hessian-vector products, a batch, a batch of that batch, an epoch of SGD steps and the logits of a
     * prediction, equal to the last bit.
     * d = 2048 is long enough and a whole number of vectors, so with 32 vector registers the rows are read in place
     * (and the last chunk, 1001 rows being odd, ends in a partial group of four, which is copied); d = 1024 is
     * copied either way.
     */
    @ParameterizedTest(name = "d={0}")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1024, VectorPass.MIN_IN_PLACE_FEATURES})
    void floatRowsReadInPlaceGiveExactlyTheResultsOfHeapCopies(int d) {
        Kernels.set(Kernels.Kind.VECTOR);
        int n = 1001;
        int k = 10;
        INDArray x = TestProblems.randomFeatures(n, d, 1.0, 50, DataType.FLOAT);
        int[] y = TestProblems.randomLabels(n, k, 51);
        double[] s = new java.util.Random(52).doubles(n, 0.0, 2.0).toArray();
        INDArray theta = TestProblems.randomVector((d + 1) * k, 0.05, 53, DataType.FLOAT);
        INDArray v = TestProblems.randomVector((d + 1) * k, 1.0, 54, DataType.FLOAT);
        int[] rows = TestProblems.randomLabels(501, n, 55);
        int[] sub = TestProblems.randomLabels(130, 501, 56);
        int[] order = permutation(n, 57);
        java.util.function.IntToDoubleFunction rate = b -> 0.5 / (1 + b);

        INDArray w = TestProblems.randomVector((long) d * k, 0.05, 58, DataType.FLOAT).reshape('c', d, k);
        INDArray b = TestProblems.randomVector(k, 0.5, 59, DataType.FLOAT).reshape('c', 1, k);

        ObjectiveResults expected;
        INDArray expectedSgd = theta.dup();
        INDArray expectedLogits;
        VectorPass.floatsInPlace = false;
        try {
            SoftmaxCrossEntropy copied = new SoftmaxCrossEntropy(x, y, k, 0.01, s);
            expected = ObjectiveResults.of(copied, theta, v, rows, sub);
            copied.sgdSteps().orElseThrow().run(expectedSgd, order, 128, rate);
            assertEquals(false, copied.readsRowsInPlace());
            expectedLogits = Logits.of(x, w, b);
        } finally {
            VectorPass.floatsInPlace = true;
        }
        SoftmaxCrossEntropy inPlace = new SoftmaxCrossEntropy(x, y, k, 0.01, s);
        ObjectiveResults actual = ObjectiveResults.of(inPlace, theta, v, rows, sub);
        INDArray actualSgd = theta.dup();
        inPlace.sgdSteps().orElseThrow().run(actualSgd, order, 128, rate);
        boolean readsInPlace = FloatKernels.READS_NATIVE_ROWS && !FloatKernels.FEW_REGISTERS
                && d >= VectorPass.MIN_IN_PLACE_FEATURES;
        assertEquals(readsInPlace, inPlace.readsRowsInPlace());
        assertEquals(readsInPlace, inPlace.batch(rows).readsRowsInPlace());
        expected.assertIdentical(actual);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expectedSgd.toFloatVector(), actualSgd.toFloatVector(),
                0.0f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(expectedLogits.data().asFloat(),
                Logits.of(x, w, b).data().asFloat(), 0.0f, "logits for prediction");
    }

    @Test
    void sgdStepsStopAtTheFirstBatchWhoseValueIsNotFinite() {
        Kernels.set(Kernels.Kind.VECTOR);
        int n = 400;
        int d = 20;
        int k = 3;
        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(TestProblems.randomFeatures(n, d, 1.0, 40,
                DataType.FLOAT), TestProblems.randomLabels(n, k, 40), k, 0.01);
        INDArray theta = TestProblems.randomVector((d + 1) * k, 0.1, 41, DataType.FLOAT);
        java.util.List<Integer> asked = new java.util.ArrayList<>();
        // A rate beyond float's range turns the weights infinite at batch 2; batch 3 is evaluated and refused.
        int done = objective.sgdSteps().orElseThrow().run(theta, permutation(n, 42), 50, b -> {
            asked.add(b);
            return b == 2 ? 1e40 : 0.1;
        });
        assertEquals(3, done);
        assertEquals(java.util.List.of(0, 1, 2, 3), asked);
        assertTrue(theta.isInfinite().any() || theta.isNaN().any(), "x holds what the refused batch was evaluated at");
        assertThrows(IllegalArgumentException.class,
                () -> objective.sgdSteps().orElseThrow().run(theta, new int[0], 50, b -> 0.1));
        assertThrows(IllegalArgumentException.class,
                () -> objective.sgdSteps().orElseThrow().run(theta, new int[] {n}, 50, b -> 0.1));

        Kernels.set(Kernels.Kind.BLAS);
        assertTrue(objective.sgdSteps().isEmpty(), "the BLAS passes have no steps of their own");
        assertTrue(new SoftmaxCrossEntropy(TestProblems.randomFeatures(n, d, 1.0, 40, DataType.DOUBLE),
                TestProblems.randomLabels(n, k, 40), k, 0.01).sgdSteps().isEmpty());
    }

    /** {@code [n,d]} float32 integers 0 to 255. */
    private static INDArray pixels(int n, int d, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] values = new float[n * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextInt(256);
        }
        return Nd4j.create(values, new long[] {n, d}, DataType.FLOAT);
    }

    /** A seeded permutation of {@code [0, n)}. */
    private static int[] permutation(int n, long seed) {
        java.util.List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, n).boxed()
                .toList());
        java.util.Collections.shuffle(order, new java.util.Random(seed));
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void assertBelow(double error, double tolerance) {
        assertTrue(error < tolerance, "relative error " + error + " is not below " + tolerance);
    }

    @Test
    void settingTheChoice() {
        Kernels.set(Kernels.Kind.BLAS);
        assertEquals(Kernels.Kind.BLAS, Kernels.choice());
        assertEquals("blas", Kernels.active());
        Kernels.set(Kernels.Kind.AUTO);
        assertEquals(Kernels.vectorModulePresent() ? "vector" : "blas", Kernels.active());
        assertThrows(NullPointerException.class, () -> Kernels.set(null));
    }
}
