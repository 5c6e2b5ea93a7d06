package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.softmax.data.CsvDatasetReader;
import dev.softmax.data.Dataset;
import dev.softmax.io.ModelIO;
import dev.softmax.optim.StoppingCriteria;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** One model instance serves many threads: 8 threads at once get exactly the sequential predictions. */
class ConcurrentPredictionTest {

    private static final int THREADS = 8;
    private static final int ROUNDS = 25;

    @TempDir
    Path dir;

    @Test
    void eightThreadsGetTheSequentialPredictions() throws Exception {
        Dataset iris = CsvDatasetReader.read(Path.of("notebooks-data/iris.csv"), DataType.DOUBLE);
        Path file = dir.resolve("iris.model");
        ModelIO.save(Trainer.builder().stopping(StoppingCriteria.of(100)).build().fit(iris), file, false);
        // The loaded model, as an embedding application would use it.
        SoftmaxRegression model = ModelIO.load(file);
        double[][] x = iris.features().toDoubleMatrix();

        // Each thread predicts on its own batch (a different slice per thread), so that results could mix up.
        List<double[][]> batches = new ArrayList<>();
        List<double[][]> expectedProba = new ArrayList<>();
        List<String[]> expectedNames = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            double[][] batch = java.util.Arrays.copyOfRange(x, t * 15, t * 15 + 30);
            batches.add(batch);
            expectedProba.add(model.predictProba(batch));
            expectedNames.add(model.predictNames(batch));
        }

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int round = 0; round < ROUNDS; round++) {
                        double[][] batch = batches.get(thread);
                        double[][] proba = model.predictProba(batch);
                        String[] names = model.predictNames(batch);
                        for (int i = 0; i < batch.length; i++) {
                            assertArrayEquals(expectedProba.get(thread)[i], proba[i], "thread " + thread + " row " + i);
                        }
                        assertArrayEquals(expectedNames.get(thread), names, "thread " + thread);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
