package dev.softmax.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.softmax.data.Dataset;
import dev.softmax.eval.Metrics;
import dev.softmax.loss.SoftmaxCrossEntropy;
import dev.softmax.optim.Adam;
import dev.softmax.optim.MiniBatchSgd;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.optim.Optimizer;
import dev.softmax.optim.StoppingCriteria;
import dev.softmax.optim.TerminationReason;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link Trainer.Builder#earlyStopping}: stops after {@code patience} epochs and returns the best weights. */
class EarlyStoppingTest {

    /**
     * 40 training rows in 30 dimensions of which 2 carry the class, unpenalised: the training loss keeps falling
     * while the model fits the noise dimensions and the validation loss turns up.
     */
    private final Dataset all = noisy(240, 30, 3, 5);
    private final Dataset train = all.subset(IntStream.range(0, 40).toArray());
    private final Dataset validation = all.subset(IntStream.range(40, 240).toArray());

    /** Gaussian features; class {@code k} shifts the first two by {@code cos, sin} of {@code 2 pi k / K}. */
    static Dataset noisy(int n, int d, int k, long seed) {
        java.util.Random random = new java.util.Random(seed);
        double[] x = new double[n * d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % k;
            for (int j = 0; j < d; j++) {
                x[i * d + j] = random.nextGaussian();
            }
            x[i * d] += 1.5 * Math.cos(2 * Math.PI * y[i] / k);
            x[i * d + 1] += 1.5 * Math.sin(2 * Math.PI * y[i] / k);
        }
        List<String> names = IntStream.range(0, k).mapToObj(c -> "c" + c).toList();
        return new Dataset(org.nd4j.linalg.factory.Nd4j.create(x, new long[] {n, d}, DataType.DOUBLE), y, names);
    }

    private static Optimizer<? super SoftmaxCrossEntropy> optimizer(String name) {
        return name.equals("sgd") ? new MiniBatchSgd(0.1, 8, 3) : new Adam(0.05, 8, 3);
    }

