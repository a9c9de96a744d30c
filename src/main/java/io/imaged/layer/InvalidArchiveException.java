package io.imaged.layer;

import io.imaged.api.ApiException;
import org.springframework.http.HttpStatus;

/** A tar or compressed stream that is malformed or hostile: 400, and nothing is stored. */
public class InvalidArchiveException extends ApiException {
    public InvalidArchiveException(String message) {
        super(HttpStatus.BAD_REQUEST, message);
    }

    public InvalidArchiveException(String message, Throwable cause) {
        super(HttpStatus.BAD_REQUEST, message, cause);
    }
}
