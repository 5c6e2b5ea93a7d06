package dev.softmax.cli;

import dev.softmax.eval.ConfusionMatrix;
import dev.softmax.optim.OptimizationResult;
import dev.softmax.plot.Charts;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The PNGs {@code train --plot DIR} writes for a single run. */
final class TrainingPlots {

    /** The loss curve: training objective against iteration. */
    static final String LOSS_CURVE_PNG = "loss-curve.png";
    /** The run's convergence: objective minus its lowest, log scale, against iteration. */
    static final String GAP_CURVE_PNG = "gap-curve.png";
    /** The test confusion matrix as a heat map. */
    static final String CONFUSION_MATRIX_PNG = "confusion-matrix.png";
    /** Every file {@link #write} may write in its folder, for the checks made before training. */
    static final List<String> FILES = List.of(LOSS_CURVE_PNG, GAP_CURVE_PNG, CONFUSION_MATRIX_PNG);

    private TrainingPlots() {
    }

    /**
     * Writes the loss curve and the convergence (gap) curve, and the confusion heat map when there is a test set.
     *
     * @param dir       the folder, created when missing
     * @param result    the training run
     * @param confusion the test confusion matrix, or {@code null} without a test set
     * @param dataset   the data set's name, for the titles
     * @return the paths written
     */
    static List<Path> write(Path dir, OptimizationResult result, ConfusionMatrix confusion, String dataset)
            throws IOException {
        List<Path> written = new ArrayList<>();
        Path loss = dir.resolve(LOSS_CURVE_PNG);
        Charts.savePng(Charts.lossCurve(result, "Training objective: " + dataset), loss);
        written.add(loss);
        Path gap = dir.resolve(GAP_CURVE_PNG);
        Charts.savePng(Charts.gapCurve(result, "Convergence: " + dataset), gap);
        written.add(gap);
        if (confusion != null) {
            Path heatMap = dir.resolve(CONFUSION_MATRIX_PNG);
            Charts.savePng(Charts.confusionHeatMap(confusion, "Test confusion matrix: " + dataset), heatMap);
            written.add(heatMap);
        }
        return written;
    }
}