    private Trainer.Builder builder(String optimizer, int epochs) {
        return Trainer.builder().l2(0).dataType(DataType.DOUBLE).scaling(Trainer.Scaling.NONE)
                .optimizer(optimizer(optimizer)).stopping(new StoppingCriteria(epochs, 0, 0, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void keepsTheWeightsWithTheLowestValidationLossAndStopsAfterPatience(String optimizer) {
        int patience = 5;
        // An independent record: the points the optimizer reports, scored here after the run.
        List<INDArray> points = new ArrayList<>();
        List<Double> reported = new ArrayList<>();
        SoftmaxRegression model = builder(optimizer, 500)
                .earlyStopping(validation, patience)
                .listener((record, point) -> points.add(point.dup()) || true)
                .validationListener((record, loss) -> reported.add(loss))
                .build().fit(train);

        SoftmaxCrossEntropy validationLoss = new SoftmaxCrossEntropy(validation.features(), validation.labels(), 3, 0);
        double[] losses = points.stream().mapToDouble(validationLoss::value).toArray();
        int best = 0;
        for (int epoch = 0; epoch < losses.length; epoch++) {
            assertEquals(losses[epoch], reported.get(epoch), 1e-12, "reported validation loss of epoch " + epoch);
            best = losses[epoch] < losses[best] ? epoch : best;
        }
        OptimizationResult result = model.trainingResult().orElseThrow();
        assertEquals(TerminationReason.STOPPED_BY_LISTENER, result.reason());
        assertTrue(best > 0, "the validation loss improved at first");
        assertEquals(best + patience, result.iterations(), "stops patience epochs after the best one");
        assertTrue(losses[losses.length - 1] > losses[best], "the last epoch is worse than the best");

        double modelLoss = Metrics.logLoss(validation.labels(), model.predictLogProba(validation.features()));
        assertEquals(losses[best], modelLoss, 1e-12, "the model has the best epoch's weights");
        assertEquals(new SoftmaxCrossEntropy(train.features(), train.labels(), 3, 0).value(result.solution()),
                result.value(), 1e-12, "the result's value is the training objective at the best weights");
        // The summary (what a saved model stores) has the kept point's gradient norm, not the last epoch's.
        int kept = best;
        double keptNorm = result.history().stream().filter(row -> row.iteration() == kept).findFirst()
                .orElseThrow().gradientNorm();
        assertEquals(keptNorm, model.trainingSummary().orElseThrow().gradientNorm(), 0.0);
        assertTrue(keptNorm != result.last().gradientNorm(), "the last epoch's differs, so this tells them apart");
    }

    @Test
    void theValidationLossOfPixelsIsTakenOnTheScaledPixels() {
        // Pixel values 0 to 255, scaled by 1/255 (folded into the passes, as for the training set).
        double[] values = all.features().data().asDouble();
        for (int i = 0; i < values.length; i++) {
            values[i] = Math.max(0, Math.min(255, Math.round(128 + 40 * values[i])));
        }
        INDArray pixels = org.nd4j.linalg.factory.Nd4j.create(values, all.features().shape(), DataType.DOUBLE);
        Dataset images = all.withFeatures(pixels);
        Dataset imageTrain = images.subset(IntStream.range(0, 40).toArray());
        Dataset imageValidation = images.subset(IntStream.range(40, 240).toArray());
        List<INDArray> points = new ArrayList<>();
        List<Double> reported = new ArrayList<>();
        builder("sgd", 30).scaling(Trainer.Scaling.UNIT).earlyStopping(imageValidation, 1000)
                .listener((record, point) -> points.add(point.dup()) || true)
                .validationListener((record, loss) -> reported.add(loss))
                .build().fit(imageTrain);

        SoftmaxCrossEntropy scaled = new SoftmaxCrossEntropy(imageValidation.features().div(255.0),
                imageValidation.labels(), 3, 0);
        assertEquals(31, reported.size(), "the start and 30 epochs");
        assertEquals(reported.size(), points.size());
        for (int epoch = 0; epoch < reported.size(); epoch++) {
            double expected = scaled.value(points.get(epoch));
            assertEquals(expected, reported.get(epoch), 1e-12 * expected, "validation loss of epoch " + epoch);
        }
    }

    @Test
    void withoutEnoughEpochsTheBestWeightsAreStillReturned() {
        List<Double> reported = new ArrayList<>();
        SoftmaxRegression model = builder("sgd", 60).earlyStopping(validation, 1000)
                .validationListener((record, loss) -> reported.add(loss)).build().fit(train);
        assertEquals(TerminationReason.MAX_ITERATIONS, model.trainingResult().orElseThrow().reason());
        double min = reported.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        assertTrue(reported.get(reported.size() - 1) > min, "the run went past its best epoch");
        assertEquals(min, Metrics.logLoss(validation.labels(), model.predictLogProba(validation.features())), 1e-12);
    }

    @Test
    void aUserListenerCanStillStopTheRun() {
        SoftmaxRegression model = builder("adam", 500).earlyStopping(validation, 50)
                .listener((record, point) -> record.iteration() < 3).build().fit(train);
        OptimizationResult result = model.trainingResult().orElseThrow();
        assertEquals(TerminationReason.STOPPED_BY_LISTENER, result.reason());
        assertEquals(3, result.iterations());
    }

    @Test
    void invalidSettingsAreRejected() {
        assertEquals("patience must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Trainer.builder().earlyStopping(validation, 0)).getMessage());
        assertEquals("the validation set for early stopping is empty", assertThrows(IllegalArgumentException.class,
                () -> Trainer.builder().earlyStopping(validation.subset(new int[0]), 3)).getMessage());
        Dataset narrow = validation.withFeatures(validation.features().getColumns(0, 1, 2));
        Trainer trainer = builder("sgd", 5).earlyStopping(narrow, 3).build();
        assertEquals("the validation set has 3 features but the training set has 30",
                assertThrows(IllegalArgumentException.class, () -> trainer.fit(train)).getMessage());
        assertEquals(0, builder("sgd", 5).earlyStopping(null, 0).build().earlyStoppingPatience());
        // QA: a validation set whose only class weighs zero was said to leave "every training row" weight zero.
        int classOne = IntStream.range(0, validation.numSamples()).filter(i -> validation.labels()[i] == 1)
                .findFirst().orElseThrow();
        Trainer weighted = builder("sgd", 5).classWeights(new double[] {1, 0, 1})
                .earlyStopping(validation.subset(new int[] {classOne}), 3).build();
        assertEquals("the class weights give every validation row weight zero: the validation set has only classes"
                + " of weight zero", assertThrows(IllegalArgumentException.class, () -> weighted.fit(train))
                .getMessage());
    }
}
