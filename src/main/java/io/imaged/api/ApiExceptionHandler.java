package io.imaged.api;

import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Every error leaves as Docker's {@code {"message": ...}}; never a stack trace. */
@RestControllerAdvice
public class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    private final java.time.Duration bodyTimeout;

    public ApiExceptionHandler(io.imaged.config.ImagedProperties props) {
        this.bodyTimeout = props.requestBodyTimeout();
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorBody> api(ApiException e) {
        return body(e.status(), e.getMessage());
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<ErrorBody> notFound(NoResourceFoundException e) {
        return body(HttpStatus.NOT_FOUND, "page not found");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<ErrorBody> method(HttpRequestMethodNotSupportedException e) {
        // dockerd's router has no method-not-allowed answer: a path without a route for the method is not found
        return body(HttpStatus.NOT_FOUND, "page not found");
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class,
            HttpMessageNotReadableException.class, HttpMediaTypeNotSupportedException.class, IllegalArgumentException.class})
    ResponseEntity<ErrorBody> badRequest(Exception e) {
        String msg = e instanceof MethodArgumentTypeMismatchException mm
                ? "invalid value for " + mm.getName() + ": " + mm.getValue()
                : e instanceof HttpMessageNotReadableException ? "invalid JSON body" : e.getMessage();
        return body(HttpStatus.BAD_REQUEST, msg);
    }

    @ExceptionHandler(AsyncRequestNotUsableException.class)
    void clientGone(AsyncRequestNotUsableException e) {
        // the client hung up; there is nobody to answer
    }

    /** A client that goes away is not an error of imaged's: one line, no stack trace, no answer. */
    @ExceptionHandler(ClientGoneException.class)
    void clientGone(ClientGoneException e) {
        log.info("{}", e.getMessage());
    }

    /**
     * Tomcat's timeout of a connection that sent nothing (a stalled body read on {@link LongRequests}' pool): the
     * container fails the async request with this before the reading thread sees it. A client's fault, not ours.
     */
    @ExceptionHandler(java.net.SocketTimeoutException.class)
    ResponseEntity<ErrorBody> stalled(java.net.SocketTimeoutException e) {
        String msg = "no request body data received for " + bodyTimeout.toSeconds() + "s (imaged.request-body-timeout)";
        log.info("request cut: {}", msg);
        return body(HttpStatus.BAD_REQUEST, msg);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> internal(Exception e, HttpServletResponse response) {
        if (isClientAbort(e)) {
            // Tomcat's word for a connection the client closed while we read or wrote it
            log.info("request ended: the client went away ({})", e.getClass().getSimpleName());
            return null;
        }
        log.error("request failed", e);
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return body(HttpStatus.INTERNAL_SERVER_ERROR, msg);
    }

    private static boolean isClientAbort(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.catalina.connector.ClientAbortException) return true;
        }
        return false;
    }

    private static ResponseEntity<ErrorBody> body(HttpStatus status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ErrorBody(message));
    }
}
