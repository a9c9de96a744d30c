package io.imaged.layer;

import io.imaged.error.ImagedException;

/** A tar or compressed stream that is malformed or hostile: an invalid argument (400), and nothing is stored. */
public class InvalidArchiveException extends ImagedException {
    public InvalidArchiveException(String message) {
        super(Kind.INVALID_ARGUMENT, message);
    }

    public InvalidArchiveException(String message, Throwable cause) {
        super(Kind.INVALID_ARGUMENT, message, cause);
    }
}
