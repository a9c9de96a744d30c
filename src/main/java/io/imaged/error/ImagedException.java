package io.imaged.error;

/**
 * A failure that reaches the client, with its kind as moby's {@code errdefs} name it: what went wrong, not how
 * HTTP says it. The domain throws these; {@code io.imaged.api} turns each kind into its status in one place
 * ({@code ErrorStatus}) and the message into {@code {"message": ...}} or a pull's {@code errorDetail}.
 */
public class ImagedException extends RuntimeException {

    /** The kinds imaged needs of moby's errdefs. */
    public enum Kind {
        /** errdefs.InvalidParameter: the request is wrong (a name, a parameter, a body). */
        INVALID_ARGUMENT,
        /** errdefs.NotFound: the image, manifest or repository the request names is not there. */
        NOT_FOUND,
        /** errdefs.Conflict: the request contradicts what is stored (an image still in use). */
        CONFLICT,
        /** errdefs.Unauthorized: a registry did not accept the credentials. */
        UNAUTHORIZED,
        /** errdefs.Forbidden: a registry refused the credentials access. */
        FORBIDDEN,
        /** errdefs.System: imaged or something behind it failed; not the client's fault. */
        SYSTEM
    }

    private final Kind kind;

    public ImagedException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public ImagedException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static ImagedException invalid(String message) {
        return new ImagedException(Kind.INVALID_ARGUMENT, message);
    }

    public static ImagedException notFound(String message) {
        return new ImagedException(Kind.NOT_FOUND, message);
    }

    public static ImagedException conflict(String message) {
        return new ImagedException(Kind.CONFLICT, message);
    }

    public static ImagedException system(String message) {
        return new ImagedException(Kind.SYSTEM, message);
    }

    public static ImagedException system(String message, Throwable cause) {
        return new ImagedException(Kind.SYSTEM, message, cause);
    }
}
