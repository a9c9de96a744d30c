package io.imaged.api;

import io.imaged.error.ClientGoneException;

import io.imaged.error.ErrorMessages;
import io.imaged.error.ImagedException;
import jakarta.servlet.http.HttpServletRequest;
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

/**
 * Every error leaves as Docker's {@code {"message": ...}}, or as the plain-text message that API 1.23 and older
 * clients read (dockerd's {@code MakeErrorHandler}); never a stack trace.
 */
@RestControllerAdvice
public class ApiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);
    /** Go's {@code http.Error} content type. */
    static final MediaType PLAIN_TEXT_ERROR = new MediaType("text", "plain", java.nio.charset.StandardCharsets.UTF_8);
    private final java.time.Duration bodyTimeout;

    public ApiExceptionHandler(io.imaged.config.ImagedProperties props) {
        this.bodyTimeout = props.requestBodyTimeout();
    }

    /** A failure of a kind: the status {@link ErrorStatus} gives it, the message as it is (once it is safe to show). */
    @ExceptionHandler(ImagedException.class)
    ResponseEntity<Object> imaged(ImagedException e, HttpServletRequest request) {
        HttpStatus status = ErrorStatus.of(e.kind());
        return body(request, status, ErrorMessages.safe(e.getMessage(), status.getReasonPhrase().toLowerCase(java.util.Locale.ROOT)));
    }

    /** A runtime endpoint of the spec on a daemon without a runtime ({@link NoRuntimeController}). */
    @ExceptionHandler(NoRuntimeController.NotImplemented.class)
    ResponseEntity<Object> notImplemented(NoRuntimeController.NotImplemented e, HttpServletRequest request) {
        return body(request, HttpStatus.NOT_IMPLEMENTED, e.getMessage());
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<Object> notFound(NoResourceFoundException e, HttpServletRequest request) {
        return body(request, HttpStatus.NOT_FOUND, "page not found");
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<Object> method(HttpRequestMethodNotSupportedException e, HttpServletRequest request) {
        // dockerd's router has no method-not-allowed answer: a path without a route for the method is not found
        return body(request, HttpStatus.NOT_FOUND, "page not found");
    }

    @ExceptionHandler({MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class,
            HttpMessageNotReadableException.class, HttpMediaTypeNotSupportedException.class, IllegalArgumentException.class})
    ResponseEntity<Object> badRequest(Exception e, HttpServletRequest request) {
        if (TomcatErrors.isMalformedBody(e)) return malformedBody(request);
        String msg = e instanceof MethodArgumentTypeMismatchException mm
                ? "invalid value for " + mm.getName() + ": " + mm.getValue()
                : e instanceof HttpMessageNotReadableException ? "invalid JSON body" : e.getMessage();
        return body(request, HttpStatus.BAD_REQUEST, ErrorMessages.safe(msg, "bad request"));
    }

    /**
     * A request body Tomcat could not decode (a bad chunk header): the client's fault, worded as Go's server
     * words it. Tomcat has marked the response as failed too, so {@link ErrorEndpoint} gives the same answer when
     * this one is discarded.
     */
    private static ResponseEntity<Object> malformedBody(HttpServletRequest request) {
        String te = request.getHeader("Transfer-Encoding");
        boolean chunked = te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
        return body(request, HttpStatus.BAD_REQUEST, chunked ? "malformed chunked encoding" : "malformed request body");
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
    ResponseEntity<Object> stalled(java.net.SocketTimeoutException e, HttpServletRequest request) {
        String msg = "no request body data received for " + bodyTimeout.toSeconds() + "s (imaged.request-body-timeout)";
        log.info("request cut: {}", msg);
        return body(request, HttpStatus.BAD_REQUEST, msg);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> internal(Exception e, HttpServletRequest request) {
        if (TomcatErrors.isMalformedBody(e)) return malformedBody(request);
        if (TomcatErrors.isClientAbort(e)) {
            // Tomcat's word for a connection the client closed while we read or wrote it
            Object uri = request.getAttribute(jakarta.servlet.RequestDispatcher.ERROR_REQUEST_URI);
            log.info("{}: the client went away", uri != null ? uri : request.getRequestURI());
            return null;
        }
        log.error("request failed", e);
        // a failure of the store's own files is worded without its paths, and no message names a Java class
        return body(request, HttpStatus.INTERNAL_SERVER_ERROR,
                ErrorMessages.of(e, "internal server error"));
    }

    private static ResponseEntity<Object> body(HttpServletRequest request, HttpStatus status, String message) {
        if (ApiPathFilter.versionOf(request).plainTextErrors()) {
            return ResponseEntity.status(status).contentType(PLAIN_TEXT_ERROR).header("X-Content-Type-Options", "nosniff")
                    .body(message + "\n");
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ErrorBody(message));
    }
}
