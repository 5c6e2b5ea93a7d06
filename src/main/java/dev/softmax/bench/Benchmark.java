package dev.softmax.bench;

import dev.softmax.Blas;
import dev.softmax.NativeThreads;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.ParameterLayout;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.loss.StreamingRead;
import dev.softmax.model.SoftmaxRegression;
import dev.softmax.optim.HessianOperator;
import dev.softmax.optim.ValueAndGradient;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Times the hot paths against a floor measured in the same process: one streaming reduction over {@code X}, the
 * fastest of the candidates ({@link #floorCandidates}).
 *
 * <p>Every figure is the median of {@code repeats} runs after {@code warmups} unmeasured ones (and at least half a
 * second of them), each run right after a run of the floor, reported in seconds and as the median of the runs'
 * ratios to their floors. A
 * value-and-gradient evaluation has to read {@code X} twice ({@code X W}, then {@code X^T (P - Y)}) unless the two
 * passes are fused, so about 2 is the floor's natural multiple.
 */
public final class Benchmark {

    /** Least time spent warming up before each figure, unless no warm-up is asked for. */
    static final double MIN_WARMUP_SECONDS = 0.5;

    /**
     * What to measure on.
     *
     * @param repeats      measured runs per figure, {@code >= 1}
     * @param warmups      unmeasured runs before them, {@code >= 0}; more until half a second has passed, unless 0
     * @param sgdBatchSize rows per mini-batch in the SGD epoch, {@code >= 1}
     * @param seed         seed of the random parameters, vectors and row order
     */
    public record Settings(int repeats, int warmups, int sgdBatchSize, long seed) {
        /**
         * Validates the counts.
         *
         * @param repeats      measured runs per figure, {@code >= 1}
         * @param warmups      unmeasured runs before them, {@code >= 0}; more until half a second has passed,
         *                     unless 0
         * @param sgdBatchSize rows per mini-batch in the SGD epoch, {@code >= 1}
         * @param seed         seed of the random parameters, vectors and row order
         */
        public Settings {
            if (repeats < 1 || warmups < 0 || sgdBatchSize < 1) {
                throw new IllegalArgumentException("need repeats >= 1, warmups >= 0, batch size >= 1");
            }
        }
    }

    /**
     * One measurement.
     *
     * @param name         what was timed
     * @param seconds      median wall time
     * @param floorSeconds median of the floors timed just before each run of it
     * @param ratios       each run's time over the floor timed just before it, in the order of the runs
     * @param ratio        the median of {@code ratios}
     */
    public record Measurement(String name, double seconds, double floorSeconds, double[] ratios, double ratio) {
    }

    private final Settings settings;

    /**
     * A benchmark with these settings.
     *
     * @param settings repeats, warm-ups, SGD batch size and seed
     */
    public Benchmark(Settings settings) {
        this.settings = settings;
    }

    /**
     * Random features {@code [n,d]} uniform in [0,1), from a seed (ND4J's generator: fast, native).
     *
     * @param n    rows
     * @param d    columns
     * @param type the features' data type
     * @param seed seed of ND4J's generator
     * @return the features
     */
    public static INDArray syntheticFeatures(int n, int d, DataType type, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(type, n, d);
    }

    /**
     * Random float32 features {@code [n,d]} that are integers from 0 to 255, like raw 8-bit pixels, from a seed;
     * {@link #run} with a feature scale of 1/255 then treats them as the command line treats image data.
     *
     * @param n    rows
     * @param d    columns
     * @param seed seed of ND4J's generator
     * @return the pixels
     */
    public static INDArray syntheticPixels(int n, int d, long seed) {
        INDArray x = syntheticFeatures(n, d, DataType.FLOAT, seed).muli(256);
        return Transforms.floor(x, false);
    }

    /**
     * Labels in {@code [0,k)} from a seed.
     *
     * @param n    number of labels
     * @param k    number of classes
     * @param seed seed of the generator
     * @return the labels
     */
    public static int[] syntheticLabels(int n, int k, long seed) {
        Random random = new Random(seed);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextInt(k);
        }
        return labels;
    }

    /**
     * Runs every measurement on {@code x [n,d]} with labels {@code y}; {@code x} is used as the (already scaled)
     * training matrix and is not modified.
     *
     * @param x      the features {@code [n,d]}
     * @param y      the labels {@code [n]}, in {@code [0,k)}
     * @param k      number of classes
     * @param lambda the L2 strength
     * @return the measurements, floor first, plus allocation figures, in a map ready for the JSON report
     */
    public Map<String, Object> run(INDArray x, int[] y, int k, double lambda) {
        return run(x, y, k, lambda, 1.0);
    }

    /**
     * {@link #run(INDArray, int[], int, double)} on the features {@code featureScale * x}, the factor folded into
     * the products ({@link SoftmaxCrossEntropy#withFeatureScale}) as the command line does for pixels / 255; the
     * floor and the prediction pass read {@code x} as it is.
     *
     * @param x            the features {@code [n,d]}
     * @param y            the labels {@code [n]}, in {@code [0,k)}
     * @param k            number of classes
     * @param lambda       the L2 strength
     * @param featureScale the factor the objective multiplies {@code x} by, {@code > 0}
     * @return the measurements, floor first, plus allocation figures, in a map ready for the JSON report
     */
    public Map<String, Object> run(INDArray x, int[] y, int k, double lambda, double featureScale) {
        if (settings.warmups() > 0) {
            // Objectives under 4 MB do not compile the kernels themselves; uncompiled, a small shape's evaluation
            // took 0.15 s instead of 0.7 ms, so half a second of warm-up ran it only three times.
            SoftmaxCrossEntropy.warmUpKernels(x.columns());
        }
        SoftmaxCrossEntropy plain = new SoftmaxCrossEntropy(x, y, k, lambda);
        SoftmaxCrossEntropy objective = featureScale == 1.0 ? plain : plain.withFeatureScale(featureScale);
        ParameterLayout layout = objective.layout();
        INDArray theta = syntheticFeatures(1, (int) objective.dimension(), x.dataType(), settings.seed() + 1)
                .reshape(objective.dimension()).subi(0.5).muli(0.01);
        INDArray v = syntheticFeatures(1, (int) objective.dimension(), x.dataType(), settings.seed() + 2)
                .reshape(objective.dimension()).subi(0.5);

        Map<String, Runnable> floors = floorCandidates(x);
        Map<String, Double> floorCandidateSeconds = new LinkedHashMap<>();
        String floorName = fastest(floors, floorCandidateSeconds);
        Runnable floor = floors.get(floorName);
        List<Measurement> results = new ArrayList<>();
        results.add(measure("nd4j_sum", floor, () -> x.sumNumber()));
        results.add(measure("value_gradient", floor, () -> objective.valueAndGradient(theta)));
        HessianOperator hessian = objective.hessianAt(theta);
        results.add(measure("hessian_vector", floor, () -> hessian.apply(v)));
        SoftmaxRegression model = new SoftmaxRegression(layout.weights(theta), layout.bias(theta),
                classNames(k), FeatureScaler.none((int) x.columns()), null);
        results.add(measure("predict", floor, () -> model.predict(x)));
        int[] order = shuffledRows(objective.numSamples(), settings.seed());
        results.add(measure("sgd_epoch", floor, () -> sgdEpoch(objective, order, theta.dup())));

        long[] allocated = allocatedPerEvaluation(() -> objective.valueAndGradient(theta));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("floor_seconds", median(results.stream().mapToDouble(Measurement::floorSeconds).toArray()));
        report.put("floor_kernel", floorName);
        report.put("floor_candidate_seconds", floorCandidateSeconds);
        for (Measurement m : results) {
            report.put(m.name() + "_seconds", m.seconds());
        }
        for (Measurement m : results) {
            report.put(m.name() + "_ratio", m.ratio());
        }
        for (Measurement m : results) {
            report.put(m.name() + "_floor_seconds", m.floorSeconds());
            report.put(m.name() + "_ratios", m.ratios());
        }
        report.put("feature_scale", featureScale);
        report.put("features_as_bytes", objective.readsFeaturesAsBytes());
        report.put("rows_in_place", objective.readsRowsInPlace());
        report.put("allocated_bytes_per_evaluation", allocated[0] + allocated[1]);
        report.put("allocated_heap_bytes_per_evaluation", allocated[0]);
        report.put("allocated_native_bytes_per_evaluation", allocated[1]);
        report.put("gradient_bytes", objective.dimension() * x.dataType().width());
        return report;
    }

    /** The floor's name when it is BLAS's {@code asum}. */
    public static final String BLAS_FLOOR = "blas_asum";
    /** The floor's name when it is {@link StreamingRead}. */
    public static final String VECTOR_FLOOR = "vector_sum";
    /** Timings of each floor candidate, after the warm-ups, from which {@link #fastest} takes the median. */
    static final int FLOOR_TRIALS = 5;

    /**
     * The ways to read every element of {@code x} once, by name: BLAS's {@code asum}, and {@link StreamingRead}
     * where it can read {@code x}. Each reads a chunk of rows per task on the same threads as the passes being
     * measured. ND4J's own {@code sumNumber()} is not memory-bound (it took 3.4 to 4.7 times as long on the Intel
     * machine), so it is reported beside the floor, not used as one.
     */
    static Map<String, Runnable> floorCandidates(INDArray x) {
        Map<String, Runnable> floors = new LinkedHashMap<>();
        floors.put(BLAS_FLOOR, () -> streamingPass(x));
        if (StreamingRead.supports(x)) {
            StreamingRead read = StreamingRead.of(x);
            floors.put(VECTOR_FLOOR, () -> chunked((int) x.rows(), read::sumRows));
        }
        return floors;
    }

    /**
     * The name of the fastest of {@code candidates} (by the median of {@link #FLOOR_TRIALS} timings each, taken in
     * turn after {@code warmups} runs of each); the medians go into {@code seconds}. The floor is the fastest read
     * of {@code X} there is, so that no pass looks better against a slow one: on the Intel development machine
     * OpenBLAS's Haswell {@code asum} read CIFAR-10's {@code X} in 0.032 s, its SkylakeX one in 0.028 and the
     * Vector API on JDK 25 in 0.025.
     */
    String fastest(Map<String, Runnable> candidates, Map<String, Double> seconds) {
        warmUp(() -> candidates.values().forEach(Runnable::run));
        Map<String, double[]> timings = new LinkedHashMap<>();
        candidates.keySet().forEach(name -> timings.put(name, new double[FLOOR_TRIALS]));
        for (int i = 0; i < FLOOR_TRIALS; i++) {
            for (Map.Entry<String, Runnable> candidate : candidates.entrySet()) {
                timings.get(candidate.getKey())[i] = time(candidate.getValue());
            }
        }
        String best = null;
        for (Map.Entry<String, double[]> timing : timings.entrySet()) {
            double median = median(timing.getValue());
            seconds.put(timing.getKey(), median);
            if (best == null || median < seconds.get(best)) {
                best = timing.getKey();
            }
        }
        return best;
    }

    /** BLAS's {@code asum} over all of {@code x}, a chunk of rows per task. */
    static double streamingPass(INDArray x) {
        long columns = x.columns();
        return chunked((int) x.rows(), (from, to) -> Blas.asum(x, from * columns, to * columns));
    }

    /** The sum of {@code part} over {@link NativeThreads#chunkCount} chunks of {@code n} rows, run in parallel. */
    private static double chunked(int n, RowRange part) {
        int chunks = NativeThreads.chunkCount(n);
        double[] sums = new double[chunks];
        NativeThreads.parallelFor(chunks, c -> sums[c] = part.sum(NativeThreads.chunkStart(n, chunks, c),
                NativeThreads.chunkStart(n, chunks, c + 1)));
        return Arrays.stream(sums).sum();
    }

    /** A reduction over rows {@code [from, to)}. */
    @FunctionalInterface
    private interface RowRange {
        double sum(int from, int to);
    }

    /** {@code 0..n-1} in an order shuffled from {@code seed}. */
    private static int[] shuffledRows(int n, long seed) {
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(seed));
        return order.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * One epoch of mini-batch SGD (the updates only, no full evaluation) in the order {@code rows}, with plain SGD's
     * update as {@link dev.softmax.optim.MiniBatchSgd} runs it: the objective's own steps where it has them
     * ({@link SoftmaxCrossEntropy#sgdSteps()}), else batch by batch. The order is made once, outside the timing:
     * shuffling 50000 boxed indices took 5 ms, 4% of an epoch.
     */
    private Object sgdEpoch(SoftmaxCrossEntropy objective, int[] rows, INDArray x) {
        int n = objective.numSamples();
        int batch = settings.sgdBatchSize();
        var steps = objective.sgdSteps();
        if (steps.isPresent()) {
            steps.get().run(x, rows, batch, b -> 0.01);
            return x;
        }
        for (int from = 0; from < n; from += batch) {
            int[] batchRows = Arrays.copyOfRange(rows, from, Math.min(n, from + batch));
            ValueAndGradient vg = objective.batch(batchRows).valueAndGradient(x);
            Blas.axpy(-0.01, vg.gradient(), x);
        }
        return x;
    }

    /**
     * Times {@code work} {@code repeats} times after the warm-ups, each run right after a run of the floor, so that
     * each ratio compares two timings a fraction of a second apart: on a virtual machine whose speed drifts within a
     * run (the floor moved by half between runs on the development machine), a floor timed once at the start
     * skewed every later ratio.
     */
    private Measurement measure(String name, Runnable floor, Supplier<Object> work) {
        warmUp(() -> {
            floor.run();
            work.get();
        });
        double[] floors = new double[settings.repeats()];
        double[] times = new double[settings.repeats()];
        double[] ratios = new double[settings.repeats()];
        for (int i = 0; i < times.length; i++) {
            floors[i] = time(floor);
            times[i] = time(work::get);
            ratios[i] = times[i] / floors[i];
        }
        return new Measurement(name, median(times), median(floors), ratios, median(ratios));
    }

    /**
     * Runs {@code work} {@code warmups} times, and on until {@link #MIN_WARMUP_SECONDS} have passed (none when
     * {@code warmups} is 0): on a small shape a few runs take microseconds, too few for the JIT to compile the
     * kernels, and the Vector API's code run before that is ten times slower and allocates every vector.
     */
    private void warmUp(Runnable work) {
        long start = System.nanoTime();
        for (int i = 0; i < settings.warmups() || (settings.warmups() > 0
                && System.nanoTime() - start < MIN_WARMUP_SECONDS * 1e9); i++) {
            work.run();
        }
    }

    private static double time(Runnable work) {
        long start = System.nanoTime();
        work.run();
        return (System.nanoTime() - start) / 1e9;
    }

    /** The median of {@code values} (the mean of the middle two for an even count); {@code values} is not changed. */
    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : 0.5 * (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]);
    }

    /**
     * Bytes allocated by one call after warm-up, as the median over the repeats: Java heap from the allocation
     * counters of every live thread (the worker threads allocate too), native memory from JavaCPP's count of live
     * bytes (ND4J's buffers are JavaCPP pointers; they are freed only when collected, so within one call the growth
     * is what the call allocated).
     */
    private long[] allocatedPerEvaluation(Runnable work) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        work.run(); // warmed up already, as the value and gradient measurement
        long[] heap = new long[settings.repeats()];
        long[] nativeBytes = new long[settings.repeats()];
        for (int i = 0; i < heap.length; i++) {
            long[] ids = threads.getAllThreadIds();
            long heapBefore = sum(threads.getThreadAllocatedBytes(ids));
            long nativeBefore = Pointer.totalBytes();
            work.run();
            nativeBytes[i] = Math.max(0, Pointer.totalBytes() - nativeBefore);
            heap[i] = sum(threads.getThreadAllocatedBytes(ids)) - heapBefore;
        }
        Arrays.sort(heap);
        Arrays.sort(nativeBytes);
        return new long[] {heap[heap.length / 2], nativeBytes[nativeBytes.length / 2]};
    }

    /** Sum of per-thread counters; -1 marks a thread that has ended, counted as 0. */
    private static long sum(long[] counters) {
        long total = 0;
        for (long counter : counters) {
            total += Math.max(0, counter);
        }
        return total;
    }

    private static List<String> classNames(int k) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            names.add("class" + i);
        }
        return names;
    }
}
