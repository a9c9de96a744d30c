package io.imaged.reference;

import io.imaged.error.ImagedException;

/** An image reference that does not parse; an invalid argument (400) as the v1.50 spec says (dockerd 20.10 answered 500). */
public class InvalidReferenceException extends ImagedException {
    public InvalidReferenceException(String message) {
        super(Kind.INVALID_ARGUMENT, message);
    }
}
