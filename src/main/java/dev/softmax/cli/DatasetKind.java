package dev.softmax.cli;

/** The data sets the command line knows by name. */
public enum DatasetKind {
    /** Fisher's iris: 150 flowers, 4 measurements, 3 species ({@code notebooks-data/iris.csv}). */
    IRIS("iris");

    private final String cliName;

    DatasetKind(String cliName) {
        this.cliName = cliName;
    }

    @Override
    public String toString() {
        return cliName;
    }

    /** Parses a command-line name. */
    public static DatasetKind fromName(String name) {
        for (DatasetKind kind : values()) {
            if (kind.cliName.equalsIgnoreCase(name.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown dataset '" + name + "', expected one of "
                + java.util.Arrays.toString(values()));
    }
}
