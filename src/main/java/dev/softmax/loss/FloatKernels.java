package dev.softmax.loss;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two skinny float32 matrix products of the softmax passes, written with the JDK's Vector API for a block of
 * rows held on the heap: {@code Z = X W} (a tall block times {@code K} columns) and {@code G += R^T X}. OpenBLAS
 * 0.3.19 to 0.3.31 run both at 20 to 35 GFLOP/s per core on a Zen 5 (AVX-512) development machine because
 * {@code K} (10) is far below the width its kernels are tuned for; these register-blocked loops run at 70 to
 * 120 GFLOP/s there. A core with 16 vector registers (AVX2) gets smaller register blocks ({@link #FEW_REGISTERS}).
 * Both also come in versions that read rows where they are, on cores with 32 vector registers: 8-bit rows of
 * {@link ByteFeatures} ({@link #multiplyWideBytes}, {@link #accumulateWideBytes}) and float32 rows in native memory
 * ({@link #multiplyWideFloats}, {@link #accumulateWideFloats}).
 * Only loaded when the module {@code jdk.incubator.vector} is present (see {@link VectorPass}).
 *
 * <p>Layouts: a block {@code x} holds {@code rows} rows of stride {@code stride} (a multiple of {@link #lanes()},
 * zero past the last feature); {@code wt} and {@code gt} hold the weights and the gradient transposed,
 * {@code [classes][stride]}, with {@code classes} a multiple of {@link #CLASS_GROUP}; {@code z} and {@code r} are
 * {@code [rows][classes]}. Rows come in groups of {@link #ROW_GROUP}.
 */
final class FloatKernels {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /**
     * Whether the core has only 16 vector registers: x86 without AVX-512 (AVX2 has 16 of 256 bits; AVX-512 and
     * ARM have 32). The register blocks below hold up to 23 vectors, so on such a core they spill to the stack: on a
     * Zen 3 core (AVX2, 512 KB L2) both products ran at 28 to 34 GFLOP/s; {@link #multiplyNarrow} and
     * {@link #accumulateNarrow} keep at most 13 live.
     */
    static final boolean FEW_REGISTERS = SPECIES.vectorBitSize() < 512
            && System.getProperty("os.arch", "").matches("amd64|x86_64|x86|i386");
    /**
     * Whether this JDK's Vector API loads from a {@code ByteBuffer} ({@code FloatVector.fromByteBuffer}), which is how
     * the kernels that read float rows in place ({@link #multiplyWideFloats}, {@link #accumulateWideFloats}) load on
     * JDK 17 and 18. JDK 19 replaced it with {@code fromMemorySegment} (see {@link #SEGMENT_LOAD}).
     */
    static final boolean LOADS_FROM_BUFFERS = hasBufferLoads();
    /**
     * {@code FloatVector.fromMemorySegment(species, segment, byteOffset, order)} with the segment typed as
     * {@code Object}, where the JDK has it and {@code fromByteBuffer} is gone (JDK 19 and later), else null. This jar
     * is compiled for JDK 17, which has no {@code MemorySegment}, so it is found by reflection; a constant method
     * handle is inlined by the JIT like a direct call (on JDK 25, {@code X W} over CIFAR-10's rows read this way took
     * 41 to 43 ms with 2 threads, against 52 to 53 copying them to the heap first, the same results bit for bit).
     * Null too where a first load through it fails ({@code MemorySegment} is a preview API on JDK 19 to 21; on
     * JDK 21 the load works without {@code --enable-preview}).
     */
    private static final MethodHandle SEGMENT_LOAD;
    /** {@code MemorySegment.ofBuffer(buffer)} typed as returning {@code Object}, with {@link #SEGMENT_LOAD}. */
    private static final MethodHandle SEGMENT_OF_BUFFER;

    static {
        MethodHandle[] segments = LOADS_FROM_BUFFERS ? null : segmentHandles();
        SEGMENT_LOAD = segments == null ? null : segments[0];
        SEGMENT_OF_BUFFER = segments == null ? null : segments[1];
    }

    /**
     * Whether the kernels can read float rows in native memory where they are: through buffers (JDK 17, 18) or
     * memory segments (later JDKs). Where they cannot, the passes copy each sub-block of rows to the heap.
     */
    static final boolean READS_NATIVE_ROWS = LOADS_FROM_BUFFERS || SEGMENT_LOAD != null;
    /** Classes per register block (20 accumulators with {@link #ROW_GROUP} rows, of 32 vector registers). */
    static final int CLASS_GROUP = 5;
    /** Rows per register block: 4, or 2 with {@link #FEW_REGISTERS} (10 accumulators). */
    static final int ROW_GROUP = FEW_REGISTERS ? 2 : 4;
    /**
     * Features per tile of {@link #multiplyNarrow}: 5 classes' slice of the weights (20 KB) stays in a 32 KB L1
     * while every row pair of the block passes over it. Without tiles the weights (120 KB for CIFAR-10) stream from
     * L2 for each row pair, and L2 could not feed them (30 instead of 45 to 55 GFLOP/s on the Zen 3 core).
     */
    static final int FEATURE_TILE = 1024;

    private FloatKernels() {
    }

    private static boolean hasBufferLoads() {
        try {
            FloatVector.class.getMethod("fromByteBuffer", VectorSpecies.class, ByteBuffer.class, int.class,
                    ByteOrder.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** {@link #SEGMENT_LOAD} and {@link #SEGMENT_OF_BUFFER}, or null where the JDK lacks them or they fail. */
    private static MethodHandle[] segmentHandles() {
        try {
            Class<?> segment = Class.forName("java.lang.foreign.MemorySegment");
            MethodHandle load = MethodHandles.publicLookup().findStatic(FloatVector.class, "fromMemorySegment",
                    MethodType.methodType(FloatVector.class, VectorSpecies.class, segment, long.class,
                            ByteOrder.class))
                    .asType(MethodType.methodType(FloatVector.class, VectorSpecies.class, Object.class, long.class,
                            ByteOrder.class));
            MethodHandle ofBuffer = MethodHandles.publicLookup().findStatic(segment, "ofBuffer",
                    MethodType.methodType(segment, java.nio.Buffer.class))
                    .asType(MethodType.methodType(Object.class, java.nio.Buffer.class));
            // One load of known values, so that a JDK where this does not work copies instead of failing later.
            ByteBuffer probe = ByteBuffer.allocateDirect(2 * SPECIES.length() * Float.BYTES).order(NATIVE);
            for (int i = 0; i < 2 * SPECIES.length(); i++) {
                probe.putFloat(i * Float.BYTES, i);
            }
            FloatVector v = (FloatVector) load.invoke(SPECIES, ofBuffer.invoke(probe), (long) Float.BYTES, NATIVE);
            boolean right = v.lane(0) == 1f && v.lane(SPECIES.length() - 1) == SPECIES.length();
            return right ? new MethodHandle[] {load, ofBuffer} : null;
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * The rows of a native-order buffer over float32 memory (fewer than {@code 2^31} bytes) as the kernels that read
     * rows in place take them: the buffer itself, or a memory segment over it (see {@link #READS_NATIVE_ROWS}).
     */
    static Object nativeRows(ByteBuffer floats) {
        if (LOADS_FROM_BUFFERS) {
            return floats;
        }
        try {
            return SEGMENT_OF_BUFFER.invokeExact((java.nio.Buffer) floats);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs both products on a tiny block until the JIT compiler has compiled them: until then each vector
     * operation is an allocated Java object, hundreds of times slower, which made the first pass over
     * CIFAR-10-sized data take 2 s instead of 0.1 s. The products run alone first ({@link #warmUpProducts}), before
     * any other vector code.
     */
    static void warmUp(int calls) {
        warmUpProducts(PRODUCT_WARM_UP_CALLS);
        int stride = 2 * lanes();
        int classes = 2 * CLASS_GROUP;
        // 8 rows: whole row groups for the products, and 5 of them for R^T X's groups of 4 and its remainder.
        int rows = 8;
        float[] x = new float[rows * stride];
        float[] wt = new float[classes * stride];
        float[] z = new float[rows * classes];
        float[] gt = new float[classes * stride];
        int[] map = columnMap(classes);
        int[][] maps = untransposeMaps(classes, stride);
        float[] w = new float[stride * classes];
        double[] exponents = new double[2 * doubleLanes()];
        for (int i = 0; i < calls; i++) {
            // Every call, not every 16th: these run once per evaluation, so a short training (5 L-BFGS iterations
            // on CIFAR-10) ran them before the JIT compiler had, 3 MB of vector objects per evaluation (every 4th
            // call still left them to the first evaluations).
            transpose(w, stride, classes, map, gt, stride);
            untranspose(gt, stride, stride, classes, 1f, i % 2 == 0 ? 0f : 1f, w, maps, w);
            squaredNorm(w, w.length);
            descend(wt, gt, stride, stride, classes, 1f, i % 2 == 0 ? 0f : 1f, 0f);
            add(w, gt, w.length);
            multiply(x, rows, stride, wt, classes, z);
            accumulateTransposed(x, 5, stride, z, classes, gt);
            accumulateTransposed(x, 5, stride, z, CLASS_GROUP, gt);
            accumulate5(x, rows, stride, z, classes, 0, gt, 0);
            java.util.Arrays.fill(exponents, 0.0);
            exp(exponents, exponents.length);
        }
    }

    /** Calls of {@link #warmUpProducts} in {@link #warmUp}. */
    static final int PRODUCT_WARM_UP_CALLS = 3000;

    /**
     * Runs the two products alone, on rows of 32 vectors, {@code calls} times. The JIT compiler shapes the code by
     * what it profiled before compiling: timed between copies of CIFAR-10's rows on one Zen 3 core (3 runs each),
     * {@code R^T X} took 0.108 to 0.117 s a pass when the products were compiled this way before the rest of the
     * warm-up, and 0.133 to 0.145 s when they were compiled amid the transpositions, sums and exponentials of
     * doubles that the rest of the warm-up runs ({@code X W}: 0.100 to 0.104 against 0.103 to 0.110 s).
     */
    static void warmUpProducts(int calls) {
        int stride = 32 * lanes();
        int classes = 2 * CLASS_GROUP;
        int rows = 8;
        float[] x = new float[rows * stride];
        float[] wt = new float[classes * stride];
        float[] z = new float[rows * classes];
        float[] gt = new float[classes * stride];
        for (int i = 0; i < calls; i++) {
            multiply(x, rows, stride, wt, classes, z);
            accumulateTransposed(x, 5, stride, z, classes, gt);
            accumulateTransposed(x, 5, stride, z, CLASS_GROUP, gt);
        }
    }

    /**
     * {@link #warmUpProducts} for the kernels that read float rows in native memory ({@link #multiplyWideFloats},
     * {@link #accumulateWideFloats}): 0.13 s on the Intel machine, spent only where a pass reads rows in place.
     */
    static void warmUpFloatsInPlace(int calls) {
        int stride = 32 * lanes();
        int classes = 2 * CLASS_GROUP;
        int rows = 8;
        Object x = nativeRows(ByteBuffer.allocateDirect(rows * stride * Float.BYTES).order(NATIVE));
        float[] wt = new float[classes * stride];
        float[] z = new float[rows * classes];
        float[] gt = new float[classes * stride];
        int[] rowIndex = {0, 1, 2, 3, 4, 5, 6, 7};
        for (int i = 0; i < calls; i++) {
            multiplyWideFloats(x, rowIndex, 0, rows, stride, wt, classes, z);
            accumulateWideFloats(x, rowIndex, 0, 5, stride, z, classes, gt);
            accumulateWideFloats(x, rowIndex, 0, 5, stride, z, CLASS_GROUP, gt);
        }
    }

    /**
     * Writes the dot products of a register block from its accumulators, stored one after another in {@code lanes}
     * ({@code intoArray}): {@code z[at + i * classes + c]} is set to (or, with {@code accumulate}, increased by) the
     * sum of accumulator {@code 5 i + c}'s lanes, added in lane order, for {@code rows} rows {@code i} and 5 classes
     * {@code c}. Not {@code reduceLanes(ADD)}: on JDK 25 its compiled form adds the lanes as a tree and its interpreted
     * form in lane order, so a result would depend on whether the JIT had compiled the kernel yet (a training of iris
     * gave two models in one JVM). JDK 17's adds in lane order both ways, so this is its {@code reduceLanes(ADD)} bit
     * for bit. Not {@code v.lane(i)} in a loop either, nor a helper that takes the vectors: the JIT boxed them (25 to
     * 57 MB allocated per CIFAR-10 evaluation).
     */
    static void writeSums(float[] lanes, int rows, float[] z, int at, int classes, boolean accumulate) {
        int step = SPECIES.length();
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < CLASS_GROUP; c++) {
                int from = (i * CLASS_GROUP + c) * step;
                float sum = lanes[from];
                for (int l = 1; l < step; l++) {
                    sum += lanes[from + l];
                }
                int to = at + i * classes + c;
                z[to] = accumulate ? z[to] + sum : sum;
            }
        }
    }

    /** Per-thread room for a register block's accumulators, for {@link #writeSums}. */
    private static final ThreadLocal<float[]> LANES =
            ThreadLocal.withInitial(() -> new float[4 * CLASS_GROUP * SPECIES.length()]);

    /** Doubles per vector register. */
    static int doubleLanes() {
        return DOUBLES.length();
    }

    /**
     * {@code v[i] = exp(v[i])} for {@code i < length}, a multiple of {@link #doubleLanes()}, a vector at a time: within
     * 1 ulp of {@link Math#exp} from -708 to 709, 0 below and infinity above (softmax takes it of logits minus their
     * row's maximum, all {@code <= 0}). It is made of additions, multiplications and fused multiply-adds only, so the
     * JIT cannot change its bits. Not {@code lanewise(EXP)}: compiled, that calls the JDK's vector math library,
     * which differs from {@code Math.exp} (what the same code computes before it is compiled) in the last bit for
     * about 5% of arguments, so a run's last digits depended on when the JIT got there (1 compare run in 7 on iris).
     * Method: {@code exp(x) = 2^k exp(r)} with {@code k = round(x / ln 2)}, {@code r = x - k ln 2} in two parts
     * ({@code |r| <= 0.35}), {@code exp(r)} by its Taylor series to degree 13 (the rest is below 1e-17), and
     * {@code 2^k} written into the exponent bits.
     */
    static void exp(double[] v, int length) {
        for (int i = 0; i < length; i += DOUBLES.length()) {
            DoubleVector x = DoubleVector.fromArray(DOUBLES, v, i);
            var underflow = x.compare(VectorOperators.LT, EXP_MIN);
            var overflow = x.compare(VectorOperators.GT, EXP_MAX);
            DoubleVector clamped = x.max(EXP_MIN).min(EXP_MAX);
            // Adding 1.5 * 2^52 rounds x / ln 2 to the integer k, which then sits in the sum's low bits.
            DoubleVector t = clamped.lanewise(VectorOperators.FMA, LOG2E, ROUNDER);
            DoubleVector k = t.sub(ROUNDER);
            DoubleVector r = k.lanewise(VectorOperators.FMA, -LN2_HI, clamped);
            r = k.lanewise(VectorOperators.FMA, -LN2_LO, r);
            DoubleVector p = DoubleVector.broadcast(DOUBLES, EXP_TAYLOR[EXP_TAYLOR.length - 1]);
            for (int n = EXP_TAYLOR.length - 2; n >= 0; n--) {
                p = p.lanewise(VectorOperators.FMA, r, EXP_TAYLOR[n]);
            }
            DoubleVector scale = t.reinterpretAsLongs().sub(ROUNDER_BITS - 1023).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretAsDoubles();
            p.mul(scale).blend(0.0, underflow).blend(Double.POSITIVE_INFINITY, overflow).intoArray(v, i);
        }
    }

    /** Range of {@link #exp}'s arguments computed; below it 0, above it infinity. */
    static final double EXP_MIN = -708;
    static final double EXP_MAX = 709;
    static final double LOG2E = 1.4426950408889634;
    /** 1.5 * 2^52: adding it rounds to an integer, which then is the sum's low bits. */
    static final double ROUNDER = 0x1.8p52;
    static final long ROUNDER_BITS = Double.doubleToRawLongBits(ROUNDER);
    /** ln 2 in two parts (fdlibm's): {@code k * LN2_HI} is exact for the k that occur. */
    static final double LN2_HI = 6.93147180369123816490e-01;
    static final double LN2_LO = 1.90821492927058770002e-10;
    /** {@code 1/n!} for n = 0 to 13. */
    static final double[] EXP_TAYLOR = taylorOfExp(13);

    private static double[] taylorOfExp(int degree) {
        double[] c = new double[degree + 1];
        java.math.BigDecimal factorial = java.math.BigDecimal.ONE;
        for (int n = 0; n <= degree; n++) {
            factorial = factorial.multiply(java.math.BigDecimal.valueOf(Math.max(1, n)));
            c[n] = java.math.BigDecimal.ONE.divide(factorial, java.math.MathContext.DECIMAL128).doubleValue();
        }
        return c;
    }

    private static volatile int[] identityRows = new int[0];

    /**
     * {@code 0, 1, 2, ...}, at least {@code rows} entries: the row index of a pass over rows stored in order, for the
     * kernels that take one. Shared and grown to the most rows asked for, so a pass or a prediction does not build
     * its own; callers bound what they read by their own row count, not by its length.
     */
    static int[] identityRows(int rows) {
        int[] index = identityRows;
        if (index.length < rows) {
            index = java.util.stream.IntStream.range(0, rows).toArray();
            identityRows = index;
        }
        return index;
    }

    /** Floats per vector register. */
    static int lanes() {
        return SPECIES.length();
    }

    /** {@code z[r][k] = x_r . wt_k} for all {@code rows} (a multiple of {@link #ROW_GROUP}) and classes. */
    static void multiply(float[] x, int rows, int stride, float[] wt, int classes, float[] z) {
        if (FEW_REGISTERS) {
            multiplyNarrow(x, rows, stride, wt, classes, z);
        } else {
            multiplyWide(x, rows, stride, wt, classes, z);
        }
    }

    /** {@link #multiply} in register blocks of 4 rows by 5 classes ({@code rows} a multiple of 4). */
    static void multiplyWide(float[] x, int rows, int stride, float[] wt, int classes, float[] z) {
        for (int r = 0; r < rows; r += 4) {
            for (int k = 0; k < classes; k += CLASS_GROUP) {
                multiply4x5(x, r, stride, wt, k, z, classes);
            }
        }
    }

    private static void multiply4x5(float[] x, int r, int stride, float[] wt, int k0, float[] z, int classes) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        int o0 = r * stride;
        int o1 = o0 + stride;
        int o2 = o1 + stride;
        int o3 = o2 + stride;
        int w0 = k0 * stride;
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        int w4 = w3 + stride;
        int step = SPECIES.length();
        for (int j = 0; j < stride; j += step) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, x, o0 + j);
            FloatVector x1 = FloatVector.fromArray(SPECIES, x, o1 + j);
            FloatVector x2 = FloatVector.fromArray(SPECIES, x, o2 + j);
            FloatVector x3 = FloatVector.fromArray(SPECIES, x, o3 + j);
            FloatVector w = FloatVector.fromArray(SPECIES, wt, w0 + j);
            a00 = x0.fma(w, a00);
            a10 = x1.fma(w, a10);
            a20 = x2.fma(w, a20);
            a30 = x3.fma(w, a30);
            w = FloatVector.fromArray(SPECIES, wt, w1 + j);
            a01 = x0.fma(w, a01);
            a11 = x1.fma(w, a11);
            a21 = x2.fma(w, a21);
            a31 = x3.fma(w, a31);
            w = FloatVector.fromArray(SPECIES, wt, w2 + j);
            a02 = x0.fma(w, a02);
            a12 = x1.fma(w, a12);
            a22 = x2.fma(w, a22);
            a32 = x3.fma(w, a32);
            w = FloatVector.fromArray(SPECIES, wt, w3 + j);
            a03 = x0.fma(w, a03);
            a13 = x1.fma(w, a13);
            a23 = x2.fma(w, a23);
            a33 = x3.fma(w, a33);
            w = FloatVector.fromArray(SPECIES, wt, w4 + j);
            a04 = x0.fma(w, a04);
            a14 = x1.fma(w, a14);
            a24 = x2.fma(w, a24);
            a34 = x3.fma(w, a34);
        }
        float[] lanes = LANES.get();
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, step);
        a02.intoArray(lanes, 2 * step);
        a03.intoArray(lanes, 3 * step);
        a04.intoArray(lanes, 4 * step);
        a10.intoArray(lanes, 5 * step);
        a11.intoArray(lanes, 6 * step);
        a12.intoArray(lanes, 7 * step);
        a13.intoArray(lanes, 8 * step);
        a14.intoArray(lanes, 9 * step);
        a20.intoArray(lanes, 10 * step);
        a21.intoArray(lanes, 11 * step);
        a22.intoArray(lanes, 12 * step);
        a23.intoArray(lanes, 13 * step);
        a24.intoArray(lanes, 14 * step);
        a30.intoArray(lanes, 15 * step);
        a31.intoArray(lanes, 16 * step);
        a32.intoArray(lanes, 17 * step);
        a33.intoArray(lanes, 18 * step);
        a34.intoArray(lanes, 19 * step);
        writeSums(lanes, 4, z, r * classes + k0, classes, false);
    }

    /**
     * {@link #multiply} in register blocks of 2 rows by 5 classes ({@code rows} even), over tiles of
     * {@link #FEATURE_TILE} features.
     */
    static void multiplyNarrow(float[] x, int rows, int stride, float[] wt, int classes, float[] z) {
        java.util.Arrays.fill(z, 0, rows * classes, 0f);
        for (int j0 = 0; j0 < stride; j0 += FEATURE_TILE) {
            int j1 = Math.min(stride, j0 + FEATURE_TILE);
            for (int k = 0; k < classes; k += CLASS_GROUP) {
                for (int r = 0; r < rows; r += 2) {
                    multiply2x5(x, r, stride, wt, k, z, classes, j0, j1);
                }
            }
        }
    }

    /** Adds {@code x_r . wt_k} over features {@code [j0, j1)} to {@code z} for rows {@code r, r+1}, 5 classes. */
    private static void multiply2x5(float[] x, int r, int stride, float[] wt, int k0, float[] z, int classes,
                                    int j0, int j1) {
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        int o0 = r * stride;
        int o1 = o0 + stride;
        int w0 = k0 * stride;
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        int w4 = w3 + stride;
        for (int j = j0; j < j1; j += SPECIES.length()) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, x, o0 + j);
            FloatVector x1 = FloatVector.fromArray(SPECIES, x, o1 + j);
            FloatVector w = FloatVector.fromArray(SPECIES, wt, w0 + j);
            a00 = x0.fma(w, a00);
            a10 = x1.fma(w, a10);
            w = FloatVector.fromArray(SPECIES, wt, w1 + j);
            a01 = x0.fma(w, a01);
            a11 = x1.fma(w, a11);
            w = FloatVector.fromArray(SPECIES, wt, w2 + j);
            a02 = x0.fma(w, a02);
            a12 = x1.fma(w, a12);
            w = FloatVector.fromArray(SPECIES, wt, w3 + j);
            a03 = x0.fma(w, a03);
            a13 = x1.fma(w, a13);
            w = FloatVector.fromArray(SPECIES, wt, w4 + j);
            a04 = x0.fma(w, a04);
            a14 = x1.fma(w, a14);
        }
        float[] lanes = LANES.get();
        int step = SPECIES.length();
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, step);
        a02.intoArray(lanes, 2 * step);
        a03.intoArray(lanes, 3 * step);
        a04.intoArray(lanes, 4 * step);
        a10.intoArray(lanes, 5 * step);
        a11.intoArray(lanes, 6 * step);
        a12.intoArray(lanes, 7 * step);
        a13.intoArray(lanes, 8 * step);
        a14.intoArray(lanes, 9 * step);
        writeSums(lanes, 2, z, r * classes + k0, classes, true);
    }



    /** {@code gt_k += sum_r r[r][k] x_r} over {@code rows} rows, for every class. */
    static void accumulateTransposed(float[] x, int rows, int stride, float[] r, int classes, float[] gt) {
        if (FEW_REGISTERS) {
            accumulateNarrow(x, rows, stride, r, classes, gt);
        } else {
            accumulateWide(x, rows, stride, r, classes, gt);
        }
    }

    /**
     * {@link #accumulateTransposed} with up to 23 live vectors, for 32 vector registers. Each pass over the rows
     * covers two vector widths of features, so a broadcast residual feeds two multiply-adds: with one width, one
     * load per multiply-add made the load ports the limit (70 instead of 120 GFLOP/s on a Zen 5 core, the block in
     * L2).
     */
    static void accumulateWide(float[] x, int rows, int stride, float[] r, int classes, float[] gt) {
        int step = SPECIES.length();
        int k = 0;
        for (; k + 2 * CLASS_GROUP <= classes; k += 2 * CLASS_GROUP) {
            int j = 0;
            for (; j + 2 * step <= stride; j += 2 * step) {
                accumulate10(x, rows, stride, r, classes, k, gt, j, j + step);
            }
            if (j < stride) {
                accumulate5(x, rows, stride, r, classes, k, gt, j);
                accumulate5(x, rows, stride, r, classes, k + CLASS_GROUP, gt, j);
            }
        }
        for (; k < classes; k += CLASS_GROUP) {
            for (int j = 0; j < stride; j += step) {
                accumulate5(x, rows, stride, r, classes, k, gt, j);
            }
        }
    }

    /**
     * {@link #accumulateTransposed} with at most 13 live vectors, as rank-4 updates: for a pair of classes and 4
     * rows (their 8 residuals broadcast once), each vector of the 2 gradient rows is loaded, given 8 multiply-adds
     * and stored back, the 4 rows of {@code x} read in sequence. Keeping the gradient in registers instead, which
     * must go down the rows for a vector of features, reads rows 12 KB apart at CIFAR-10's width, which all fall in
     * the same sets of the L1 cache: 16 to 37 GFLOP/s on a Zen 3 core with the block in cache, against 33 to 58 this
     * way (timed alternately in one process).
     */
    static void accumulateNarrow(float[] x, int rows, int stride, float[] r, int classes, float[] gt) {
        int quads = rows - rows % 4;
        int k = 0;
        for (; k + 2 <= classes; k += 2) {
            for (int i = 0; i < quads; i += 4) {
                accumulate4x2(x, i, stride, r, classes, k, gt);
            }
        }
        if (k < classes) {
            for (int i = 0; i < quads; i += 4) {
                accumulate4x1(x, i, stride, r, classes, k, gt);
            }
        }
        for (int i = quads; i < rows; i++) {
            for (int c = 0; c < classes; c++) {
                addScaledRow(x, i, stride, r[i * classes + c], gt, c * stride);
            }
        }
    }

    /** {@code gt_k += sum_{i in [i0, i0+4)} r[i][k] x_i} for classes {@code k0, k0+1}. */
    private static void accumulate4x2(float[] x, int i0, int stride, float[] r, int classes, int k0, float[] gt) {
        int at = i0 * classes + k0;
        FloatVector p0 = FloatVector.broadcast(SPECIES, r[at]);
        FloatVector p1 = FloatVector.broadcast(SPECIES, r[at + classes]);
        FloatVector p2 = FloatVector.broadcast(SPECIES, r[at + 2 * classes]);
        FloatVector p3 = FloatVector.broadcast(SPECIES, r[at + 3 * classes]);
        FloatVector q0 = FloatVector.broadcast(SPECIES, r[at + 1]);
        FloatVector q1 = FloatVector.broadcast(SPECIES, r[at + 1 + classes]);
        FloatVector q2 = FloatVector.broadcast(SPECIES, r[at + 1 + 2 * classes]);
        FloatVector q3 = FloatVector.broadcast(SPECIES, r[at + 1 + 3 * classes]);
        int o0 = i0 * stride;
        int o1 = o0 + stride;
        int o2 = o1 + stride;
        int o3 = o2 + stride;
        int g0 = k0 * stride;
        int g1 = g0 + stride;
        for (int j = 0; j < stride; j += SPECIES.length()) {
            FloatVector x0 = FloatVector.fromArray(SPECIES, x, o0 + j);
            FloatVector x1 = FloatVector.fromArray(SPECIES, x, o1 + j);
            FloatVector x2 = FloatVector.fromArray(SPECIES, x, o2 + j);
            FloatVector x3 = FloatVector.fromArray(SPECIES, x, o3 + j);
            FloatVector g = FloatVector.fromArray(SPECIES, gt, g0 + j);
            x3.fma(p3, x2.fma(p2, x1.fma(p1, x0.fma(p0, g)))).intoArray(gt, g0 + j);
            g = FloatVector.fromArray(SPECIES, gt, g1 + j);
            x3.fma(q3, x2.fma(q2, x1.fma(q1, x0.fma(q0, g)))).intoArray(gt, g1 + j);
        }
    }

    /** {@code gt_k += sum_{i in [i0, i0+4)} r[i][k] x_i} for class {@code k}. */
    private static void accumulate4x1(float[] x, int i0, int stride, float[] r, int classes, int k, float[] gt) {
        int at = i0 * classes + k;
        FloatVector p0 = FloatVector.broadcast(SPECIES, r[at]);
        FloatVector p1 = FloatVector.broadcast(SPECIES, r[at + classes]);
        FloatVector p2 = FloatVector.broadcast(SPECIES, r[at + 2 * classes]);
        FloatVector p3 = FloatVector.broadcast(SPECIES, r[at + 3 * classes]);
        int o0 = i0 * stride;
        int g0 = k * stride;
        for (int j = 0; j < stride; j += SPECIES.length()) {
            FloatVector g = FloatVector.fromArray(SPECIES, gt, g0 + j);
            g = FloatVector.fromArray(SPECIES, x, o0 + j).fma(p0, g);
            g = FloatVector.fromArray(SPECIES, x, o0 + stride + j).fma(p1, g);
            g = FloatVector.fromArray(SPECIES, x, o0 + 2 * stride + j).fma(p2, g);
            FloatVector.fromArray(SPECIES, x, o0 + 3 * stride + j).fma(p3, g).intoArray(gt, g0 + j);
        }
    }

    /** {@code gt[g0, g0+stride) += a x_i}. */
    private static void addScaledRow(float[] x, int i, int stride, float a, float[] gt, int g0) {
        FloatVector scale = FloatVector.broadcast(SPECIES, a);
        int o = i * stride;
        for (int j = 0; j < stride; j += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, x, o + j).fma(scale, FloatVector.fromArray(SPECIES, gt, g0 + j))
                    .intoArray(gt, g0 + j);
        }
    }

    /** Classes {@code k0..k0+9}, features {@code [j, j+lanes)} and {@code [j2, j2+lanes)}. */
    private static void accumulate10(float[] x, int rows, int stride, float[] r, int classes, int k0, float[] gt,
                                     int j, int j2) {
        int g0 = k0 * stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j);
        FloatVector s5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j);
        FloatVector s6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j);
        FloatVector s7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j);
        FloatVector s8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j);
        FloatVector s9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j);
        FloatVector u0 = FloatVector.fromArray(SPECIES, gt, g0 + j2);
        FloatVector u1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j2);
        FloatVector u2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j2);
        FloatVector u3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j2);
        FloatVector u4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j2);
        FloatVector u5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j2);
        FloatVector u6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j2);
        FloatVector u7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j2);
        FloatVector u8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j2);
        FloatVector u9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j2);
        for (int i = 0; i < rows; i++) {
            FloatVector xa = FloatVector.fromArray(SPECIES, x, i * stride + j);
            FloatVector xb = FloatVector.fromArray(SPECIES, x, i * stride + j2);
            int at = i * classes + k0;
            FloatVector b = FloatVector.broadcast(SPECIES, r[at]);
            s0 = xa.fma(b, s0);
            u0 = xb.fma(b, u0);
            b = FloatVector.broadcast(SPECIES, r[at + 1]);
            s1 = xa.fma(b, s1);
            u1 = xb.fma(b, u1);
            b = FloatVector.broadcast(SPECIES, r[at + 2]);
            s2 = xa.fma(b, s2);
            u2 = xb.fma(b, u2);
            b = FloatVector.broadcast(SPECIES, r[at + 3]);
            s3 = xa.fma(b, s3);
            u3 = xb.fma(b, u3);
            b = FloatVector.broadcast(SPECIES, r[at + 4]);
            s4 = xa.fma(b, s4);
            u4 = xb.fma(b, u4);
            b = FloatVector.broadcast(SPECIES, r[at + 5]);
            s5 = xa.fma(b, s5);
            u5 = xb.fma(b, u5);
            b = FloatVector.broadcast(SPECIES, r[at + 6]);
            s6 = xa.fma(b, s6);
            u6 = xb.fma(b, u6);
            b = FloatVector.broadcast(SPECIES, r[at + 7]);
            s7 = xa.fma(b, s7);
            u7 = xb.fma(b, u7);
            b = FloatVector.broadcast(SPECIES, r[at + 8]);
            s8 = xa.fma(b, s8);
            u8 = xb.fma(b, u8);
            b = FloatVector.broadcast(SPECIES, r[at + 9]);
            s9 = xa.fma(b, s9);
            u9 = xb.fma(b, u9);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g0 + stride + j);
        s2.intoArray(gt, g0 + 2 * stride + j);
        s3.intoArray(gt, g0 + 3 * stride + j);
        s4.intoArray(gt, g0 + 4 * stride + j);
        s5.intoArray(gt, g0 + 5 * stride + j);
        s6.intoArray(gt, g0 + 6 * stride + j);
        s7.intoArray(gt, g0 + 7 * stride + j);
        s8.intoArray(gt, g0 + 8 * stride + j);
        s9.intoArray(gt, g0 + 9 * stride + j);
        u0.intoArray(gt, g0 + j2);
        u1.intoArray(gt, g0 + stride + j2);
        u2.intoArray(gt, g0 + 2 * stride + j2);
        u3.intoArray(gt, g0 + 3 * stride + j2);
        u4.intoArray(gt, g0 + 4 * stride + j2);
        u5.intoArray(gt, g0 + 5 * stride + j2);
        u6.intoArray(gt, g0 + 6 * stride + j2);
        u7.intoArray(gt, g0 + 7 * stride + j2);
        u8.intoArray(gt, g0 + 8 * stride + j2);
        u9.intoArray(gt, g0 + 9 * stride + j2);
    }

    /** Classes {@code k0..k0+4}, features {@code [j, j+lanes)}. */
    private static void accumulate5(float[] x, int rows, int stride, float[] r, int classes, int k0, float[] gt,
                                    int j) {
        int g0 = k0 * stride;
        int g1 = g0 + stride;
        int g2 = g1 + stride;
        int g3 = g2 + stride;
        int g4 = g3 + stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g1 + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g2 + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g3 + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g4 + j);
        for (int i = 0; i < rows; i++) {
            FloatVector xi = FloatVector.fromArray(SPECIES, x, i * stride + j);
            int at = i * classes + k0;
            s0 = xi.fma(FloatVector.broadcast(SPECIES, r[at]), s0);
            s1 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 1]), s1);
            s2 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 2]), s2);
            s3 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 3]), s3);
            s4 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 4]), s4);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g1 + j);
        s2.intoArray(gt, g2 + j);
        s3.intoArray(gt, g3 + j);
        s4.intoArray(gt, g4 + j);
    }

    /** As many bytes as {@link #SPECIES} has lanes. */
    static final VectorSpecies<Byte> BYTES =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(SPECIES.length() * Byte.SIZE));

    /**
     * The floats of {@code lanes} bytes of {@link ByteFeatures} at {@code at}: each byte holds {@code value - 128}
     * and is widened with its sign, then 128 is added back (exact).
     */
    private static FloatVector widen(byte[] x, int at, FloatVector offset) {
        return ((FloatVector) ByteVector.fromArray(BYTES, x, at).convertShape(VectorOperators.B2F, SPECIES, 0))
                .add(offset);
    }

    /**
     * {@link #multiplyWide} on rows {@code rowIndex[first], ..., rowIndex[first+rows-1]} of {@link ByteFeatures}'
     * bytes ({@code rows} a multiple of 4; row {@code i} at {@code i stride}, {@code stride} a multiple of
     * {@link #lanes()}), each vector widened to floats in registers: the same multiply-adds in the same order on the
     * same values, so the same result bit for bit, without copying the rows to the heap first.
     *
     * <p>This and the other byte kernels repeat the float kernels' loops with another load, rather than sharing
     * one loop that loads either: the JIT compiles a vector loop well only when it can inline everything in it, and
     * the widening alone already took {@link #multiply4x5Bytes} past its inlining limit once (see there).
     */
    static void multiplyWideBytes(byte[] x, int[] rowIndex, int first, int rows, int stride, float[] wt,
                                  int classes, float[] z) {
        for (int r = 0; r < rows; r += 4) {
            for (int k = 0; k < classes; k += CLASS_GROUP) {
                multiply4x5Bytes(x, rowIndex, first + r, r, stride, wt, k, z, classes);
            }
        }
    }

    /**
     * {@link #multiply4x5} on the byte rows {@code rowIndex[first .. first+3]}, written to {@code z}'s rows from
     * {@code zRow}.
     */
    private static void multiply4x5Bytes(byte[] x, int[] rowIndex, int first, int zRow, int stride, float[] wt,
                                         int k0, float[] z, int classes) {
        float[] lanes = LANES.get();
        FloatVector offset = FloatVector.broadcast(SPECIES, 128f);
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        int o0 = rowIndex[first] * stride;
        int o1 = rowIndex[first + 1] * stride;
        int o2 = rowIndex[first + 2] * stride;
        int o3 = rowIndex[first + 3] * stride;
        int w0 = k0 * stride;
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        int w4 = w3 + stride;
        int step = SPECIES.length();
        for (int j = 0; j < stride; j += step) {
            FloatVector x0 = widen(x, o0 + j, offset);
            FloatVector x1 = widen(x, o1 + j, offset);
            FloatVector x2 = widen(x, o2 + j, offset);
            FloatVector x3 = widen(x, o3 + j, offset);
            FloatVector w = FloatVector.fromArray(SPECIES, wt, w0 + j);
            a00 = x0.fma(w, a00);
            a10 = x1.fma(w, a10);
            a20 = x2.fma(w, a20);
            a30 = x3.fma(w, a30);
            w = FloatVector.fromArray(SPECIES, wt, w1 + j);
            a01 = x0.fma(w, a01);
            a11 = x1.fma(w, a11);
            a21 = x2.fma(w, a21);
            a31 = x3.fma(w, a31);
            w = FloatVector.fromArray(SPECIES, wt, w2 + j);
            a02 = x0.fma(w, a02);
            a12 = x1.fma(w, a12);
            a22 = x2.fma(w, a22);
            a32 = x3.fma(w, a32);
            w = FloatVector.fromArray(SPECIES, wt, w3 + j);
            a03 = x0.fma(w, a03);
            a13 = x1.fma(w, a13);
            a23 = x2.fma(w, a23);
            a33 = x3.fma(w, a33);
            w = FloatVector.fromArray(SPECIES, wt, w4 + j);
            a04 = x0.fma(w, a04);
            a14 = x1.fma(w, a14);
            a24 = x2.fma(w, a24);
            a34 = x3.fma(w, a34);
        }
        // Not through store(): the widening adds enough compiler nodes that the JIT stopped inlining its last two
        // calls (NodeCountInliningCutoff), and vectors passed to a call are boxed, in the loop too: 6 times slower.
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, step);
        a02.intoArray(lanes, 2 * step);
        a03.intoArray(lanes, 3 * step);
        a04.intoArray(lanes, 4 * step);
        a10.intoArray(lanes, 5 * step);
        a11.intoArray(lanes, 6 * step);
        a12.intoArray(lanes, 7 * step);
        a13.intoArray(lanes, 8 * step);
        a14.intoArray(lanes, 9 * step);
        a20.intoArray(lanes, 10 * step);
        a21.intoArray(lanes, 11 * step);
        a22.intoArray(lanes, 12 * step);
        a23.intoArray(lanes, 13 * step);
        a24.intoArray(lanes, 14 * step);
        a30.intoArray(lanes, 15 * step);
        a31.intoArray(lanes, 16 * step);
        a32.intoArray(lanes, 17 * step);
        a33.intoArray(lanes, 18 * step);
        a34.intoArray(lanes, 19 * step);
        writeSums(lanes, 4, z, zRow * classes + k0, classes, false);
    }

    /**
     * {@link #accumulateWide} on rows {@code rowIndex[first], ..., rowIndex[first+rows-1]} of {@link ByteFeatures}'
     * bytes (see {@link #multiplyWideBytes}): the same result bit for bit.
     */
    static void accumulateWideBytes(byte[] x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                    int classes, float[] gt) {
        int step = SPECIES.length();
        int k = 0;
        for (; k + 2 * CLASS_GROUP <= classes; k += 2 * CLASS_GROUP) {
            int j = 0;
            for (; j + 2 * step <= stride; j += 2 * step) {
                accumulate10Bytes(x, rowIndex, first, rows, stride, r, classes, k, gt, j, j + step);
            }
            if (j < stride) {
                accumulate5Bytes(x, rowIndex, first, rows, stride, r, classes, k, gt, j);
                accumulate5Bytes(x, rowIndex, first, rows, stride, r, classes, k + CLASS_GROUP, gt, j);
            }
        }
        for (; k < classes; k += CLASS_GROUP) {
            for (int j = 0; j < stride; j += step) {
                accumulate5Bytes(x, rowIndex, first, rows, stride, r, classes, k, gt, j);
            }
        }
    }

    /** {@link #accumulate10} on the byte rows {@code rowIndex[first ..]}. */
    private static void accumulate10Bytes(byte[] x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                          int classes, int k0, float[] gt, int j, int j2) {
        FloatVector offset = FloatVector.broadcast(SPECIES, 128f);
        int g0 = k0 * stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j);
        FloatVector s5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j);
        FloatVector s6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j);
        FloatVector s7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j);
        FloatVector s8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j);
        FloatVector s9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j);
        FloatVector u0 = FloatVector.fromArray(SPECIES, gt, g0 + j2);
        FloatVector u1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j2);
        FloatVector u2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j2);
        FloatVector u3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j2);
        FloatVector u4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j2);
        FloatVector u5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j2);
        FloatVector u6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j2);
        FloatVector u7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j2);
        FloatVector u8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j2);
        FloatVector u9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j2);
        for (int i = 0; i < rows; i++) {
            int o = rowIndex[first + i] * stride;
            FloatVector xa = widen(x, o + j, offset);
            FloatVector xb = widen(x, o + j2, offset);
            int at = i * classes + k0;
            FloatVector b = FloatVector.broadcast(SPECIES, r[at]);
            s0 = xa.fma(b, s0);
            u0 = xb.fma(b, u0);
            b = FloatVector.broadcast(SPECIES, r[at + 1]);
            s1 = xa.fma(b, s1);
            u1 = xb.fma(b, u1);
            b = FloatVector.broadcast(SPECIES, r[at + 2]);
            s2 = xa.fma(b, s2);
            u2 = xb.fma(b, u2);
            b = FloatVector.broadcast(SPECIES, r[at + 3]);
            s3 = xa.fma(b, s3);
            u3 = xb.fma(b, u3);
            b = FloatVector.broadcast(SPECIES, r[at + 4]);
            s4 = xa.fma(b, s4);
            u4 = xb.fma(b, u4);
            b = FloatVector.broadcast(SPECIES, r[at + 5]);
            s5 = xa.fma(b, s5);
            u5 = xb.fma(b, u5);
            b = FloatVector.broadcast(SPECIES, r[at + 6]);
            s6 = xa.fma(b, s6);
            u6 = xb.fma(b, u6);
            b = FloatVector.broadcast(SPECIES, r[at + 7]);
            s7 = xa.fma(b, s7);
            u7 = xb.fma(b, u7);
            b = FloatVector.broadcast(SPECIES, r[at + 8]);
            s8 = xa.fma(b, s8);
            u8 = xb.fma(b, u8);
            b = FloatVector.broadcast(SPECIES, r[at + 9]);
            s9 = xa.fma(b, s9);
            u9 = xb.fma(b, u9);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g0 + stride + j);
        s2.intoArray(gt, g0 + 2 * stride + j);
        s3.intoArray(gt, g0 + 3 * stride + j);
        s4.intoArray(gt, g0 + 4 * stride + j);
        s5.intoArray(gt, g0 + 5 * stride + j);
        s6.intoArray(gt, g0 + 6 * stride + j);
        s7.intoArray(gt, g0 + 7 * stride + j);
        s8.intoArray(gt, g0 + 8 * stride + j);
        s9.intoArray(gt, g0 + 9 * stride + j);
        u0.intoArray(gt, g0 + j2);
        u1.intoArray(gt, g0 + stride + j2);
        u2.intoArray(gt, g0 + 2 * stride + j2);
        u3.intoArray(gt, g0 + 3 * stride + j2);
        u4.intoArray(gt, g0 + 4 * stride + j2);
        u5.intoArray(gt, g0 + 5 * stride + j2);
        u6.intoArray(gt, g0 + 6 * stride + j2);
        u7.intoArray(gt, g0 + 7 * stride + j2);
        u8.intoArray(gt, g0 + 8 * stride + j2);
        u9.intoArray(gt, g0 + 9 * stride + j2);
    }

    /** {@link #accumulate5} on the byte rows {@code rowIndex[first ..]}. */
    private static void accumulate5Bytes(byte[] x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                         int classes, int k0, float[] gt, int j) {
        FloatVector offset = FloatVector.broadcast(SPECIES, 128f);
        int g0 = k0 * stride;
        int g1 = g0 + stride;
        int g2 = g1 + stride;
        int g3 = g2 + stride;
        int g4 = g3 + stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g1 + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g2 + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g3 + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g4 + j);
        for (int i = 0; i < rows; i++) {
            FloatVector xi = widen(x, rowIndex[first + i] * stride + j, offset);
            int at = i * classes + k0;
            s0 = xi.fma(FloatVector.broadcast(SPECIES, r[at]), s0);
            s1 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 1]), s1);
            s2 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 2]), s2);
            s3 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 3]), s3);
            s4 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 4]), s4);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g1 + j);
        s2.intoArray(gt, g2 + j);
        s3.intoArray(gt, g3 + j);
        s4.intoArray(gt, g4 + j);
    }

    /**
     * {@link #multiplyWide} on rows {@code rowIndex[first], ..., rowIndex[first+rows-1]} of a float32 matrix read
     * where it is, in native memory ({@code rows} a multiple of 4; row {@code i} starts at float {@code i stride},
     * {@code stride} a multiple of {@link #lanes()}; {@code x} in native order, under {@code 2^31} bytes): the same
     * multiply-adds in the same order on the same values as on a heap copy of the rows, so the same result bit for
     * bit. Like the byte kernels, a copy of the heap kernels' loops with another load (see
     * {@link #multiplyWideBytes}).
     */
    static void multiplyWideFloats(Object x, int[] rowIndex, int first, int rows, int stride, float[] wt,
                                   int classes, float[] z) {
        for (int r = 0; r < rows; r += 4) {
            for (int k = 0; k < classes; k += CLASS_GROUP) {
                multiply4x5Floats(x, rowIndex, first + r, r, stride, wt, k, z, classes);
            }
        }
    }

    /**
     * {@link #multiply4x5} on the native rows {@code rowIndex[first .. first+3]}, written to {@code z}'s rows from
     * {@code zRow}.
     */
    private static void multiply4x5Floats(Object x, int[] rowIndex, int first, int zRow, int stride, float[] wt,
                                          int k0, float[] z, int classes) {
        float[] lanes = LANES.get();
        FloatVector a00 = FloatVector.zero(SPECIES);
        FloatVector a01 = a00, a02 = a00, a03 = a00, a04 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00;
        int o0 = rowIndex[first] * stride;
        int o1 = rowIndex[first + 1] * stride;
        int o2 = rowIndex[first + 2] * stride;
        int o3 = rowIndex[first + 3] * stride;
        int w0 = k0 * stride;
        int w1 = w0 + stride;
        int w2 = w1 + stride;
        int w3 = w2 + stride;
        int w4 = w3 + stride;
        int step = SPECIES.length();
        for (int j = 0; j < stride; j += step) {
            FloatVector x0 = load(x, o0 + j);
            FloatVector x1 = load(x, o1 + j);
            FloatVector x2 = load(x, o2 + j);
            FloatVector x3 = load(x, o3 + j);
            FloatVector w = FloatVector.fromArray(SPECIES, wt, w0 + j);
            a00 = x0.fma(w, a00);
            a10 = x1.fma(w, a10);
            a20 = x2.fma(w, a20);
            a30 = x3.fma(w, a30);
            w = FloatVector.fromArray(SPECIES, wt, w1 + j);
            a01 = x0.fma(w, a01);
            a11 = x1.fma(w, a11);
            a21 = x2.fma(w, a21);
            a31 = x3.fma(w, a31);
            w = FloatVector.fromArray(SPECIES, wt, w2 + j);
            a02 = x0.fma(w, a02);
            a12 = x1.fma(w, a12);
            a22 = x2.fma(w, a22);
            a32 = x3.fma(w, a32);
            w = FloatVector.fromArray(SPECIES, wt, w3 + j);
            a03 = x0.fma(w, a03);
            a13 = x1.fma(w, a13);
            a23 = x2.fma(w, a23);
            a33 = x3.fma(w, a33);
            w = FloatVector.fromArray(SPECIES, wt, w4 + j);
            a04 = x0.fma(w, a04);
            a14 = x1.fma(w, a14);
            a24 = x2.fma(w, a24);
            a34 = x3.fma(w, a34);
        }
        // Not through store(), as in multiply4x5Bytes.
        a00.intoArray(lanes, 0);
        a01.intoArray(lanes, step);
        a02.intoArray(lanes, 2 * step);
        a03.intoArray(lanes, 3 * step);
        a04.intoArray(lanes, 4 * step);
        a10.intoArray(lanes, 5 * step);
        a11.intoArray(lanes, 6 * step);
        a12.intoArray(lanes, 7 * step);
        a13.intoArray(lanes, 8 * step);
        a14.intoArray(lanes, 9 * step);
        a20.intoArray(lanes, 10 * step);
        a21.intoArray(lanes, 11 * step);
        a22.intoArray(lanes, 12 * step);
        a23.intoArray(lanes, 13 * step);
        a24.intoArray(lanes, 14 * step);
        a30.intoArray(lanes, 15 * step);
        a31.intoArray(lanes, 16 * step);
        a32.intoArray(lanes, 17 * step);
        a33.intoArray(lanes, 18 * step);
        a34.intoArray(lanes, 19 * step);
        writeSums(lanes, 4, z, zRow * classes + k0, classes, false);
    }

    /**
     * {@link #accumulateWide} on rows {@code rowIndex[first], ..., rowIndex[first+rows-1]} of a float32 matrix in
     * native memory (see {@link #multiplyWideFloats}): the same result bit for bit.
     */
    static void accumulateWideFloats(Object x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                     int classes, float[] gt) {
        int step = SPECIES.length();
        int k = 0;
        for (; k + 2 * CLASS_GROUP <= classes; k += 2 * CLASS_GROUP) {
            int j = 0;
            for (; j + 2 * step <= stride; j += 2 * step) {
                accumulate10Floats(x, rowIndex, first, rows, stride, r, classes, k, gt, j, j + step);
            }
            if (j < stride) {
                accumulate5Floats(x, rowIndex, first, rows, stride, r, classes, k, gt, j);
                accumulate5Floats(x, rowIndex, first, rows, stride, r, classes, k + CLASS_GROUP, gt, j);
            }
        }
        for (; k < classes; k += CLASS_GROUP) {
            for (int j = 0; j < stride; j += step) {
                accumulate5Floats(x, rowIndex, first, rows, stride, r, classes, k, gt, j);
            }
        }
    }

    /** {@link #accumulate10} on the native rows {@code rowIndex[first ..]}. */
    private static void accumulate10Floats(Object x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                           int classes, int k0, float[] gt, int j, int j2) {
        int g0 = k0 * stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j);
        FloatVector s5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j);
        FloatVector s6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j);
        FloatVector s7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j);
        FloatVector s8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j);
        FloatVector s9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j);
        FloatVector u0 = FloatVector.fromArray(SPECIES, gt, g0 + j2);
        FloatVector u1 = FloatVector.fromArray(SPECIES, gt, g0 + stride + j2);
        FloatVector u2 = FloatVector.fromArray(SPECIES, gt, g0 + 2 * stride + j2);
        FloatVector u3 = FloatVector.fromArray(SPECIES, gt, g0 + 3 * stride + j2);
        FloatVector u4 = FloatVector.fromArray(SPECIES, gt, g0 + 4 * stride + j2);
        FloatVector u5 = FloatVector.fromArray(SPECIES, gt, g0 + 5 * stride + j2);
        FloatVector u6 = FloatVector.fromArray(SPECIES, gt, g0 + 6 * stride + j2);
        FloatVector u7 = FloatVector.fromArray(SPECIES, gt, g0 + 7 * stride + j2);
        FloatVector u8 = FloatVector.fromArray(SPECIES, gt, g0 + 8 * stride + j2);
        FloatVector u9 = FloatVector.fromArray(SPECIES, gt, g0 + 9 * stride + j2);
        for (int i = 0; i < rows; i++) {
            int o = rowIndex[first + i] * stride;
            FloatVector xa = load(x, o + j);
            FloatVector xb = load(x, o + j2);
            int at = i * classes + k0;
            FloatVector b = FloatVector.broadcast(SPECIES, r[at]);
            s0 = xa.fma(b, s0);
            u0 = xb.fma(b, u0);
            b = FloatVector.broadcast(SPECIES, r[at + 1]);
            s1 = xa.fma(b, s1);
            u1 = xb.fma(b, u1);
            b = FloatVector.broadcast(SPECIES, r[at + 2]);
            s2 = xa.fma(b, s2);
            u2 = xb.fma(b, u2);
            b = FloatVector.broadcast(SPECIES, r[at + 3]);
            s3 = xa.fma(b, s3);
            u3 = xb.fma(b, u3);
            b = FloatVector.broadcast(SPECIES, r[at + 4]);
            s4 = xa.fma(b, s4);
            u4 = xb.fma(b, u4);
            b = FloatVector.broadcast(SPECIES, r[at + 5]);
            s5 = xa.fma(b, s5);
            u5 = xb.fma(b, u5);
            b = FloatVector.broadcast(SPECIES, r[at + 6]);
            s6 = xa.fma(b, s6);
            u6 = xb.fma(b, u6);
            b = FloatVector.broadcast(SPECIES, r[at + 7]);
            s7 = xa.fma(b, s7);
            u7 = xb.fma(b, u7);
            b = FloatVector.broadcast(SPECIES, r[at + 8]);
            s8 = xa.fma(b, s8);
            u8 = xb.fma(b, u8);
            b = FloatVector.broadcast(SPECIES, r[at + 9]);
            s9 = xa.fma(b, s9);
            u9 = xb.fma(b, u9);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g0 + stride + j);
        s2.intoArray(gt, g0 + 2 * stride + j);
        s3.intoArray(gt, g0 + 3 * stride + j);
        s4.intoArray(gt, g0 + 4 * stride + j);
        s5.intoArray(gt, g0 + 5 * stride + j);
        s6.intoArray(gt, g0 + 6 * stride + j);
        s7.intoArray(gt, g0 + 7 * stride + j);
        s8.intoArray(gt, g0 + 8 * stride + j);
        s9.intoArray(gt, g0 + 9 * stride + j);
        u0.intoArray(gt, g0 + j2);
        u1.intoArray(gt, g0 + stride + j2);
        u2.intoArray(gt, g0 + 2 * stride + j2);
        u3.intoArray(gt, g0 + 3 * stride + j2);
        u4.intoArray(gt, g0 + 4 * stride + j2);
        u5.intoArray(gt, g0 + 5 * stride + j2);
        u6.intoArray(gt, g0 + 6 * stride + j2);
        u7.intoArray(gt, g0 + 7 * stride + j2);
        u8.intoArray(gt, g0 + 8 * stride + j2);
        u9.intoArray(gt, g0 + 9 * stride + j2);
    }

    /** {@link #accumulate5} on the native rows {@code rowIndex[first ..]}. */
    private static void accumulate5Floats(Object x, int[] rowIndex, int first, int rows, int stride, float[] r,
                                          int classes, int k0, float[] gt, int j) {
        int g0 = k0 * stride;
        int g1 = g0 + stride;
        int g2 = g1 + stride;
        int g3 = g2 + stride;
        int g4 = g3 + stride;
        FloatVector s0 = FloatVector.fromArray(SPECIES, gt, g0 + j);
        FloatVector s1 = FloatVector.fromArray(SPECIES, gt, g1 + j);
        FloatVector s2 = FloatVector.fromArray(SPECIES, gt, g2 + j);
        FloatVector s3 = FloatVector.fromArray(SPECIES, gt, g3 + j);
        FloatVector s4 = FloatVector.fromArray(SPECIES, gt, g4 + j);
        for (int i = 0; i < rows; i++) {
            FloatVector xi = load(x, rowIndex[first + i] * stride + j);
            int at = i * classes + k0;
            s0 = xi.fma(FloatVector.broadcast(SPECIES, r[at]), s0);
            s1 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 1]), s1);
            s2 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 2]), s2);
            s3 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 3]), s3);
            s4 = xi.fma(FloatVector.broadcast(SPECIES, r[at + 4]), s4);
        }
        s0.intoArray(gt, g0 + j);
        s1.intoArray(gt, g1 + j);
        s2.intoArray(gt, g2 + j);
        s3.intoArray(gt, g3 + j);
        s4.intoArray(gt, g4 + j);
    }

    /**
     * The sum of the floats {@code [from, to)} of {@code x} ({@link #nativeRows}, with {@code buffer} the buffer
     * under it), read once in order with the loads the kernels use, eight vectors at a time: a streaming read of
     * native memory for {@link StreamingRead}. The lanes are added in float, the registers in double at the end.
     */
    static double sum(Object x, ByteBuffer buffer, int from, int to) {
        int step = SPECIES.length();
        FloatVector a0 = FloatVector.zero(SPECIES);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int at = from;
        for (; at + 8 * step <= to; at += 8 * step) {
            a0 = a0.add(load(x, at));
            a1 = a1.add(load(x, at + step));
            a2 = a2.add(load(x, at + 2 * step));
            a3 = a3.add(load(x, at + 3 * step));
            a4 = a4.add(load(x, at + 4 * step));
            a5 = a5.add(load(x, at + 5 * step));
            a6 = a6.add(load(x, at + 6 * step));
            a7 = a7.add(load(x, at + 7 * step));
        }
        for (; at + step <= to; at += step) {
            a0 = a0.add(load(x, at));
        }
        FloatVector total = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7);
        float[] lanes = LANES.get();
        total.intoArray(lanes, 0);
        double sum = 0;
        for (int l = 0; l < step; l++) {
            sum += lanes[l];
        }
        for (; at < to; at++) {
            sum += buffer.getFloat(at << 2);
        }
        return sum;
    }

    /** The floats at float index {@code at} of {@code x}, rows from {@link #nativeRows}. */
    private static FloatVector load(Object x, int at) {
        if (LOADS_FROM_BUFFERS) {
            return FloatVector.fromByteBuffer(SPECIES, (ByteBuffer) x, at << 2, NATIVE);
        }
        try {
            return (FloatVector) SEGMENT_LOAD.invokeExact(SPECIES, x, (long) at << 2, NATIVE);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs the expansion of bytes into floats ({@link ByteFeatures#expand}) and, with {@code inPlace},
     * {@link #multiplyWideBytes} and {@link #accumulateWideBytes} on a tiny block {@code calls} times, so that the
     * JIT compiles them before a pass needs them (see {@link #warmUp}). Code that runs rarely, such as the expansion
     * of the last rows when the rest are multiplied in place, would otherwise stay in the interpreter, where every
     * vector operation allocates (1.3 MB a pass at CIFAR-10 size, found by {@code bench}'s allocation figure).
     */
    static void warmUpBytes(int calls, boolean inPlace) {
        // Rows of 32 vectors, 3000 calls: with rows of 4 vectors and 1000 calls the kernels were compiled again
        // during a CIFAR-10 training, whose garbage grew the heap (1.26 to 1.39 GB resident instead of 1.11).
        int stride = 32 * lanes();
        int classes = 2 * CLASS_GROUP;
        int rows = 8;
        byte[] x = new byte[rows * stride];
        float[] block = new float[rows * stride];
        float[] wt = new float[classes * stride];
        float[] z = new float[rows * classes];
        float[] gt = new float[classes * stride];
        int[] rowIndex = {0, 1, 2, 3, 4, 5, 6, 7};
        for (int i = 0; i < calls; i++) {
            ByteFeatures.expand(x, 0, stride - 1, block, 0);
            if (inPlace) {
                multiplyWideBytes(x, rowIndex, 0, rows, stride, wt, classes, z);
                accumulateWideBytes(x, rowIndex, 0, 5, stride, z, classes, gt);
                accumulateWideBytes(x, rowIndex, 0, 5, stride, z, CLASS_GROUP, gt);
                accumulateWideBytes(x, rowIndex, 0, 5, lanes(), z, classes, gt);
            }
        }
    }

    /** {@code sum[i] += v[i]} for {@code i < length}, a multiple of {@link #lanes()}. */
    static void add(float[] v, float[] sum, int length) {
        for (int i = 0; i < length; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, v, i).add(FloatVector.fromArray(SPECIES, sum, i)).intoArray(sum, i);
        }
    }

    /** {@code {0, step, 2 step, ...}}, one entry per lane: the index map of a column of a row-major {@code [n][step]}. */
    static int[] columnMap(int step) {
        int[] map = new int[lanes()];
        for (int i = 0; i < map.length; i++) {
            map[i] = i * step;
        }
        return map;
    }

    /**
     * {@code wt[k][j] = w[j][k]} for {@code j < features}, {@code k < classes}: {@code w} is {@code [features][classes]}
     * and {@code wt} has rows of {@code stride}; {@code map} is {@link #columnMap}{@code (classes)}. A vector of
     * {@code wt}'s row is gathered from a column of {@code w}: twice as fast as element by element.
     */
    static void transpose(float[] w, int features, int classes, int[] map, float[] wt, int stride) {
        int step = SPECIES.length();
        int vectorEnd = features - features % step;
        for (int j = 0; j < vectorEnd; j += step) {
            for (int k = 0; k < classes; k++) {
                FloatVector.fromArray(SPECIES, w, j * classes + k, map, 0).intoArray(wt, k * stride + j);
            }
        }
        for (int k = 0; k < classes; k++) {
            for (int j = vectorEnd; j < features; j++) {
                wt[k * stride + j] = w[j * classes + k];
            }
        }
    }

    /**
     * The index maps of {@link #untranspose}: {@code K} maps of one vector each, map {@code m} giving for each lane
     * {@code l} where entry {@code m lanes + l} of a run of {@code lanes} rows of a {@code [d][K]} matrix sits in
     * the {@code [K][stride]} layout, relative to the run's first row.
     */
    static int[][] untransposeMaps(int classes, int stride) {
        int lanes = lanes();
        int[][] maps = new int[classes][lanes];
        for (int m = 0; m < classes; m++) {
            for (int l = 0; l < lanes; l++) {
                int entry = m * lanes + l;
                maps[m][l] = entry % classes * stride + entry / classes;
            }
        }
        return maps;
    }

    /**
     * {@code out[j][k] = scale gt[k][j] + lambda w[j][k]}, the inverse of {@link #transpose} with a scaled sum, in
     * float; {@code maps} is {@link #untransposeMaps}{@code (classes, stride)}. Each vector of {@code out} (and of
     * {@code w}) is contiguous and gathered from {@code gt}: scattering the rows of {@code gt} into the columns of
     * {@code out} instead took twice as long (28 µs for CIFAR-10's 30720 weights), scatters being slow on AMD cores.
     */
    static void untranspose(float[] gt, int stride, int features, int classes, float scale, float lambda, float[] w,
                            int[][] maps, float[] out) {
        int step = SPECIES.length();
        int vectorEnd = features - features % step;
        FloatVector lambdas = FloatVector.broadcast(SPECIES, lambda);
        for (int j = 0; j < vectorEnd; j += step) {
            int at = j * classes;
            for (int m = 0; m < classes; m++) {
                FloatVector v = FloatVector.fromArray(SPECIES, gt, j, maps[m], 0).mul(scale);
                if (lambda != 0) {
                    v = FloatVector.fromArray(SPECIES, w, at + m * step).fma(lambdas, v);
                }
                v.intoArray(out, at + m * step);
            }
        }
        for (int j = vectorEnd; j < features; j++) {
            for (int k = 0; k < classes; k++) {
                float scaled = scale * gt[k * stride + j];
                out[j * classes + k] = lambda == 0 ? scaled : Math.fma(lambda, w[j * classes + k], scaled);
            }
        }
    }

    /**
     * One gradient step in the kernels' layout: {@code w[k][j] += alpha g[k][j]} with the gradient
     * {@code g = scale gt + lambda w} rounded to float first (as {@link #untranspose} rounds it), for
     * {@code k < classes}, {@code j < features} of rows of {@code stride}. The padding of {@code w} is left as it is.
     * (Summing the squares of the new weights in the same loop made it ten times slower: 31 instead of 3 µs for
     * CIFAR-10's 30720 weights; {@link #squaredNorm} afterwards takes 3.)
     */
    static void descend(float[] w, float[] gt, int stride, int features, int classes, float scale, float lambda,
                        float alpha) {
        int step = SPECIES.length();
        int vectorEnd = features - features % step;
        FloatVector lambdas = FloatVector.broadcast(SPECIES, lambda);
        FloatVector alphas = FloatVector.broadcast(SPECIES, alpha);
        for (int k = 0; k < classes; k++) {
            int row = k * stride;
            for (int j = row; j < row + vectorEnd; j += step) {
                FloatVector weights = FloatVector.fromArray(SPECIES, w, j);
                FloatVector g = FloatVector.fromArray(SPECIES, gt, j).mul(scale);
                if (lambda != 0) {
                    g = weights.fma(lambdas, g);
                }
                g.fma(alphas, weights).intoArray(w, j);
            }
            for (int j = row + vectorEnd; j < row + features; j++) {
                float scaled = scale * gt[j];
                float g = lambda == 0 ? scaled : Math.fma(lambda, w[j], scaled);
                w[j] = Math.fma(alpha, g, w[j]);
            }
        }
    }

    /**
     * {@code sum_i v_i^2} over {@code v[0, length)}, accumulated in double: each vector of floats is widened to two
     * of doubles, in four sums. Scalar sums took 10 to 15 µs for CIFAR-10's 30720 weights (a fifth of the fixed cost
     * of an SGD step), this about 2. The floats are read with {@link #SPECIES}, the kernels' own shape: one narrower
     * float vector anywhere in the process keeps the JIT from compiling the kernels' vector operations (their shared
     * call sites see two shapes), which made a value-and-gradient pass 10 times slower.
     */
    static double squaredNorm(float[] v, int length) {
        int step = SPECIES.length();
        DoubleVector s0 = DoubleVector.zero(DOUBLES);
        DoubleVector s1 = s0;
        DoubleVector s2 = s0;
        DoubleVector s3 = s0;
        int i = 0;
        for (; i + 2 * step <= length; i += 2 * step) {
            FloatVector a = FloatVector.fromArray(SPECIES, v, i);
            FloatVector b = FloatVector.fromArray(SPECIES, v, i + step);
            DoubleVector a0 = (DoubleVector) a.convert(VectorOperators.F2D, 0);
            DoubleVector a1 = (DoubleVector) a.convert(VectorOperators.F2D, 1);
            DoubleVector b0 = (DoubleVector) b.convert(VectorOperators.F2D, 0);
            DoubleVector b1 = (DoubleVector) b.convert(VectorOperators.F2D, 1);
            s0 = a0.fma(a0, s0);
            s1 = a1.fma(a1, s1);
            s2 = b0.fma(b0, s2);
            s3 = b1.fma(b1, s3);
        }
        double[] lanes = new double[DOUBLES.length()];
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
        double sum = lanes[0];
        for (int k = 1; k < lanes.length; k++) {
            sum += lanes[k];
        }
        for (; i < length; i++) {
            sum += (double) v[i] * v[i];
        }
        return sum;
    }
}
