package io.imaged.api;

import io.imaged.error.ImagedException;
import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Replaces Spring Boot's {@code BasicErrorController} (its {@code {"timestamp", "status", "error", ...}} body, and
 * a 500 with status 999 when {@code /error} is called directly). Tomcat forwards here when a response ends in an
 * error that no controller answered — a request body it could not decode, an exception that escaped a filter —
 * and the answer is Docker's {@code {"message": ...}}. Called directly, {@code /error} is a path like any other
 * unknown one: 404 {@code page not found}, as dockerd answers.
 */
@Hidden
@RestController
public class ErrorEndpoint implements ErrorController {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ErrorEndpoint.class);

    @RequestMapping("${server.error.path:/error}")
    public ResponseEntity<ErrorBody> error(HttpServletRequest request, HttpServletResponse response) {
        DockerHeaders.addTo(response);
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (!(code instanceof Integer status)) return body(HttpStatus.NOT_FOUND.value(), "page not found");
        Throwable cause = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) instanceof Throwable t ? t : null;
        if (TomcatErrors.clientWentAway(cause)) {
            // an upload whose client closed the connection mid-body (Tomcat fails the async request with an EOF
            // before the reading thread reports it): one line, as for every client that leaves; nobody reads an answer
            log.info("{}: the client went away", request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI));
            return null;
        }
        // Tomcat answers a body it cannot read with 400 and the read's exception (after a bad chunk header, the
        // next read's "no data available" replaces the first one); a timeout while reading is its 408
        if (TomcatErrors.isMalformedBody(cause) || (status == 400 && cause instanceof java.io.IOException)) {
            String te = request.getHeader("Transfer-Encoding");
            boolean chunked = te != null && te.toLowerCase(java.util.Locale.ROOT).contains("chunked");
            return body(400, chunked ? "malformed chunked encoding" : "malformed request body");
        }
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ImagedException e) return body(ErrorStatus.of(e.kind()).value(), e.getMessage());
        }
        int s = status < 400 ? 500 : status;
        return body(s, TomcatErrors.message(s, cause));
    }

    private static ResponseEntity<ErrorBody> body(int status, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(new ErrorBody(message));
    }
}
