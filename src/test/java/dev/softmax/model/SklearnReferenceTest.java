package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.softmax.data.Dataset;
import dev.softmax.loss.Softmax;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.IterationListener;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks our optimum against scikit-learn's {@code LogisticRegression(multi_class="multinomial",
 * C = 1/(lambda n))}, which minimises the same objective. Runs where Debian's {@code python3-sklearn} is
 * installed; {@code .ci/run} installs it, so CI always runs it.
 */
class SklearnReferenceTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    @Test
    void irisOptimumMatchesScikitLearn() throws Exception {
        assumeTrue(sklearnAvailable(), "python3-sklearn is not installed");
        double lambda = 0.1;
        Dataset iris = TestProblems.standardizedIris(DataType.DOUBLE);
        Path csv = dir.resolve("iris-standardized.csv");
        StringBuilder text = new StringBuilder();
        double[][] x = iris.features().toDoubleMatrix();
        for (int i = 0; i < x.length; i++) {
            for (double v : x[i]) {
                text.append(Double.toString(v)).append(',');
            }
            text.append(iris.labels()[i]).append('\n');
        }
        Files.writeString(csv, text);

        List<String> lines = runReference(csv, lambda);
        double referenceObjective = Double.parseDouble(lines.get(0));
        double[][] referenceProba = lines.subList(1, lines.size()).stream()
                .map(l -> java.util.Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray())
                .toArray(double[][]::new);

        SoftmaxCrossEntropy objective = new SoftmaxCrossEntropy(iris.features(), iris.labels(), 3, lambda);
        OptimizationResult ours = new GradientDescent().minimize(objective, objective.layout().zeros(DataType.DOUBLE),
                StoppingCriteria.of(5_000).withGradientTolerance(1e-7).withRelativeFunctionTolerance(0),
                IterationListener.NONE);
        assertTrue(ours.converged(), ours.reason().toString());
        assertEquals(referenceObjective, ours.value(), 1e-9 * referenceObjective);
        // Our optimum can only be at or below the reference (up to the reference's own tolerance).
        assertTrue(ours.value() <= referenceObjective * (1 + 1e-10));

        INDArray theta = ours.solution();
        INDArray logits = iris.features().mmul(objective.layout().weights(theta))
                .addiRowVector(objective.layout().bias(theta));
        INDArray proba = Softmax.softmax(logits);
        double error = GradientCheck.maxRelativeError(proba, Nd4j.create(referenceProba), 1e-3);
        assertTrue(error < 1e-5, "probabilities differ from scikit-learn's by " + error);
    }

    private static boolean sklearnAvailable() throws InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import sklearn").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> runReference(Path csv, double lambda) throws IOException, InterruptedException {
        Path script = dir.resolve("sklearn_optimum.py");
        try (InputStream in = getClass().getResourceAsStream("/dev/softmax/reference/sklearn_optimum.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), csv.toString(), Double.toString(lambda))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "scikit-learn timed out");
        assertEquals(0, p.exitValue(), output);
        return output.lines().toList();
    }
}
