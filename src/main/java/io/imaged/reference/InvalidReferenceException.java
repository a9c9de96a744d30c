package io.imaged.reference;

import io.imaged.api.ApiException;
import org.springframework.http.HttpStatus;

/** An image reference that does not parse; 400 as the v1.50 spec says (dockerd 20.10 answered 500). */
public class InvalidReferenceException extends ApiException {
    public InvalidReferenceException(String message) {
        super(HttpStatus.BAD_REQUEST, message);
    }
}
