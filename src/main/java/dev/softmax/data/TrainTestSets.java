package dev.softmax.data;

import java.util.Objects;

/**
 * A data set that comes with its own test split (CIFAR-10, the MNIST family, CSV with {@code --test}).
 *
 * @param train  the training examples, raw features
 * @param test   the official test examples, raw features, same classes and feature count as {@code train}
 * @param source where the data was read from, for reports
 */
public record TrainTestSets(Dataset train, Dataset test, String source) {

    /**
     * Checks that the two parts agree on features and classes.
     *
     * @param train  the training examples
     * @param test   the test examples, same classes and feature count as {@code train}
     * @param source where the data was read from
     */
    public TrainTestSets {
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(test, "test");
        Objects.requireNonNull(source, "source");
        if (train.numFeatures() != test.numFeatures()) {
            throw new IllegalArgumentException(source + ": train has " + train.numFeatures()
                    + " features but test has " + test.numFeatures());
        }
        if (!train.classNames().equals(test.classNames())) {
            throw new IllegalArgumentException(source + ": train and test have different classes "
                    + dev.softmax.io.OneLine.list(train.classNames()) + " vs "
                    + dev.softmax.io.OneLine.list(test.classNames()));
        }
    }
}
