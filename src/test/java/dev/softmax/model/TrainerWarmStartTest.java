package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.data.FeatureScaler;
import dev.softmax.loss.ParameterLayout;
import dev.softmax.optim.GradientDescent;
import dev.softmax.optim.Newton;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.testutil.GradientCheck;
import dev.softmax.testutil.TestProblems;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainerWarmStartTest {

    private final Dataset iris = TestProblems.irisDataset(DataType.DOUBLE);

    private Trainer.Builder newton() {
        return Trainer.builder().l2(1e-2).dataType(DataType.DOUBLE).optimizer(new Newton())
                .stopping(new StoppingCriteria(50, 1e-10, 0, null));
    }

    @Test
    void warmStartFromTheOptimumStartsThere() {
        SoftmaxRegression first = newton().build().fit(iris);
        OptimizationResult firstRun = first.trainingResult().orElseThrow();
        SoftmaxRegression second = Trainer.builder().l2(1e-2).dataType(DataType.DOUBLE)
                .optimizer(new GradientDescent()).stopping(new StoppingCriteria(5, 1e-10, 0, null))
                .warmStart(first).build().fit(iris);
        OptimizationResult secondRun = second.trainingResult().orElseThrow();
        assertEquals(firstRun.value(), secondRun.history().get(0).value(), 1e-14);
        assertTrue(secondRun.history().get(0).gradientNorm() < 1e-9);
    }

    @Test
    void warmStartKeepsThePredictionsUnderADifferentScaling() {
        SoftmaxRegression model = newton().build().fit(iris);
        // Another scaling (as refitting on other data would give): the converted θ must give the same logits.
        FeatureScaler other = FeatureScaler.standard(iris.features().mul(3).addi(1));
        INDArray theta = Trainer.warmStartParameters(model, other, DataType.DOUBLE);
        ParameterLayout layout = new ParameterLayout(4, 3);
        INDArray logits = other.transform(iris.features()).mmul(layout.weights(theta))
                .addiRowVector(layout.bias(theta));
        assertTrue(GradientCheck.maxRelativeError(logits, model.decisionFunction(iris.features()), 1e-9) < 1e-10);
    }

    @Test
    void warmStartMustMatchTheData() {
        SoftmaxRegression model = new SoftmaxRegression(Nd4j.zeros(DataType.DOUBLE, 2, 3),
                Nd4j.zeros(DataType.DOUBLE, 3), List.of("a", "b", "c"), FeatureScaler.none(2), null);
        Trainer trainer = newton().warmStart(model).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.fit(iris));
        assertTrue(e.getMessage().contains("2 features"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder().hessianBudget(0));
    }
}
