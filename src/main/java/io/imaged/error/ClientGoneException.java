package io.imaged.error;

import java.io.IOException;

/**
 * The client went away — closed the connection while its request was read or answered. Nothing more is done for
 * it: the operation stops (a pull keeps what it verified), nothing half-done is stored, and it is no failure of
 * imaged's: one log line, no stack trace, no answer. The web layer turns its server's own word for this
 * (Tomcat's ClientAbortException) into this type where the domain reads or writes the client's stream.
 */
public class ClientGoneException extends IOException {
    public ClientGoneException() {
        super("the client went away");
    }

    /** {@code what}: the operation, for the log line ({@code "load: the client went away"}). */
    public ClientGoneException(String what) {
        super(what + ": the client went away");
    }

    public ClientGoneException(String what, Throwable cause) {
        super(what + ": the client went away", cause);
    }

    /** Whether {@code e} or one of its causes is a client that went away. */
    public static boolean in(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClientGoneException) return true;
        }
        return false;
    }
}
