package io.imaged.api;

import io.imaged.error.ImagedException;
import org.springframework.http.HttpStatus;

/**
 * The one place where the kind of an {@link ImagedException} becomes an HTTP status: the status dockerd answers
 * for the same errdefs kind (its {@code httpstatus.FromError}).
 */
final class ErrorStatus {
    private ErrorStatus() {
    }

    static HttpStatus of(ImagedException.Kind kind) {
        return switch (kind) {
            case INVALID_ARGUMENT -> HttpStatus.BAD_REQUEST;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case UNAUTHORIZED -> HttpStatus.UNAUTHORIZED;
            case FORBIDDEN -> HttpStatus.FORBIDDEN;
            case SYSTEM -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }
}
