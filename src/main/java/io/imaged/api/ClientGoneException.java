package io.imaged.api;

/**
 * The client went away while its request was being read or answered. Nothing is stored, nobody is left to
 * answer, and it is not a server error: {@link ApiExceptionHandler} logs one line without a stack trace.
 */
public class ClientGoneException extends RuntimeException {
    public ClientGoneException(String what) {
        super(what + ": the client went away", null, false, false);
    }
}
