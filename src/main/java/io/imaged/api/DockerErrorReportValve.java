package io.imaged.api;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tomcat's own error answers — a request line, header or URI it cannot parse, a header block that is too large,
 * an unsupported HTTP version or transfer coding, a failed {@code Expect} — written as Docker's
 * {@code {"message": ...}} instead of Tomcat's HTML page. Installed on the host in place of
 * {@link ErrorReportValve} (see {@code server.TomcatErrorConfiguration}); errors that reach Spring are answered
 * by {@link ApiExceptionHandler} and {@link ErrorEndpoint}, so only errors Tomcat raises itself end here.
 * The message is a fixed text per status: nothing the client sent and no exception text is echoed.
 */
public class DockerErrorReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) return;
        AtomicBoolean ioAllowed = new AtomicBoolean(false);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) return;
        String message = TomcatErrors.message(status, throwable);
        if (TomcatErrors.headerTooLarge(throwable)) {
            // Go's server answers this with 431; Tomcat says 400
            status = 431;
            response.setStatus(status);
        }
        try {
            response.setContentType("application/json");
            response.setCharacterEncoding("utf-8");
            DockerHeaders.addTo(response);
            Writer w = response.getReporter();
            if (w != null) {
                w.write(ErrorBody.json(message));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the connection is gone or already committed: nothing more can be said
        }
    }
}
