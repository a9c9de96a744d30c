package io.imaged.api;

import java.util.Locale;

/**
 * Plain words for errors that Tomcat (not a controller) detects. Tomcat's own messages quote the raw request
 * and name its classes, so they are never passed on; these follow what Go's net/http (dockerd) answers.
 */
final class TomcatErrors {
    private TomcatErrors() {
    }

    static String message(int status, Throwable cause) {
        if (headerTooLarge(cause)) return "request header fields too large";
        if (isMalformedBody(cause)) return "malformed chunked encoding";
        return switch (status) {
            case 400 -> "bad request: malformed HTTP request";
            case 404 -> "page not found";
            case 405 -> "page not found";
            case 408 -> "request timeout";
            case 411 -> "length required";
            case 413 -> "request entity too large";
            case 414 -> "request URI too long";
            case 417 -> "expectation failed: only 100-continue is supported";
            case 431 -> "request header fields too large";
            case 501 -> "not implemented: unsupported transfer encoding";
            case 505 -> "HTTP version not supported";
            default -> status >= 500 ? "internal server error" : "bad request";
        };
    }

    /** Tomcat reports a request line plus headers over {@code maxHttpRequestHeaderSize} as a plain 400. */
    static boolean headerTooLarge(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.toLowerCase(Locale.ROOT).contains("header is too large")) return true;
        }
        return false;
    }

    /**
     * A request body Tomcat could not decode (a bad chunk size, a missing CRLF). Tomcat's ClientAbortException is a
     * BadRequestException too, so a client that closed the connection mid-body is told apart first.
     */
    static boolean isMalformedBody(Throwable cause) {
        if (clientWentAway(cause)) return false;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof org.apache.coyote.BadRequestException) return true;
        }
        return false;
    }

    /** Tomcat's word for a connection the client closed while it was read or written. */
    static boolean isClientAbort(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof org.apache.catalina.connector.ClientAbortException) return true;
        }
        return false;
    }

    /** The client closed the connection before its body ended: Tomcat's ClientAbortException over an end of stream. */
    static boolean clientWentAway(Throwable cause) {
        boolean abort = false;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof org.apache.catalina.connector.ClientAbortException) abort = true;
            else if (abort && t instanceof java.io.EOFException) return true;
        }
        return false;
    }
}
