package dev.softmax.io;

import java.io.IOException;

/**
 * A download that could not be completed (no network, HTTP error, checksum mismatch). The message is one line
 * that says what failed and what to do instead; the command line reports it with exit status 2.
 */
public class DownloadException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * A download failure with its one-line message.
     *
     * @param message one line: what failed, and where to put the files by hand
     */
    public DownloadException(String message) {
        super(message);
    }

    /**
     * A download failure with its one-line message and its cause.
     *
     * @param message one line: what failed, and where to put the files by hand
     * @param cause   the underlying failure
     */
    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
