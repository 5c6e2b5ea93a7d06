package dev.softmax.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

class MetricsTest {

    private final int[] truth = {0, 0, 0, 1, 1, 2, 2, 2, 2, 2};
    private final int[] predicted = {0, 0, 1, 1, 2, 2, 2, 2, 0, 2};

    @Test
    void accuracyCountsMatches() {
        assertEquals(0.7, Metrics.accuracy(truth, predicted), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Metrics.accuracy(truth, new int[3]));
    }

    @Test
    void logLossIsTheMeanNegativeLogLikelihood() {
        double[][] p = {{0.5, 0.25, 0.25}, {0.1, 0.8, 0.1}};
        double expected = -(Math.log(0.5) + Math.log(0.8)) / 2;
        assertEquals(expected, Metrics.logLoss(new int[] {0, 1}, Transforms.log(Nd4j.create(p))), 1e-15);
    }

    @Test
    void logLossReadsViewsAndEitherOrder() {
        double[][] p = {{0.5, 0.1}, {0.25, 0.8}, {0.25, 0.1}};
        double expected = -(Math.log(0.5) + Math.log(0.8)) / 2;
        // The transpose of a [K,n] matrix is an 'f'-order view of the [n,K] log-probabilities.
        INDArray view = Transforms.log(Nd4j.create(p)).transpose();
        assertEquals('f', view.ordering());
        assertEquals(expected, Metrics.logLoss(new int[] {0, 1}, view), 1e-15);
        double[][] q = {{0.3, 0.3, 0.4}, {0.5, 0.25, 0.25}, {0.1, 0.8, 0.1}};
        INDArray rows = Transforms.log(Nd4j.create(q)).get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        assertTrue(rows.isView());
        assertEquals(expected, Metrics.logLoss(new int[] {0, 1}, rows), 1e-15);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Metrics.logLoss(new int[] {0, 3}, rows));
        assertEquals("truth[1] = 3 is not one of the 3 classes", e.getMessage());
    }

    @Test
    void confusionMatrixPrecisionRecallF1() {
        ConfusionMatrix m = ConfusionMatrix.of(truth, predicted, List.of("a", "b", "c"));
        assertEquals(2, m.count(0, 0));
        assertEquals(1, m.count(0, 1));
        assertEquals(1, m.count(2, 0));
        // class 0: predicted 3 times (2 right), 3 true samples (2 found)
        assertEquals(2 / 3.0, m.precision(0), 1e-15);
        assertEquals(2 / 3.0, m.recall(0), 1e-15);
        // class 2: predicted 5 times (4 right), 5 true samples (4 found)
        assertEquals(0.8, m.precision(2), 1e-15);
        assertEquals(0.8, m.f1(2), 1e-15);
        assertEquals(0.5, m.precision(1), 1e-15);
        assertEquals(0.5, m.recall(1), 1e-15);
        assertEquals(5, m.support(2));
        String table = m.formatMatrix();
        assertTrue(table.lines().count() == 4 && table.contains("true\\pred"), table);
        assertTrue(m.formatReport().lines().anyMatch(l -> l.startsWith("c ") && l.contains("0.8000")), m.formatReport());
    }

    @Test
    void confusionMatrixRefusesLabelsOutsideTheClassesAndPrintsNamesOnOneLine() {
        // QA: a label beyond the classes threw ArrayIndexOutOfBoundsException; a null list a bare NPE.
        IllegalArgumentException beyond = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {0, 3}, new int[] {0, 1}, List.of("a", "b")));
        assertEquals("truth[1] = 3 is not one of the 2 classes", beyond.getMessage());
        assertEquals("predicted[0] = -1 is not one of the 2 classes", assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {0}, new int[] {-1}, List.of("a", "b"))).getMessage());
        assertEquals("classNames", assertThrows(NullPointerException.class,
                () -> ConfusionMatrix.of(new int[] {0}, new int[] {0}, null)).getMessage());
        // QA: a class name with a quoted line break split the tables' rows.
        ConfusionMatrix m = ConfusionMatrix.of(new int[] {0, 1}, new int[] {0, 1}, List.of("multi\nline", "b"));
        assertEquals(3, m.formatReport().lines().count(), m.formatReport());
        assertEquals(3, m.formatMatrix().lines().count(), m.formatMatrix());
        assertTrue(m.formatMatrix().contains("multi\\nline"), m.formatMatrix());
        assertEquals(List.of("multi\nline", "b"), m.classNames(), "the names themselves are kept");
    }
}
