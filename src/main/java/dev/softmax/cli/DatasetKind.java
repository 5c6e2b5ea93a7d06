package dev.softmax.cli;

import dev.softmax.model.Trainer;
import java.nio.file.Path;
import java.util.List;

/** The data sets the command line knows by name, each with its default scaling and where it is looked for. */
public enum DatasetKind {
    /** Fisher's iris: 150 flowers, 4 measurements, 3 species ({@code <data-dir>/iris.csv}, else the bundled copy). */
    IRIS("iris", Trainer.Scaling.STANDARD, List.of()),
    /** The user's own CSV files, given with {@code --train} and optionally {@code --test}. */
    CSV("csv", Trainer.Scaling.STANDARD, List.of()),
    /** Handwritten digits, 60000 + 10000 images of 28x28, IDX files in {@code <data-dir>/mnist/}. */
    MNIST("mnist", Trainer.Scaling.UNIT, List.of()),
    /**
     * Zalando's clothing images, same layout as MNIST, in {@code <data-dir>/fashion-mnist/}, else where the Debian
     * package {@code dataset-fashion-mnist} installs it.
     */
    FASHION_MNIST("fashion-mnist", Trainer.Scaling.UNIT, List.of(Path.of("/usr/share/datasets/fashion-mnist"))),
    /** CIFAR-10, 50000 + 10000 colour images of 32x32, binary version, in {@code <data-dir>/cifar-10-batches-bin/}. */
    CIFAR10("cifar10", Trainer.Scaling.UNIT, List.of());

    /** Iris's shape (the bundled file's): measurements per flower. */
    static final int IRIS_FEATURES = 4;
    /** Iris's shape (the bundled file's): species. */
    static final int IRIS_CLASSES = 3;

    private final String cliName;
    private final Trainer.Scaling defaultScaling;
    private final List<Path> systemFolders;

    DatasetKind(String cliName, Trainer.Scaling defaultScaling, List<Path> systemFolders) {
        this.cliName = cliName;
        this.defaultScaling = defaultScaling;
        this.systemFolders = systemFolders;
    }

    /**
     * Unit (divide by 255) for image sets, z-scores for measurements.
     *
     * @return the default scaling
     */
    public Trainer.Scaling defaultScaling() {
        return defaultScaling;
    }

    /**
     * Folders outside {@code --data-dir} where an installed copy is looked for, after {@code --data-dir}.
     *
     * @return the folders, possibly none
     */
    public List<Path> systemFolders() {
        return systemFolders;
    }

    /**
     * Features per image of an image data set (28 x 28, or 32 x 32 x 3), 0 for the others.
     *
     * @return the number of features, or 0
     */
    public int imageFeatures() {
        return switch (this) {
            case MNIST, FASHION_MNIST -> 28 * 28;
            case CIFAR10 -> 32 * 32 * 3;
            default -> 0;
        };
    }

    /**
     * Whether the data set comes with its own test split, so {@code --test-fraction} does not apply.
     *
     * @return {@code true} for MNIST, Fashion-MNIST and CIFAR-10
     */
    public boolean hasOwnTestSplit() {
        return this == MNIST || this == FASHION_MNIST || this == CIFAR10;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /**
     * Parses a command-line name; {@code fashion_mnist} and {@code cifar-10} are accepted too.
     *
     * @param name the name, case-insensitive
     * @return the data set
     * @throws IllegalArgumentException for an unknown name
     */
    public static DatasetKind fromName(String name) {
        String wanted = name.trim().replace('_', '-');
        for (DatasetKind kind : values()) {
            if (kind.cliName.equalsIgnoreCase(wanted) || kind.cliName.equalsIgnoreCase(wanted.replace("-", ""))) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "', expected one of "
                + java.util.Arrays.toString(values()));
    }
}
