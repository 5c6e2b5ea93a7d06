package dev.softmax.data;

import java.nio.file.Path;

/**
 * Features that cannot be computed with: NaN or infinite values, values beyond the arithmetic type's range, or
 * finite values so large that a mean, a standard deviation or the logits overflow. Thrown where the arrays are
 * checked, which do not know the file they came from; the command line adds it with {@link #in(String)}.
 */
public class FeatureValuesException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * A problem with the features.
     *
     * @param problem what is wrong
     */
    public FeatureValuesException(String problem) {
        super(problem);
    }

    /**
     * The same problem in the data read from {@code source}.
     *
     * @param source the file (or description of the data set) the features were read from; {@code null} leaves
     *               the message as it is
     * @return an exception whose message starts with {@code source}
     */
    public IllegalArgumentException in(String source) {
        if (source == null) {
            return this;
        }
        InvalidDataException named = new InvalidDataException(Path.of(source), getMessage());
        named.initCause(this);
        return named;
    }
}
