package io.imaged.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imaged.progress.ProgressEvent;
import io.imaged.progress.ProgressOutput;
import io.imaged.progress.ProgressSink;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Renders progress as Docker's JSON-lines stream ({@code jsonmessage}): one object per line, fields in Go's order
 * (status, progressDetail, progress, id, errorDetail, error, stream, aux), the bar as dockerd draws it server-side,
 * each line flushed so the CLI draws as it happens. The one streamed answer of pull, push, load and URL import:
 * {@link #begin} sends the 200 once the operation is prepared; what fails later is the stream's last line.
 */
final class JsonMessages implements ProgressSink {
    private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LF = "\n".getBytes(StandardCharsets.US_ASCII);
    private final OutputStream out;
    private final ObjectMapper json;
    private final byte[] lineEnd;

    private JsonMessages(OutputStream out, ObjectMapper json, byte[] lineEnd) {
        this.out = out;
        this.json = json;
        this.lineEnd = lineEnd;
    }

    /** Progress written to the response's body, lines ending in CRLF as dockerd's stream formatter writes them. */
    static ProgressOutput to(HttpServletResponse response, ObjectMapper json) throws IOException {
        return new ProgressOutput(new JsonMessages(response.getOutputStream(), json, CRLF));
    }

    /** Progress written to {@code out} with CRLF line ends. */
    static ProgressOutput to(OutputStream out, ObjectMapper json) {
        return new ProgressOutput(new JsonMessages(out, json, CRLF));
    }

    /** The same with bare LF line ends (the load answer, as imaged has always written it). */
    static ProgressOutput toWithLf(HttpServletResponse response, ObjectMapper json) throws IOException {
        return new ProgressOutput(new JsonMessages(response.getOutputStream(), json, LF));
    }

    /** Starts the streamed answer: 200, JSON, headers sent now so the client sees the operation begin. */
    static void begin(HttpServletResponse response) throws IOException {
        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.flushBuffer();
    }

    @Override
    public void emit(ProgressEvent event) throws IOException {
        ObjectNode n = json.createObjectNode();
        if (event instanceof ProgressEvent.Status s) {
            n.put("status", s.text());
            if (s.id() != null) n.put("id", s.id());
        } else if (event instanceof ProgressEvent.Layer l) {
            n.put("status", l.text());
            n.putObject("progressDetail");
            n.put("id", l.id());
        } else if (event instanceof ProgressEvent.Bar b) {
            n.put("status", b.text());
            ObjectNode d = n.putObject("progressDetail");
            d.put("current", b.current());
            if (b.total() > 0) d.put("total", b.total());
            n.put("progress", ProgressBar.render(b.current(), b.total()));
            if (b.id() != null) n.put("id", b.id());
        } else if (event instanceof ProgressEvent.Aux a) {
            n.putObject("progressDetail");
            n.set("aux", json.valueToTree(a.value()));
        } else if (event instanceof ProgressEvent.Stream s) {
            n.put("stream", s.text());
        } else if (event instanceof ProgressEvent.Failure f) {
            n.putObject("errorDetail").put("message", f.message());
            n.put("error", f.message());
        }
        out.write(json.writeValueAsBytes(n));
        out.write(lineEnd);
        out.flush();
    }
}
